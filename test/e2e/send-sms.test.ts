/**
 * send_sms end to end: the built bridge over stdio (real MCP client), the real twilio client
 * inside it, and the emulator on loopback.
 */
import { startEmulator, type Emulator } from '../../emulator';
import { startBridge, textOf, type BridgeProcess } from '../../scripts/system/bridge-process';
import { emulatorBridgeEnv } from '../support/emulator-bridge-env';
import { expectStartRefused } from '../support/start-refusal';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';

const FRIEND = '+14155550100';

let emulator: Emulator;
let bridge: BridgeProcess;

function bridgeEnv(extra: Record<string, string> = {}): Record<string, string> {
  return emulatorBridgeEnv(emulator, { SEND_WAIT_SECONDS: '10', ...extra });
}

const creates = () => emulator.count({ method: 'POST', product: 'api', route: /Messages\.json$/ });

beforeAll(async () => {
  emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER], deliveryStepMs: 40 });
  bridge = await startBridge(bridgeEnv({ SEND_LIMIT_PER_MINUTE: '100', SEND_LIMIT_PER_RECIPIENT_PER_MINUTE: '100' }));
});

afterAll(async () => {
  await bridge?.close();
  await emulator?.close();
});

beforeEach(() => emulator.resetCounts());

describe('send_sms over stdio', () => {
  test('lists the tools with the single-use wording and truthful annotations', async () => {
    const { tools } = await bridge.client.listTools();
    const send = tools.find((tool) => tool.name === 'send_sms');
    expect(tools.map((tool) => tool.name).sort()).toEqual(['cancel_scheduled_sms', 'get_conversation', 'get_media', 'list_conversations', 'receive_sms', 'send_sms', 'wait_for_reply']);
    expect(send?.description).toMatch(/SINGLE SMS\/MMS .* Call ONCE per message: NEVER resend or retry/);
    expect(send?.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: false, openWorldHint: true });
    expect(send?.outputSchema).toBeDefined();
  });

  test('sends, waits for delivery with progress, and costs one create plus status reads', async () => {
    const progress: string[] = [];
    const result = await bridge.call('send_sms', { to: FRIEND, body: 'Your table is ready.' }, (message) => progress.push(message));
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/^\[FINAL\] SMS sent to \+14155550100 \(SID SM[0-9a-f]{32}\): delivered\. Do not send it again\./);
    expect(result.structuredContent).toMatchObject({ outcome: 'sent', status: 'delivered', errorCode: null });
    expect(progress.length).toBeGreaterThan(0);
    expect(creates()).toBe(1);
    const reads = emulator.count({ method: 'GET', product: 'api', route: /Messages\/\{Sid\}\.json$/ });
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(emulator.count()).toBe(1 + reads);
    const sent = emulator.messages().find((m) => m.sid === result.structuredContent?.sid);
    expect(sent).toMatchObject({ to: FRIEND, from: MAGIC_FROM_NUMBER, body: 'Your table is ready.' });
  });

  test.each([
    ['+15005550001', 21211],
    ['+15005550003', 21408],
    ['+15005550004', 21610],
    ['+15005550009', 21614],
  ])('Twilio refusing %s (error %i) is a [FINAL] failure with a plain-words hint', async (to, code) => {
    const result = await bridge.call('send_sms', { to, body: `test ${code}` });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(new RegExp(`^\\[FINAL\\] SMS to \\${to} failed \\(Twilio error ${code}\\): .+ Do not retry; tell the user\\.`));
    expect(result.structuredContent).toMatchObject({ outcome: 'failed', errorCode: code });
    expect(creates()).toBe(1);
  });

  test('an undelivered message reports the carrier error and what it means', async () => {
    emulator.setDeliveryOutcome('+14155550111', { status: 'undelivered', errorCode: 30003 });
    const result = await bridge.call('send_sms', { to: '+14155550111', body: 'Are you there?' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^\[FINAL\] SMS to \+14155550111 failed \(SID SM[0-9a-f]{32}\) \(Twilio error 30003\): The handset is unreachable/);
    expect(result.structuredContent).toMatchObject({ outcome: 'failed', status: 'undelivered', errorCode: 30003 });
  });

  test('a message the carrier only reports as sent says so after the bounded wait', async () => {
    emulator.setDeliveryOutcome('+14155550112', { status: 'sent' });
    const quick = await startBridge(bridgeEnv({ SEND_WAIT_SECONDS: '1' }));
    try {
      const result = await quick.call('send_sms', { to: '+14155550112', body: 'No receipts here' });
      expect(textOf(result)).toMatch(/^\[FINAL\] SMS sent to \+14155550112 .*: sent; no delivery receipt yet\. Do not send it again\./);
      expect(result.structuredContent).toMatchObject({ outcome: 'sent', status: 'sent' });
    } finally {
      await quick.close();
    }
  });

  test.each([
    [{ to: '4155550100', body: 'hi' }, /has no country code/],
    [{ to: '+1 415 555 0100', body: 'hi' }, /without spaces or punctuation: \+14155550100/],
    [{ to: '+15551234567', body: 'hi' }, /not a valid phone number/],
    [{ to: '+1415555010a', body: 'hi' }, /not an E\.164 number/],
    [{ to: FRIEND, body: '' }, /body is empty/],
    [{ to: FRIEND, body: '   ' }, /body is empty/],
    [{ to: FRIEND, body: 'x'.repeat(1601) }, /1601 characters; Twilio allows at most 1600/],
    [{ to: FRIEND, body: 'pic', mediaUrl: ['http://example.com/a.png'] }, /not an https URL/],
  ])('bad input %p is refused with [FINAL] and sends nothing', async (args, reason) => {
    const result = await bridge.call('send_sms', args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^\[FINAL\] Not sent: /);
    expect(textOf(result)).toMatch(reason);
    expect(result.structuredContent).toMatchObject({ outcome: 'refused' });
    expect(emulator.count()).toBe(0);
  });

  test('the loop guard: the same message again is not sent, and says what was sent first', async () => {
    const first = await bridge.call('send_sms', { to: '+14155550120', body: 'See you at 6' });
    const again = await bridge.call('send_sms', { to: '+14155550120', body: ' See you  at 6 ' });
    expect(first.structuredContent).toMatchObject({ outcome: 'sent' });
    expect(again.isError).toBeFalsy();
    expect(textOf(again)).toMatch(/^\[FINAL\] Not sent again: This exact message was already sent/);
    expect(again.structuredContent).toMatchObject({ outcome: 'already_sent', sid: first.structuredContent?.sid, status: 'delivered' });
    expect(creates()).toBe(1);
  });
});

describe('rate limits', () => {
  test('caps sends per recipient and overall per minute, before Twilio', async () => {
    const limited = await startBridge(bridgeEnv({ SEND_LIMIT_PER_MINUTE: '3', SEND_LIMIT_PER_RECIPIENT_PER_MINUTE: '2', SEND_WAIT_SECONDS: '0' }));
    try {
      const texts: string[] = [];
      for (const [to, body] of [['+14155550130', 'a'], ['+14155550130', 'b'], ['+14155550130', 'c'], ['+14155550131', 'd'], ['+14155550132', 'e']] as const) {
        texts.push(textOf(await limited.call('send_sms', { to, body })));
      }
      expect(texts[0]).toMatch(/^\[FINAL\] SMS sent/);
      expect(texts[1]).toMatch(/^\[FINAL\] SMS sent/);
      expect(texts[2]).toMatch(/^\[FINAL\] Not sent: Rate limit reached: at most 2 messages per minute to this number/);
      expect(texts[3]).toMatch(/^\[FINAL\] SMS sent/);
      expect(texts[4]).toMatch(/^\[FINAL\] Not sent: Rate limit reached: at most 3 messages per minute in total/);
      expect(creates()).toBe(3);
    } finally {
      await limited.close();
    }
  });
});

describe('configuration errors stop start-up with one clear line', () => {
  test.each([
    [{}, /TWILIO_ACCOUNT_SID is not set/],
    [{ TWILIO_ACCOUNT_SID: 'AC123' }, /TWILIO_ACCOUNT_SID must be "AC" followed by 32 hex characters/],
    [{ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER }, /TWILIO_AUTH_TOKEN is not set/],
    [{ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'tok-SECRET-do-not-print' }, /TWILIO_PHONE_NUMBER is not set/],
    [{ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'tok-SECRET-do-not-print', TWILIO_PHONE_NUMBER: '5005550006' }, /TWILIO_PHONE_NUMBER is not usable/],
  ])('%p', (env, message) => {
    expectStartRefused(env, message, 'tok-SECRET-do-not-print');
  });

  test('bad credentials are reported by the tool as Twilio error 20003, without the secret', async () => {
    const wrong = await startBridge(bridgeEnv({ TWILIO_AUTH_TOKEN: 'wrong-SECRET-token' }));
    try {
      const result = await wrong.call('send_sms', { to: FRIEND, body: 'hello' });
      expect(textOf(result)).toMatch(/^\[FINAL\] SMS to \+14155550100 failed \(Twilio error 20003\): .*Check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/);
      expect(textOf(result) + wrong.stderr()).not.toContain('wrong-SECRET-token');
    } finally {
      await wrong.close();
    }
  });
});

describe('logs', () => {
  test('stderr carries configuration, client start and each send, with numbers and bodies masked', () => {
    const log = bridge.stderr();
    expect(log).toMatch(/configuration loaded: account AC/);
    expect(log).toMatch(/Twilio client ready/);
    expect(log).toMatch(/sending to \+1•+00: \[20 chars\]/);
    expect(log).not.toContain(FRIEND);
    expect(log).not.toContain('Your table is ready.');
    expect(log).not.toContain(emulator.authToken);
  });
});
