/**
 * Handing new inbound messages to one reader exactly once (receive_sms's and wait_for_reply's
 * protocol). The reader's cursor moves past the messages with one conditional write before they
 * are returned: the conversation's inbox entry for a one-person bridge, the reader's own cursor
 * item for a named reader (read-cursor.ts). The write carries a random token, so a write whose
 * answer was lost can still be told landed or not. giveBack undoes a handover whose result never
 * reached the client.
 */
import type { InboxEntry } from '../message-record';
import { threadListName } from '../sync-names';
import type { InboxSnapshot } from './inbox';
import { advanced, cursorOf, hasNewInbound, isVisible, type ReadCursor, withCursor } from './read-cursor';
import { readAllCursorItems, viewOf, writeCursorItem } from './reader-cursors';
import { readerEntry, type StoreContext, visibleEntry } from './store-context';
import { UnknownConversationError } from './store-errors';
import { MAX_CONFLICTS, readAfter, type StoredMessage } from './stored-message';
import { isDuplicateKey, isRevisionConflict } from './sync-gateway';

export interface Handover {
  entry: InboxEntry;
  messages: StoredMessage[];
  /** The cursor write that handed these over: what giveBack undoes. Absent when nothing moved. */
  moved?: { before: ReadCursor; after: ReadCursor };
}

/** Receive options: a request cancelled before its cursor write hands nothing over. */
export interface TakeOptions {
  signal?: AbortSignal;
}

/**
 * Conversations of one inbox shard takeAllNew takes at once: each ends with a cursor write to
 * that shard's Map, whose limit is 20 writes/s over a 10 s burst window (the webhooks' counts
 * share it), so one wave stays at that rate. The shards are independent: 100 conversations with
 * news (8 shards of 7–18 each in the bench) take one wave; at 16 the fullest shards took two.
 */
const TAKE_PER_SHARD = 20;

/**
 * Handovers whose cursor write got no clear answer and could not be checked at once (Sync
 * unreadable too), by conversation. The next take of that conversation settles each: the write
 * landed (the token is in the entry) and these messages are returned then, or it did not and
 * they are still after the cursor. Kept by one reader's store only: each reader has its own
 * cursor, and a bridge restarted in between loses the question (known limit: the messages of such
 * a handover, if its write landed, then stay marked processed).
 */
export type Unsettled = Map<string, { token: string; handover: Handover }>;

/**
 * The inbound messages of one conversation this reader has not received yet; its cursor moves
 * past them before they are returned. `known`: the entry as the caller just read it (spares a
 * read; a conflict re-reads).
 */
export async function takeNew(ctx: StoreContext, unsettled: Unsettled, conversationId: string, options: TakeOptions = {}, known?: InboxSnapshot): Promise<Handover> {
  const { reader } = ctx.scope;
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
    const { entry, revision, cursorRevision } = current;
    if (!hasNewInbound(entry, reader)) return { entry, messages: [] };
    const before = cursorOf(entry, reader);
    const items = await readAfter(ctx.sync, threadListName(conversationId), before.cursorIndex, entry.lastInboundIndex);
    if (options.signal?.aborted) return { entry, messages: [] };
    const inbound = items.filter((message) => message.direction === 'inbound');
    const cursorIndex = items.reduce((max, message) => Math.max(max, message.index), before.cursorIndex);
    const token = ctx.newToken();
    const after = advanced(before, cursorIndex, inbound.length, token);
    const next = withCursor(entry, reader, after);
    const handover: Handover = { entry: next, messages: inbound.map((message) => ({ ...message, processed: false })), moved: { before, after } };
    try {
      if (reader === null) await ctx.sync.mapUpdate(ctx.inbox.shardOf(conversationId), conversationId, next, revision);
      else await writeCursorItem(ctx.sync, reader, conversationId, after, cursorRevision ?? null);
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
      if (reread && cursorOf(reread.entry, reader).handovers.includes(token)) return handover;
      // It did not land: the messages stay new. A named reader's first cursor write is a create,
      // which another write of the same reader answers with 54208.
      if (!isRevisionConflict(error) && !(reader !== null && isDuplicateKey(error))) throw error;
      current = reread;
    }
  }
  throw new Error(`Too many concurrent receives on ${conversationId}.`);
}

/** New inbound messages of every visible conversation that has some (the inbox says which). */
export async function takeAllNew(ctx: StoreContext, unsettled: Unsettled, options: TakeOptions = {}): Promise<Handover[]> {
  const { scope } = ctx;
  const { reader } = scope;
  // A named reader's cursors are read beside the inbox (the same round trip).
  const [entries, cursors] = await Promise.all([ctx.inbox.all(), reader === null ? null : readAllCursorItems(ctx.sync, reader)]);
  const views = reader === null || cursors === null ? entries : entries.map((found) => viewOf(found, reader, cursors.get(found.entry.conversationId) ?? null));
  // A conversation with a handover still to settle is asked too: its write may have landed, in
  // which case the inbox shows nothing new, yet those messages were never returned.
  const withNews = views
    .filter(({ entry }) => isVisible(scope, entry) && (hasNewInbound(entry, scope.reader) || unsettled.has(entry.conversationId)))
    .sort((a, b) => a.entry.lastActivityAt.localeCompare(b.entry.lastActivityAt));
  let failure: unknown;
  // Conversations are independent: taken side by side (each one's thread read, then its cursor
  // write), so the wait is two round trips, not two per conversation; bounded per shard.
  const taken: (Handover | null)[] = new Array(withNews.length).fill(null);
  const byShard = new Map<string, number[]>();
  withNews.forEach(({ entry }, i) => {
    const shard = ctx.inbox.shardOf(entry.conversationId);
    const queue = byShard.get(shard);
    if (queue) queue.push(i);
    else byShard.set(shard, [i]);
  });
  const worker = async (queue: number[]) => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const known = withNews[i]!;
      // The revision read with the shard page spares a second read; a conflict re-reads.
      try {
        taken[i] = await takeNew(ctx, unsettled, known.entry.conversationId, options, known);
      } catch (error) {
        // Throwing now would drop the handovers already taken (their cursors have moved): return
        // them; the conversations that failed keep their messages for the next call.
        failure ??= error;
      }
    }
  };
  await Promise.all([...byShard.values()].flatMap((queue) => Array.from({ length: Math.min(TAKE_PER_SHARD, queue.length) }, () => worker(queue))));
  // Oldest activity first, as listed, whichever finished first.
  const results = taken.filter((handover): handover is Handover => handover !== null && handover.messages.length > 0);
  if (results.length === 0 && failure !== undefined) throw failure;
  return results;
}

/**
 * Undoes a handover whose result never reached the client (the request was cancelled, or its
 * answer could not be written): the messages are new again for the next receive. Only while the
 * cursor still stands where that handover left it; false when a later receive moved it on.
 */
export async function giveBack(ctx: StoreContext, handover: Handover): Promise<boolean> {
  const { moved } = handover;
  if (!moved) return true;
  const { reader } = ctx.scope;
  const { conversationId } = handover.entry;
  const [token] = moved.after.handovers.slice(-1);
  const restore = (now: ReadCursor): ReadCursor | null =>
    now.cursorIndex === moved.after.cursorIndex && now.handovers.includes(token ?? '')
      ? { cursorIndex: moved.before.cursorIndex, handedOver: Math.max(0, now.handedOver - (moved.after.handedOver - moved.before.handedOver)), handovers: now.handovers.filter((t) => t !== token) }
      : null;
  if (reader === null) {
    let restored = false;
    await ctx.inbox.update(conversationId, (current) => {
      if (!current) return null; // gone (retention): nothing to give back to
      const back = restore(cursorOf(current, null));
      restored = back !== null;
      return back ? withCursor(current, null, back) : current;
    });
    return restored;
  }
  // A named reader's cursor item, conditionally on the revision read.
  for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
    const current = await readerEntry(ctx, conversationId);
    if (!current || current.cursorRevision === undefined || current.cursorRevision === null) return false;
    const back = restore(cursorOf(current.entry, reader));
    if (!back) return false;
    try {
      await writeCursorItem(ctx.sync, reader, conversationId, back, current.cursorRevision);
      return true;
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
    }
  }
  throw new Error(`Too many concurrent receives on ${conversationId}.`);
}
