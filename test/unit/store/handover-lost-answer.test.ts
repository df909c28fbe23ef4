/**
 * The store against the emulator: a receive whose cursor write landed but whose answer was lost
 * (and Sync could not be read to check) still hands its messages over on the next call, once.
 */
import { MessageStore } from '../../../lib/store/message-store';
import { SyncGateway } from '../../../lib/store/sync-gateway';
import { createTwilioClient } from '../../../lib/twilio-client';
import { startEmulator, type Emulator } from '../../../emulator';

const OURS = '+15005550006';
let emulator: Emulator;
let store: MessageStore;

beforeAll(async () => {
  emulator = await startEmulator({ phoneNumbers: [OURS], syncLimits: false });
  const client = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url });
  store = new MessageStore(new SyncGateway(client, emulator.createSyncService(), { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, budgetMs: 1000 } }));
});

afterAll(async () => {
  await emulator?.close();
});

test('an unconfirmed handover is settled by the next receive of all conversations', async () => {
  const at = new Date().toISOString();
  await store.recordInbound({ sid: `SM${'a'.repeat(32)}`, direction: 'inbound', from: '+14155550100', to: OURS, body: 'hello', media: [], numSegments: 1, status: 'received', errorCode: null, createdAt: at, statusAt: at, processed: false });

  // The cursor write lands but its answer is lost; every read of the entry then fails.
  emulator.injectFault({ product: 'sync', method: 'POST', route: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}', kind: 'reset', afterHandling: true, times: 1 });
  emulator.injectFault({ product: 'sync', method: 'GET', route: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}', kind: 503 });
  await expect(store.takeAllNew()).rejects.toThrow();
  emulator.clearFaults();

  const [entry] = await store.listConversations();
  expect(entry?.cursorIndex).toBe(0); // the write did land: the inbox shows nothing new
  const settled = await store.takeAllNew();
  expect(settled.flatMap((h) => h.messages.map((m) => m.body))).toEqual(['hello']);
  expect(await store.takeAllNew()).toEqual([]);
});

test('a cursor write that landed before its retries ended on 429 still hands its messages over, once', async () => {
  const at = new Date().toISOString();
  const them = '+14155550101';
  await store.recordInbound({ sid: `SM${'b'.repeat(32)}`, direction: 'inbound', from: them, to: OURS, body: 'landed', media: [], numSegments: 1, status: 'received', errorCode: null, createdAt: at, statusAt: at, processed: false });

  // The first try of the cursor write takes effect but its answer is lost; the gateway's two
  // retries are refused with 429, so the error the store sees says nothing of the first try.
  const cursorWrite = { product: 'sync' as const, method: 'POST', route: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}' };
  emulator.injectFault({ ...cursorWrite, kind: 500, afterHandling: true, times: 1 });
  emulator.injectFault({ ...cursorWrite, kind: 429, times: 2 });
  const taken = await store.takeAllNew();
  emulator.clearFaults();

  expect(taken.flatMap((h) => h.messages.map((m) => m.body))).toEqual(['landed']);
  expect(await store.takeAllNew()).toEqual([]);
});
