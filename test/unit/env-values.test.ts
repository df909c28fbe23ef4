import { isPlaceholder, setValues } from '../../lib/env/set-values';
import { readFunctionEnv } from '../../lib/webhooks/function-env';
import { loadConfig } from '../../mcp-bridge/src/hosts/env-config';
import { readSetupEnv } from '../../scripts/setup';

describe('isPlaceholder', () => {
  test.each<[string, boolean]>([
    ['${TWILIO_AUTH_TOKEN}', true],
    ['{{LIBRECHAT_USER_EMAIL}}', true],
    ['{{LIBRECHAT_USER_ID}}', true],
    ['https://${HOST}/x', true],
    ['prefix {{LIBRECHAT_USER_EMAIL}} suffix', true],
    ['${}', true],
    ['{{}}', true],
    ['', false],
    ['plain', false],
    ['+14155550100', false],
    ['pa$$word', false],
    ['$HOME', false],
    ['cost: $5', false],
    ['{', false],
    ['{json}', false],
    ['{{half}', false],
    ['${unterminated', false],
    ['$ {SPACED}', false],
    ['}{', false],
  ])('%j → %s', (value, expected) => {
    expect(isPlaceholder(value)).toBe(expected);
  });
});

describe('setValues', () => {
  test.each<[string, Record<string, string | undefined>, { values: Record<string, string>; placeholders: Record<string, string> }]>([
    ['empty environment', {}, { values: {}, placeholders: {} }],
    ['undefined value dropped', { A: undefined }, { values: {}, placeholders: {} }],
    ['empty value dropped', { A: '' }, { values: {}, placeholders: {} }],
    ['spaces-only value dropped', { A: '   ' }, { values: {}, placeholders: {} }],
    ['tabs and newlines dropped', { A: '\t\n ' }, { values: {}, placeholders: {} }],
    ['${X} is a placeholder', { A: '${X}' }, { values: {}, placeholders: { A: '${X}' } }],
    ['{{LIBRECHAT_USER_EMAIL}} is a placeholder', { SMS_USER: '{{LIBRECHAT_USER_EMAIL}}' }, { values: {}, placeholders: { SMS_USER: '{{LIBRECHAT_USER_EMAIL}}' } }],
    ['placeholder inside a longer value', { URL: 'https://${HOST}/x' }, { values: {}, placeholders: { URL: 'https://${HOST}/x' } }],
    ['placeholder text is trimmed', { A: '  ${X}  ' }, { values: {}, placeholders: { A: '${X}' } }],
    ['{{…}} trimmed too', { A: '\t{{LIBRECHAT_USER_EMAIL}}\n' }, { values: {}, placeholders: { A: '{{LIBRECHAT_USER_EMAIL}}' } }],
    ['ordinary value kept', { A: 'ACxxxx' }, { values: { A: 'ACxxxx' }, placeholders: {} }],
    ['lone $ stays a value', { A: 'pa$$word' }, { values: { A: 'pa$$word' }, placeholders: {} }],
    ['$VAR without braces stays a value', { A: '$HOME' }, { values: { A: '$HOME' }, placeholders: {} }],
    ['lone { stays a value', { A: '{' }, { values: { A: '{' }, placeholders: {} }],
    ['single braces stay a value', { A: '{json}' }, { values: { A: '{json}' }, placeholders: {} }],
    ['unterminated ${ stays a value', { A: '${X' }, { values: { A: '${X' }, placeholders: {} }],
    ['a value keeps its surrounding spaces', { A: ' v ' }, { values: { A: ' v ' }, placeholders: {} }],
    [
      'mixed environment split per key',
      { SID: 'AC123', TOKEN: '${TWILIO_AUTH_TOKEN}', EMPTY: '', USER: '{{LIBRECHAT_USER_EMAIL}}', GONE: undefined, PRICE: '$5 {x}' },
      { values: { SID: 'AC123', PRICE: '$5 {x}' }, placeholders: { TOKEN: '${TWILIO_AUTH_TOKEN}', USER: '{{LIBRECHAT_USER_EMAIL}}' } },
    ],
  ])('%s', (_label, env, expected) => {
    expect(setValues(env)).toEqual(expected);
  });

  test('values that are not text are neither (a Function context also holds getTwilioClient)', () => {
    expect(setValues({ A: 'a', B: 12345678, C: () => null, D: null, E: { x: 1 } })).toEqual({ values: { A: 'a' }, placeholders: {} });
  });

  test('does not change the environment it is given', () => {
    const env = { A: ' ${X} ', B: 'b' };
    setValues(env);
    expect(env).toEqual({ A: ' ${X} ', B: 'b' });
  });
});

// The rule is one: what LibreChat passes for an unset variable is unset for every reader.
describe('a ${VAR} placeholder is unset for the bridge, the Functions and the scripts alike', () => {
  const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;

  test('the bridge', () => {
    const result = loadConfig({ TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: 'tok', TWILIO_PHONE_NUMBER: '+14155550100', TWILIO_API_KEY: '${TWILIO_API_KEY}', TWILIO_API_SECRET: '${TWILIO_API_SECRET}' });
    expect(result).toMatchObject({ ok: true, config: { credentials: { accountSid: ACCOUNT_SID, authToken: 'tok' } } });
  });

  test('the Functions', () => {
    const result = readFunctionEnv({ ACCOUNT_SID, AUTH_TOKEN: 'tok', SYNC_SERVICE_SID: `IS${'1'.repeat(32)}`, AUTO_REPLY_TEXT: '${AUTO_REPLY_TEXT}' });
    expect(result.ok && result.env.AUTO_REPLY_TEXT).toBeUndefined();
  });

  test('npm run setup', () => {
    const result = readSetupEnv({ TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: '${TWILIO_AUTH_TOKEN}', TWILIO_PHONE_NUMBER: '+14155550100', FUNCTIONS_BASE_URL: 'https://example-1234.twil.io' });
    expect(result).toEqual({ ok: false, errors: [expect.stringMatching(/^TWILIO_AUTH_TOKEN is not set\./)] });
  });
});
