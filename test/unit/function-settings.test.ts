/** The /mcp Function's settings from its context (mcp-bridge/src/hosts/function/function-settings.ts). */
import { FUNCTION_CALL_SECONDS, readFunctionSettings } from '../../mcp-bridge/src/hosts/function/function-settings';
import { maxWaitSeconds } from '../../mcp-bridge/src/server/call-budget';

const context = (extra: Record<string, unknown> = {}) => ({
  ACCOUNT_SID: `AC${'a'.repeat(32)}`,
  AUTH_TOKEN: 'b'.repeat(32),
  SYNC_SERVICE_SID: `IS${'c'.repeat(32)}`,
  TWILIO_PHONE_NUMBER: '+14155550100',
  MCP_TOKENS: 'a-token-of-sixteen-or-more',
  DOMAIN_NAME: 'twilio-sms-mcp-1234-dev.twil.io',
  PATH: '/mcp',
  getTwilioClient: () => undefined,
  ...extra,
});

test('reads the bridge settings under their own names, with the Function budget and its own domain', () => {
  const read = readFunctionSettings(context({ SEND_WAIT_SECONDS: '20', CLIENT_TIMEOUT_SECONDS: '60', TWILIO_TIMEOUT_MS: '15000' }));
  if (!read.ok) throw new Error(read.error);
  const { config, url, maxConcurrent, tokens } = read.settings;
  expect(config.clientTimeoutSeconds).toBe(FUNCTION_CALL_SECONDS);
  expect(maxWaitSeconds(config.clientTimeoutSeconds)).toBe(2);
  expect(config.twilioTimeoutMs).toBe(3000);
  expect(config.syncServiceSid).toBe(`IS${'c'.repeat(32)}`);
  expect(config.sender.phoneNumber).toBe('+14155550100');
  expect(config.statusCallbackUrl).toBe('https://twilio-sms-mcp-1234-dev.twil.io/sms/status');
  expect(url).toBe('https://twilio-sms-mcp-1234-dev.twil.io/mcp');
  expect(maxConcurrent).toBe(4);
  expect(tokens).toHaveLength(1);
});

test.each([
  ['no MCP_TOKENS', { MCP_TOKENS: undefined }, /MCP_TOKENS is not set/],
  ['a short token', { MCP_TOKENS: 'short' }, /MCP_TOKENS entry 1: a token must be at least 16/],
  ['no Sync service', { SYNC_SERVICE_SID: undefined }, /SYNC_SERVICE_SID is not set/],
  ['a bad MCP_MAX_CONCURRENT', { MCP_MAX_CONCURRENT: '0' }, /MCP_MAX_CONCURRENT must be a whole number from 1 to 30/],
  ['no sender', { TWILIO_PHONE_NUMBER: undefined }, /TWILIO_PHONE_NUMBER is not set/],
])('%s: refused, naming the setting and never a secret', (_label, extra, message) => {
  const read = readFunctionSettings(context(extra));
  expect(read.ok).toBe(false);
  if (!read.ok) {
    expect(read.error).toMatch(message);
    expect(read.error).not.toContain('b'.repeat(32));
  }
});
