import type * as z from 'zod';
import { flagEnabled } from '../../lib/env/flag';
import { asSid, count, firstIssue, httpUrl, milliseconds, secret, seconds, sid, SID_SOURCES, syncTtlSeconds, twilioApiBaseUrl, type SidPrefix } from '../../lib/env/schema';

const HEX = '0123456789abcdef'.repeat(2);

/** The message of the first issue, or the parsed value. */
function outcome<T>(schema: z.ZodType<T>, value: unknown): { ok: true; value: T } | { ok: false; message: string } {
  const result = schema.safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false, message: firstIssue(result.error).message };
}

describe('sid: the letter-case rule', () => {
  test.each<[string, string, string]>([
    ['lowercase digits, as Twilio issues them', `AC${HEX}`, `AC${HEX}`],
    ['upper-case digits are lowercased', `AC${HEX.toUpperCase()}`, `AC${HEX}`],
    ['mixed-case digits are lowercased', `AC${'aBcDeF01'.repeat(4)}`, `AC${'abcdef01'.repeat(4)}`],
    ['surrounding spaces are trimmed', `  AC${HEX}\n`, `AC${HEX}`],
  ])('%s', (_label, value, expected) => {
    expect(outcome(sid('AC', 'TWILIO_ACCOUNT_SID'), value)).toEqual({ ok: true, value: expected });
  });

  test.each<[string, string]>([
    ['a lowercase prefix', `ac${HEX}`],
    ['another prefix', `SK${HEX}`],
    ['31 digits', `AC${HEX.slice(1)}`],
    ['33 digits', `AC${HEX}0`],
    ['a non-hex digit', `AC${HEX.slice(1)}g`],
    ['an inner space', `AC${HEX.slice(0, 16)} ${HEX.slice(16)}`],
    ['no digits', 'AC'],
  ])('refuses %s, saying what a SID looks like and where to find it', (_label, value) => {
    expect(outcome(sid('AC', 'TWILIO_ACCOUNT_SID'), value)).toEqual({ ok: false, message: 'TWILIO_ACCOUNT_SID must be "AC" followed by 32 hex characters (your Account SID, from Twilio Console → Account info)' });
  });

  test.each(Object.keys(SID_SOURCES) as SidPrefix[])('every prefix follows the same rule: %s', (prefix) => {
    expect(outcome(sid(prefix, 'X'), `${prefix}${HEX.toUpperCase()}`)).toEqual({ ok: true, value: `${prefix}${HEX}` });
    expect(outcome(sid(prefix, 'X'), `${prefix}123`)).toEqual({ ok: false, message: `X must be "${prefix}" followed by 32 hex characters (${SID_SOURCES[prefix]})` });
  });

  test('an absent SID is "not set", with where to find one', () => {
    expect(outcome(sid('IS', 'SYNC_SERVICE_SID'), undefined)).toEqual({ ok: false, message: `SYNC_SERVICE_SID is not set (${SID_SOURCES.IS})` });
  });

  test('a reader may say where its value comes from instead', () => {
    expect(outcome(sid('IS', 'TWILIO_SYNC_SERVICE_SID', 'or unset to create one'), 'IS1')).toEqual({ ok: false, message: 'TWILIO_SYNC_SERVICE_SID must be "IS" followed by 32 hex characters (or unset to create one)' });
  });

  test('the message never holds the value: a secret pasted into a SID setting stays out of logs', () => {
    const pasted = 'secret_Zq81_DISTINCT';
    const result = outcome(sid('AC', 'TWILIO_ACCOUNT_SID'), pasted);
    expect(result.ok ? '' : result.message).not.toContain(pasted);
  });
});

describe('asSid', () => {
  test.each<[SidPrefix, string | undefined, string | undefined]>([
    ['AC', `AC${HEX}`, `AC${HEX}`],
    ['AC', `AC${HEX.toUpperCase()}`, `AC${HEX}`],
    ['SK', `AC${HEX}`, undefined],
    ['SK', `SK${HEX}`, `SK${HEX}`],
    ['AC', 'ACx', undefined],
    ['AC', undefined, undefined],
  ])('%s %j → %j', (prefix, value, expected) => {
    expect(asSid(prefix, value)).toBe(expected);
  });
});

describe('secret', () => {
  const schema = secret('TWILIO_AUTH_TOKEN', 'Twilio Console → Account info');
  test.each<[unknown, ReturnType<typeof outcome<string>>]>([
    ['tok', { ok: true, value: 'tok' }],
    [' tok\n', { ok: true, value: 'tok' }],
    ['', { ok: false, message: 'TWILIO_AUTH_TOKEN is empty (Twilio Console → Account info)' }],
    [undefined, { ok: false, message: 'TWILIO_AUTH_TOKEN is not set (Twilio Console → Account info)' }],
    [12345678, { ok: false, message: 'TWILIO_AUTH_TOKEN must be text (Twilio Console → Account info)' }],
  ])('%j', (value, expected) => {
    expect(outcome(schema, value)).toEqual(expected);
  });
});

describe('httpUrl and twilioApiBaseUrl', () => {
  test.each<[string, boolean]>([
    ['http://127.0.0.1:4010', true],
    ['https://example-1234.twil.io', true],
    ['https://sms.example.com/hooks/', true],
    ['localhost:4010', false],
    ['example.twil.io:443', false],
    ['ftp://example.twil.io', false],
    ['not a url', false],
    ['', false],
  ])('%j → %s', (value, ok) => {
    expect(outcome(httpUrl('X must be an http(s) URL'), value)).toEqual(ok ? { ok: true, value } : { ok: false, message: 'X must be an http(s) URL' });
  });

  test('TWILIO_API_BASE_URL says what to put there', () => {
    expect(outcome(twilioApiBaseUrl(), '127.0.0.1:4010')).toEqual({ ok: false, message: 'TWILIO_API_BASE_URL must be an http(s) URL such as http://127.0.0.1:4010 (the local emulator), or unset for real Twilio' });
  });
});

describe('numbers', () => {
  test.each<[string, z.ZodType<number | undefined>, unknown, ReturnType<typeof outcome<number | undefined>>]>([
    ['seconds: unset is the default', seconds('WAIT', 0, 120, 20), undefined, { ok: true, value: 20 }],
    ['seconds: text is coerced', seconds('WAIT', 0, 120, 20), '120', { ok: true, value: 120 }],
    ['seconds: over the maximum', seconds('WAIT', 0, 120, 20), '121', { ok: false, message: 'WAIT must be at most 120' }],
    ['seconds: under the minimum', seconds('WAIT', 10, 120, 20), '9', { ok: false, message: 'WAIT must be at least 10' }],
    ['seconds: fractional', seconds('WAIT', 0, 120, 20), '2.5', { ok: false, message: 'WAIT must be a whole number' }],
    ['seconds: not a number', seconds('WAIT', 0, 120, 20), 'soon', { ok: false, message: 'WAIT must be a number of seconds' }],
    ['milliseconds: unset stays unset', milliseconds('TIMEOUT_MS', 100, 5000), undefined, { ok: true, value: undefined }],
    ['milliseconds: over the maximum', milliseconds('TIMEOUT_MS', 100, 5000), '5001', { ok: false, message: 'TIMEOUT_MS must be at most 5000' }],
    ['milliseconds: not a number', milliseconds('TIMEOUT_MS', 100, 5000), 'fast', { ok: false, message: 'TIMEOUT_MS must be a number of milliseconds' }],
    ['count: 0 is no limit', count('LIMIT', 10), '0', { ok: true, value: 0 }],
    ['count: unset is the default', count('LIMIT', 10), undefined, { ok: true, value: 10 }],
    ['count: negative', count('LIMIT', 10), '-1', { ok: false, message: 'LIMIT must be 0 (no limit) or more' }],
    ['count: infinite', count('LIMIT', 10), 'Infinity', { ok: false, message: 'LIMIT must be a number' }],
    ['SYNC_TTL_SECONDS: a year at most', syncTtlSeconds(), '31536001', { ok: false, message: 'SYNC_TTL_SECONDS must be at most 31536000' }],
    ['SYNC_TTL_SECONDS: unset keeps items', syncTtlSeconds(), undefined, { ok: true, value: 0 }],
  ])('%s', (_label, schema, value, expected) => {
    expect(outcome(schema, value)).toEqual(expected);
  });
});

describe('flagEnabled', () => {
  test.each<[string | undefined, boolean]>([
    ['1', true],
    ['true', true],
    ['TRUE', true],
    [' yes ', true],
    ['0', false],
    ['false', false],
    ['on', false],
    ['', false],
    [undefined, false],
  ])('%j → %s', (value, expected) => {
    expect(flagEnabled(value)).toBe(expected);
  });
});
