/**
 * Reading what is new, or the newest page, costs the same number of Sync calls in a thread of
 * 10,000 messages as in a thread of 10 (counted by the emulator).
 */
import { conversationIdFor } from '../../lib/conversation-id';
import type { MessageRecord } from '../../lib/message-record';
import { Inbox } from '../../lib/store/inbox';
import { MessageStore } from '../../lib/store/message-store';
import { SyncGateway } from '../../lib/store/sync-gateway';
import { threadListName } from '../../lib/sync-names';
import { createTwilioClient } from '../../lib/twilio-client';
import { startEmulator, type Emulator } from '../emulator';
import { startBridge, type BridgeProcess } from '../support/bridge-process';

const OUR_NUMBER = '+15005550006';
let emulator: Emulator;
let bridge: BridgeProcess;
let store: MessageStore;
let sync: SyncGateway;

function record(i: number, from: string, direction: 'inbound' | 'outbound' = 'inbound'): MessageRecord {
  const sid = `SM${i.toString(16).padStart(8, '0')}${from.slice(-4)}${'0'.repeat(20)}`;
  const at = new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString();
  return { sid, direction, from: direction === 'inbound' ? from : OUR_NUMBER, to: direction === 'inbound' ? OUR_NUMBER : from, body: `message ${i}`, media: [], numSegments: 1, status: direction === 'inbound' ? 'received' : 'delivered', errorCode: null, createdAt: at, statusAt: at, processed: false };
}

/** Seeds a long thread quickly: plain appends, then one inbox entry, as the store would leave them. */
async function seedThread(them: string, count: number): Promise<string> {
  const conversationId = conversationIdFor(OUR_NUMBER, them);
  const list = threadListName(conversationId);
  await sync.appendOnce(list, record(0, them), () => false);
  for (let next = 1; next < count; next += 100) {
    await Promise.all(Array.from({ length: Math.min(100, count - next) }, (_, k) => sync.appendOnce(list, record(next + k, them, (next + k) % 2 ? 'outbound' : 'inbound'), () => false)));
  }
  // Everything so far has been handed over; then three new inbound messages arrive.
  await new Inbox(sync).update(conversationId, () => ({
    conversationId, ourNumber: OUR_NUMBER, theirNumber: them, createdAt: record(0, them).createdAt, lastActivityAt: record(count - 1, them).createdAt,
    lastDirection: 'inbound', messageCount: count, inboundCount: Math.ceil(count / 2), lastInboundIndex: count - 1, cursorIndex: count - 1, handedOver: Math.ceil(count / 2), recentSids: [], optedOut: false,
  }));
  for (let k = 0; k < 3; k++) await store.recordInbound(record(count + k, them));
  return conversationId;
}

beforeAll(async () => {
  emulator = await startEmulator({ phoneNumbers: [OUR_NUMBER], syncLimits: false });
  const serviceSid = emulator.createSyncService();
  const client = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url });
  sync = new SyncGateway(client, serviceSid);
  store = new MessageStore(sync);
  bridge = await startBridge({
    TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: emulator.authToken, TWILIO_PHONE_NUMBER: OUR_NUMBER,
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
  return emulator.count({ product: 'sync' });
}

test('get_conversation and receive_sms cost the same in a thread of 10 and of 10,000', async () => {
  const short = await seedThread('+14155550101', 10);
  const long = await seedThread('+14155550102', 10_000);

  const getShort = await syncCalls(() => bridge.call('get_conversation', { conversationId: short, limit: 10 }));
  const getLong = await syncCalls(() => bridge.call('get_conversation', { conversationId: long, limit: 10 }));
  const receiveShort = await syncCalls(() => bridge.call('receive_sms', { conversationId: short }));
  const receiveLong = await syncCalls(() => bridge.call('receive_sms', { conversationId: long }));

  expect(getShort).toBe(2); // inbox entry + one page of the thread
  expect(getLong).toBe(getShort);
  expect(receiveShort).toBe(3); // inbox entry + the new items + the cursor update
  expect(receiveLong).toBe(receiveShort);

  const handed = await bridge.call('receive_sms', { conversationId: long });
  expect(handed.structuredContent).toEqual({ messages: [] });
}, 120_000);
