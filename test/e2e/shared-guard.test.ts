/**
 * The send guard kept in Twilio Sync, through real bridge processes on one (emulated) Sync
 * service: restarts, kills and parallel bridges neither repeat a text nor stretch a cap, a
 * confirmation token works once from any bridge, and a guard that cannot be read refuses.
 * Creates are counted at the emulator.
 */
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startBridge, textOf, type BridgeProcess } from '../../scripts/system/bridge-process';
import { startSystem, type System } from '../support/system';

let system: System;

beforeAll(async () => {
  system = await startSystem();
});

afterEach(() => system.emulator.clearFaults());

afterAll(async () => {
  await system?.close();
});

/** Messages Twilio accepted from us, to `to`. */
const creates = (to: string) => system.emulator.messages().filter((message) => message.direction !== 'inbound' && message.to === to).length;

/** No caps, no delivery wait: only the duplicate check is at work. */
const uncapped = { SEND_WAIT_SECONDS: '0', SEND_LIMIT_PER_MINUTE: '0', SEND_LIMIT_PER_RECIPIENT_PER_MINUTE: '0', SEND_LIMIT_PER_HOUR: '0', SEND_LIMIT_PER_DAY: '0', SEND_LIMIT_ACCOUNT_PER_MINUTE: '0', SEND_LIMIT_ACCOUNT_PER_DAY: '0' };

function kill(bridge: BridgeProcess): void {
  const { pid } = bridge.client.transport as StdioClientTransport;
  if (pid) process.kill(pid, 'SIGKILL');
}

async function withBridge<T>(env: Record<string, string>, run: (bridge: BridgeProcess) => Promise<T>): Promise<T> {
  const bridge = await startBridge(system.bridgeEnv(env));
  try {
    return await run(bridge);
  } finally {
    await bridge.close();
  }
}

test('50 identical sends spread over 5 bridges, each killed after its 10: one text', async () => {
  const to = '+14155550301';
  const texts: string[] = [];
  for (let process = 0; process < 5; process++) {
    const bridge = await startBridge(system.bridgeEnv({ SEND_WAIT_SECONDS: '0' }));
    for (let call = 0; call < 10; call++) texts.push(textOf(await bridge.call('send_sms', { to, body: 'Your order has shipped.' })));
    kill(bridge);
    await bridge.close();
  }
  expect(creates(to)).toBe(1);
  expect(texts[0]).toMatch(/^\[FINAL\] SMS sent to \+14155550301 \(SID (SM[0-9a-f]{32})\)/);
  const sid = /SID (SM[0-9a-f]{32})/.exec(texts[0]!)![1];
  // Every later call, in whichever process, names the first message.
  for (const text of texts.slice(1)) expect(text).toMatch(new RegExp(`^\\[FINAL\\] Not sent again: This exact message was already sent to this number a moment ago \\(SID ${sid}\\), status \\w+\\. Do not resend it\\.`));
});

test('two bridges racing the same message, 100 times: one text each time', async () => {
  const to = '+14155550302';
  // A service of its own, and rounds no faster than Sync lets one sender's claims Map be written
  // (20 writes/s, three a round): beyond that Sync refuses, and so, closed, does the guard.
  const env = { ...uncapped, TWILIO_SYNC_SERVICE_SID: system.emulator.createSyncService('racing') };
  const ROUND_MS = 170;
  const [a, b] = await Promise.all([startBridge(system.bridgeEnv(env)), startBridge(system.bridgeEnv(env))]);
  try {
    const outcomes: string[] = [];
    for (let round = 0; round < 100; round++) {
      const body = `Reminder ${round}: dentist at 3pm`;
      const paced = new Promise((resolve) => setTimeout(resolve, ROUND_MS));
      const [results] = await Promise.all([Promise.all([a.call('send_sms', { to, body }), b.call('send_sms', { to, body })]), paced]);
      outcomes.push(results.map((result) => String(result.structuredContent?.outcome)).sort().join('+'));
      expect(system.emulator.messages().filter((message) => message.to === to && message.body === body)).toHaveLength(1);
    }
    expect(creates(to)).toBe(100);
    expect(new Set(outcomes)).toEqual(new Set(['already_sent+sent']));
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('a daily cap of 5 holds with the bridge restarted after every send: the 6th is refused', async () => {
  // A sender of its own (SMS_USER): the caps count per sender, and other tests here send as "shared".
  const env = { SEND_WAIT_SECONDS: '0', SEND_LIMIT_PER_DAY: '5', SMS_USER: 'daily-cap@example.com' };
  const recipients = Array.from({ length: 6 }, (_, i) => `+1415555031${i}`);
  const texts: string[] = [];
  for (const to of recipients) texts.push(await withBridge(env, async (bridge) => textOf(await bridge.call('send_sms', { to, body: `Hello ${to}` }))));
  for (const text of texts.slice(0, 5)) expect(text).toMatch(/^\[FINAL\] SMS sent to /);
  expect(texts[5]).toMatch(/^\[FINAL\] Not sent: Rate limit reached: at most 5 messages per day\. Tell the user; sending is possible again in about \d+ s\. Nothing was sent\./);
  expect(recipients.map(creates)).toEqual([1, 1, 1, 1, 1, 0]);
});

test('a confirmation token issued by one bridge is redeemed by another, once', async () => {
  const env = { SEND_WAIT_SECONDS: '0', SEND_CONFIRMATION: 'true' };
  const to = '+14155550320';
  const message = { to, body: 'Your appointment is confirmed for Monday.' };
  const token = await withBridge(env, async (bridge) => {
    const preview = await bridge.call('send_sms', message);
    expect(textOf(preview)).toMatch(/^\[PREVIEW, NOT SENT\]/);
    return String(preview.structuredContent?.confirmationToken);
  });
  expect(creates(to)).toBe(0);
  const sent = await withBridge(env, async (bridge) => textOf(await bridge.call('send_sms', { ...message, confirmationToken: token })));
  expect(sent).toMatch(/^\[FINAL\] SMS sent to \+14155550320/);
  // Replayed from a third bridge (and with another body, so the duplicate check is not what stops it).
  const replay = await withBridge(env, async (bridge) => textOf(await bridge.call('send_sms', { to, body: 'Your appointment is confirmed for Tuesday.', confirmationToken: token })));
  expect(replay).toMatch(/^\[FINAL\] Not sent: The confirmation token is unknown, used or expired/);
  const again = await withBridge(env, async (bridge) => textOf(await bridge.call('send_sms', { ...message, confirmationToken: token })));
  expect(again).toMatch(/^\[FINAL\] Not sent/);
  expect(creates(to)).toBe(1);
});

describe('a guard that cannot be read or written refuses, and sends nothing', () => {
  test.each([
    ['the duplicate claims', /\/Maps\/sent_/],
    ['the cap ledgers', /\/Maps\/guard_/],
  ])('503 on every call to %s', async (_label, route) => {
    const to = `+1415555033${String(route).includes('sent') ? 0 : 1}`;
    await withBridge({ SEND_WAIT_SECONDS: '0' }, async (bridge) => {
      system.emulator.injectFault({ kind: 503, product: 'sync', route, times: Infinity });
      const refused = await bridge.call('send_sms', { to, body: 'Are we still on?' });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/^\[FINAL\] Not sent: The send guard's state in Twilio Sync could not be checked: Twilio error 20503: Service Unavailable\. Without it a second text cannot be ruled out\. Tell the user it can be tried again in a minute\. Nothing was sent\./);
      expect(creates(to)).toBe(0);
      // Once Sync answers again the same message goes out: a refused send leaves no claim behind.
      system.emulator.clearFaults();
      expect(textOf(await bridge.call('send_sms', { to, body: 'Are we still on?' }))).toMatch(/^\[FINAL\] SMS sent to /);
      expect(creates(to)).toBe(1);
    });
  });
});

test("the account's cap counts every user's sends; each user's own caps only theirs", async () => {
  // A service of its own: the account ledger of the other tests' service has their sends in it.
  const TWILIO_SYNC_SERVICE_SID = system.emulator.createSyncService('account-cap');
  const env = (user: string) => ({ SEND_WAIT_SECONDS: '0', SEND_LIMIT_ACCOUNT_PER_MINUTE: '3', SEND_LIMIT_PER_MINUTE: '2', SMS_USER: user, TWILIO_SYNC_SERVICE_SID });
  const send = (user: string, to: string) => withBridge(env(user), async (bridge) => textOf(await bridge.call('send_sms', { to, body: `Hi from ${user}` })));
  expect(await send('alice@example.com', '+14155550340')).toMatch(/^\[FINAL\] SMS sent/);
  expect(await send('alice@example.com', '+14155550341')).toMatch(/^\[FINAL\] SMS sent/);
  // Alice's own cap of 2 a minute is reached; Bob's is not.
  expect(await send('alice@example.com', '+14155550342')).toMatch(/^\[FINAL\] Not sent: Rate limit reached: at most 2 messages per minute in total\./);
  expect(await send('bob@example.com', '+14155550343')).toMatch(/^\[FINAL\] SMS sent/);
  // The account has sent 3 this minute, Bob only 1.
  expect(await send('bob@example.com', '+14155550344')).toMatch(/^\[FINAL\] Not sent: Rate limit reached: at most 3 messages per minute in total for the whole account\./);
  expect(['+14155550340', '+14155550341', '+14155550342', '+14155550343', '+14155550344'].map(creates)).toEqual([1, 1, 0, 1, 0]);
});
