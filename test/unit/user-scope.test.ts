import { parseUserNumbers, readerKey, resolveScope, type UserNumbers } from '../../lib/scope/user-scope';

const N1 = '+14155550100';
const N2 = '+14155550101';
const N3 = '+447911123456';

function parsed(raw: string): Record<string, readonly string[]> {
  const result = parseUserNumbers(raw);
  if (!result.ok) throw new Error(`expected ok, got: ${result.error}`);
  return Object.fromEntries(result.map);
}

function failure(raw: string): string {
  const result = parseUserNumbers(raw);
  if (result.ok) throw new Error('expected an error');
  return result.error;
}

describe('parseUserNumbers', () => {
  test.each<[string, string, Record<string, string[]>]>([
    ['one pair', `alice@example.com=${N1}`, { 'alice@example.com': [N1] }],
    ['two identities', `alice@example.com=${N1},bob@example.com=${N2}`, { 'alice@example.com': [N1], 'bob@example.com': [N2] }],
    ['several numbers for one identity, in order', `alice@example.com=${N1},alice@example.com=${N3},alice@example.com=${N2}`, { 'alice@example.com': [N1, N3, N2] }],
    ['duplicates collapsed', `alice@example.com=${N1},alice@example.com=${N1}`, { 'alice@example.com': [N1] }],
    ['identity case-insensitive', `Alice@Example.COM=${N1},ALICE@example.com=${N2}`, { 'alice@example.com': [N1, N2] }],
    ['identity case-insensitive, duplicate collapsed', `Alice@Example.COM=${N1},alice@example.com=${N1}`, { 'alice@example.com': [N1] }],
    ['identity and number trimmed', `  alice@example.com  =  ${N1}  `, { 'alice@example.com': [N1] }],
    ['spaces around commas', ` alice@example.com=${N1} , bob@example.com=${N2} `, { 'alice@example.com': [N1], 'bob@example.com': [N2] }],
    ['empty entries skipped', `,alice@example.com=${N1},,`, { 'alice@example.com': [N1] }],
    ['= inside the identity: the last = splits', `a=b@example.com=${N1}`, { 'a=b@example.com': [N1] }],
    ['several = inside the identity', `x==y=${N1}`, { 'x==y': [N1] }],
    ['a non-email identity', `user-42=${N3}`, { 'user-42': [N3] }],
  ])('%s', (_label, raw, expected) => {
    expect(parsed(raw)).toEqual(expected);
  });

  test('the map is keyed by the normalized identity', () => {
    const result = parseUserNumbers(`  Alice@Example.com =${N1}`);
    expect(result.ok && [...result.map.keys()]).toEqual(['alice@example.com']);
  });

  const badNumber = 'the number after "=" is not an E.164 number';
  const noIdentity = 'the identity before "=" is missing';
  test.each<[string, string, number, string]>([
    ['no = at all', 'alice@example.com', 1, noIdentity],
    ['= first (identity empty)', `=${N1}`, 1, noIdentity],
    ['spaces-only identity', `   =${N1}`, 1, noIdentity],
    ['number missing', 'alice@example.com=', 1, badNumber],
    ['number without +', 'alice@example.com=14155550100', 1, badNumber],
    ['number with spaces', 'alice@example.com=+1 415 555 0100', 1, badNumber],
    ['invalid range', 'alice@example.com=+15551234567', 1, badNumber],
    ['second entry bad', `alice@example.com=${N1},bob@example.com=555`, 2, badNumber],
    ['third entry missing its identity', `alice@example.com=${N1},bob@example.com=${N2},=${N3}`, 3, noIdentity],
    ['position counts non-empty entries only', `,,alice@example.com=${N1},,carol@example.com=bad`, 2, badNumber],
    ['last = splits: the number part is not E.164', `alice@example.com=${N1}=x`, 1, badNumber],
  ])('%s → entry %i: %s', (_label, raw, position, why) => {
    expect(failure(raw)).toBe(
      `SMS_USER_NUMBERS entry ${position} is not "identity=+E164" (e.g. alice@example.com=+14155550100): ${why}.`,
    );
  });

  test.each([
    ['secret.person@corp.test=+1999', 'secret.person', '+1999'],
    [`secret.person@corp.test=${N1},hidden@corp.test=oops`, 'hidden', 'oops'],
    ['secret.person@corp.test=4155559999', 'secret.person', '4155559999'],
  ])('the error of %j names neither identity nor number', (raw, identity, number) => {
    const error = failure(raw);
    expect(error.includes(identity)).toBe(false);
    expect(error.includes(number)).toBe(false);
  });

  test.each(['', ' ', ',', ' , ,, '])('%j has no entries', (raw) => {
    expect(failure(raw)).toBe('SMS_USER_NUMBERS has no entries. Use "identity=+E164" pairs, e.g. alice@example.com=+14155550100, or leave it unset.');
  });
});

describe('readerKey', () => {
  test('is u_ + 16 hex digits', () => {
    expect(readerKey('alice@example.com')).toMatch(/^u_[0-9a-f]{16}$/);
  });

  test('is stable (the first 16 hex of sha256 of the normalized identity)', () => {
    expect(readerKey('alice@example.com')).toBe('u_ff8d9819fc0e12bf');
    expect(readerKey('alice@example.com')).toBe(readerKey('alice@example.com'));
  });

  test.each(['Alice@Example.COM', '  alice@example.com  ', 'ALICE@EXAMPLE.COM\t'])('%j has the same key as alice@example.com', (identity) => {
    expect(readerKey(identity)).toBe('u_ff8d9819fc0e12bf');
  });

  test('different identities have different keys', () => {
    const keys = ['alice@example.com', 'bob@example.com', 'alice@example.org', 'alice', 'a', 'b'].map(readerKey);
    expect(new Set(keys).size).toBe(6);
  });

  test.each(['alice@example.com', 'alice', 'abc', '0123456789abcdef'])('does not contain the identity %j', (identity) => {
    expect(readerKey(identity).includes(identity)).toBe(false);
  });
});

describe('resolveScope', () => {
  const users: UserNumbers = new Map([
    ['alice@example.com', [N1, N2]],
    ['bob@example.com', [N3]],
  ]);

  test('several users, no identity → refusal naming SMS_USER', () => {
    expect(resolveScope(undefined, users, N1)).toEqual({
      ok: false,
      reason: 'This server is set up for several users (SMS_USER_NUMBERS), but no user identity reached it. The administrator must pass SMS_USER: "{{LIBRECHAT_USER_EMAIL}}" in its librechat.yaml env.',
    });
  });

  test('several users, unknown identity → refusal naming the trimmed identity', () => {
    expect(resolveScope('  carol@example.com ', users, N1)).toEqual({
      ok: false,
      reason: 'No Twilio number is assigned to carol@example.com on this server. Ask the administrator to add "carol@example.com=+<your number>" to SMS_USER_NUMBERS.',
    });
  });

  test.each<[string, string, string[]]>([
    ['alice@example.com', 'alice@example.com', [N1, N2]],
    [' Alice@Example.com ', 'Alice@Example.com', [N1, N2]],
    ['BOB@EXAMPLE.COM', 'BOB@EXAMPLE.COM', [N3]],
  ])('several users, %j → its numbers, own reader, ownNumber ignored', (identity, shown, numbers) => {
    expect(resolveScope(identity, users, '+15005550006')).toEqual({ ok: true, identity: shown, reader: readerKey(identity), numbers });
  });

  test('the scope gets a copy of the numbers', () => {
    const scope = resolveScope('alice@example.com', users, undefined);
    if (!scope.ok || !scope.numbers) throw new Error('expected numbers');
    scope.numbers.push('+19999999999');
    expect(users.get('alice@example.com')).toEqual([N1, N2]);
  });

  test.each<[string | undefined, string | undefined, object]>([
    [undefined, N1, { ok: true, identity: null, reader: null, numbers: [N1] }],
    [undefined, undefined, { ok: true, identity: null, reader: null, numbers: null }],
    [undefined, '', { ok: true, identity: null, reader: null, numbers: null }],
    [' alice@example.com ', N1, { ok: true, identity: 'alice@example.com', reader: 'u_ff8d9819fc0e12bf', numbers: [N1] }],
    ['alice@example.com', undefined, { ok: true, identity: 'alice@example.com', reader: 'u_ff8d9819fc0e12bf', numbers: null }],
  ])('one person: identity %j, own number %j', (identity, ownNumber, expected) => {
    expect(resolveScope(identity, undefined, ownNumber)).toEqual(expected);
  });
});
