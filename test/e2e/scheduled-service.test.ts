/**
 * A scheduled send from a bridge with only a Messaging Service, through the real processes: the
 * emulator (advanceTime releases the message at its SendAt), the Functions under twilio-run
 * (the status callbacks), the built bridge over stdio. With several numbers in the service's pool
 * the message is filed under the service and the callbacks, From the number Twilio picked, find
 * it there; with one, it is filed under that number, where the reply lands.
 */
import { conversationIdFor } from '../../lib/conversation-id';
import type { BridgeProcess } from '../../scripts/system/bridge-process';
import { eventually, MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';

const POOL_OF_TWO = `MG${'3'.repeat(32)}`;
const POOL_OF_ONE = `MG${'4'.repeat(32)}`;
const OTHER_NUMBER = '+15005550100';
let system: System;
/** How far the emulator's clock is ahead of the bridge's (each release moves it). */
let skew = 0;

const withBridge = (service: string, run: (bridge: BridgeProcess) => Promise<void>) =>
  system.withBridge({ TWILIO_PHONE_NUMBER: '', TWILIO_MESSAGING_SERVICE_SID: service, SEND_WAIT_SECONDS: '0' }, run);

type Thread = { messages: { sid: string | null; direction: string; body: string; status: string }[] };

beforeAll(async () => {
  system = await startSystem({
    emulator: {
      messagingServices: [
        // The emulator picks the first number of a pool.
        { sid: POOL_OF_TWO, phoneNumbers: [OTHER_NUMBER, MAGIC_FROM_NUMBER] },
        { sid: POOL_OF_ONE, phoneNumbers: [MAGIC_FROM_NUMBER] },
      ],
    },
  });
}, 60_000);

afterAll(async () => {
  await system?.close();
});

/** Schedules, releases it with the emulator's clock, and waits until the thread shows `final`. */
async function scheduleAndRelease(bridge: BridgeProcess, to: string, body: string, final: string): Promise<{ conversationId: string; sid: string; thread: Thread }> {
  // Ahead of both clocks: the bridge's (15 minutes at least) and the emulator's (Twilio's 5).
  const sendAt = new Date(Date.now() + skew + 20 * 60_000).toISOString();
  const scheduled = (await bridge.call('send_sms', { to, body, sendAt })).structuredContent as { outcome: string; conversationId: string; sid: string };
  expect(scheduled.outcome).toBe('scheduled');
  const { conversationId, sid } = scheduled;
  const before = (await bridge.call('get_conversation', { conversationId })).structuredContent as Thread;
  expect(before.messages.find((m) => m.sid === sid)?.status).toBe('scheduled');
  system.emulator.advanceTime(21 * 60_000);
  skew += 21 * 60_000;
  const thread = await eventually(async () => {
    const read = (await bridge.call('get_conversation', { conversationId })).structuredContent as Thread;
    return read.messages.find((m) => m.sid === sid)?.status === final ? read : null;
  }, 15_000);
  return { conversationId, sid, thread };
}

test("a pool of two: filed under the service; the callbacks, From the number Twilio picked, bring its final status there", async () => {
  const handset = '+14155550451';
  await withBridge(POOL_OF_TWO, async (bridge) => {
    const { conversationId, sid, thread } = await scheduleAndRelease(bridge, handset, 'Your order ships tomorrow.', 'delivered');
    expect(conversationId).not.toBe(conversationIdFor(MAGIC_FROM_NUMBER, handset));
    expect(conversationId).not.toBe(conversationIdFor(OTHER_NUMBER, handset));
    expect(thread.messages.map((m) => [m.sid, m.direction, m.body, m.status])).toEqual([[sid, 'outbound', 'Your order ships tomorrow.', 'delivered']]);
    const released = system.emulator.messages().find((m) => m.sid === sid);
    expect(released).toMatchObject({ from: OTHER_NUMBER, status: 'delivered' });
    // Nothing filed or parked under the number Twilio picked.
    const picked = (await bridge.call('list_conversations', {})).structuredContent as { conversations: { conversationId: string }[] };
    expect(picked.conversations.map((c) => c.conversationId)).not.toContain(conversationIdFor(OTHER_NUMBER, handset));
  });
}, 60_000);

test('a pool of one: filed under that number, where the reply lands, and its final status is there too', async () => {
  const handset = '+14155550452';
  await withBridge(POOL_OF_ONE, async (bridge) => {
    const { conversationId, sid } = await scheduleAndRelease(bridge, handset, 'See you at 9.', 'delivered');
    expect(conversationId).toBe(conversationIdFor(MAGIC_FROM_NUMBER, handset));
    const delivery = await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'Thanks!' });
    expect(delivery.delivered).toBe(true);
    const thread = (await bridge.call('get_conversation', { conversationId })).structuredContent as Thread;
    expect(thread.messages.map((m) => [m.sid === sid, m.direction, m.body, m.status])).toEqual([[true, 'outbound', 'See you at 9.', 'delivered'], [false, 'inbound', 'Thanks!', 'received']]);
  });
}, 60_000);
