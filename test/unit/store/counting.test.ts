/**
 * The inbox counts each stored message once, however its storing is interrupted and resumed,
 * also when the retry comes after more than 32 other messages (beyond recentSids' memory). The
 * store against the emulator with the real twilio client; faults on one message's claim item.
 */
import { conversationIdFor } from '../../../lib/conversation-id';
import type { MessageRecord } from '../../../lib/message-record';
import { MessageStore } from '../../../lib/store/message-store';
import { unreadCount } from '../../../lib/store/read-cursor';
import { SyncGateway } from '../../../lib/store/sync-gateway';
import { createTwilioClient } from '../../../lib/twilio-client';
import { startEmulator, type Emulator } from '../../../emulator';

const OURS = '+15005550006';
let emulator: Emulator;
let gateway: SyncGateway;
let clock = Date.now();
let sidSeq = 0;

const store = () => new MessageStore(gateway, { now: () => new Date(clock) });

function inbound(from: string, body: string): MessageRecord {
  const at = new Date(clock).toISOString();
  const sid = `SM${(sidSeq++).toString(16).padStart(32, '0')}`;
  return { sid, direction: 'inbound', from, to: OURS, body, media: [], numSegments: 1, status: 'received', errorCode: null, createdAt: at, statusAt: at, processed: false };
}

async function threadLength(from: string): Promise<number> {
  const page = await gateway.listPage(`thread_${conversationIdFor(OURS, from)}`, { order: 'asc', pageSize: 100 });
  return page.items.length;
}

const claimItem = (sid: string) => new RegExp(`/Maps/sids_[^/]+/Items/${sid}$`);

beforeAll(async () => {
  emulator = await startEmulator({ phoneNumbers: [OURS], syncLimits: false });
  const client = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url });
  // One try per call: each injected fault fails one store step outright.
  gateway = new SyncGateway(client, emulator.createSyncService(), { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 1000 } });
});

afterAll(async () => {
  await emulator?.close();
});

afterEach(() => emulator.clearFaults());

async function interruptedThenResumed(from: string, fault: { times: number; staleAfter: boolean }) {
  const first = inbound(from, 'interrupted');
  emulator.injectFault({ product: 'sync', method: 'POST', route: claimItem(first.sid), kind: 500, times: fault.times });
  await expect(store().recordInbound(first)).rejects.toThrow();
  emulator.clearFaults();
  // 33 more messages: the interrupted one is out of recentSids when its retry comes.
  for (let i = 0; i < 33; i++) expect(await store().recordInbound(inbound(from, `later ${i}`))).toBe('stored');
  if (fault.staleAfter) clock += 30_000; // its claim, never released, is now stale
  expect(await store().recordInbound(first)).toBe('stored');
  expect(await store().recordInbound(first)).toBe('duplicate');
  const entry = (await store().conversationEntry(OURS, from))!.entry;
  return { entry, stored: await threadLength(from) };
}

test('counted, then the done mark failed and the claim was released: the retry does not count it again', async () => {
  const { entry, stored } = await interruptedThenResumed('+14155550301', { times: 1, staleAfter: false });
  expect(stored).toBe(34);
  expect(entry.messageCount).toBe(34);
  expect(entry.inboundCount).toBe(34);
  expect(unreadCount(entry, null)).toBe(34);
});

test('counted, then its owner died (done mark and release both failed): the takeover recounts, exactly', async () => {
  const { entry, stored } = await interruptedThenResumed('+14155550302', { times: 2, staleAfter: true });
  expect(stored).toBe(34);
  expect(entry.messageCount).toBe(34);
  expect(entry.inboundCount).toBe(34);
  // Messages counted after the recount are counted once more each, no more.
  expect(await store().recordInbound(inbound('+14155550302', 'after the recount'))).toBe('stored');
  const after = (await store().conversationEntry(OURS, '+14155550302'))!.entry;
  expect(after.messageCount).toBe(35);
  expect(await threadLength('+14155550302')).toBe(35);
});

test('the count itself failed and the owner died: the takeover counts it, once', async () => {
  const from = '+14155550303';
  const first = inbound(from, 'uncounted');
  // The inbox entry does not exist yet: the count is a create of the shard item.
  emulator.injectFault({ product: 'sync', method: 'POST', route: /\/Maps\/inbox_\d\/Items$/, kind: 500, times: 1 });
  emulator.injectFault({ product: 'sync', method: 'POST', route: claimItem(first.sid), kind: 500, times: 1 }); // the release
  await expect(store().recordInbound(first)).rejects.toThrow();
  emulator.clearFaults();
  for (let i = 0; i < 33; i++) await store().recordInbound(inbound(from, `later ${i}`));
  clock += 30_000;
  expect(await store().recordInbound(first)).toBe('stored');
  const entry = (await store().conversationEntry(OURS, from))!.entry;
  expect(await threadLength(from)).toBe(34);
  expect(entry.messageCount).toBe(34);
  const taken = await store().takeNew(entry.conversationId);
  expect(taken.messages).toHaveLength(34);
  expect(unreadCount(taken.entry, null)).toBe(0);
});
