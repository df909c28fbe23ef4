import { calledUrl, readFunctionEnv, type FunctionEnv } from '../../lib/webhooks/function-env';

const AUTH_TOKEN = 'tok_Functions_8c1d2e3f_DISTINCT';
const ACCOUNT_SID = `AC${'a1b2c3d4'.repeat(4)}`;
const SYNC_SID = `IS${'0f1e2d3c'.repeat(4)}`;
const OTHER_SYNC_SID = `IS${'9'.repeat(32)}`;
const base: Record<string, unknown> = { ACCOUNT_SID, AUTH_TOKEN, SYNC_SERVICE_SID: SYNC_SID };

function envOf(context: Record<string, unknown>): FunctionEnv {
  const result = readFunctionEnv(context);
  if (!result.ok) throw new Error(`expected ok, got: ${result.error}`);
  return result.env;
}

function errorOf(context: Record<string, unknown>): string {
  const result = readFunctionEnv(context);
  if (result.ok) throw new Error('expected a configuration error');
  return result.error;
}

describe('readFunctionEnv', () => {
  test('reads a minimal valid environment with defaults', () => {
    const expected: FunctionEnv = { ACCOUNT_SID, AUTH_TOKEN, SYNC_SERVICE_SID: SYNC_SID, SYNC_TTL_SECONDS: 0 };
    expect(envOf(base)).toEqual(expected);
  });

  test('reads every optional setting', () => {
    const env = envOf({
      ...base,
      TWILIO_API_BASE_URL: 'http://127.0.0.1:4010',
      WEBHOOK_BASE_URL: 'https://sms.example.com',
      AUTO_REPLY_TEXT: 'Thanks',
      SYNC_TTL_SECONDS: '3600',
      LOG_PII: 'true',
      DOMAIN_NAME: 'example.twil.io',
      PATH: '/sms/incoming',
      getTwilioClient: () => null,
    });
    expect(env).toMatchObject({ TWILIO_API_BASE_URL: 'http://127.0.0.1:4010', WEBHOOK_BASE_URL: 'https://sms.example.com', AUTO_REPLY_TEXT: 'Thanks', SYNC_TTL_SECONDS: 3600, LOG_PII: 'true', DOMAIN_NAME: 'example.twil.io' });
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['TWILIO_SYNC_SERVICE_SID when SYNC_SERVICE_SID is absent', { SYNC_SERVICE_SID: undefined, TWILIO_SYNC_SERVICE_SID: OTHER_SYNC_SID }, OTHER_SYNC_SID],
    ['TWILIO_SYNC_SERVICE_SID when SYNC_SERVICE_SID is empty', { SYNC_SERVICE_SID: '', TWILIO_SYNC_SERVICE_SID: OTHER_SYNC_SID }, OTHER_SYNC_SID],
    ['SYNC_SERVICE_SID wins over TWILIO_SYNC_SERVICE_SID', { TWILIO_SYNC_SERVICE_SID: OTHER_SYNC_SID }, SYNC_SID],
  ])('uses %s', (_label, change, expected) => {
    expect(envOf({ ...base, ...change }).SYNC_SERVICE_SID).toBe(expected);
  });

  test.each(['WEBHOOK_BASE_URL', 'TWILIO_API_BASE_URL', 'AUTO_REPLY_TEXT', 'DOMAIN_NAME', 'LOG_PII'].flatMap((name) => [[name, ''], [name, '  ']]))('treats %s = %j as unset', (name, value) => {
    const env: Record<string, unknown> = { ...envOf({ ...base, [name]: value }) };
    expect(name in env).toBe(false);
  });

  test('treats an empty SYNC_TTL_SECONDS as the default 0', () => {
    expect(envOf({ ...base, SYNC_TTL_SECONDS: '' }).SYNC_TTL_SECONDS).toBe(0);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['bad ACCOUNT_SID', { ACCOUNT_SID: 'ACnot-a-sid' }, 'ACCOUNT_SID'],
    ['ACCOUNT_SID with another prefix', { ACCOUNT_SID: `SK${'a'.repeat(32)}` }, 'ACCOUNT_SID'],
    ['missing ACCOUNT_SID', { ACCOUNT_SID: undefined }, 'ACCOUNT_SID'],
    ['empty AUTH_TOKEN', { AUTH_TOKEN: '' }, 'AUTH_TOKEN'],
    ['missing sync service', { SYNC_SERVICE_SID: undefined }, 'SYNC_SERVICE_SID'],
    ['empty sync service, empty fallback', { SYNC_SERVICE_SID: '', TWILIO_SYNC_SERVICE_SID: '' }, 'SYNC_SERVICE_SID'],
    ['bad sync service', { SYNC_SERVICE_SID: 'IS123' }, 'SYNC_SERVICE_SID'],
    ['bad WEBHOOK_BASE_URL', { WEBHOOK_BASE_URL: 'sms.example.com' }, 'WEBHOOK_BASE_URL'],
    ['bad TWILIO_API_BASE_URL', { TWILIO_API_BASE_URL: 'not a url' }, 'TWILIO_API_BASE_URL'],
    ['TWILIO_API_BASE_URL without a scheme', { TWILIO_API_BASE_URL: 'localhost:4010' }, 'TWILIO_API_BASE_URL'],
    ['ACCOUNT_SID with a lowercase prefix', { ACCOUNT_SID: ACCOUNT_SID.toLowerCase().replace('AC', 'ac') }, 'ACCOUNT_SID'],
    ['non-numeric SYNC_TTL_SECONDS', { SYNC_TTL_SECONDS: 'forever' }, 'SYNC_TTL_SECONDS'],
    ['SYNC_TTL_SECONDS over a year', { SYNC_TTL_SECONDS: '31536001' }, 'SYNC_TTL_SECONDS'],
    ['negative SYNC_TTL_SECONDS', { SYNC_TTL_SECONDS: '-1' }, 'SYNC_TTL_SECONDS'],
  ])('%s: the error names %s and not the auth token', (_label, change, variable) => {
    const error = errorOf({ ...base, ...change });
    expect(error).toMatch(new RegExp(`^Configuration: ${variable}: `));
    expect(error).not.toContain(AUTH_TOKEN);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['a malformed ACCOUNT_SID', { ACCOUNT_SID: 'nope' }, 'ACCOUNT_SID: ACCOUNT_SID must be "AC" followed by 32 hex characters (your Account SID, from Twilio Console → Account info)'],
    ['a missing AUTH_TOKEN', { AUTH_TOKEN: undefined }, "AUTH_TOKEN: AUTH_TOKEN is not set (the account's auth token, from Twilio Console → Account info: the Functions check X-Twilio-Signature with it)"],
    ['a missing sync service', { SYNC_SERVICE_SID: undefined }, 'SYNC_SERVICE_SID: SYNC_SERVICE_SID (or TWILIO_SYNC_SERVICE_SID) is not set (the Sync service SID npm run setup prints, or Twilio Console → Sync → Services)'],
    ['an ftp WEBHOOK_BASE_URL', { WEBHOOK_BASE_URL: 'ftp://sms.example.com' }, 'WEBHOOK_BASE_URL: WEBHOOK_BASE_URL must be the http(s) URL Twilio calls the Functions at, e.g. https://sms.example.com'],
    ['TWILIO_TIMEOUT_MS over 5 s', { TWILIO_TIMEOUT_MS: '5001' }, 'TWILIO_TIMEOUT_MS: TWILIO_TIMEOUT_MS must be at most 5000'],
  ])('%s: the message says what to put there', (_label, change, expected) => {
    expect(errorOf({ ...base, ...change })).toBe(`Configuration: ${expected}`);
  });

  // The letter-case rule of lib/env/schema.ts: upper-case digits are Twilio's SID still, lowercased.
  test('upper-case SID digits are accepted and lowercased', () => {
    const env = envOf({ ...base, ACCOUNT_SID: ACCOUNT_SID.toUpperCase(), SYNC_SERVICE_SID: SYNC_SID.toUpperCase() });
    expect([env.ACCOUNT_SID, env.SYNC_SERVICE_SID]).toEqual([ACCOUNT_SID, SYNC_SID]);
  });

  test.each(['WEBHOOK_BASE_URL', 'TWILIO_API_BASE_URL', 'AUTO_REPLY_TEXT', 'LOG_PII', 'TWILIO_TIMEOUT_MS'])('treats %s left as a ${…} placeholder as unset, like the bridge', (name) => {
    const env: Record<string, unknown> = { ...envOf({ ...base, [name]: `\${${name}}` }) };
    expect(name in env).toBe(false);
  });

  test('a SYNC_SERVICE_SID left as a placeholder gives way to TWILIO_SYNC_SERVICE_SID', () => {
    expect(envOf({ ...base, SYNC_SERVICE_SID: '${SYNC_SERVICE_SID}', TWILIO_SYNC_SERVICE_SID: OTHER_SYNC_SID }).SYNC_SERVICE_SID).toBe(OTHER_SYNC_SID);
  });

  test.each<[string, Record<string, unknown>]>([
    ['token put into ACCOUNT_SID', { ACCOUNT_SID: AUTH_TOKEN }],
    ['token put into SYNC_SERVICE_SID', { SYNC_SERVICE_SID: AUTH_TOKEN }],
    ['token put into WEBHOOK_BASE_URL', { WEBHOOK_BASE_URL: AUTH_TOKEN }],
    ['token put into SYNC_TTL_SECONDS', { SYNC_TTL_SECONDS: AUTH_TOKEN }],
    ['token given as a non-string', { AUTH_TOKEN: 12345678, ACCOUNT_SID: 'bad' }],
  ])('never echoes the token, even misplaced: %s', (_label, change) => {
    const error = errorOf({ ...base, ...change });
    expect(error).toMatch(/^Configuration: [A-Z_]+: /);
    expect(error).not.toContain(AUTH_TOKEN);
    expect(error).not.toContain('12345678');
  });
});

describe('calledUrl', () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['local twilio-run', { DOMAIN_NAME: 'localhost:3000' }, 'http://localhost:3000/sms/incoming'],
    ['deployed', { DOMAIN_NAME: 'example-1234.twil.io' }, 'https://example-1234.twil.io/sms/incoming'],
    ['WEBHOOK_BASE_URL wins', { DOMAIN_NAME: 'example-1234.twil.io', WEBHOOK_BASE_URL: 'https://sms.example.com/' }, 'https://sms.example.com/sms/incoming'],
  ])('%s', (_label, change, expected) => {
    expect(calledUrl(envOf({ ...base, ...change }), '/sms/incoming')).toBe(expected);
  });
});
