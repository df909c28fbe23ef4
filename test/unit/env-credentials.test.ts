import { readCredentials, type SettingProblem, type TwilioCredentials } from '../../lib/env/credentials';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const API_KEY = `SK${'fedcba9876543210'.repeat(2)}`;
const AUTH_TOKEN = 'authtok_Q81x_DISTINCT';
const API_SECRET = 'apisecret_Lm27_DISTINCT';

function credentialsOf(values: Record<string, string>): TwilioCredentials {
  const read = readCredentials(values);
  if (!read.ok) throw new Error(`expected credentials, got: ${read.problems.map((p) => p.message).join('; ')}`);
  return read.credentials;
}

function problemsOf(values: Record<string, string>, unset?: (name: string) => string): SettingProblem[] {
  const read = readCredentials(values, unset);
  if (read.ok) throw new Error('expected problems');
  return read.problems;
}

describe('readCredentials', () => {
  test.each<[string, Record<string, string>, TwilioCredentials]>([
    ['an auth token', { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN }, { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }],
    ['an API key and secret', { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_API_KEY: API_KEY, TWILIO_API_SECRET: API_SECRET }, { accountSid: ACCOUNT_SID, apiKey: API_KEY, apiSecret: API_SECRET }],
    ['the API key wins over the auth token', { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_API_KEY: API_KEY, TWILIO_API_SECRET: API_SECRET }, { accountSid: ACCOUNT_SID, apiKey: API_KEY, apiSecret: API_SECRET }],
    ['upper-case SID digits are lowercased', { TWILIO_ACCOUNT_SID: ACCOUNT_SID.toUpperCase(), TWILIO_API_KEY: API_KEY.toUpperCase(), TWILIO_API_SECRET: API_SECRET }, { accountSid: ACCOUNT_SID, apiKey: API_KEY, apiSecret: API_SECRET }],
    ['values are trimmed', { TWILIO_ACCOUNT_SID: ` ${ACCOUNT_SID} `, TWILIO_AUTH_TOKEN: `${AUTH_TOKEN}\n` }, { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }],
  ])('%s', (_label, values, expected) => {
    expect(credentialsOf(values)).toEqual(expected);
  });

  test.each<[string, Record<string, string>, SettingProblem[]]>([
    [
      'nothing set: the account SID and the auth token',
      {},
      [
        { name: 'TWILIO_ACCOUNT_SID', unset: true, message: 'TWILIO_ACCOUNT_SID is not set. Set your Account SID (AC…, from Twilio Console → Account info)' },
        { name: 'TWILIO_AUTH_TOKEN', unset: true, message: 'TWILIO_AUTH_TOKEN is not set. Set your auth token (Twilio Console → Account info), or instead TWILIO_API_KEY and TWILIO_API_SECRET' },
      ],
    ],
    ['a key without its secret', { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_API_KEY: API_KEY }, [{ name: 'TWILIO_API_SECRET', unset: true, message: 'TWILIO_API_SECRET is not set. An API key needs both: set TWILIO_API_KEY (SK…) and TWILIO_API_SECRET' }]],
    ['a secret without its key', { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_API_SECRET: API_SECRET }, [{ name: 'TWILIO_API_KEY', unset: true, message: 'TWILIO_API_KEY is not set. An API key needs both: set TWILIO_API_KEY (SK…) and TWILIO_API_SECRET' }]],
    [
      'malformed SIDs, each said once',
      { TWILIO_ACCOUNT_SID: 'AC123', TWILIO_API_KEY: AUTH_TOKEN, TWILIO_API_SECRET: API_SECRET },
      [
        { name: 'TWILIO_ACCOUNT_SID', unset: false, message: 'TWILIO_ACCOUNT_SID must be "AC" followed by 32 hex characters (your Account SID, from Twilio Console → Account info)' },
        { name: 'TWILIO_API_KEY', unset: false, message: 'TWILIO_API_KEY must be "SK" followed by 32 hex characters (the API key\'s SID, not its secret: Twilio Console → Account → API keys & tokens)' },
      ],
    ],
  ])('%s', (_label, values, expected) => {
    expect(problemsOf(values)).toEqual(expected);
  });

  test('a reader describes an absent setting its own way (the bridge: LibreChat left its placeholder)', () => {
    const problems = problemsOf({ TWILIO_ACCOUNT_SID: ACCOUNT_SID }, (name) => `is missing from LibreChat's .env (librechat.yaml passes "\${${name}}" unfilled)`);
    expect(problems.map((p) => p.message)).toEqual([`TWILIO_AUTH_TOKEN is missing from LibreChat's .env (librechat.yaml passes "\${TWILIO_AUTH_TOKEN}" unfilled). Set your auth token (Twilio Console → Account info), or instead TWILIO_API_KEY and TWILIO_API_SECRET`]);
  });

  test('no problem ever holds a secret, even pasted into the wrong setting', () => {
    const problems = problemsOf({ TWILIO_ACCOUNT_SID: AUTH_TOKEN, TWILIO_API_KEY: API_SECRET, TWILIO_API_SECRET: API_SECRET });
    expect(problems).toHaveLength(2);
    for (const { message } of problems) {
      expect(message).not.toContain(AUTH_TOKEN);
      expect(message).not.toContain(API_SECRET);
    }
  });
});
