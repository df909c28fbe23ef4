import type { InboxEntry } from '../../../lib/message-record';
import type { InboxSnapshot } from '../../../lib/store/inbox';
import { chooseFromNumber } from '../../../lib/outbound/from-number';

const N1 = '+14155550100';
const N2 = '+14155550101';
const N3 = '+14155550102';
const THEM = '+447911123456';

function known(ourNumber: string, lastActivityAt: string): NonNullable<InboxSnapshot> {
  const entry: InboxEntry = {
    conversationId: `conv_${ourNumber.slice(1)}`,
    ourNumber,
    theirNumber: THEM,
    createdAt: '2024-01-01T00:00:00.000Z',
    lastActivityAt,
    lastDirection: 'inbound',
    messageCount: 1,
    inboundCount: 1,
    lastInboundIndex: 0,
    cursorIndex: -1,
    handedOver: 0,
    recentSids: [],
    optedOut: false,
  };
  return { entry, revision: `rev-${ourNumber}` };
}

/** entryOf over a fixed table of conversations (missing: null). */
function entries(table: Record<string, NonNullable<InboxSnapshot>>) {
  return jest.fn(async (ourNumber: string): Promise<InboxSnapshot> => table[ourNumber] ?? null);
}

describe('chooseFromNumber without a store (entryOf null)', () => {
  test.each<[string, readonly string[] | null, string | undefined, string | undefined]>([
    ['numbers null, nothing asked: the Messaging Service picks', null, undefined, undefined],
    ['no numbers, nothing asked', [], undefined, undefined],
    ['one number', [N1], undefined, N1],
    ['several numbers: the first', [N2, N1, N3], undefined, N2],
    ['asked one in scope', [N1, N2], N2, N2],
    ['asked with surrounding spaces', [N1, N2], `  ${N2}\t`, N2],
  ])('%s', async (_label, numbers, asked, number) => {
    expect(await chooseFromNumber(numbers, asked, null)).toEqual({ ok: true, number, inbox: undefined });
  });
});

describe('chooseFromNumber refuses a number out of scope', () => {
  test.each<[string, readonly string[] | null, string, string]>([
    ['several numbers: lists them', [N1, N2], N3, `"${N3}" is not one of your Twilio numbers (${N1}, ${N2}). Leave "from" out, or use one of those.`],
    ['one number: lists it', [N1], N2, `"${N2}" is not one of your Twilio numbers (${N1}). Leave "from" out, or use one of those.`],
    ['numbers null (Messaging Service): no list', null, N1, `"${N1}" is not one of your Twilio numbers. Leave "from" out, or use one of those.`],
    ['no numbers: no list', [], N1, `"${N1}" is not one of your Twilio numbers. Leave "from" out, or use one of those.`],
    ['a long asked value is cut to 24 characters', [N1], 'x'.repeat(100), `"${'x'.repeat(24)}" is not one of your Twilio numbers (${N1}). Leave "from" out, or use one of those.`],
  ])('%s', async (_label, numbers, asked, reason) => {
    const entryOf = entries({});
    expect(await chooseFromNumber(numbers, asked, entryOf)).toEqual({ ok: false, reason });
    expect(entryOf).not.toHaveBeenCalled();
  });
});

describe('chooseFromNumber with a store', () => {
  test('one number with a conversation: it, with its entry', async () => {
    const e1 = known(N1, '2024-01-01T00:05:00.000Z');
    const entryOf = entries({ [N1]: e1 });
    expect(await chooseFromNumber([N1], undefined, entryOf)).toEqual({ ok: true, number: N1, inbox: e1 });
    expect(entryOf.mock.calls).toEqual([[N1]]);
  });

  test('one number without a conversation: it, inbox null', async () => {
    const entryOf = entries({});
    expect(await chooseFromNumber([N1], undefined, entryOf)).toEqual({ ok: true, number: N1, inbox: null });
  });

  test.each<[string, Record<string, string>, string]>([
    ['the latest of three wins', { [N1]: '2024-01-01T00:01:00.000Z', [N2]: '2024-01-03T00:00:00.000Z', [N3]: '2024-01-02T00:00:00.000Z' }, N2],
    ['the last one can win', { [N1]: '2024-01-01T00:01:00.000Z', [N2]: '2024-01-01T00:02:00.000Z', [N3]: '2024-01-01T00:03:00.000Z' }, N3],
    ['only one has a conversation, not the first', { [N3]: '2020-01-01T00:00:00.000Z' }, N3],
    ['a conversation beats none even if older', { [N2]: '2000-01-01T00:00:00.000Z' }, N2],
    ['milliseconds decide', { [N1]: '2024-01-01T00:00:00.001Z', [N2]: '2024-01-01T00:00:00.002Z' }, N2],
  ])('several numbers: %s', async (_label, activity, winner) => {
    const table = Object.fromEntries(Object.entries(activity).map(([n, at]) => [n, known(n, at)]));
    const entryOf = entries(table);
    expect(await chooseFromNumber([N1, N2, N3], undefined, entryOf)).toEqual({ ok: true, number: winner, inbox: table[winner] });
  });

  test('several numbers, no conversation with any: the first, inbox null', async () => {
    expect(await chooseFromNumber([N2, N3, N1], undefined, entries({}))).toEqual({ ok: true, number: N2, inbox: null });
  });

  test('asked in scope: only that number is read, even if another is more recent', async () => {
    const table = { [N1]: known(N1, '2024-01-01T00:00:00.000Z'), [N2]: known(N2, '2025-01-01T00:00:00.000Z') };
    const entryOf = entries(table);
    expect(await chooseFromNumber([N1, N2], N1, entryOf)).toEqual({ ok: true, number: N1, inbox: table[N1] });
    expect(entryOf.mock.calls).toEqual([[N1]]);
  });

  test('asked with spaces is read trimmed', async () => {
    const table = { [N2]: known(N2, '2024-01-01T00:00:00.000Z') };
    const entryOf = entries(table);
    expect(await chooseFromNumber([N1, N2], ` ${N2} `, entryOf)).toEqual({ ok: true, number: N2, inbox: table[N2] });
    expect(entryOf.mock.calls).toEqual([[N2]]);
  });

  test('asked in scope without a conversation: it, inbox null', async () => {
    expect(await chooseFromNumber([N1, N2], N2, entries({ [N1]: known(N1, '2024-01-01T00:00:00.000Z') }))).toEqual({ ok: true, number: N2, inbox: null });
  });

  test('numbers null, nothing asked: nothing read', async () => {
    const entryOf = entries({});
    expect(await chooseFromNumber(null, undefined, entryOf)).toEqual({ ok: true, number: undefined, inbox: undefined });
    expect(entryOf).not.toHaveBeenCalled();
  });

  test('entries are read in parallel, each number once', async () => {
    const resolvers = new Map<string, (known: InboxSnapshot) => void>();
    const entryOf = jest.fn((ourNumber: string) => new Promise<InboxSnapshot>((resolve) => resolvers.set(ourNumber, resolve)));
    const choice = chooseFromNumber([N1, N2, N3], undefined, entryOf);
    // All three reads started before any of them answered.
    await Promise.resolve();
    expect(entryOf.mock.calls).toEqual([[N1], [N2], [N3]]);
    const e2 = known(N2, '2024-01-02T00:00:00.000Z');
    resolvers.get(N3)!(null);
    resolvers.get(N2)!(e2);
    resolvers.get(N1)!(known(N1, '2024-01-01T00:00:00.000Z'));
    expect(await choice).toEqual({ ok: true, number: N2, inbox: e2 });
    expect(entryOf).toHaveBeenCalledTimes(3);
  });

  test('a failing read rejects the choice', async () => {
    const entryOf = jest.fn(async (ourNumber: string): Promise<InboxSnapshot> => {
      if (ourNumber === N2) throw new Error('sync down');
      return null;
    });
    await expect(chooseFromNumber([N1, N2], undefined, entryOf)).rejects.toThrow('sync down');
  });
});
