/**
 * The message store on Twilio Sync, shared by the Functions (inbound webhook, status callback) and
 * the bridge (send, receive, list, read). Layout and costs are described in sync-names.ts and the
 * README's "Sync layout" section.
 */
import { randomUUID } from 'node:crypto';
import { conversationIdFor } from '../conversation-id';
import { optOutChange, type OptOutType } from '../opt-out';
import { type InboxEntry, type MessageRecord, MessageRecordSchema, type SidEntry, SidEntrySchema } from '../message-record';
import { advancesStatus, type MessageStatus } from '../message-status';
import { sidMapName, threadListName } from '../sync-names';
import { Inbox, type Known, newInboxEntry } from './inbox';
import { advanced, cursorOf, hasNewInbound, isVisible, type ReadCursor, type ReaderScope, WHOLE_SERVICE, withCursor } from './read-cursor';
import { isDuplicateKey, isRevisionConflict, type SyncGateway } from './sync-gateway';

export type StoredMessage = MessageRecord & { index: number };
/** An outbound message as recordOutbound stored it, with the revision it was written at. */
export type RecordedOutbound = StoredMessage & { revision: string };

export class UnknownConversationError extends Error {
  constructor(readonly conversationId: string) {
    super(`No conversation ${conversationId}. Call list_conversations to see the conversation ids that exist.`);
  }
}

/** Another delivery of the same webhook is storing this message right now. */
export class StoreInProgressError extends Error {
  /** `counted`: the holder got as far as counting it, so the message is stored. */
  constructor(readonly sid: string, readonly counted: boolean | null = false) {
    super(`Message ${sid} is being stored by another request; retry later.`);
  }
}

export interface MessageStoreOptions {
  now?: () => Date;
  newToken?: () => string;
  /**
   * A claim older than this is taken to belong to a dead request. A webhook's Sync calls end within
   * 14 s of its start (handle-incoming.ts, WEBHOOK_BUDGET_MS), so a 20 s old claim has no live owner.
   */
  staleClaimMs?: number;
  /** Whose cursor receives move and which conversations reads see; default: the whole service. */
  scope?: ReaderScope;
}

const MAX_CONFLICTS = 20;
const READ_PAGE = 100;
/** Conversations takeAllNew takes at once: about four cursor writes per inbox shard at a time, far inside its 20 writes/s. */
const TAKE_CONCURRENCY = 32;

/** Which side of a message is ours: the To of an inbound message, the From of an outbound one. */
export function conversationOf(record: Pick<MessageRecord, 'direction' | 'from' | 'to'>) {
  const [ourNumber, theirNumber] = record.direction === 'inbound' ? [record.to, record.from] : [record.from, record.to];
  return { conversationId: conversationIdFor(ourNumber, theirNumber), ourNumber, theirNumber };
}

function parseRecord(index: number, data: unknown): StoredMessage | null {
  const parsed = MessageRecordSchema.safeParse(data);
  return parsed.success ? { ...parsed.data, index } : null;
}

function parseSidEntry(data: unknown): SidEntry {
  return SidEntrySchema.parse(data ?? {});
}

function isSameSid(sid: string) {
  return (data: unknown) => typeof data === 'object' && data !== null && (data as { sid?: unknown }).sid === sid;
}

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

export class MessageStore {
  readonly inbox: Inbox;
  readonly scope: ReaderScope;
  private readonly now: () => Date;
  private readonly newToken: () => string;
  private readonly staleClaimMs: number;
  /**
   * Handovers whose cursor write got no clear answer and could not be checked at once (Sync
   * unreadable too), by conversation. The next takeNew of that conversation settles each: the
   * write landed (the token is in the entry) and these messages are returned then, or it did not
   * and they are still after the cursor. Kept by this reader's store only: each reader has its
   * own cursor, and a bridge restarted in between loses the question (known limit: the messages
   * of such a handover, if its write landed, then stay marked processed).
   */
  private readonly unconfirmed: Map<string, { token: string; handover: Handover }>;

  constructor(
    private readonly sync: SyncGateway,
    private readonly options: MessageStoreOptions = {},
    // Shared with the stores `until` makes: a bounded call's unsettled handover is this reader's too.
    unconfirmed?: Map<string, { token: string; handover: Handover }>,
  ) {
    this.inbox = new Inbox(sync);
    this.scope = options.scope ?? WHOLE_SERVICE;
    this.now = options.now ?? (() => new Date());
    this.newToken = options.newToken ?? randomUUID;
    this.staleClaimMs = options.staleClaimMs ?? 20_000;
    this.unconfirmed = unconfirmed ?? new Map();
  }

  /** This store with every Sync call bounded by `deadline`, ms since the epoch (SyncGateway.until). */
  until(deadline: number): MessageStore {
    return new MessageStore(this.sync.until(deadline), this.options, this.unconfirmed);
  }

  /** The conversation's entry as read now; UnknownConversationError when this reader may not see it. */
  async requireConversation(conversationId: string): Promise<{ entry: InboxEntry; revision: string }> {
    const found = await this.visible(conversationId);
    if (!found) throw new UnknownConversationError(conversationId);
    return found;
  }

  /** The conversation's entry, if it is one this reader may see: others are as good as absent. */
  private async visible(conversationId: string): Promise<Known> {
    const found = await this.inbox.get(conversationId);
    return found && isVisible(this.scope, found.entry) ? found : null;
  }

  /**
   * Stores an incoming message exactly once. The sid map item is the claim: creating it is atomic,
   * so of two deliveries of one webhook only one stores; a later replay finds it done. A failed
   * attempt releases its claim (keeping the list index if it got one) so Twilio's retry resumes.
   */
  async recordInbound(record: MessageRecord, signals: { optOutType?: OptOutType } = {}): Promise<'stored' | 'duplicate'> {
    const { conversationId, ourNumber, theirNumber } = conversationOf(record);
    const map = sidMapName(conversationId);
    const token = this.newToken();
    let claim: Awaited<ReturnType<MessageStore['claim']>>;
    try {
      claim = await this.claim(map, record.sid, token);
    } catch (error) {
      // A claim held by an attempt that failed after storing and counting the message (only its
      // "done" mark or its release did not get through) would make every retry answer 503 until
      // the claim goes stale, and Twilio would give up on a message we have. Counted means stored.
      if (error instanceof StoreInProgressError && (error.counted === true || (await this.isCounted(conversationId, record.sid)))) return 'duplicate';
      // The claim write itself may have landed before its answer was lost: release it, or the
      // retry Twilio sends right away would find it held and answer 503 for staleClaimMs.
      if (!(error instanceof StoreInProgressError)) await this.releaseIfOwned(map, record.sid, token);
      throw error;
    }
    if (claim === 'done') return 'duplicate';
    let { index, counted } = claim;
    const list = threadListName(conversationId);
    try {
      // The inbox entry is read while the message is appended: one round trip less before the
      // count (a stale read only costs the If-Match conflict's re-read).
      const recount = counted !== true && claim.counted === null && claim.tookOver;
      const [appended, inboxEntry] = await Promise.all([
        index ?? this.sync.appendOnce(list, record, isSameSid(record.sid), claim.tookOver),
        counted === true || recount ? undefined : this.inbox.get(conversationId),
      ]);
      index = appended;
      // The claim remembers whether the count landed: the inbox's recentSids only remember the
      // newest 32 sids, and a retry coming after 32 other messages were counted would count it
      // again (the bench's one busy conversation counted 300 for 299 stored). Unknown (a claim
      // taken over from an owner that may have counted it): the inbox recounts from the thread.
      if (counted !== true) {
        const optedOut = optOutChange(record.body, signals.optOutType);
        const activity = { conversationId, ourNumber, theirNumber, sid: record.sid, index, direction: 'inbound' as const, at: record.createdAt, ...(optedOut !== undefined ? { optedOut } : {}) };
        // Ambiguous from here on: the write may land without an answer.
        counted = null;
        if (recount) await this.inbox.recount(activity, () => this.readAfter(list, -1, Infinity));
        else await this.inbox.record(activity, inboxEntry);
        counted = true;
      }
      await this.sync.mapUpdate(map, record.sid, { owner: null, claimedAt: claim.claimedAt, index, done: true, counted } satisfies Partial<SidEntry>);
      return 'stored';
    } catch (error) {
      // Release the claim, keeping the list index it got so the retry resumes there. Only while
      // this request still holds it (If-Match on the claim's revision, no read needed): a slow
      // request must not clear a claim another one took over, or undo one that finished. Best
      // effort: if Sync is down the claim goes stale instead; the original error is what counts.
      await this.sync
        .mapUpdate(map, record.sid, { owner: null, claimedAt: 0, index: index ?? null, done: false, counted } satisfies Partial<SidEntry>, claim.revision)
        .catch(() => undefined);
      throw error;
    }
  }

  /** After a failed claim step, whose write may have landed unanswered: release it if it is ours. */
  private async releaseIfOwned(map: string, sid: string, token: string): Promise<void> {
    try {
      const existing = await this.sync.mapGet(map, sid);
      if (!existing) return;
      const entry = parseSidEntry(existing.data);
      if (entry.owner !== token) return;
      await this.sync.mapUpdate(map, sid, { ...entry, owner: null, claimedAt: 0 } satisfies SidEntry, existing.revision);
    } catch {
      // The claim goes stale instead; the original error is what the caller reports.
    }
  }

  /** The inbox counts a message only after it is in the thread (recentSids: the newest 32). */
  private async isCounted(conversationId: string, sid: string): Promise<boolean> {
    const found = await this.inbox.get(conversationId).catch(() => null);
    return found?.entry.recentSids.includes(sid) ?? false;
  }

  /** The sids the conversation's inbox entry counted last (the newest 32): stored for certain. */
  async recentlyCounted(conversationId: string): Promise<ReadonlySet<string>> {
    return new Set((await this.inbox.get(conversationId))?.entry.recentSids ?? []);
  }

  private async claim(map: string, sid: string, token: string): Promise<'done' | { index: number | null; counted: boolean | null; claimedAt: number; tookOver: boolean; revision: string }> {
    let triedTakeOver = false;
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const claimedAt = this.now().getTime();
      try {
        // counted: null, for whoever takes this claim over should we die: we may count before that.
        const created = await this.sync.mapCreate(map, sid, { owner: token, claimedAt, index: null, done: false, counted: null } satisfies Partial<SidEntry>);
        return { index: null, counted: false, claimedAt, tookOver: false, revision: created.revision };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const existing = await this.sync.mapGet(map, sid);
      if (!existing) continue;
      const entry = parseSidEntry(existing.data);
      if (entry.done) return 'done';
      // Ours already: our create, or our takeover of a stale claim, landed without an answer. After
      // a takeover the earlier owner may have appended before it died: search before appending.
      // Our own create that landed unanswered has counted nothing yet.
      if (entry.owner === token) return { index: entry.index, counted: triedTakeOver ? entry.counted : false, claimedAt: entry.claimedAt, tookOver: triedTakeOver, revision: existing.revision };
      if (entry.owner !== null && claimedAt - entry.claimedAt < this.staleClaimMs) throw new StoreInProgressError(sid, entry.counted);
      try {
        triedTakeOver = true;
        const revision = await this.sync.mapUpdate(map, sid, { ...entry, owner: token, claimedAt }, existing.revision);
        return { index: entry.index, counted: entry.counted, claimedAt, tookOver: true, revision };
      } catch (error) {
        if (!isRevisionConflict(error)) throw error;
      }
    }
    throw new StoreInProgressError(sid);
  }

  /**
   * Records a message the bridge sent, merging any status callback that arrived first. `inbox`:
   * the conversation's inbox entry as the caller read it before sending (spares a read). A new
   * conversation's thread and sid map are best made first (prepareConversation). Returns the
   * item's revision too, for advanceOutbound.
   */
  async recordOutbound(record: MessageRecord, inbox?: Known): Promise<RecordedOutbound> {
    const { conversationId, ourNumber, theirNumber } = conversationOf(record);
    const list = threadListName(conversationId);
    const map = sidMapName(conversationId);
    const appended = await this.sync.appendOnceItem(list, record, isSameSid(record.sid));
    const { index } = appended;
    // The sid entry (what status callbacks look up) and the count are independent: side by side.
    const [merged] = await Promise.all([
      this.recordOutboundSid(list, map, record, index),
      this.inbox.record({ conversationId, ourNumber, theirNumber, sid: record.sid, index, direction: 'outbound', at: record.createdAt }, inbox),
    ]);
    return merged ?? { ...record, index, revision: appended.revision };
  }

  /** The outbound message's sid entry; the stored message when an early status callback moved it. */
  private async recordOutboundSid(list: string, map: string, record: MessageRecord, index: number): Promise<RecordedOutbound | null> {
    let merged: RecordedOutbound | null = null;
    for (let conflicts = 0; ; conflicts++) {
      try {
        await this.sync.mapCreate(map, record.sid, { owner: null, claimedAt: 0, index, done: true, counted: true } satisfies Partial<SidEntry>);
        return merged;
      } catch (error) {
        if (!isDuplicateKey(error) || conflicts >= MAX_CONFLICTS) throw error;
      }
      const existing = await this.sync.mapGet(map, record.sid);
      if (!existing) continue;
      const early = parseSidEntry(existing.data);
      if (early.status && advancesStatus(record.status, early.status)) {
        merged = (await this.setStatus(list, index, early.status, early.errorCode, early.statusAt ?? this.now().toISOString())) ?? merged;
      }
      try {
        await this.sync.mapUpdate(map, record.sid, { ...early, index, done: true }, existing.revision);
        return merged;
      } catch (error) {
        if (!isRevisionConflict(error)) throw error;
      }
    }
  }

  /**
   * Moves a message recordOutbound stored forward to a later status (send_sms's delivery wait):
   * one conditional write against the revision it returned, or, when a status callback changed
   * the item in between, the forward-only read-and-write applyStatus uses.
   */
  async advanceOutbound(stored: RecordedOutbound, status: MessageStatus, errorCode: number | null, at: string): Promise<void> {
    if (!advancesStatus(stored.status, status)) return;
    const list = threadListName(conversationOf(stored).conversationId);
    const { index, revision, ...record } = stored;
    try {
      await this.sync.listUpdate(list, index, { ...record, status, errorCode: errorCode ?? record.errorCode, statusAt: at } satisfies MessageRecord, revision);
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
      await this.setStatus(list, index, status, errorCode, at);
    }
  }

  /**
   * Creates a new conversation's thread and sid map ahead of its first message, so that recording
   * it after the send needs no round trip for them. Idempotent; nothing else is written.
   */
  async prepareConversation(ourNumber: string, theirNumber: string): Promise<void> {
    const conversationId = conversationIdFor(ourNumber, theirNumber);
    await Promise.all([this.sync.ensureContainer('list', threadListName(conversationId)), this.sync.ensureContainer('map', sidMapName(conversationId))]);
  }

  /**
   * Applies a status callback. Callbacks arrive out of order, so a status only moves forward.
   * A callback for a message the bridge has not recorded yet is parked in its sid entry.
   */
  async applyStatus(
    update: { sid: string; from: string; to: string; status: MessageStatus; errorCode: number | null; at: string },
    // Reconciliation passes park: false: a message the log lists but the bridge never recorded
    // (sent from elsewhere) must not leave a parked entry behind on every run.
    options: { park?: boolean } = {},
  ): Promise<'updated' | 'unchanged' | 'parked' | 'unknown'> {
    const { conversationId } = conversationOf({ direction: 'outbound', from: update.from, to: update.to });
    const map = sidMapName(conversationId);
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const existing = await this.sync.mapGet(map, update.sid);
      const parked = { owner: null, claimedAt: 0, index: null, done: false, counted: false, status: update.status, errorCode: update.errorCode, statusAt: update.at } satisfies SidEntry;
      if (!existing && options.park === false) return 'unknown';
      if (!existing) {
        try {
          await this.sync.mapCreate(map, update.sid, parked);
          return 'parked';
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          continue;
        }
      }
      const entry = parseSidEntry(existing.data);
      if (entry.index === null && options.park === false) return 'unknown';
      if (entry.index !== null) {
        const result = await this.setStatus(threadListName(conversationId), entry.index, update.status, update.errorCode, update.at);
        return result ? 'updated' : 'unchanged';
      }
      if (entry.status && !advancesStatus(entry.status, update.status)) return 'unchanged';
      try {
        await this.sync.mapUpdate(map, update.sid, { ...entry, status: update.status, errorCode: update.errorCode, statusAt: update.at }, existing.revision);
        return 'parked';
      } catch (error) {
        if (!isRevisionConflict(error)) throw error;
      }
    }
    throw new Error(`Too many concurrent updates to message ${update.sid}.`);
  }

  /** Moves the stored message at `index` forward to `status`; null when it was already there or beyond. */
  private async setStatus(list: string, index: number, status: MessageStatus, errorCode: number | null, at: string): Promise<RecordedOutbound | null> {
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const item = await this.sync.listGet(list, index);
      const current = item && parseRecord(index, item.data);
      if (!item || !current || !advancesStatus(current.status, status)) return null;
      const { index: _index, ...record } = current;
      const next: MessageRecord = { ...record, status, errorCode: errorCode ?? record.errorCode, statusAt: at };
      try {
        const revision = await this.sync.listUpdate(list, index, next, item.revision);
        return { ...next, index, revision };
      } catch (error) {
        if (!isRevisionConflict(error)) throw error;
      }
    }
    throw new Error(`Too many concurrent updates to item ${index} of ${list}.`);
  }

  /**
   * Hands over the inbound messages this reader has not received yet, and moves its cursor past
   * them before returning, so each message is handed over once. Reads only what is new. A request
   * cancelled before the cursor write takes nothing; one whose answer is then lost is undone
   * with giveBack.
   */
  async takeNew(conversationId: string, options: TakeOptions = {}, known?: { entry: InboxEntry; revision: string }): Promise<Handover> {
    const { reader } = this.scope;
    const pending = this.unconfirmed.get(conversationId);
    // With a handover to settle, `known` may predate its write: read afresh.
    let current = known && !pending ? known : await this.visible(conversationId);
    if (pending) {
      this.unconfirmed.delete(conversationId);
      if (current && cursorOf(current.entry, reader).handovers.includes(pending.token)) return pending.handover;
    }
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      if (!current) throw new UnknownConversationError(conversationId);
      const { entry, revision } = current;
      if (!hasNewInbound(entry, reader)) return { entry, messages: [] };
      const before = cursorOf(entry, reader);
      const items = await this.readAfter(threadListName(conversationId), before.cursorIndex, entry.lastInboundIndex);
      if (options.signal?.aborted) return { entry, messages: [] };
      const inbound = items.filter((message) => message.direction === 'inbound');
      const cursorIndex = items.reduce((max, message) => Math.max(max, message.index), before.cursorIndex);
      const token = this.newToken();
      const after = advanced(before, cursorIndex, inbound.length, token);
      const next = withCursor(entry, reader, after);
      const handover: Handover = { entry: next, messages: inbound.map((message) => ({ ...message, processed: false })), moved: { before, after } };
      try {
        await this.sync.mapUpdate(this.inboxShard(conversationId), conversationId, next, revision);
        return handover;
      } catch (error) {
        // Whatever the error, a try of this write may have landed without an answer: the gateway
        // retries, so its last try may meet a revision conflict, a 429 or the deadline after an
        // earlier one took effect (the burst test lost handovers that way). Only the entry can
        // tell whether the cursor moved: its token decides, or the question is parked.
        let reread: Known;
        try {
          reread = await this.visible(conversationId);
        } catch {
          this.unconfirmed.set(conversationId, { token, handover });
          throw error;
        }
        if (reread && cursorOf(reread.entry, reader).handovers.includes(token)) return handover;
        if (!isRevisionConflict(error)) throw error; // it did not land: the messages stay new
        current = reread;
      }
    }
    throw new Error(`Too many concurrent receives on ${conversationId}.`);
  }

  /**
   * Undoes a handover whose result never reached the client (the request was cancelled, or its
   * answer could not be written): the messages are new again for the next receive. Only while the
   * cursor still stands where that handover left it; false when a later receive moved it on.
   */
  async giveBack(handover: Handover): Promise<boolean> {
    const { moved } = handover;
    if (!moved) return true;
    const { reader } = this.scope;
    const { conversationId } = handover.entry;
    const [token] = moved.after.handovers.slice(-1);
    let restored = false;
    await this.inbox.update(conversationId, (current) => {
      if (!current) return null; // gone (retention): nothing to give back to
      const now = cursorOf(current, reader);
      restored = now.cursorIndex === moved.after.cursorIndex && now.handovers.includes(token ?? '');
      if (!restored) return current;
      return withCursor(current, reader, {
        cursorIndex: moved.before.cursorIndex,
        handedOver: Math.max(0, now.handedOver - (moved.after.handedOver - moved.before.handedOver)),
        handovers: now.handovers.filter((t) => t !== token),
      });
    });
    return restored;
  }

  /**
   * A handover of this conversation whose cursor write got no answer is still to be settled. Its
   * write may have landed, in which case the inbox shows nothing new, yet those messages were
   * never returned: takeAllNew must ask takeNew for such a conversation anyway.
   */
  private hasUnsettled(conversationId: string): boolean {
    return this.unconfirmed.has(conversationId);
  }

  /** New inbound messages of every visible conversation that has some (the inbox says which). */
  async takeAllNew(options: TakeOptions = {}): Promise<Handover[]> {
    const found = await this.inbox.all();
    const results: Handover[] = [];
    const withNews = found
      .filter(({ entry }) => isVisible(this.scope, entry) && (hasNewInbound(entry, this.scope.reader) || this.hasUnsettled(entry.conversationId)))
      .sort((a, b) => a.entry.lastActivityAt.localeCompare(b.entry.lastActivityAt));
    let failure: unknown;
    // Conversations are independent: taken side by side (each one's thread read, then its cursor
    // write), so the wait is a few round trips, not two per conversation. Bounded, because the
    // cursor writes of one inbox shard share its 20 writes/s.
    const taken: (Handover | null)[] = new Array(withNews.length).fill(null);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < withNews.length; i = next++) {
        const known = withNews[i]!;
        // The revision read with the shard page spares a second read; a conflict re-reads.
        try {
          taken[i] = await this.takeNew(known.entry.conversationId, options, known);
        } catch (error) {
          // Throwing now would drop the handovers already taken (their cursors have moved): return
          // them; the conversations that failed keep their messages for the next call.
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(TAKE_CONCURRENCY, withNews.length) }, worker));
    // Oldest activity first, as listed, whichever finished first.
    for (const handover of taken) if (handover && handover.messages.length > 0) results.push(handover);
    if (results.length === 0 && failure !== undefined) throw failure;
    return results;
  }

  private inboxShard(conversationId: string): string {
    return this.inbox.shardOf(conversationId);
  }

  /** Items after `afterIndex`, ascending, reading pages until `throughIndex` is passed. */
  private async readAfter(list: string, afterIndex: number, throughIndex: number): Promise<StoredMessage[]> {
    const messages: StoredMessage[] = [];
    let from = afterIndex;
    for (;;) {
      const page = await this.sync.listPage(list, {
        order: 'asc',
        pageSize: READ_PAGE,
        ...(from >= 0 ? { from, bounds: 'exclusive' as const } : {}),
      });
      for (const item of page.items) {
        const message = parseRecord(item.index, item.data);
        if (message) messages.push(message);
      }
      const last = page.items.at(-1);
      if (!last || !page.hasMore || last.index >= throughIndex) return messages;
      from = last.index;
    }
  }

  /** A page of a thread, newest first from the store, returned oldest first. */
  async readThread(conversationId: string, options: { limit: number; before?: number }): Promise<{ entry: InboxEntry; messages: StoredMessage[]; nextBefore: number | null }> {
    const found = await this.visible(conversationId);
    if (!found) throw new UnknownConversationError(conversationId);
    const page = await this.sync.listPage(threadListName(conversationId), {
      order: 'desc',
      pageSize: options.limit,
      ...(options.before !== undefined ? { from: options.before, bounds: 'exclusive' as const } : {}),
    });
    const cursor = cursorOf(found.entry, this.scope.reader).cursorIndex;
    const messages = page.items
      .map((item) => parseRecord(item.index, item.data))
      .filter((message): message is StoredMessage => message !== null)
      .map((message) => (message.direction === 'inbound' ? { ...message, processed: message.index <= cursor } : message))
      .reverse();
    const oldest = page.items.at(-1);
    return { entry: found.entry, messages, nextBefore: page.hasMore && oldest ? oldest.index : null };
  }

  /** The conversation's inbox entry: opt-out state before a send, and a read spared after it. */
  async conversationEntry(ourNumber: string, theirNumber: string): Promise<Known> {
    return this.inbox.get(conversationIdFor(ourNumber, theirNumber));
  }

  /** Records an opt-out Twilio reported (error 21610), creating the conversation if needed. */
  async markOptedOut(ourNumber: string, theirNumber: string): Promise<void> {
    const conversationId = conversationIdFor(ourNumber, theirNumber);
    const at = this.now().toISOString();
    await this.inbox.update(conversationId, (current) =>
      current?.optedOut ? current : { ...(current ?? newInboxEntry({ conversationId, ourNumber, theirNumber, at, direction: 'outbound' })), optedOut: true },
    );
  }

  /** The inbox of this reader's conversations, most recent activity first. */
  async listConversations(): Promise<InboxEntry[]> {
    const entries = (await this.inbox.all()).map(({ entry }) => entry).filter((entry) => isVisible(this.scope, entry));
    return entries.sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt) || a.conversationId.localeCompare(b.conversationId));
  }
}

