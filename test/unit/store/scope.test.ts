/**
 * Scoped reading against the emulator: each named reader has its own cursor in the shared inbox,
 * sees only its numbers' conversations, and can give back a handover whose result was lost.
 */
import { conversationIdFor } from '../../../lib/conversation-id';
import type { InboxEntry, MessageRecord } from '../../../lib/message-record';
import { cursorOf, type ReaderScope, unreadCount } from '../../../lib/store/read-cursor';
import { MessageStore, UnknownConversationError } from '../../../lib/store/message-store';
import { useStoreHarness } from '../support/store-harness';

const N1 = '+15005550006';
const N2 = '+14155550100';
const THEM = '+447911123456';
const OTHER = '+447911123457';
const A = 'u_aaaaaaaaaaaaaaaa';
const B = 'u_bbbbbbbbbbbbbbbb';

const harness = useStoreHarness();

/** Stores on one fresh Sync service, one per scope. */
function service() {
  const { gateway } = harness.fresh({ attempts: 3, baseDelayMs: 1, maxDelayMs: 5, budgetMs: 1000 });
  return (scope?: ReaderScope) => new MessageStore(gateway, scope ? { scope } : {});
}

let sequence = 0;
function inbound(to: string, from: string, body: string): MessageRecord {
  sequence += 1;
  const at = new Date(Date.UTC(2024, 0, 1, 0, 0, sequence)).toISOString();
  return { sid: `SM${sequence.toString(16).padStart(32, '0')}`, direction: 'inbound', from, to, body, media: [], numSegments: 1, status: 'received', errorCode: null, createdAt: at, statusAt: at, processed: false };
}

const bodies = (handover: { messages: { body: string }[] }) => handover.messages.map((m) => m.body);

async function entryOf(store: MessageStore, conversationId: string): Promise<InboxEntry> {
  const found = await store.conversation(conversationId);
  if (!found) throw new Error(`no entry ${conversationId}`);
  return found.entry;
}

test('two readers of the same number each take a new message once, on their own cursors', async () => {
  const open = service();
  const alice = open({ reader: A, numbers: [N1] });
  const bob = open({ reader: B, numbers: [N1] });
  const shared = open();
  const id = conversationIdFor(N1, THEM);
  expect(await shared.recordInbound(inbound(N1, THEM, 'hello both'))).toBe('stored');

  expect(bodies(await alice.takeNew(id))).toEqual(['hello both']);
  expect(bodies(await alice.takeNew(id))).toEqual([]);
  // Each named reader's cursor is its own item: each sees it in its own view of the entry.
  const unread = async () => [unreadCount(await entryOf(alice, id), A), unreadCount(await entryOf(bob, id), B), unreadCount(await entryOf(shared, id), null)];
  expect(await unread()).toEqual([0, 1, 1]);

  expect(bodies(await bob.takeNew(id))).toEqual(['hello both']);
  expect(bodies(await bob.takeNew(id))).toEqual([]);
  expect(await unread()).toEqual([0, 0, 1]);
  let entry = await entryOf(shared, id);
  // The shared cursor was never moved by the named readers, nor does the shared entry hold theirs.
  expect(cursorOf(entry, null)).toEqual({ cursorIndex: -1, handedOver: 0, handovers: [] });
  expect(entry.readers).toBeUndefined();
  expect([cursorOf(await entryOf(alice, id), A).cursorIndex, cursorOf(await entryOf(bob, id), B).cursorIndex]).toEqual([0, 0]);

  // And a named reader's cursor is untouched by the shared reader's take.
  expect(bodies(await shared.takeNew(id))).toEqual(['hello both']);
  entry = await entryOf(shared, id);
  expect([cursorOf(entry, null).cursorIndex, cursorOf(await entryOf(alice, id), A).handedOver, cursorOf(await entryOf(bob, id), B).handedOver]).toEqual([0, 1, 1]);

  // Reads show each reader's own processed state.
  const [forAlice, forNewcomer] = await Promise.all([alice.readThread(id, { limit: 10 }), open({ reader: 'u_cccccccccccccccc', numbers: [N1] }).readThread(id, { limit: 10 })]);
  expect(forAlice.messages.map((m) => m.processed)).toEqual([true]);
  expect(forNewcomer.messages.map((m) => m.processed)).toEqual([false]);
});

test('two readers each take every new message of their numbers once through takeAllNew', async () => {
  const open = service();
  const alice = open({ reader: A, numbers: [N1] });
  const bob = open({ reader: B, numbers: [N1] });
  await alice.recordInbound(inbound(N1, THEM, 'one'));
  await alice.recordInbound(inbound(N1, OTHER, 'two'));

  expect((await alice.takeAllNew()).map(bodies)).toEqual([['one'], ['two']]);
  expect(await alice.takeAllNew()).toEqual([]);
  expect((await bob.takeAllNew()).map(bodies)).toEqual([['one'], ['two']]);
  expect(await bob.takeAllNew()).toEqual([]);
});

test('a reader of another number sees none of these conversations', async () => {
  const open = service();
  const ofN1 = open({ reader: A, numbers: [N1] });
  const ofN2 = open({ reader: B, numbers: [N2] });
  const id1 = conversationIdFor(N1, THEM);
  const id2 = conversationIdFor(N2, THEM);
  await ofN1.recordInbound(inbound(N1, THEM, 'for N1'));
  await ofN1.recordInbound(inbound(N2, THEM, 'for N2'));

  expect((await ofN2.listConversations()).map((e) => e.conversationId)).toEqual([id2]);
  expect((await ofN1.listConversations()).map((e) => e.conversationId)).toEqual([id1]);
  expect((await open().listConversations()).map((e) => e.conversationId).sort()).toEqual([id1, id2].sort());

  await expect(ofN2.takeNew(id1)).rejects.toBeInstanceOf(UnknownConversationError);
  await expect(ofN2.readThread(id1, { limit: 10 })).rejects.toBeInstanceOf(UnknownConversationError);
  await expect(ofN2.takeNew(id1)).rejects.toThrow(`No conversation ${id1}.`);

  const all = await ofN2.takeAllNew();
  expect(all.map((h) => [h.entry.conversationId, bodies(h)])).toEqual([[id2, ['for N2']]]);

  // Nothing the N2 reader did moved anything of N1's conversation.
  expect(cursorOf(await entryOf(ofN1, id1), B)).toEqual({ cursorIndex: -1, handedOver: 0, handovers: [] });
  expect(bodies(await ofN1.takeNew(id1))).toEqual(['for N1']);
});

test('a reader with no numbers sees nothing at all', async () => {
  const open = service();
  const nobody = open({ reader: A, numbers: [] });
  await open().recordInbound(inbound(N1, THEM, 'hidden'));
  expect(await nobody.listConversations()).toEqual([]);
  expect(await nobody.takeAllNew()).toEqual([]);
  await expect(nobody.takeNew(conversationIdFor(N1, THEM))).rejects.toBeInstanceOf(UnknownConversationError);
});

test.each<[string, ReaderScope | undefined, string | null]>([
  ['a named reader', { reader: A, numbers: [N1] }, A],
  ['the shared reader', undefined, null],
])('%s: a take with an already-aborted signal hands over nothing and moves nothing', async (_label, scope, reader) => {
  const open = service();
  const store = open(scope);
  const id = conversationIdFor(N1, THEM);
  await store.recordInbound(inbound(N1, THEM, 'wait for me'));
  const before = await entryOf(store, id);

  const aborted = await store.takeNew(id, { signal: AbortSignal.abort() });
  expect(aborted.messages).toEqual([]);
  expect(aborted.moved).toBeUndefined();
  const after = await entryOf(store, id);
  expect(after).toEqual(before);
  expect(cursorOf(after, reader)).toEqual({ cursorIndex: -1, handedOver: 0, handovers: [] });
  expect(unreadCount(after, reader)).toBe(1);

  expect(bodies(await store.takeNew(id))).toEqual(['wait for me']);
  expect(await store.takeAllNew({ signal: AbortSignal.abort() })).toEqual([]);
});

test.each<[string, ReaderScope | undefined, string | null]>([
  ['a named reader', { reader: A, numbers: [N1] }, A],
  ['the shared reader', undefined, null],
])('%s: giveBack makes a handover new again', async (_label, scope, reader) => {
  const open = service();
  const store = open(scope);
  const other = open({ reader: B, numbers: [N1] });
  const id = conversationIdFor(N1, THEM);
  await store.recordInbound(inbound(N1, THEM, 'first'));
  await store.recordInbound(inbound(N1, THEM, 'second'));
  const untouched = await entryOf(store, id);

  const handover = await store.takeNew(id);
  expect(bodies(handover)).toEqual(['first', 'second']);
  expect(unreadCount(await entryOf(store, id), reader)).toBe(0);

  expect(await store.giveBack(handover)).toBe(true);
  const restored = await entryOf(store, id);
  expect(unreadCount(restored, reader)).toBe(2);
  expect(cursorOf(restored, reader)).toEqual({ cursorIndex: -1, handedOver: 0, handovers: [] });
  expect(cursorOf(restored, null)).toEqual(cursorOf(untouched, null));

  const again = await store.takeNew(id);
  expect(bodies(again)).toEqual(['first', 'second']);
  expect(again.messages.map((m) => m.sid)).toEqual(handover.messages.map((m) => m.sid));
  expect(bodies(await store.takeNew(id))).toEqual([]);
  // Another reader was never involved.
  expect(bodies(await other.takeNew(id))).toEqual(['first', 'second']);
});

test('giveBack of a handover with nothing moved is true and changes nothing', async () => {
  const open = service();
  const store = open({ reader: A, numbers: [N1] });
  const id = conversationIdFor(N1, THEM);
  await store.recordInbound(inbound(N1, THEM, 'x'));
  await store.takeNew(id);
  const empty = await store.takeNew(id);
  expect(empty.moved).toBeUndefined();
  const before = await entryOf(store, id);
  expect(await store.giveBack(empty)).toBe(true);
  expect(await entryOf(store, id)).toEqual(before);
});

test('giveBack after a later take moved the cursor on still gives that handover back, once', async () => {
  const open = service();
  const store = open({ reader: A, numbers: [N1] });
  const id = conversationIdFor(N1, THEM);
  await store.recordInbound(inbound(N1, THEM, 'early'));
  const first = await store.takeNew(id);
  expect(bodies(first)).toEqual(['early']);
  await store.recordInbound(inbound(N1, THEM, 'late'));
  expect(bodies(await store.takeNew(id))).toEqual(['late']);

  expect(await store.giveBack(first)).toBe(true);
  const after = await store.conversation(id);
  expect(unreadCount(after!.entry, A)).toBe(1);
  expect(bodies(await store.takeNew(id))).toEqual(['early']);
  expect(bodies(await store.takeNew(id))).toEqual([]);
  expect(await store.giveBack(first)).toBe(false);
});

test('a message stored between a take and its giveBack is kept: both come out, in order', async () => {
  const open = service();
  const store = open({ reader: A, numbers: [N1] });
  const webhook = open();
  const id = conversationIdFor(N1, THEM);
  await webhook.recordInbound(inbound(N1, THEM, 'taken'));
  const handover = await store.takeNew(id);
  expect(bodies(handover)).toEqual(['taken']);

  expect(await webhook.recordInbound(inbound(N1, THEM, 'arrived meanwhile'))).toBe('stored');
  expect(await store.giveBack(handover)).toBe(true);
  const entry = await entryOf(store, id);
  expect([entry.inboundCount, unreadCount(entry, A)]).toEqual([2, 2]);

  const again = await store.takeNew(id);
  expect(bodies(again)).toEqual(['taken', 'arrived meanwhile']);
  expect(again.messages.map((m) => m.index)).toEqual([0, 1]);
  expect(bodies(await store.takeNew(id))).toEqual([]);
});
