/**
 * Handing new inbound messages to one reader exactly once (receive_sms's and wait_for_reply's
 * protocol), whatever process dies when. The reader's cursor moves past the messages with one
 * conditional write before they are returned: the conversation's inbox entry for a one-person
 * bridge, the reader's own cursor item for a named reader (read-cursor.ts). That write also
 * records the handover as open (its token, the thread ranges it read, a deadline: the client's
 * timeout), in Sync, where every bridge of the reader sees it. Once its answer is written, the
 * bridge records it delivered (`confirmDelivered`: an item of its own in the conversation's sid Map,
 * after the answer, so not on the call's path). The reader's next take drops the open handovers
 * known delivered and gives back those past their deadline without a delivery record (their
 * bridge died, or lost Sync, between the take and the answer): their messages come out again,
 * once, from whichever bridge takes first. `giveBack` (the client cancelled, or the answer could
 * not be written) re-queues the handover's ranges, whatever the cursor did since.
 *
 * What no protocol of this kind can close: a bridge killed after its answer left and before its
 * delivery record landed (one Sync round trip) has those messages handed over again after the
 * deadline; a message is then seen twice, never lost. The write carries a random token, so a write
 * whose answer was lost can still be told landed or not.
 */
import type { InboxEntry } from '../message-record';
import { deliveredKey, sidMapName, threadListName } from '../sync-names';
import type { InboxSnapshot } from './inbox';
import { cursorOf, type GivenBack, hasDue, hasNewInbound, isVisible, nextDue, MAX_OPEN_HANDOVERS, type OpenHandover, type ReadCursor, withCursor } from './read-cursor';
import { type CursorItem, readAllCursorItems, viewOf, writeCursorItem } from './reader-cursors';
import { readerEntry, type StoreContext, visibleEntry } from './store-context';
import { UnknownConversationError } from './store-errors';
import { MAX_CONFLICTS, readAfter, type StoredMessage } from './stored-message';
import { isDuplicateKey, isRevisionConflict } from './sync-gateway';

type Range = [number, number];

export interface Handover {
  entry: InboxEntry;
  messages: StoredMessage[];
  /** The cursor write that handed these over: what giveBack undoes. Absent when nothing moved. */
  moved?: { before: ReadCursor; after: ReadCursor; token: string; ranges: Range[] };
  /** How many of `messages` an earlier handover had taken without reaching a client. */
  recovered?: number;
}

/** Receive options: a request cancelled before its cursor write hands nothing over. */
export interface TakeOptions {
  signal?: AbortSignal;
}

/** How the handovers of one reader's stores are settled (MessageStore keeps one per reader). */
export interface HandoverState {
  /** How long an open handover waits for its delivery record before any bridge gives it back. */
  settleMs: number;
  /** Tokens this process recorded delivered: its next take drops them without a read. */
  delivered: Set<string>;
  unsettled: Unsettled;
  /**
   * By conversation, when the earliest handover this process saw open there, from another of the
   * reader's bridges (or this one before a restart) and not known delivered, falls due: a receive
   * takes that conversation then, whatever its news mark says (news.ts), so that a handover left
   * open by a bridge that died comes back at its deadline. Seen by every read of a cursor: a full
   * read, a sweep (dueInCursors), a take.
   */
  dueAt: Map<string, number>;
}

/** Records when the conversation's earliest handover of others falls due (null: none open). */
function noteDue(state: HandoverState, conversationId: string, at: number | null): void {
  if (at === null) state.dueAt.delete(conversationId);
  else state.dueAt.set(conversationId, at);
}

/** The conversations with a handover due by `now` (dueAt), or one of this process's to settle. */
export function dueConversations(state: HandoverState, now: number): string[] {
  return [...new Set([...[...state.dueAt].filter(([, at]) => at <= now).map(([conversationId]) => conversationId), ...state.unsettled.keys()])];
}

/** Delivery records are kept this long: far past any deadline, then Sync removes them. */
const DELIVERED_TTL_SECONDS = 24 * 3600;

/**
 * Conversations of one inbox shard takeAllNew takes at once: each ends with a cursor write to
 * that shard's Map, whose limit is 20 writes/s over a 10 s burst window (the webhooks' counts
 * share it), so one wave stays at that rate. The shards are independent: 100 conversations with
 * news (8 shards of 7–18 each in the bench) take one wave; at 16 the fullest shards took two.
 */
const TAKE_PER_SHARD = 20;

/**
 * Handovers whose cursor write got no clear answer and could not be checked at once (Sync
 * unreadable too), by conversation. The next take of that conversation in this process settles
 * each at once: the write landed (the token is in the entry) and these messages are returned
 * then, or it did not and they are still after the cursor. A process that dies first leaves the
 * handover open in Sync (if its write landed), and its deadline settles it.
 */
export type Unsettled = Map<string, { token: string; handover: Handover }>;

/** Which of these open handovers (of other processes) have a delivery record. */
async function deliveredOf(ctx: StoreContext, conversationId: string, open: readonly OpenHandover[]): Promise<Set<string>> {
  const map = sidMapName(conversationId);
  const found = await Promise.all(open.map(async (handover) => ((await ctx.sync.mapGet(map, deliveredKey(ctx.scope.reader, handover.t))) ? handover.t : null)));
  return new Set(found.filter((token): token is string => token !== null));
}

/** Ranges sorted, and overlapping or adjacent ones merged: (1,3] and (3,5] are (1,5]. */
function merged(ranges: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const [after, through] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = out.at(-1);
    if (last && after <= last[1]) last[1] = Math.max(last[1], through);
    else out.push([after, through]);
  }
  return out;
}

/** The inbound messages of these ranges, ascending, each once. */
async function readRanges(ctx: StoreContext, conversationId: string, ranges: readonly Range[]): Promise<StoredMessage[]> {
  const lists = await Promise.all(ranges.map(async ([after, through]) => (await readAfter(ctx.sync, threadListName(conversationId), after, through)).filter((message) => message.index <= through)));
  const byIndex = new Map<number, StoredMessage>();
  for (const message of lists.flat()) if (message.direction === 'inbound') byIndex.set(message.index, message);
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

async function writeCursor(ctx: StoreContext, conversationId: string, next: InboxEntry, after: ReadCursor, snapshot: { revision: string; cursorRevision?: string | null }): Promise<void> {
  if (ctx.scope.reader === null) await ctx.sync.mapUpdate(ctx.inbox.shardOf(conversationId), conversationId, next, snapshot.revision);
  else await writeCursorItem(ctx.sync, ctx.scope.reader, conversationId, after, snapshot.cursorRevision ?? null);
}

/**
 * The inbound messages of one conversation this reader has not received yet (and any given back,
 * or open past their deadline); its cursor moves past them before they are returned. `known`:
 * the entry as the caller just read it (spares a read; a conflict re-reads).
 */
export async function takeNew(ctx: StoreContext, state: HandoverState, conversationId: string, options: TakeOptions = {}, known?: InboxSnapshot): Promise<Handover> {
  const { reader } = ctx.scope;
  const { unsettled } = state;
  const pending = unsettled.get(conversationId);
  // With a handover to settle, `known` may predate its write: read afresh. A named reader's
  // `known` must be its view (with its cursor item's revision), else it is read too.
  const usable = known && !pending && (reader === null || known.cursorRevision !== undefined);
  let current = usable ? known : await visibleEntry(ctx, conversationId);
  if (pending) {
    unsettled.delete(conversationId);
    if (current && cursorOf(current.entry, reader).handovers.includes(pending.token)) return pending.handover;
  }
  for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
    if (!current) throw new UnknownConversationError(conversationId);
    const { entry } = current;
    const now = ctx.now().getTime();
    const isNew = hasNewInbound(entry, reader);
    if (!isNew && !hasDue(cursorOf(entry, reader), now, state.delivered)) {
      noteDue(state, conversationId, nextDue(cursorOf(entry, reader), now, state.delivered));
      return { entry, messages: [] };
    }
    const before = cursorOf(entry, reader);
    const open = before.open ?? [];
    const back = before.back ?? [];
    // Open handovers of other processes (or of this one before a restart) are asked about: known
    // delivered, they are dropped; past their deadline without a record, given back now.
    const unknown = open.filter((handover) => !state.delivered.has(handover.t));
    const expired = unknown.filter((handover) => handover.d <= now);
    const [items, delivered, again] = await Promise.all([
      isNew ? readAfter(ctx.sync, threadListName(conversationId), before.cursorIndex, entry.lastInboundIndex) : Promise.resolve([]),
      unknown.length > 0 ? deliveredOf(ctx, conversationId, unknown) : Promise.resolve(new Set<string>()),
      // Read beside the rest (the same round trip); those found delivered are left out below.
      readRanges(ctx, conversationId, [...back.flatMap((given) => given.r), ...expired.flatMap((handover) => handover.r)]),
    ]);
    if (options.signal?.aborted) return { entry, messages: [] };
    const settled = expired.filter((handover) => !delivered.has(handover.t));
    const stillOpen = open.filter((handover) => !state.delivered.has(handover.t) && !delivered.has(handover.t) && !settled.includes(handover));
    const dueRanges: Range[] = [...back.flatMap((given) => given.r), ...settled.flatMap((handover) => handover.r)];
    const inDue = (index: number) => dueRanges.some(([after, through]) => index > after && index <= through);
    const recovered = again.filter((message) => inDue(message.index));
    const inbound = items.filter((message) => message.direction === 'inbound');
    const cursorIndex = items.reduce((max, message) => Math.max(max, message.index), before.cursorIndex);
    const ranges: Range[] = merged([...dueRanges, ...(cursorIndex > before.cursorIndex ? [[before.cursorIndex, cursorIndex] as Range] : [])]);
    const byIndex = new Map<number, StoredMessage>();
    for (const message of [...recovered, ...inbound]) byIndex.set(message.index, message);
    const messages = [...byIndex.values()].sort((a, b) => a.index - b.index).map((message) => ({ ...message, processed: false }));
    const token = ctx.newToken();
    const handedAgain = back.reduce((n, given) => n + given.n, 0);
    const opened: OpenHandover[] = messages.length > 0 ? [{ t: token, r: ranges, n: messages.length, d: now + state.settleMs }] : [];
    // Past the bound, the oldest open ones are given back now rather than the cursor growing.
    const overflow = Math.max(0, stillOpen.length + opened.length - MAX_OPEN_HANDOVERS);
    const keptOpen = stillOpen.slice(overflow);
    const overflowBack: GivenBack[] = stillOpen.slice(0, overflow).map((handover) => ({ r: handover.r, n: handover.n }));
    const after: ReadCursor = {
      cursorIndex,
      handedOver: Math.max(0, before.handedOver + inbound.length + handedAgain - overflowBack.reduce((n, given) => n + given.n, 0)),
      handovers: [...before.handovers, token],
      open: [...keptOpen, ...opened],
      back: overflowBack,
    };
    const next = withCursor(entry, reader, after);
    const handover: Handover = { entry: next, messages, ...(messages.length > 0 ? { moved: { before, after, token, ranges } } : {}), ...(recovered.length > 0 ? { recovered: recovered.length } : {}) };
    try {
      await writeCursor(ctx, conversationId, next, after, current);
      for (const handover of open) if (state.delivered.has(handover.t) || delivered.has(handover.t)) state.delivered.delete(handover.t);
      // Others' handovers still open; this one's own is settled in this process (delivered, or given back).
      noteDue(state, conversationId, nextDue({ ...after, open: keptOpen }, now, state.delivered));
      return handover;
    } catch (error) {
      // Whatever the error, a try of this write may have landed without an answer: the gateway
      // retries, so its last try may meet a revision conflict, a 429 or the deadline after an
      // earlier one took effect (the burst test lost handovers that way). Only the entry can
      // tell whether the cursor moved: its token decides, or the question is parked.
      let reread: InboxSnapshot;
      try {
        reread = await visibleEntry(ctx, conversationId);
      } catch {
        unsettled.set(conversationId, { token, handover });
        throw error;
      }
      if (reread && cursorOf(reread.entry, reader).handovers.includes(token)) {
        noteDue(state, conversationId, nextDue({ ...after, open: keptOpen }, now, state.delivered));
        return handover;
      }
      // It did not land: the messages stay new. A named reader's first cursor write is a create,
      // which another write of the same reader answers with 54208.
      if (!isRevisionConflict(error) && !(reader !== null && isDuplicateKey(error))) throw error;
      current = reread;
    }
  }
  throw new Error(`Too many concurrent receives on ${conversationId}.`);
}

/**
 * Records that a handover's answer was written to its client: its open entry is then dropped by
 * the reader's next take instead of being given back at its deadline. One create, after the answer.
 */
export async function confirmDelivered(ctx: StoreContext, state: HandoverState, handover: Handover): Promise<void> {
  const { moved } = handover;
  if (!moved) return;
  const { conversationId } = handover.entry;
  state.delivered.add(moved.token);
  try {
    await ctx.sync.mapCreate(sidMapName(conversationId), deliveredKey(ctx.scope.reader, moved.token), { at: ctx.now().getTime() }, { ttlSeconds: DELIVERED_TTL_SECONDS });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

/** What a receive of several conversations took, and the conversations whose take failed. */
export interface Taken {
  handovers: Handover[];
  failed: Set<string>;
  /** The first failure, for a caller that took nothing. */
  failure?: unknown;
}

/** Every visible conversation with news, oldest activity first: the inbox and cursors read whole. */
export async function takeAllNew(ctx: StoreContext, state: HandoverState, options: TakeOptions = {}): Promise<Taken> {
  const { scope } = ctx;
  const { reader } = scope;
  // A named reader's cursors are read beside the inbox (the same round trip).
  const [entries, cursors] = await Promise.all([ctx.inbox.all(), reader === null ? null : readAllCursorItems(ctx.sync, reader)]);
  const views = reader === null || cursors === null ? entries : entries.map((found) => viewOf(found, reader, cursors.get(found.entry.conversationId) ?? null));
  // A conversation with a handover still to settle is asked too: its write may have landed, in
  // which case the inbox shows nothing new, yet those messages were never returned.
  const now = ctx.now().getTime();
  state.dueAt.clear();
  for (const { entry } of views) if (isVisible(scope, entry)) noteDue(state, entry.conversationId, nextDue(cursorOf(entry, scope.reader), now, state.delivered));
  const withNews = views
    .filter(({ entry }) => isVisible(scope, entry) && (hasNewInbound(entry, scope.reader) || hasDue(cursorOf(entry, scope.reader), now, state.delivered) || state.unsettled.has(entry.conversationId)))
    .sort((a, b) => a.entry.lastActivityAt.localeCompare(b.entry.lastActivityAt));
  return takeEach(ctx, state, withNews.map((known) => ({ conversationId: known.entry.conversationId, known })), options);
}

/**
 * A named reader's own cursor items, read whole (its cursor Maps, which no other reader reads):
 * sets when its next open handover falls due, and names the conversations with one due now or
 * given back, which a receive then takes like those whose news marks moved.
 */
export function dueInCursors(state: HandoverState, cursors: ReadonlyMap<string, CursorItem>, now: number): string[] {
  const due: string[] = [];
  state.dueAt.clear();
  for (const [conversationId, { cursor }] of cursors) {
    if (!cursor) continue;
    if (hasDue(cursor, now, state.delivered)) due.push(conversationId);
    noteDue(state, conversationId, nextDue(cursor, now, state.delivered));
  }
  return due;
}

/**
 * Only these conversations (those whose news marks moved, news.ts): each one's entry and cursor
 * item read on its own, the inbox shards and cursor Maps left unread. Oldest activity first.
 */
export async function takeSomeNew(ctx: StoreContext, state: HandoverState, conversationIds: readonly string[], options: TakeOptions = {}): Promise<Taken> {
  const taken = await takeEach(ctx, state, conversationIds.map((conversationId) => ({ conversationId })), options);
  taken.handovers.sort((a, b) => a.entry.lastActivityAt.localeCompare(b.entry.lastActivityAt) || a.entry.conversationId.localeCompare(b.entry.conversationId));
  return taken;
}

async function takeEach(ctx: StoreContext, state: HandoverState, targets: { conversationId: string; known?: InboxSnapshot }[], options: TakeOptions): Promise<Taken> {
  const failed = new Set<string>();
  let failure: unknown;
  // Conversations are independent: taken side by side (each one's thread read, then its cursor
  // write), so the wait is two round trips, not two per conversation; bounded per shard.
  const taken: (Handover | null)[] = new Array(targets.length).fill(null);
  const byShard = new Map<string, number[]>();
  targets.forEach(({ conversationId }, i) => {
    const shard = ctx.inbox.shardOf(conversationId);
    const queue = byShard.get(shard);
    if (queue) queue.push(i);
    else byShard.set(shard, [i]);
  });
  const worker = async (queue: number[]) => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const { conversationId, known } = targets[i]!;
      // The revision read with the shard page spares a second read; a conflict re-reads.
      try {
        taken[i] = await takeNew(ctx, state, conversationId, options, known);
      } catch (error) {
        // Not there for this reader (a mark names a conversation it may not see): nothing to take.
        if (error instanceof UnknownConversationError) continue;
        // Throwing now would drop the handovers already taken (their cursors have moved): return
        // them; the conversations that failed keep their messages for the next call.
        failure ??= error;
        failed.add(conversationId);
      }
    }
  };
  await Promise.all([...byShard.values()].flatMap((queue) => Array.from({ length: Math.min(TAKE_PER_SHARD, queue.length) }, () => worker(queue))));
  // In the order given, whichever finished first.
  const handovers = taken.filter((handover): handover is Handover => handover !== null && handover.messages.length > 0);
  return { handovers, failed, ...(failure !== undefined ? { failure } : {}) };
}

/**
 * Undoes a handover whose result never reached the client (the request was cancelled, or its
 * answer could not be written): its ranges are given back, so the next take hands its messages
 * over again, whatever the cursor did since. While it is open, or recorded delivered (a client's
 * cancellation that came after the answer was written): true. False when a bridge has already
 * given it back at its deadline (its messages came out again then).
 */
export async function giveBack(ctx: StoreContext, state: HandoverState, handover: Handover): Promise<boolean> {
  const { moved } = handover;
  if (!moved) return true;
  const { reader } = ctx.scope;
  const { conversationId } = handover.entry;
  const count = handover.messages.length;
  const given = (now: ReadCursor, recorded: boolean): ReadCursor | null => {
    const open = now.open ?? [];
    const isOpen = open.some((entry) => entry.t === moved.token);
    if (!isOpen && !recorded) return null;
    // Still where this handover left it, nothing given back since: the cursor simply goes back.
    if (isOpen && open.length === 1 && (now.back ?? []).length === 0 && (moved.before.back ?? []).length === 0 && moved.ranges.length === 1 && now.cursorIndex === moved.after.cursorIndex && now.handovers.at(-1) === moved.token) {
      return { cursorIndex: moved.before.cursorIndex, handedOver: Math.max(0, now.handedOver - count), handovers: now.handovers.filter((t) => t !== moved.token) };
    }
    return { ...now, handedOver: Math.max(0, now.handedOver - count), open: open.filter((entry) => entry.t !== moved.token), back: [...(now.back ?? []), { r: moved.ranges, n: count }] };
  };
  const recordedDelivered = async () =>
    state.delivered.has(moved.token) || (await ctx.sync.mapGet(sidMapName(conversationId), deliveredKey(reader, moved.token))) !== null;
  for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
    const [current, recorded] = await Promise.all([readerEntry(ctx, conversationId), recordedDelivered()]);
    if (!current) return false; // gone (retention): nothing to give back to
    const back = given(cursorOf(current.entry, reader), recorded);
    if (!back) return false;
    try {
      if (reader === null) await ctx.sync.mapUpdate(ctx.inbox.shardOf(conversationId), conversationId, withCursor(current.entry, null, back), current.revision);
      else {
        if (current.cursorRevision === undefined || current.cursorRevision === null) return false;
        await writeCursorItem(ctx.sync, reader, conversationId, back, current.cursorRevision);
      }
      state.delivered.delete(moved.token);
      if (recorded) await ctx.sync.mapDelete(sidMapName(conversationId), deliveredKey(reader, moved.token)).catch(() => undefined);
      return true;
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
    }
  }
  throw new Error(`Too many concurrent receives on ${conversationId}.`);
}
