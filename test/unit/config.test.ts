import { ADMIN_SETTINGS, describeConfig, DEVELOPMENT_SETTINGS, ENTRY_SETTINGS, loadConfig, SETTING_NAMES, type BridgeConfig } from '../../mcp-bridge/src/hosts/env-config';
import { checkMediaUrl } from '../../lib/media';

const AUTH_TOKEN = 'authtok_ZX91_q7Lm_DISTINCT';
const API_SECRET = 'apisecret_Pw44_k2Rn_DISTINCT';
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const API_KEY = `SK${'fedcba9876543210'.repeat(2)}`;
const MG_SID = `MG${'1'.repeat(32)}`;
const IS_SID = `IS${'2'.repeat(32)}`;

const seed: NodeJS.ProcessEnv = { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_PHONE_NUMBER: '+14155550100' };

function configOf(env: NodeJS.ProcessEnv): BridgeConfig {
  const result = loadConfig(env);
  if (!result.ok) throw new Error(`expected ok, got: ${result.error}`);
  return result.config;
}

function errorOf(env: NodeJS.ProcessEnv): string {
  const result = loadConfig(env);
  if (result.ok) throw new Error('expected a configuration error');
  return result.error;
}

function expectNoSecret(text: string): void {
  expect(text).not.toContain(AUTH_TOKEN);
  expect(text).not.toContain(API_SECRET);
}

describe('loadConfig', () => {
  test('the minimal seed env works, with every default', () => {
    const expected: BridgeConfig = {
      credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
      sender: { phoneNumber: '+14155550100' },
      syncServiceSid: null,
      apiBaseUrl: undefined,
      statusCallbackUrl: undefined,
      sendWaitSeconds: 20,
      clientTimeoutSeconds: 60,
      scope: { ok: true, identity: null, reader: null, numbers: ['+14155550100'] },
      userNumbers: null,
      duplicateWindowSeconds: 600,
      sendLimitPerMinute: 10,
      sendLimitPerRecipientPerMinute: 3,
      sendLimitPerHour: 60,
      sendLimitPerDay: 200,
      sendLimitAccountPerMinute: 30,
      sendLimitAccountPerDay: 1000,
      sendAllowlist: [],
      sendConfirmation: false,
      sendPolicy: 'open',
      sendMaxSegments: 10,
      sendSmartEncoding: false,
      quietHours: null,
      syncTtlSeconds: 0,
      reconcileIntervalSeconds: 60,
      mediaMaxBytes: 5_000_000,
      logPii: false,
    };
    expect(configOf(seed)).toEqual(expected);
  });

  test('ignores unrelated environment variables', () => {
    expect(configOf({ ...seed, PATH: '/usr/bin', HOME: '/root' }).credentials).toEqual({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  });

  test.each<[string, NodeJS.ProcessEnv]>([
    ['API key and secret instead of the auth token', { TWILIO_AUTH_TOKEN: undefined, TWILIO_API_KEY: API_KEY, TWILIO_API_SECRET: API_SECRET }],
    ['API key and secret win over the auth token', { TWILIO_API_KEY: API_KEY, TWILIO_API_SECRET: API_SECRET }],
  ])('%s', (_label, change) => {
    expect(configOf({ ...seed, ...change }).credentials).toEqual({ accountSid: ACCOUNT_SID, apiKey: API_KEY, apiSecret: API_SECRET });
  });

  test.each<[string, NodeJS.ProcessEnv, BridgeConfig['sender']]>([
    ['messaging service only', { TWILIO_PHONE_NUMBER: undefined, TWILIO_MESSAGING_SERVICE_SID: MG_SID }, { messagingServiceSid: MG_SID }],
    ['phone number and messaging service', { TWILIO_MESSAGING_SERVICE_SID: MG_SID }, { phoneNumber: '+14155550100', messagingServiceSid: MG_SID }],
    ['phone number with surrounding spaces', { TWILIO_PHONE_NUMBER: '  +14155550100 ' }, { phoneNumber: '+14155550100' }],
    ['empty phone number, messaging service set', { TWILIO_PHONE_NUMBER: '', TWILIO_MESSAGING_SERVICE_SID: MG_SID }, { messagingServiceSid: MG_SID }],
  ])('sender: %s', (_label, change, sender) => {
    expect(configOf({ ...seed, ...change }).sender).toEqual(sender);
  });

  test.each<[string, NodeJS.ProcessEnv, Partial<BridgeConfig>]>([
    ['sync service', { TWILIO_SYNC_SERVICE_SID: IS_SID }, { syncServiceSid: IS_SID }],
    ['API base URL', { TWILIO_API_BASE_URL: 'http://127.0.0.1:4010' }, { apiBaseUrl: 'http://127.0.0.1:4010' }],
    ['status callbacks', { STATUS_CALLBACK_BASE_URL: 'https://example-1234.twil.io' }, { statusCallbackUrl: 'https://example-1234.twil.io/sms/status' }],
    ['status callbacks, trailing slash', { STATUS_CALLBACK_BASE_URL: 'https://example-1234.twil.io/' }, { statusCallbackUrl: 'https://example-1234.twil.io/sms/status' }],
    ['numeric settings at their bounds', { SEND_WAIT_SECONDS: '120', DUPLICATE_WINDOW_SECONDS: '86400', SEND_LIMIT_PER_MINUTE: '0', SEND_LIMIT_PER_RECIPIENT_PER_MINUTE: '0', SYNC_TTL_SECONDS: '31536000' }, { sendWaitSeconds: 120, duplicateWindowSeconds: 86_400, sendLimitPerMinute: 0, sendLimitPerRecipientPerMinute: 0, syncTtlSeconds: 31_536_000 }],
    ['numeric settings at zero', { SEND_WAIT_SECONDS: '0', DUPLICATE_WINDOW_SECONDS: '0' }, { sendWaitSeconds: 0, duplicateWindowSeconds: 0 }],
    ['LOG_PII=true', { LOG_PII: 'true' }, { logPii: true }],
    ['LOG_PII=false', { LOG_PII: 'false' }, { logPii: false }],
    ['empty values count as unset', { TWILIO_API_KEY: '', TWILIO_API_SECRET: ' ', TWILIO_SYNC_SERVICE_SID: '', SEND_WAIT_SECONDS: '', STATUS_CALLBACK_BASE_URL: '' }, { syncServiceSid: null, sendWaitSeconds: 20, statusCallbackUrl: undefined, credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } }],
  ])('%s', (_label, change, expected) => {
    expect(configOf({ ...seed, ...change })).toMatchObject(expected);
  });

  test('statusCallbackUrl ends with /sms/status', () => {
    expect(configOf({ ...seed, STATUS_CALLBACK_BASE_URL: 'https://sms.example.com/hooks//' }).statusCallbackUrl).toBe('https://sms.example.com/hooks/sms/status');
  });

  test.each<[string, NodeJS.ProcessEnv, string]>([
    ['no account SID', { TWILIO_ACCOUNT_SID: undefined }, 'TWILIO_ACCOUNT_SID'],
    ['empty account SID', { TWILIO_ACCOUNT_SID: '  ' }, 'TWILIO_ACCOUNT_SID'],
    ['bad account SID', { TWILIO_ACCOUNT_SID: 'AC123' }, 'TWILIO_ACCOUNT_SID'],
    ['account SID with the wrong prefix', { TWILIO_ACCOUNT_SID: `SK${'0'.repeat(32)}` }, 'TWILIO_ACCOUNT_SID'],
    ['no auth at all', { TWILIO_AUTH_TOKEN: undefined }, 'TWILIO_AUTH_TOKEN'],
    ['key without secret', { TWILIO_API_KEY: API_KEY }, 'TWILIO_API_SECRET'],
    ['secret without key', { TWILIO_API_SECRET: API_SECRET }, 'TWILIO_API_KEY'],
    ['bad API key', { TWILIO_API_KEY: 'SKnope', TWILIO_API_SECRET: API_SECRET }, 'TWILIO_API_KEY'],
    ['no sender', { TWILIO_PHONE_NUMBER: undefined }, 'TWILIO_PHONE_NUMBER'],
    ['bad phone (no plus)', { TWILIO_PHONE_NUMBER: '4155550100' }, 'TWILIO_PHONE_NUMBER'],
    ['bad phone (no such range)', { TWILIO_PHONE_NUMBER: '+15551234567' }, 'TWILIO_PHONE_NUMBER'],
    ['bad messaging service SID', { TWILIO_MESSAGING_SERVICE_SID: 'MG1' }, 'TWILIO_MESSAGING_SERVICE_SID'],
    ['bad sync service SID', { TWILIO_SYNC_SERVICE_SID: 'IS1' }, 'TWILIO_SYNC_SERVICE_SID'],
    ['bad API base URL', { TWILIO_API_BASE_URL: 'not a url' }, 'TWILIO_API_BASE_URL'],
    ['API base URL without a scheme', { TWILIO_API_BASE_URL: '127.0.0.1:4010' }, 'TWILIO_API_BASE_URL'],
    ['bad status callback URL', { STATUS_CALLBACK_BASE_URL: 'example.twil.io' }, 'STATUS_CALLBACK_BASE_URL'],
    ['SEND_WAIT_SECONDS not a number', { SEND_WAIT_SECONDS: 'soon' }, 'SEND_WAIT_SECONDS'],
    ['SEND_WAIT_SECONDS too high', { SEND_WAIT_SECONDS: '121' }, 'SEND_WAIT_SECONDS'],
    ['SEND_WAIT_SECONDS negative', { SEND_WAIT_SECONDS: '-1' }, 'SEND_WAIT_SECONDS'],
    ['SEND_WAIT_SECONDS fractional', { SEND_WAIT_SECONDS: '2.5' }, 'SEND_WAIT_SECONDS'],
    ['DUPLICATE_WINDOW_SECONDS too high', { DUPLICATE_WINDOW_SECONDS: '86401' }, 'DUPLICATE_WINDOW_SECONDS'],
    ['SEND_LIMIT_PER_MINUTE negative', { SEND_LIMIT_PER_MINUTE: '-1' }, 'SEND_LIMIT_PER_MINUTE'],
    ['SEND_LIMIT_PER_MINUTE infinite', { SEND_LIMIT_PER_MINUTE: 'Infinity' }, 'SEND_LIMIT_PER_MINUTE'],
    ['SEND_LIMIT_PER_RECIPIENT_PER_MINUTE fractional', { SEND_LIMIT_PER_RECIPIENT_PER_MINUTE: '1.5' }, 'SEND_LIMIT_PER_RECIPIENT_PER_MINUTE'],
    ['SYNC_TTL_SECONDS too high', { SYNC_TTL_SECONDS: '31536001' }, 'SYNC_TTL_SECONDS'],
  ])('%s: the error names %s and contains no secret', (_label, change, variable) => {
    const error = errorOf({ ...seed, TWILIO_API_KEY: undefined, TWILIO_API_SECRET: undefined, ...change });
    expect(error).toContain(variable);
    expect(error).not.toMatch(/\n/);
    expectNoSecret(error);
  });

  // Bug: z.url() accepts any scheme, so a host:port without "http://" parses as a URL whose scheme
  // is the host name ("localhost:" / "example.twil.io:"); a non-http(s) scheme passes too. The
  // value is then used as the API base / status callback and fails only at request time.
  test.each<[string, NodeJS.ProcessEnv, string]>([
    ['API base URL "localhost:4010" (no http://)', { TWILIO_API_BASE_URL: 'localhost:4010' }, 'TWILIO_API_BASE_URL'],
    ['status callback base "example.twil.io:443" (no https://)', { STATUS_CALLBACK_BASE_URL: 'example.twil.io:443' }, 'STATUS_CALLBACK_BASE_URL'],
    ['status callback base with an ftp:// scheme', { STATUS_CALLBACK_BASE_URL: 'ftp://example.twil.io' }, 'STATUS_CALLBACK_BASE_URL'],
  ])('refuses a URL that is not http(s): %s', (_label, change, variable) => {
    expect(errorOf({ ...seed, ...change })).toContain(variable);
  });

  test.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['SEND_WAIT_SECONDS too high', { SEND_WAIT_SECONDS: '121' }, /SEND_WAIT_SECONDS must be at most 120/],
    ['SEND_LIMIT_PER_MINUTE negative', { SEND_LIMIT_PER_MINUTE: '-1' }, /SEND_LIMIT_PER_MINUTE must be 0 \(no limit\) or more/],
    ['bad phone suggests the compact form', { TWILIO_PHONE_NUMBER: '+1 415 555 0100' }, /\+14155550100/],
    ['bad account SID says what one looks like', { TWILIO_ACCOUNT_SID: 'AC123' }, /"AC" followed by 32 hex characters/],
  ])('%s', (_label, change, pattern) => {
    expect(errorOf({ ...seed, ...change })).toMatch(pattern);
  });

  test.each<[string, NodeJS.ProcessEnv]>([
    ['bad account SID', { TWILIO_ACCOUNT_SID: 'bad', TWILIO_API_KEY: API_KEY, TWILIO_API_SECRET: API_SECRET }],
    ['key without secret, token set', { TWILIO_API_KEY: API_KEY }],
    ['bad key with secret', { TWILIO_API_KEY: 'SK-bad', TWILIO_API_SECRET: API_SECRET }],
    ['no sender with API key', { TWILIO_PHONE_NUMBER: undefined, TWILIO_API_KEY: API_KEY, TWILIO_API_SECRET: API_SECRET }],
    ['secret pasted into the API key', { TWILIO_API_KEY: API_SECRET, TWILIO_API_SECRET: API_SECRET }],
    ['token pasted into the account SID', { TWILIO_ACCOUNT_SID: AUTH_TOKEN }],
    ['token pasted into the sync service SID', { TWILIO_SYNC_SERVICE_SID: AUTH_TOKEN }],
    ['secret pasted into the API base URL', { TWILIO_API_BASE_URL: API_SECRET }],
    ['secret pasted into a numeric setting', { SEND_WAIT_SECONDS: API_SECRET }],
  ])('never shows a secret: %s', (_label, change) => {
    expectNoSecret(errorOf({ ...seed, ...change }));
  });
});

// The letter-case rule of lib/env/schema.ts: Twilio issues lowercase digits; upper-case ones are
// the same SID, lowercased once here, so that they equal what Twilio returns (media URLs, webhooks).
describe('SIDs: one letter-case rule for every reader', () => {
  test('upper-case digits in every SID setting are accepted and lowercased', () => {
    const config = configOf({
      ...seed,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID.toUpperCase(),
      TWILIO_API_KEY: API_KEY.toUpperCase(),
      TWILIO_API_SECRET: API_SECRET,
      TWILIO_MESSAGING_SERVICE_SID: `MG${'ABCDEF01'.repeat(4)}`,
      TWILIO_SYNC_SERVICE_SID: `IS${'ABCDEF01'.repeat(4)}`,
    });
    expect(config.credentials).toEqual({ accountSid: ACCOUNT_SID, apiKey: API_KEY, apiSecret: API_SECRET });
    expect(config.sender.messagingServiceSid).toBe(`MG${'abcdef01'.repeat(4)}`);
    expect(config.syncServiceSid).toBe(`IS${'abcdef01'.repeat(4)}`);
  });

  test("so the account's own media URLs (lowercase, as Twilio writes them) stay its own", () => {
    const { accountSid } = configOf({ ...seed, TWILIO_ACCOUNT_SID: ACCOUNT_SID.toUpperCase() }).credentials;
    const url = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM${'3'.repeat(32)}/Media/ME${'4'.repeat(32)}`;
    expect(checkMediaUrl(url, accountSid)).toBeNull();
  });

  test.each<[string, NodeJS.ProcessEnv, string]>([
    ['a lowercase prefix', { TWILIO_ACCOUNT_SID: `ac${ACCOUNT_SID.slice(2)}` }, 'TWILIO_ACCOUNT_SID must be "AC" followed by 32 hex characters (your Account SID, from Twilio Console → Account info). Fix TWILIO_ACCOUNT_SID in the MCP server env.'],
    ['an auth token in the API key', { TWILIO_API_KEY: AUTH_TOKEN, TWILIO_API_SECRET: API_SECRET }, 'TWILIO_API_KEY must be "SK" followed by 32 hex characters (the API key\'s SID, not its secret: Twilio Console → Account → API keys & tokens). Fix TWILIO_API_KEY in the MCP server env.'],
    ['a short messaging service SID', { TWILIO_MESSAGING_SERVICE_SID: 'MG1' }, 'TWILIO_MESSAGING_SERVICE_SID must be "MG" followed by 32 hex characters (a Messaging Service SID, from Twilio Console → Messaging → Services). Fix TWILIO_MESSAGING_SERVICE_SID in the MCP server env.'],
  ])('%s: the error says what a SID looks like and where to find it', (_label, change, expected) => {
    expect(errorOf({ ...seed, ...change })).toBe(expected);
  });
});

describe('credentials errors say where to set them', () => {
  test.each<[string, NodeJS.ProcessEnv, string]>([
    ['no account SID', { TWILIO_ACCOUNT_SID: undefined }, 'TWILIO_ACCOUNT_SID is not set. Set your Account SID (AC…, from Twilio Console → Account info) in the MCP server env (LibreChat: its .env, passed by librechat.yaml), then restart.'],
    ['no auth', { TWILIO_AUTH_TOKEN: undefined }, 'TWILIO_AUTH_TOKEN is not set. Set your auth token (Twilio Console → Account info), or instead TWILIO_API_KEY and TWILIO_API_SECRET in the MCP server env (LibreChat: its .env, passed by librechat.yaml), then restart.'],
    ['a key without its secret', { TWILIO_API_KEY: API_KEY }, 'TWILIO_API_SECRET is not set. An API key needs both: set TWILIO_API_KEY (SK…) and TWILIO_API_SECRET in the MCP server env (LibreChat: its .env, passed by librechat.yaml), then restart.'],
  ])('%s', (_label, change, expected) => {
    expect(errorOf({ ...seed, ...change })).toBe(expected);
  });
});

describe('describeConfig', () => {
  test.each<[string, NodeJS.ProcessEnv, RegExp[]]>([
    ['auth token, phone number', {}, [/auth: auth token/, /sender: phone number/, /sync: off/, /status callbacks: off/]],
    [
      'API key, messaging service, sync, API base URL, callbacks',
      { TWILIO_API_KEY: API_KEY, TWILIO_API_SECRET: API_SECRET, TWILIO_MESSAGING_SERVICE_SID: MG_SID, TWILIO_SYNC_SERVICE_SID: IS_SID, TWILIO_API_BASE_URL: 'http://127.0.0.1:4010', STATUS_CALLBACK_BASE_URL: 'https://example.twil.io' },
      [/auth: API key SKfedc…/, new RegExp(`sender: messaging service ${MG_SID}`), new RegExp(`sync: ${IS_SID}`), /api: http:\/\/127\.0\.0\.1:4010/, /status callbacks: on/],
    ],
  ])('%s', (_label, change, patterns) => {
    const text = describeConfig(configOf({ ...seed, ...change }));
    expect(text).toContain(`account ${ACCOUNT_SID}`);
    for (const pattern of patterns) expect(text).toMatch(pattern);
    expectNoSecret(text);
    expect(text).not.toContain(API_KEY);
  });
});

describe('the settings the LibreChat entries name', () => {
  test('every setting the bridge reads is in exactly one list: admin, entry, or development only', () => {
    const listed = [...ADMIN_SETTINGS.flatMap((group) => group.names), ...ENTRY_SETTINGS, ...DEVELOPMENT_SETTINGS];
    expect(new Set(listed).size).toBe(listed.length);
    // A setting no entry names could never be set from LibreChat's .env.
    expect([...listed].sort()).toEqual([...SETTING_NAMES].sort());
  });
});

describe('placeholders LibreChat leaves unfilled', () => {
  const optional = SETTING_NAMES.filter((name) => !(name in seed));

  test.each(optional.flatMap((name) => [[name, `\${${name}}`], [name, '{{LIBRECHAT_USER_EMAIL}}'], [name, '']]))('%s = %j counts as unset', (name, value) => {
    const result = loadConfig({ ...seed, [name]: value });
    if (!result.ok) throw new Error(result.error);
    expect(result.config).toEqual(configOf(seed));
    // One line names it and where to set it; an empty value is simply unset.
    const why = value.startsWith('{{') ? `was left as "${value}" (LibreChat fills it only for a signed-in user)` : `is missing from LibreChat's .env (librechat.yaml passes "${value}" unfilled)`;
    const hint = value.startsWith('$') ? " Set it in LibreChat's .env to use it." : '';
    expect(result.notes).toEqual(value === '' ? [] : [`${name} is off: it ${why}.${hint}`]);
  });

  test.each(Object.keys(seed))('a required %s left as its placeholder stops the start, saying it is missing from LibreChat\'s .env', (name) => {
    const error = errorOf({ ...seed, [name]: `\${${name}}` });
    expect(error).toMatch(new RegExp(`^${name} is missing from LibreChat's \\.env \\(librechat\\.yaml passes "\\$\\{${name}\\}" unfilled\\)\\.`));
  });

  test('a placeholder inside a longer value is still unfilled', () => {
    expect(configOf({ ...seed, STATUS_CALLBACK_BASE_URL: 'https://${FUNCTIONS_HOST}' }).statusCallbackUrl).toBeUndefined();
  });
});

describe('CLIENT_TIMEOUT_SECONDS and the per-user scope', () => {
  test('the client timeout defaults to LibreChat\'s 60 s and is checked', () => {
    expect(configOf({ ...seed, CLIENT_TIMEOUT_SECONDS: '120' }).clientTimeoutSeconds).toBe(120);
    expect(configOf(seed).clientTimeoutSeconds).toBe(60);
    expect(errorOf({ ...seed, CLIENT_TIMEOUT_SECONDS: '3601' })).toBe('CLIENT_TIMEOUT_SECONDS must be at most 3600. Fix CLIENT_TIMEOUT_SECONDS in the MCP server env.');
  });

  test('a short timeout the bridge can serve starts it, with one note saying what it shortened (issue 26)', () => {
    // LibreChat `timeout: 6000` with CLIENT_TIMEOUT_SECONDS "6" used to stop the bridge ("must be at least 10").
    for (const timeout of ['5', '6', '10', '14']) {
      const result = loadConfig({ ...seed, CLIENT_TIMEOUT_SECONDS: timeout });
      if (!result.ok) throw new Error(result.error);
      expect(result.config.clientTimeoutSeconds).toBe(Number(timeout));
      expect(result.notes.filter((note) => note.startsWith(`CLIENT_TIMEOUT_SECONDS is ${timeout}, under 15: waits end `))).toHaveLength(1);
    }
    const full = loadConfig({ ...seed, CLIENT_TIMEOUT_SECONDS: '15' });
    expect(full.ok && full.notes).toEqual([]);
  });

  test('only a timeout no call can answer within is refused, saying what to set', () => {
    for (const timeout of ['0', '1', '4']) {
      expect(errorOf({ ...seed, CLIENT_TIMEOUT_SECONDS: timeout })).toBe(
        `CLIENT_TIMEOUT_SECONDS is ${timeout}: no call can answer that fast (a send's Twilio calls, or a wait's first look for a reply, take up to 3 s). Set CLIENT_TIMEOUT_SECONDS to 5 or more, and the client's timeout to the same (LibreChat: the entry's \`timeout\`, in ms, e.g. 5000; unset, it is 60 s).`,
      );
    }
  });

  const numbers = 'alice@example.com=+14155550100,bob@example.com=+14155550101,Bob@Example.com=+14155550102';

  test('SMS_USER_NUMBERS binds the SMS_USER identity, case-insensitively, to its numbers; no bridge-wide number is needed', () => {
    const config = configOf({ ...seed, TWILIO_PHONE_NUMBER: undefined, SMS_USER: 'bob@example.com', SMS_USER_NUMBERS: numbers });
    expect(config.sender).toEqual({});
    expect(config.scope).toEqual({ ok: true, identity: 'bob@example.com', reader: expect.stringMatching(/^u_[0-9a-f]{16}$/), numbers: ['+14155550101', '+14155550102'] });
  });

  test('a user missing from the map, or no user at all, starts but is refused with what to fix', () => {
    const carol = configOf({ ...seed, SMS_USER: 'carol@example.com', SMS_USER_NUMBERS: numbers }).scope;
    expect(carol).toEqual({ ok: false, reason: 'No Twilio number is assigned to carol@example.com on this server. Ask the administrator to add "carol@example.com=+<your number>" to SMS_USER_NUMBERS.' });
    // LibreChat's own tool-listing process has no user: {{LIBRECHAT_USER_EMAIL}} stays unfilled.
    const nobody = configOf({ ...seed, SMS_USER: '{{LIBRECHAT_USER_EMAIL}}', SMS_USER_NUMBERS: numbers }).scope;
    expect(nobody).toMatchObject({ ok: false, reason: expect.stringContaining('SMS_USER: "{{LIBRECHAT_USER_EMAIL}}"') });
  });

  test('SMS_USER alone gives the user their own cursor on the bridge\'s number', () => {
    expect(configOf({ ...seed, SMS_USER: 'alice@example.com' }).scope).toEqual({ ok: true, identity: 'alice@example.com', reader: expect.stringMatching(/^u_/), numbers: ['+14155550100'] });
  });

  test.each([
    ['alice@example.com', 1, 'the identity before "=" is missing'],
    ['=+14155550100', 1, 'the identity before "=" is missing'],
    ['alice@example.com=+1415', 1, 'the number after "=" is not an E.164 number'],
    ['alice@example.com=+14155550100, bob@example.com=4155550101', 2, 'the number after "=" is not an E.164 number'],
  ])('a malformed SMS_USER_NUMBERS (%j) names the entry, not its value', (value, position, why) => {
    expect(errorOf({ ...seed, SMS_USER_NUMBERS: value })).toBe(`SMS_USER_NUMBERS entry ${position} is not "identity=+E164" (e.g. alice@example.com=+14155550100): ${why}.`);
  });
});
