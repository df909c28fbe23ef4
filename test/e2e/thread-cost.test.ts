/**
 * Reading what is new, or the newest page, costs the same number of Sync calls in a thread of
 * 10,000 messages as in a thread of 10 (counted by the emulator).
 */
import { MessageStore } from '../../lib/store/message-store';
import { SyncGateway } from '../../lib/store/sync-gateway';
import { createTwilioClient } from '../../lib/twilio-client';
import { startEmulator, type Emulator } from '../../emulator';
import { startBridge, type BridgeProcess } from '../../scripts/system/bridge-process';
import { addInbound, seedThread } from '../../scripts/system/seed-thread';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';
import { roundTripsOf } from '../../emulator';

let emulator: Emulator;
let bridge: BridgeProcess;
let store: MessageStore;
let sync: SyncGateway;

/** A long thread, seeded fast, all of it handed over; then three new inbound messages arrive. */
async function seededThread(them: string, count: number): Promise<string> {
  const thread = await seedThread(sync, MAGIC_FROM_NUMBER, them, count);
  await addInbound(store, MAGIC_FROM_NUMBER, thread);
  return thread.conversationId;
}

beforeAll(async () => {
  emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER], syncLimits: false });
  const serviceSid = emulator.createSyncService();
  const client = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url });
  sync = new SyncGateway(client, serviceSid);
  store = new MessageStore(sync);
  bridge = await startBridge({
    TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: emulator.authToken, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER,
    TWILIO_SYNC_SERVICE_SID: serviceSid, TWILIO_API_BASE_URL: emulator.url,
    // A reconciliation turn (once per interval, whatever the thread length) is not what this
    // measures; reconcile.test.ts counts its calls.
    RECONCILE_INTERVAL_SECONDS: '0',
  });
}, 120_000);

afterAll(async () => {
  await bridge?.close();
  await emulator?.close();
});

async function syncCalls(run: () => Promise<unknown>): Promise<number> {
  emulator.resetCounts();
  await run();
  // receive_sms records its handover delivered once its answer is written (handover.ts): counted too.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return emulator.count({ product: 'sync' });
}

test('get_conversation and receive_sms cost the same in a thread of 10 and of 10,000', async () => {
  const short = await seededThread('+14155550101', 10);
  const long = await seededThread('+14155550102', 10_000);

  const getShort = await syncCalls(() => bridge.call('get_conversation', { conversationId: short, limit: 10 }));
  const getLong = await syncCalls(() => bridge.call('get_conversation', { conversationId: long, limit: 10 }));
  const receiveShort = await syncCalls(() => bridge.call('receive_sms', { conversationId: short }));
  const receiveLong = await syncCalls(() => bridge.call('receive_sms', { conversationId: long }));

  expect(getShort).toBe(2); // inbox entry + one page of the thread
  expect(getLong).toBe(getShort);
  expect(receiveShort).toBe(4); // inbox entry + the new items + the cursor update; after the answer, the delivery record
  expect(receiveLong).toBe(receiveShort);

  const handed = await bridge.call('receive_sms', { conversationId: long });
  expect(handed.structuredContent).toEqual({ messages: [] });
}, 120_000);

test('receive_sms answers after 3 round trips; the delivery record is written after the answer', async () => {
  const thread = await seedThread(sync, MAGIC_FROM_NUMBER, '+14155550103', 10);
  const id = thread.conversationId;
  await addInbound(store, MAGIC_FROM_NUMBER, thread, 1);
  await bridge.call('receive_sms', { conversationId: id });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await addInbound(store, MAGIC_FROM_NUMBER, thread, 1);
  const before = emulator.requests().length;
  emulator.setLatency({ sync: 100 });
  let answeredAt = 0;
  try {
    const result = await bridge.call('receive_sms', { conversationId: id });
    answeredAt = Date.now();
    expect((result.structuredContent as { messages: unknown[] }).messages).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 400));
  } finally {
    emulator.setLatency(undefined);
  }
  const requests = emulator.requests().slice(before).filter((request) => request.product === 'sync');
  const during = requests.filter((request) => request.arrivedAt < answeredAt - 50);
  const after = requests.filter((request) => request.arrivedAt >= answeredAt - 50);
  expect(roundTripsOf(during)).toHaveLength(3);
  expect(after.map((request) => `${request.method} ${request.route.replace(/^\/v1\/Services\/\{ServiceSid\}/, '')}`)).toEqual(['POST /Maps/{MapSid}/Items']);
}, 60_000);
