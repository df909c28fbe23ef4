/**
 * The receive handover in process: takeNew / takeAllNew hand each inbound message over once, in
 * order; the cursor write's three ambiguous endings (landed unanswered, not landed, re-read failed
 * too: parked and settled by the next take); giveBack; a cancelled request; reader scopes.
 */
import { conversationIdFor } from '../../../lib/conversation-id';
import { type MessageStore, UnknownConversationError } from '../../../lib/store/message-store';
import { NO_RETRY, OURS, OURS_2, QUICK_RETRY, ROUTES, inboundRecord, outboundRecord, useStoreHarness } from '../support/store-harness';

const h = useStoreHarness();
const ALICE = '+14155550101';
const BOB = '+14155550102';
const CAROL = '+14155550103';

async function receive(store: MessageStore, from: string, ...bodies: string[]) {
  for (const body of bodies) expect(await store.recordInbound(inboundRecord(from, body))).toBe('stored');
}

const bodies = (handover: { messages: { body: string }[] }) => handover.messages.map((m) => m.body);

describe('takeNew', () => {
  test('hands each inbound message over once, in order; outbound ones are skipped', async () => {
    const service = h.fresh();
    const store = service.store();
    const conv = conversationIdFor(OURS, ALICE);
    await receive(store, ALICE, 'one', 'two');
    await store.recordOutbound(outboundRecord(ALICE, 'our reply'));
    await receive(store, ALICE, 'three');

    const first = await store.takeNew(conv);
    expect(bodies(first)).toEqual(['one', 'two', 'three']);
    expect(first.messages.every((m) => m.direction === 'inbound' && m.processed === false)).toBe(true);
    expect(first.moved).toMatchObject({ before: { cursorIndex: -1, handedOver: 0 }, after: { cursorIndex: 3, handedOver: 3 } });
    expect(bodies(await store.takeNew(conv))).toEqual([]);

    await receive(store, ALICE, 'four');
    expect(bodies(await store.takeNew(conv))).toEqual(['four']);
    expect(bodies(await store.takeNew(conv))).toEqual([]);
    // Another store over the same service (another bridge, a restart) sees the same cursor.
    expect(bodies(await service.store().takeNew(conv))).toEqual([]);
  });

  test('reads only what is new: one list page from the cursor, whatever the thread length', async () => {
    const service = h.fresh();
    const store = service.store();
    const conv = conversationIdFor(OURS, ALICE);
    await receive(store, ALICE, ...Array.from({ length: 30 }, (_, i) => `old ${i}`));
    await store.takeNew(conv);
    await receive(store, ALICE, 'new');
    h.emulator.resetCounts();
    expect(bodies(await store.takeNew(conv))).toEqual(['new']);
    expect(h.calls('GET', /\/Lists\/thread_[^/]+\/Items$/)).toBe(1);
  });

  test('an unknown conversation: UnknownConversationError', async () => {
    const store = h.fresh().store();
    await expect(store.takeNew(conversationIdFor(OURS, ALICE))).rejects.toBeInstanceOf(UnknownConversationError);
  });
});

describe('takeAllNew', () => {
  test('several conversations: each message once, in order per conversation, oldest activity first', async () => {
    const service = h.fresh();
    const store = service.store();
    await receive(store, BOB, 'b1');
    await receive(store, ALICE, 'a1', 'a2');
    await receive(store, CAROL, 'c1');
    await receive(store, BOB, 'b2');
    await store.recordInbound(inboundRecord(ALICE, 'to our other number', { to: OURS_2 }));

    const taken = await store.takeAllNew();
    expect(taken.map((t) => [t.entry.theirNumber, t.entry.ourNumber, bodies(t)])).toEqual([
      [ALICE, OURS, ['a1', 'a2']],
      [CAROL, OURS, ['c1']],
      [BOB, OURS, ['b1', 'b2']],
      [ALICE, OURS_2, ['to our other number']],
    ]);
    expect(await store.takeAllNew()).toEqual([]);
    await receive(store, CAROL, 'c2');
    expect((await store.takeAllNew()).map(bodies)).toEqual([['c2']]);
  });

  test('one conversation failing does not lose the handovers already taken', async () => {
    const service = h.fresh(NO_RETRY);
    const store = service.store();
    await receive(store, ALICE, 'a1');
    await receive(store, BOB, 'b1');
    // One of the two cursor writes fails outright (nothing landed).
    h.fault({ method: 'POST', route: ROUTES.inboxItem, kind: 503, times: 1 });
    const taken = await store.takeAllNew();
    expect(taken).toHaveLength(1);
    h.emulator.clearFaults();
    const rest = await store.takeAllNew();
    expect([...taken, ...rest].flatMap(bodies).sort()).toEqual(['a1', 'b1']);
    expect(await store.takeAllNew()).toEqual([]);
  });
});

describe('the cursor write, when its answer is lost', () => {
  async function twoNew(retry = QUICK_RETRY) {
    const service = h.fresh(retry);
    const store = service.store();
    await receive(store, ALICE, 'one', 'two');
    return { service, store, conv: conversationIdFor(OURS, ALICE) };
  }

  test.each([
    ['with the gateway retrying (the retry meets a revision conflict)', QUICK_RETRY],
    ['with no retry (the ambiguous error itself)', NO_RETRY],
  ])('landed without an answer, %s: handed over now, once', async (_label, retry) => {
    const { store, conv } = await twoNew(retry);
    h.fault({ method: 'POST', route: ROUTES.inboxItem, kind: 'reset', afterHandling: true, times: 1 });
    expect(bodies(await store.takeNew(conv))).toEqual(['one', 'two']);
    expect(bodies(await store.takeNew(conv))).toEqual([]);
  });

  test('did not land (every try failed): an error, and the messages are still new', async () => {
    const { store, conv } = await twoNew();
    h.fault({ method: 'POST', route: ROUTES.inboxItem, kind: 503, times: 3 });
    await expect(store.takeNew(conv)).rejects.toThrow();
    h.emulator.clearFaults();
    expect((await store.requireConversation(conv)).entry.cursorIndex).toBe(-1);
    expect(bodies(await store.takeNew(conv))).toEqual(['one', 'two']);
    expect(bodies(await store.takeNew(conv))).toEqual([]);
  });

  test.each([
    ['landed', 'the next take returns them, once', { kind: 'reset' as const, afterHandling: true, times: 1 }, 1],
    ['did not land', 'the next take finds them still new, once', { kind: 503 as const, times: 3 }, -1],
  ])('%s, and the re-read failed too: parked; %s', async (_landed, _then, cursorWrite, cursorAfter) => {
    const { store, conv } = await twoNew();
    const known = await store.requireConversation(conv);
    h.fault({ method: 'POST', route: ROUTES.inboxItem, ...cursorWrite });
    h.fault({ method: 'GET', route: ROUTES.inboxItem, kind: 503 });
    await expect(store.takeNew(conv, {}, known)).rejects.toThrow();
    h.emulator.clearFaults();
    expect((await store.requireConversation(conv)).entry.cursorIndex).toBe(cursorAfter);
    expect(bodies(await store.takeNew(conv))).toEqual(['one', 'two']);
    expect(bodies(await store.takeNew(conv))).toEqual([]);
  });

  test('parked, then settled by takeAllNew although the inbox shows nothing new', async () => {
    const { store, conv } = await twoNew();
    const known = await store.requireConversation(conv);
    h.fault({ method: 'POST', route: ROUTES.inboxItem, kind: 'reset', afterHandling: true, times: 1 });
    h.fault({ method: 'GET', route: ROUTES.inboxItem, kind: 503 });
    await expect(store.takeNew(conv, {}, known)).rejects.toThrow();
    h.emulator.clearFaults();
    expect((await store.takeAllNew()).map(bodies)).toEqual([['one', 'two']]);
    expect(await store.takeAllNew()).toEqual([]);
  });

  test('a store bounded by until() shares the parked handover with its parent', async () => {
    const { store, conv } = await twoNew();
    const known = await store.requireConversation(conv);
    h.fault({ method: 'POST', route: ROUTES.inboxItem, kind: 'reset', afterHandling: true, times: 1 });
    h.fault({ method: 'GET', route: ROUTES.inboxItem, kind: 503 });
    await expect(store.until(Date.now() + 10_000).takeNew(conv, {}, known)).rejects.toThrow();
    h.emulator.clearFaults();
    expect(bodies(await store.takeNew(conv))).toEqual(['one', 'two']);
  });
});

describe('giveBack', () => {
  test('true: the cursor stood where the handover left it; the messages are new again', async () => {
    const service = h.fresh();
    const store = service.store();
    const conv = conversationIdFor(OURS, ALICE);
    await receive(store, ALICE, 'one', 'two');
    const handover = await store.takeNew(conv);
    expect(await store.giveBack(handover)).toBe(true);
    const entry = (await store.requireConversation(conv)).entry;
    expect(entry).toMatchObject({ cursorIndex: -1, handedOver: 0 });
    expect(bodies(await store.takeNew(conv))).toEqual(['one', 'two']);
  });

  test('after a later receive moved the cursor on: its messages are given back all the same, once, and the later ones stay taken', async () => {
    const service = h.fresh();
    const store = service.store();
    const conv = conversationIdFor(OURS, ALICE);
    await receive(store, ALICE, 'one');
    const first = await store.takeNew(conv);
    await receive(store, ALICE, 'two');
    expect(bodies(await store.takeNew(conv))).toEqual(['two']);
    expect(await store.giveBack(first)).toBe(true);
    expect((await store.requireConversation(conv)).entry).toMatchObject({ cursorIndex: 1, handedOver: 1 });
    expect(bodies(await store.takeNew(conv))).toEqual(['one']);
    expect(bodies(await store.takeNew(conv))).toEqual([]);
    expect((await store.requireConversation(conv)).entry).toMatchObject({ cursorIndex: 1, handedOver: 2 });
  });

  test('a cancellation that comes after the answer was recorded delivered still gives it back', async () => {
    const service = h.fresh();
    const store = service.store({ scope: { reader: 'u_alice', numbers: null } });
    const conv = conversationIdFor(OURS, ALICE);
    await receive(service.store(), ALICE, 'one');
    const first = await store.takeNew(conv);
    await store.confirmDelivered(first);
    await receive(service.store(), ALICE, 'two');
    expect(bodies(await store.takeNew(conv))).toEqual(['two']);
    expect(await store.giveBack(first)).toBe(true);
    expect(bodies(await store.takeNew(conv))).toEqual(['one']);
    expect(await store.giveBack(first)).toBe(false);
    expect(bodies(await store.takeNew(conv))).toEqual([]);
  });

  test('a handover that moved nothing gives back trivially', async () => {
    const service = h.fresh();
    const store = service.store();
    const conv = conversationIdFor(OURS, ALICE);
    await receive(store, ALICE, 'one');
    await store.takeNew(conv);
    const empty = await store.takeNew(conv);
    expect(empty.moved).toBeUndefined();
    expect(await store.giveBack(empty)).toBe(true);
    expect(bodies(await store.takeNew(conv))).toEqual([]);
  });
});

describe('a handover no process can lose (open in Sync until recorded delivered)', () => {
  const SETTLE_MS = 70_000;
  const scopes: [string, string | null][] = [
    ['a one-person bridge', null],
    ['a named reader', 'u_alice'],
  ];

  test.each(scopes)('%s: taken by a process that died before answering: after the deadline any bridge hands it over, once', async (_label, reader) => {
    const service = h.fresh();
    const open = () => service.store({ scope: { reader, numbers: null }, handoverSettleMs: SETTLE_MS });
    const conv = conversationIdFor(OURS, ALICE);
    await receive(service.store(), ALICE, 'one', 'two');
    expect(bodies(await open().takeNew(conv))).toEqual(['one', 'two']); // that process dies here
    await receive(service.store(), ALICE, 'three');
    const other = open();
    const three = await other.takeNew(conv);
    expect(bodies(three)).toEqual(['three']);
    await other.confirmDelivered(three);
    h.clock += SETTLE_MS + 1;
    try {
      const again = await open().takeAllNew();
      expect(again.map(bodies)).toEqual([['one', 'two']]);
      expect(again[0]!.recovered).toBe(2);
      await open().confirmDelivered(again[0]!);
      h.clock += SETTLE_MS + 1;
      expect(await open().takeAllNew()).toEqual([]);
      expect(bodies(await open().takeNew(conv))).toEqual([]);
    } finally {
      h.clock -= 2 * (SETTLE_MS + 1);
    }
  });

  test.each(scopes)('%s: recorded delivered: never handed over again, from any process', async (_label, reader) => {
    const service = h.fresh();
    const open = () => service.store({ scope: { reader, numbers: null }, handoverSettleMs: SETTLE_MS });
    const conv = conversationIdFor(OURS, ALICE);
    await receive(service.store(), ALICE, 'one');
    const taker = open();
    await taker.confirmDelivered(await taker.takeNew(conv));
    h.clock += SETTLE_MS + 1;
    try {
      expect(await open().takeAllNew()).toEqual([]);
      expect(bodies(await open().takeNew(conv))).toEqual([]);
    } finally {
      h.clock -= SETTLE_MS + 1;
    }
  });

  test('the cursor write landed unanswered and Sync was unreadable, then the process died: a restarted bridge hands the messages over after the deadline', async () => {
    const service = h.fresh(NO_RETRY);
    const reader = 'u_alice';
    const open = () => service.store({ scope: { reader, numbers: null }, handoverSettleMs: SETTLE_MS });
    const conv = conversationIdFor(OURS, ALICE);
    await receive(service.store(), ALICE, 'zero');
    const earlier = open();
    await earlier.confirmDelivered(await earlier.takeNew(conv));
    await receive(service.store(), ALICE, 'one', 'two');
    const dying = open();
    const known = await dying.requireConversation(conv);
    h.fault({ method: 'POST', route: /\/Maps\/cursors_[0-9a-f]{16}_\d\/Items\/conv_[0-9a-f]+$/, kind: 'reset', afterHandling: true, times: 1 });
    h.fault({ method: 'GET', route: /\/Maps\/(inbox_\d|cursors_[0-9a-f]{16}_\d)\/Items\/conv_[0-9a-f]+$/, kind: 503 });
    await expect(dying.takeNew(conv, {}, known)).rejects.toThrow();
    h.emulator.clearFaults();
    // It landed: the cursor stands past both, and before the deadline nobody hands them over.
    expect((await open().requireConversation(conv)).entry.readers?.[reader]).toMatchObject({ cursorIndex: 2 });
    expect(bodies(await open().takeNew(conv))).toEqual([]);
    h.clock += SETTLE_MS + 1;
    try {
      expect(bodies(await open().takeNew(conv))).toEqual(['one', 'two']);
      expect(bodies(await open().takeNew(conv))).toEqual([]);
    } finally {
      h.clock -= SETTLE_MS + 1;
    }
  });
});

describe('a cancelled request (AbortSignal)', () => {
  test('takeNew and takeAllNew take nothing, and the messages stay new', async () => {
    const service = h.fresh();
    const store = service.store();
    const conv = conversationIdFor(OURS, ALICE);
    await receive(store, ALICE, 'one');
    await receive(store, BOB, 'b');
    const controller = new AbortController();
    controller.abort();
    h.emulator.resetCounts();
    expect(bodies(await store.takeNew(conv, { signal: controller.signal }))).toEqual([]);
    expect(await store.takeAllNew({ signal: controller.signal })).toEqual([]);
    expect(h.calls('POST', ROUTES.inboxItem)).toBe(0); // no cursor write
    expect((await store.takeAllNew()).map(bodies)).toEqual([['one'], ['b']]);
  });
});

describe('reader scopes', () => {
  test('two readers each get every message; one reader taking does not consume the other', async () => {
    const service = h.fresh();
    const functions = service.store();
    const alice = service.store({ scope: { reader: 'u_alice', numbers: null } });
    const bob = service.store({ scope: { reader: 'u_bob', numbers: null } });
    const conv = conversationIdFor(OURS, CAROL);
    await receive(functions, CAROL, 'one', 'two');

    expect(bodies(await alice.takeNew(conv))).toEqual(['one', 'two']);
    expect(bodies(await alice.takeNew(conv))).toEqual([]);
    await receive(functions, CAROL, 'three');
    expect((await bob.takeAllNew()).map(bodies)).toEqual([['one', 'two', 'three']]);
    expect(bodies(await alice.takeNew(conv))).toEqual(['three']);
    // The entry's own (one-person) cursor is untouched by either.
    expect(bodies(await functions.takeNew(conv))).toEqual(['one', 'two', 'three']);
    // Each reader's cursor is an item of its own; the shared entry holds none of them.
    expect((await functions.requireConversation(conv)).entry.readers).toBeUndefined();
    expect((await alice.requireConversation(conv)).entry.readers).toMatchObject({ u_alice: { cursorIndex: 2, handedOver: 3 } });
    expect((await bob.requireConversation(conv)).entry.readers).toMatchObject({ u_bob: { cursorIndex: 2, handedOver: 3 } });
  });

  test('giveBack of one reader restores only that reader', async () => {
    const service = h.fresh();
    const alice = service.store({ scope: { reader: 'u_alice', numbers: null } });
    const bob = service.store({ scope: { reader: 'u_bob', numbers: null } });
    const conv = conversationIdFor(OURS, CAROL);
    await receive(service.store(), CAROL, 'one');
    const fromAlice = await alice.takeNew(conv);
    expect(bodies(await bob.takeNew(conv))).toEqual(['one']);
    expect(await alice.giveBack(fromAlice)).toBe(true);
    expect(bodies(await alice.takeNew(conv))).toEqual(['one']);
    expect(bodies(await bob.takeNew(conv))).toEqual([]);
  });

  test('a number outside the scope is invisible: not listed, not taken, not readable', async () => {
    const service = h.fresh();
    const functions = service.store();
    const onlyOurs2 = service.store({ scope: { reader: 'u_x', numbers: [OURS_2] } });
    await receive(functions, ALICE, 'to OURS');
    await functions.recordInbound(inboundRecord(ALICE, 'to OURS_2', { to: OURS_2 }));
    const hidden = conversationIdFor(OURS, ALICE);

    expect((await onlyOurs2.takeAllNew()).map((t) => [t.entry.ourNumber, bodies(t)])).toEqual([[OURS_2, ['to OURS_2']]]);
    expect((await onlyOurs2.listConversations()).map((e) => e.ourNumber)).toEqual([OURS_2]);
    await expect(onlyOurs2.takeNew(hidden)).rejects.toBeInstanceOf(UnknownConversationError);
    await expect(onlyOurs2.readThread(hidden, { limit: 10 })).rejects.toBeInstanceOf(UnknownConversationError);
    await expect(onlyOurs2.requireConversation(hidden)).rejects.toBeInstanceOf(UnknownConversationError);
    // And its message is still new for a reader who may see it.
    expect(bodies(await functions.takeNew(hidden))).toEqual(['to OURS']);
  });

  test('an empty scope (a user with no number) sees nothing', async () => {
    const service = h.fresh();
    await receive(service.store(), ALICE, 'hi');
    const nobody = service.store({ scope: { reader: 'u_nobody', numbers: [] } });
    expect(await nobody.takeAllNew()).toEqual([]);
    expect(await nobody.listConversations()).toEqual([]);
  });
});
