/**
 * Secrets and privacy (issue #6, part 5). Every flow runs with distinctive fake secrets; no auth
 * token or API secret appears in any log line (bridge stderr, twilio-run output), error message,
 * webhook answer or tool result, and no phone number or message body appears unmasked in a log
 * unless LOG_PII=true. The LOG_PII=true run shows they do appear then, so the check can fail.
 */
import { spawnSync } from 'node:child_process';
import { conversationIdFor } from '../../lib/conversation-id';
import { createTwilioClient } from '../../lib/twilio-client';
import { startEmulator, type Emulator } from '../../emulator';
import { startBridge, type BridgeProcess } from '../../scripts/system/bridge-process';
import { startFunctions, type FunctionsProcess } from '../../scripts/system/functions-process';
import { BRIDGE_BIN } from '../support/paths';
import { inboundParams, messageSid, postWebhook, reportFigures, textOf } from './support';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';

// Real processes, retries and timeouts: slower than jest's 5 s default (set here, since a
// project's testTimeout does not apply when jest.config.js runs it as one of its projects).
jest.setTimeout(120_000);

const AUTH_TOKEN = 'AUTHTOKENzq81secretVALUEdo0not1log';
const API_SECRET = 'APISECRETkx27secretVALUEdo0not1log';
const WRONG_TOKEN = 'WRONGTOKENmm93secretVALUEnever1log';
/** Handsets and bodies whose appearance in a log would be a leak. */
const HANDSET = '+14155550177';
const OTHER = '+447911123478';
const BODY = 'PIIBODYmarker: meet me at 42 Secret Lane';
const REPLY = 'PIIREPLYmarker: see you there';

const SECRETS = [AUTH_TOKEN, API_SECRET, WRONG_TOKEN];
/** Personal data, in every form a log might carry it. */
const PII = [HANDSET, HANDSET.slice(1), OTHER, OTHER.slice(1), '4155550177', 'PIIBODYmarker', 'PIIREPLYmarker', '42 Secret Lane'];

let emulator: Emulator;
let functions: FunctionsProcess;
let syncServiceSid: string;
const bridges: BridgeProcess[] = [];
/** Everything a user or the model can see besides the logs: tool results, webhook answers, errors. */
const seen: string[] = [];
const extraLogs: string[] = [];
let casesTried = 0;

function bridgeEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER,
    TWILIO_SYNC_SERVICE_SID: syncServiceSid,
    TWILIO_API_BASE_URL: emulator.url,
    STATUS_CALLBACK_BASE_URL: functions.url,
    SEND_WAIT_SECONDS: '3',
    ...extra,
  };
}

async function bridge(extra: Record<string, string> = {}): Promise<BridgeProcess> {
  const started = await startBridge(bridgeEnv(extra));
  bridges.push(started);
  return started;
}

async function call(target: BridgeProcess, tool: string, args: Record<string, unknown> = {}) {
  casesTried += 1;
  const result = await target.call(tool, args);
  seen.push(JSON.stringify(result));
  return result;
}

/** Basic auth as it would appear in a logged header: base64 of "AC…:secret". */
const basicAuth = (user: string, secret: string) => Buffer.from(`${user}:${secret}`).toString('base64');

function leaks(text: string, needles: readonly string[]): string[] {
  return needles.filter((needle) => text.includes(needle));
}

beforeAll(async () => {
  emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER], deliveryStepMs: 30, authToken: AUTH_TOKEN, apiSecret: API_SECRET });
  syncServiceSid = emulator.createSyncService('secrets');
  functions = await startFunctions({ ACCOUNT_SID: emulator.accountSid, AUTH_TOKEN, SYNC_SERVICE_SID: syncServiceSid, TWILIO_API_BASE_URL: emulator.url });
  const client = createTwilioClient({ accountSid: emulator.accountSid, authToken: AUTH_TOKEN }, { apiBaseUrl: emulator.url });
  const [number] = await client.incomingPhoneNumbers.list({ phoneNumber: MAGIC_FROM_NUMBER });
  await client.incomingPhoneNumbers(number!.sid).update({ smsUrl: `${functions.url}/sms/incoming`, smsMethod: 'POST' });
}, 60_000);

afterAll(async () => {
  for (const started of bridges) await started.close();
  await functions?.close();
  await emulator?.close();
});

describe('every flow, with distinctive secrets', () => {
  test('inbound, receive, read, reply, failures and refusals (auth token)', async () => {
    const b = await bridge();
    const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, HANDSET);
    const inbound = await emulator.simulateInbound({ from: HANDSET, to: MAGIC_FROM_NUMBER, body: BODY });
    expect(inbound.delivered).toBe(true);
    await emulator.simulateInbound({ from: OTHER, to: MAGIC_FROM_NUMBER, body: 'STOP' });
    await call(b, 'list_conversations');
    const received = await call(b, 'receive_sms');
    expect(textOf(received)).toContain(BODY); // the model sees the text: that is the point
    await call(b, 'get_conversation', { conversationId });
    expect((await call(b, 'send_sms', { to: HANDSET, body: REPLY })).structuredContent).toMatchObject({ outcome: 'sent' });
    await call(b, 'send_sms', { to: HANDSET, body: REPLY }); // the loop guard
    await call(b, 'send_sms', { to: ' 4155550177 ', body: BODY }); // no country code, padded
    await call(b, 'send_sms', { to: '+1 415 555 0177', body: BODY }); // spaces
    await call(b, 'send_sms', { to: '+15005550001', body: BODY }); // Twilio 21211 quotes the number
    await call(b, 'send_sms', { to: '+15005550004', body: BODY }); // 21610 opt-out
    await call(b, 'send_sms', { to: OTHER, body: BODY }); // opted out by STOP
    await call(b, 'send_sms', { to: HANDSET, body: `${BODY}\u0000` }); // control character
    await call(b, 'wait_for_reply', { conversationId, timeoutSeconds: 1 });
    await call(b, 'cancel_scheduled_sms', { sid: messageSid(7) });
    await call(b, 'get_conversation', { conversationId: 'conv_0000000000000000' });
    // Status callbacks reach the Functions (signed with the auth token) and are applied.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });

  test('the same with an API key and secret', async () => {
    const b = await bridge({ TWILIO_AUTH_TOKEN: '', TWILIO_API_KEY: emulator.apiKey, TWILIO_API_SECRET: API_SECRET });
    expect((await call(b, 'send_sms', { to: HANDSET, body: `${REPLY} (key)` })).structuredContent).toMatchObject({ outcome: 'sent' });
    await call(b, 'receive_sms');
    await call(b, 'list_conversations');
  });

  test('wrong credentials: Twilio’s 20003 is explained without echoing them', async () => {
    const b = await bridge({ TWILIO_AUTH_TOKEN: WRONG_TOKEN });
    const result = await call(b, 'send_sms', { to: HANDSET, body: `${REPLY} (wrong)` });
    expect(textOf(result)).toMatch(/^\[FINAL\] Not sent: .*Twilio error 20003: .*Check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/s);
    await call(b, 'list_conversations');
    const keyed = await bridge({ TWILIO_AUTH_TOKEN: '', TWILIO_API_KEY: emulator.apiKey, TWILIO_API_SECRET: WRONG_TOKEN });
    await call(keyed, 'send_sms', { to: HANDSET, body: `${REPLY} (wrong key)` });
  });

  test('forged and malformed webhooks are refused without logging what they carried', async () => {
    const params = inboundParams({ sid: messageSid(99), accountSid: emulator.accountSid, from: HANDSET, to: MAGIC_FROM_NUMBER, body: BODY });
    for (const post of [{ params }, { params, signature: 'forged' }, { params: { ...params, MessageSid: 'bad' }, token: AUTH_TOKEN }, { params, token: AUTH_TOKEN, contentType: 'application/json', rawBody: JSON.stringify(params) }]) {
      casesTried += 1;
      const answer = await postWebhook(functions.url, '/sms/incoming', post);
      seen.push(answer.body);
      expect(answer.status).toBeGreaterThanOrEqual(400);
    }
  });

  test('configuration errors name the variable, never its value', () => {
    const configs: Record<string, string>[] = [
      { TWILIO_ACCOUNT_SID: AUTH_TOKEN },
      { TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: '', TWILIO_API_KEY: AUTH_TOKEN, TWILIO_API_SECRET: API_SECRET },
      { TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: '', TWILIO_API_SECRET: API_SECRET },
      { TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_PHONE_NUMBER: API_SECRET },
      { TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER, TWILIO_API_BASE_URL: API_SECRET },
      { TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER, SEND_ALLOWLIST: `US,${API_SECRET}` },
      { TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER, TWILIO_SYNC_SERVICE_SID: API_SECRET },
      { TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER, TWILIO_TIMEOUT_MS: API_SECRET },
    ];
    for (const env of configs) {
      casesTried += 1;
      const run = spawnSync(process.execPath, [BRIDGE_BIN], { env: { PATH: process.env.PATH ?? '', ...env }, input: '', encoding: 'utf8', timeout: 15_000 });
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      extraLogs.push(run.stderr);
    }
  });
});

describe('the logs', () => {
  test('carry no secret, and no phone number or body unmasked', () => {
    const logs = [...bridges.map((b) => b.stderr()), functions.output(), ...extraLogs];
    // functions.output() keeps the last 50,000 characters: the whole run must fit to be checked.
    expect(functions.output().length).toBeLessThan(50_000);
    const everything = [...logs, ...seen].join('\n');
    const secretNeedles = [...SECRETS, ...SECRETS.map((secret) => basicAuth(emulator.accountSid, secret)), ...SECRETS.map((secret) => basicAuth(emulator.apiKey, secret))];
    const secretLeaks = leaks(everything, secretNeedles);
    const piiLeaks = leaks(logs.join('\n'), PII);
    // Any full E.164 number at all (ours included) is masked in the logs.
    const numbers = logs.join('\n').match(/\+\d{8,15}/g) ?? [];
    reportFigures({ suite: 'secrets', casesTried, secretsLeaked: secretLeaks.length + piiLeaks.length + numbers.length });
    expect(secretLeaks).toEqual([]);
    expect(piiLeaks).toEqual([]);
    expect(numbers).toEqual([]);
    // The logs did say what happened (so the check above had something to read).
    const bridgeLog = bridges[0]!.stderr();
    expect(bridgeLog).toMatch(/sending to \+1••••••••77: \[\d+ chars\]/);
    expect(bridgeLog).toMatch(/send refused before Twilio: Invalid "to" number: "41•{6}77" has no country code/);
    expect(bridgeLog).toMatch(/refused by Twilio: Twilio error 21211/);
    expect(functions.output()).toMatch(/incoming: stored SM[0-9a-f]{32} from \+1••••••••77/);
  });
});

describe('LOG_PII=true shows what the masking hides (so the check above can fail)', () => {
  test('the bridge logs the number and body, the Functions the number; still no secret', async () => {
    casesTried += 1;
    const open = await bridge({ LOG_PII: 'true' });
    await call(open, 'send_sms', { to: '+14155550178', body: 'PIIVISIBLEmarker' });
    await call(open, 'send_sms', { to: ' 4155550179 ', body: 'x' });
    const openFunctions = await startFunctions({ ACCOUNT_SID: emulator.accountSid, AUTH_TOKEN, SYNC_SERVICE_SID: syncServiceSid, TWILIO_API_BASE_URL: emulator.url, LOG_PII: 'true' });
    try {
      const params = inboundParams({ sid: messageSid(0xabc), accountSid: emulator.accountSid, from: '+14155550180', to: MAGIC_FROM_NUMBER, body: 'hello' });
      expect((await postWebhook(openFunctions.url, '/sms/incoming', { params, token: AUTH_TOKEN })).status).toBe(200);
      expect(openFunctions.output()).toContain('+14155550180');
      expect(leaks(openFunctions.output(), SECRETS)).toEqual([]);
    } finally {
      await openFunctions.close();
    }
    const log = open.stderr();
    expect(log).toContain('+14155550178');
    expect(log).toContain('"PIIVISIBLEmarker"');
    expect(log).toContain('"4155550179"');
    expect(leaks(log, SECRETS)).toEqual([]);
  });
});
