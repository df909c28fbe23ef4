/**
 * The store against the emulator: a receive whose cursor write landed but whose answer was lost
 * (and Sync could not be read to check) still hands its messages over on the next call, once.
 */
import type { MessageStore } from '../../../lib/store/message-store';
import { OURS, useStoreHarness } from '../support/store-harness';

const harness = useStoreHarness();
let store: MessageStore;

beforeAll(() => {
  store = harness.fresh({ attempts: 3, baseDelayMs: 1, maxDelayMs: 5, budgetMs: 1000 }).store();
});

test('an unconfirmed handover is settled by the next receive of all conversations', async () => {
  const at = new Date().toISOString();
  await store.recordInbound({ sid: `SM${'a'.repeat(32)}`, direction: 'inbound', from: '+14155550100', to: OURS, body: 'hello', media: [], numSegments: 1, status: 'received', errorCode: null, createdAt: at, statusAt: at, processed: false });

  // The cursor write lands but its answer is lost; every read of the entry then fails.
  harness.fault({ method: 'POST', route: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}', kind: 'reset', afterHandling: true, times: 1 });
  harness.fault({ method: 'GET', route: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}', kind: 503 });
  await expect(store.takeAllNew()).rejects.toThrow();
  harness.emulator.clearFaults();

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
  const cursorWrite = { method: 'POST', route: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}' };
  harness.fault({ ...cursorWrite, kind: 500, afterHandling: true, times: 1 });
  harness.fault({ ...cursorWrite, kind: 429, times: 2 });
  const taken = await store.takeAllNew();
  harness.emulator.clearFaults();

  expect(taken.flatMap((h) => h.messages.map((m) => m.body))).toEqual(['landed']);
  expect(await store.takeAllNew()).toEqual([]);
});
