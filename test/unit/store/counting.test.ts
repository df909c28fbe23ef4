/**
 * The inbox counts each stored message once, however its storing is interrupted and resumed,
 * also when the retry comes after more than 32 other messages (beyond recentSids' memory). The
 * store against the emulator with the real twilio client; faults on one message's claim item.
 */
import type { MessageRecord } from '../../../lib/message-record';
import { unreadCount } from '../../../lib/store/read-cursor';
import { inboundRecord, NO_RETRY, OURS, type Service, useStoreHarness } from '../support/store-harness';

const harness = useStoreHarness();
let service: Service;
// One try per call: each injected fault fails one store step outright.
beforeAll(() => (service = harness.fresh(NO_RETRY)));

const store = () => service.store();
const inbound = (from: string, body: string): MessageRecord => inboundRecord(from, body, { at: new Date(harness.clock) });
const threadLength = async (from: string): Promise<number> => (await service.thread(OURS, from)).length;
const claimItem = (sid: string) => new RegExp(`/Maps/sids_[^/]+/Items/${sid}$`);

async function interruptedThenResumed(from: string, fault: { times: number; staleAfter: boolean }) {
  const first = inbound(from, 'interrupted');
  harness.fault({ method: 'POST', route: claimItem(first.sid), kind: 500, times: fault.times });
  await expect(store().recordInbound(first)).rejects.toThrow();
  harness.emulator.clearFaults();
  // 33 more messages: the interrupted one is out of recentSids when its retry comes.
  for (let i = 0; i < 33; i++) expect(await store().recordInbound(inbound(from, `later ${i}`))).toBe('stored');
  if (fault.staleAfter) harness.clock += 30_000; // its claim, never released, is now stale
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
  harness.fault({ method: 'POST', route: /\/Maps\/inbox_\d\/Items$/, kind: 500, times: 1 });
  harness.fault({ method: 'POST', route: claimItem(first.sid), kind: 500, times: 1 }); // the release
  await expect(store().recordInbound(first)).rejects.toThrow();
  harness.emulator.clearFaults();
  for (let i = 0; i < 33; i++) await store().recordInbound(inbound(from, `later ${i}`));
  harness.clock += 30_000;
  expect(await store().recordInbound(first)).toBe('stored');
  const entry = (await store().conversationEntry(OURS, from))!.entry;
  expect(await threadLength(from)).toBe(34);
  expect(entry.messageCount).toBe(34);
  const taken = await store().takeNew(entry.conversationId);
  expect(taken.messages).toHaveLength(34);
  expect(unreadCount(taken.entry, null)).toBe(0);
});
