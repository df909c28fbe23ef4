/**
 * News marks (lib/store/news.ts) against the emulator: a named reader pages its number's marks and
 * reads only the conversations whose mark moved; its own cursor Maps at its sweep (handovers its
 * other bridges left open); the inbox shards only on its first receive and at its periodic full
 * read, which also brings what no mark announced.
 */
import { conversationIdFor } from '../../../lib/conversation-id';
import { FULL_READ_EVERY_MS, NAMED_FULL_READ_EVERY_MS } from '../../../lib/store/news';
import type { ReaderScope } from '../../../lib/store/read-cursor';
import { inboundRecord, OURS, useStoreHarness } from '../support/store-harness';

const h = useStoreHarness();
const READER: ReaderScope = { reader: 'u_news0000000000000', numbers: [OURS] };
let from = 0;
const nextSender = () => `+1415556${(1000 + from++).toString().padStart(4, '0')}`;

/** Page reads of the inbox shards and of cursor Maps: what a full read costs. */
const fullReadPages = () => h.calls('GET', /\/Maps\/(inbox_\d|cursors_[0-9a-f]+_\d)\/Items$/);
/** Page reads of the inbox shards, which every user's reads share. */
const inboxPages = () => h.calls('GET', /\/Maps\/inbox_\d\/Items$/);

async function setUp(conversations: number, handoverSettleMs?: number) {
  const service = h.fresh();
  const webhook = service.store();
  const reader = service.store({ scope: READER, ...(handoverSettleMs !== undefined ? { handoverSettleMs } : {}) });
  const senders = Array.from({ length: conversations }, nextSender);
  for (const them of senders) await webhook.recordInbound(inboundRecord(them, `first from ${them}`));
  const first = await reader.takeAllNew();
  expect(first.map((handover) => handover.entry.theirNumber).sort()).toEqual([...senders].sort());
  for (const handover of first) await reader.confirmDelivered(handover);
  return { service, webhook, reader, senders };
}

const bodies = (handovers: { messages: { body: string }[] }[]) => handovers.flatMap((handover) => handover.messages.map((message) => message.body));

test('nothing new: eight reads (the number\'s marks), no inbox read', async () => {
  const { reader } = await setUp(3);
  h.emulator.resetCounts();
  expect(await reader.takeAllNew()).toEqual([]);
  expect(h.calls('GET', /./)).toBe(8);
  expect(h.calls('GET', /\/Maps\/marks_[0-9a-f]+_\d\/Items$/)).toBe(8);
});

test('a message in one conversation: that conversation read alone, no inbox page', async () => {
  const { webhook, reader, senders } = await setUp(3);
  await webhook.recordInbound(inboundRecord(senders[1]!, 'second'));
  h.emulator.resetCounts();
  const taken = await reader.takeAllNew();
  expect(bodies(taken)).toEqual(['second']);
  expect(taken[0]!.entry.conversationId).toBe(conversationIdFor(OURS, senders[1]!));
  expect(fullReadPages()).toBe(0);
  // The entry and the cursor item of that conversation, not the others'.
  expect(h.calls('GET', /\/Maps\/inbox_\d\/Items\/conv_[0-9a-f]+$/)).toBe(1);
  for (const handover of taken) await reader.confirmDelivered(handover);
  expect(await reader.takeAllNew()).toEqual([]);
});

test('a new conversation is found by its mark', async () => {
  const { webhook, reader } = await setUp(2);
  const newcomer = nextSender();
  await webhook.recordInbound(inboundRecord(newcomer, 'hello, first time'));
  h.emulator.resetCounts();
  expect(bodies(await reader.takeAllNew())).toEqual(['hello, first time']);
  expect(fullReadPages()).toBe(0);
});

test('a conversation whose take failed is read again at the next receive, not at the periodic one', async () => {
  const { service, webhook, senders } = await setUp(2);
  const reader = service.store({ scope: READER });
  await reader.takeAllNew();
  await webhook.recordInbound(inboundRecord(senders[0]!, 'for A'));
  await webhook.recordInbound(inboundRecord(senders[1]!, 'for B'));
  const threadA = new RegExp(`/Lists/thread_${conversationIdFor(OURS, senders[0]!)}/Items$`);
  h.fault({ method: 'GET', route: threadA, kind: 500, times: 3 });
  expect(bodies(await reader.takeAllNew())).toEqual(['for B']);
  h.emulator.clearFaults();
  h.emulator.resetCounts();
  expect(bodies(await reader.takeAllNew())).toEqual(['for A']);
  expect(fullReadPages()).toBe(0);
});

test('a message no mark announced (its mark write failed for good) comes with the periodic full read', async () => {
  const { service, reader, senders } = await setUp(2);
  const unmarked = service.store();
  h.fault({ method: 'POST', route: /\/Maps\/marks_[0-9a-f]+_\d\/Items/, kind: 500, times: 100 });
  await expect(unmarked.recordInbound(inboundRecord(senders[0]!, 'never marked'))).rejects.toThrow();
  h.emulator.clearFaults();
  expect(await reader.takeAllNew()).toEqual([]);
  // Its sweep (its own cursors) does not read the inbox; the full read does.
  h.clock += FULL_READ_EVERY_MS;
  h.emulator.resetCounts();
  expect(await reader.takeAllNew()).toEqual([]);
  expect(inboxPages()).toBe(0);
  h.clock += NAMED_FULL_READ_EVERY_MS;
  h.emulator.resetCounts();
  expect(bodies(await reader.takeAllNew())).toEqual(['never marked']);
  expect(inboxPages()).toBeGreaterThan(0);
});

test("a handover another bridge of the reader left open comes back with the reader's sweep, no inbox read", async () => {
  const { service, webhook, reader, senders } = await setUp(2);
  const other = service.store({ scope: READER, handoverSettleMs: 10_000 });
  await other.takeAllNew();
  await webhook.recordInbound(inboundRecord(senders[1]!, 'taken by a bridge that died'));
  // The other bridge takes it and dies before its answer: no delivery record.
  expect(bodies(await other.takeAllNew())).toEqual(['taken by a bridge that died']);
  expect(await reader.takeAllNew()).toEqual([]);
  h.clock += FULL_READ_EVERY_MS;
  h.emulator.resetCounts();
  const again = await reader.takeAllNew();
  expect(bodies(again)).toEqual(['taken by a bridge that died']);
  expect(again[0]!.recovered).toBe(1);
  expect(inboxPages()).toBe(0);
  expect(h.calls('GET', /\/Maps\/cursors_[0-9a-f]+_\d\/Items$/)).toBe(8);
});

test('its own handovers, recorded delivered, never fall due: no full read a deadline after each receive', async () => {
  // The periodic full read at its latest (60 s), so that only a due handover could force one.
  jest.spyOn(Math, 'random').mockReturnValue(0.999);
  try {
    const { webhook, reader, senders } = await setUp(2, 100_000);
    await webhook.recordInbound(inboundRecord(senders[0]!, 'handed over, delivered'));
    h.clock += 1_000;
    const taken = await reader.takeAllNew();
    expect(bodies(taken)).toEqual(['handed over, delivered']);
    for (const handover of taken) await reader.confirmDelivered(handover);
    // The periodic sweep while that handover is open: it sees its deadline, 100 s after the take.
    h.clock += FULL_READ_EVERY_MS;
    expect(await reader.takeAllNew()).toEqual([]);
    h.clock += 40_000;
    h.emulator.resetCounts();
    expect(await reader.takeAllNew()).toEqual([]);
    expect(fullReadPages()).toBe(0);
  } finally {
    jest.restoreAllMocks();
  }
});

test('a handover another bridge left open, once seen by a take, comes back at its deadline: no sweep, no inbox read', async () => {
  const { service, webhook, reader, senders } = await setUp(2, 100_000);
  const other = service.store({ scope: READER, handoverSettleMs: 10_000 });
  await other.takeAllNew();
  await webhook.recordInbound(inboundRecord(senders[0]!, 'taken, then its bridge died'));
  expect(bodies(await other.takeAllNew())).toEqual(['taken, then its bridge died']);
  // The mark moved: this bridge reads the conversation and sees the other's handover open.
  expect(await reader.takeAllNew()).toEqual([]);
  h.clock += 11_000;
  h.emulator.resetCounts();
  const again = await reader.takeAllNew();
  expect(bodies(again)).toEqual(['taken, then its bridge died']);
  expect(again[0]!.recovered).toBe(1);
  expect(fullReadPages()).toBe(0);
});
