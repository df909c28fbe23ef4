/**
 * The message store on Twilio Sync, shared by the Functions (inbound webhook, status callback) and
 * the bridge (send, receive, list, read): one reader's view of one Sync service. Each protocol is
 * a module of its own: inbound-claim.ts (an incoming message stored once), outbound-record.ts
 * (what the bridge sent), status-update.ts (delivery statuses, forward only), handover.ts (new
 * messages handed to a reader once). The inbox index (inbox.ts) stays inside: callers ask the
 * store. Layout and costs are described in sync-names.ts and docs/sync-layout.md's "Sync layout".
 */
import { nodeCrypto } from '../crypto';
import { conversationIdFor } from '../conversation-id';
import type { InboxEntry, MessageRecord } from '../message-record';
import type { MessageStatus } from '../message-status';
import type { OptOutType } from '../opt-out';
import { sidMapName, threadListName } from '../sync-names';
import { confirmDelivered, dueConversations, dueInCursors, giveBack, type Handover, type HandoverState, takeAllNew, takeNew, type TakeOptions, takeSomeNew } from './handover';
import { Inbox, type InboxSnapshot, newInboxEntry } from './inbox';
import { EVERYTHING, NewsWatch, readConversationMark, type ReadPlan } from './news';
import { DEFAULT_STALE_CLAIM_MS, recentlyCounted, recordInbound } from './inbound-claim';
import { advanceOutbound, discardConversation, prepareConversation, recordOutbound } from './outbound-record';
import { cursorOf, isVisible, type ReaderScope, WHOLE_SERVICE } from './read-cursor';
import { readAllCursorItems, viewOf } from './reader-cursors';
import { type StoreContext, visibleEntry } from './store-context';
import { UnknownConversationError } from './store-errors';
import { applyStatus, type StatusUpdate } from './status-update';
import { parseRecord, parseSidEntry, type RecordedOutbound, type StoredMessage } from './stored-message';
import type { SyncGateway } from './sync-gateway';

export type { Handover, TakeOptions } from './handover';
export type { InboxSnapshot } from './inbox';
export { StoreInProgressError, UnknownConversationError } from './store-errors';
export { conversationOf, type RecordedOutbound, type StoredMessage } from './stored-message';

export interface MessageStoreOptions {
  now?: () => Date;
  newToken?: () => string;
  /** A claim older than this belongs to a dead request (inbound-claim.ts, DEFAULT_STALE_CLAIM_MS). */
  staleClaimMs?: number;
  /** Whose cursor receives move and which conversations reads see; default: the whole service. */
  scope?: ReaderScope;
  /**
   * How long a handover waits for its delivery record before any bridge of the reader gives it
   * back (handover.ts): the client's timeout and a margin. Default 70 s (LibreChat's 60 s timeout).
   */
  handoverSettleMs?: number;
}

const DEFAULT_HANDOVER_SETTLE_MS = 70_000;

export class MessageStore {
  readonly scope: ReaderScope;
  private readonly ctx: StoreContext;
  private readonly staleClaimMs: number;

  constructor(
    private readonly sync: SyncGateway,
    private readonly options: MessageStoreOptions = {},
    // Shared with the stores `until` makes: a bounded call's handovers are this reader's too.
    private readonly handovers: HandoverState = { settleMs: options.handoverSettleMs ?? DEFAULT_HANDOVER_SETTLE_MS, delivered: new Set(), unsettled: new Map(), dueAt: new Map() },
    // This reader's memory of the news marks (news.ts), shared with the stores `until` makes too.
    private readonly news: NewsWatch = new NewsWatch(options.scope ?? WHOLE_SERVICE),
  ) {
    this.scope = options.scope ?? WHOLE_SERVICE;
    this.ctx = { sync, inbox: new Inbox(sync), scope: this.scope, now: options.now ?? (() => new Date()), newToken: options.newToken ?? (() => nodeCrypto().randomUUID()) };
    this.staleClaimMs = options.staleClaimMs ?? DEFAULT_STALE_CLAIM_MS;
  }

  /** This store with every Sync call bounded by `deadline`, ms since the epoch (SyncGateway.until). */
  until(deadline: number): MessageStore {
    return new MessageStore(this.sync.until(deadline), this.options, this.handovers, this.news);
  }

  // ── Incoming messages, statuses, what the bridge sent ─────────────────────────────────────

  /** Stores an incoming message exactly once, however often its webhook is delivered. */
  recordInbound(record: MessageRecord, signals: { optOutType?: OptOutType } = {}): Promise<'stored' | 'duplicate'> {
    return recordInbound(this.ctx, this.staleClaimMs, record, signals);
  }

  /** The sids the conversation's inbox entry counted last (the newest 32): the inbound ones stored for certain. */
  recentlyCounted(conversationId: string): Promise<ReadonlySet<string>> {
    return recentlyCounted(this.ctx, conversationId);
  }

  /** Applies a status callback: forward only; parked when the message is not recorded yet. */
  applyStatus(update: StatusUpdate, options: { park?: boolean } = {}): Promise<'updated' | 'unchanged' | 'parked' | 'unknown'> {
    return applyStatus(this.sync, update, options);
  }

  /** Records a message the bridge sent (outbound-record.ts). */
  recordOutbound(record: MessageRecord, inbox?: InboxSnapshot): Promise<RecordedOutbound> {
    return recordOutbound(this.ctx, record, inbox);
  }

  /** Moves a message recordOutbound stored to a later status, in one write when nothing else changed it. */
  advanceOutbound(stored: RecordedOutbound, status: MessageStatus, errorCode: number | null, at: string): Promise<void> {
    return advanceOutbound(this.sync, stored, status, errorCode, at);
  }

  /** Creates a new conversation's thread and sid map ahead of its first message. */
  prepareConversation(ourNumber: string, theirNumber: string): Promise<void> {
    return prepareConversation(this.sync, ourNumber, theirNumber);
  }

  /** Deletes a prepared conversation's thread and sid map while both are empty (a refused first send). */
  discardConversation(ourNumber: string, theirNumber: string): Promise<boolean> {
    return discardConversation(this.sync, ourNumber, theirNumber);
  }

  /** Whether an earlier send recorded this message in its thread (its sid entry is done). */
  async isRecordedOutbound(ourNumber: string, theirNumber: string, sid: string): Promise<boolean> {
    const found = await this.sync.mapGet(sidMapName(conversationIdFor(ourNumber, theirNumber)), sid);
    return found !== null && parseSidEntry(found.data).done;
  }

  /** Records an opt-out Twilio reported (error 21610), creating the conversation if needed. */
  async markOptedOut(ourNumber: string, theirNumber: string): Promise<void> {
    const conversationId = conversationIdFor(ourNumber, theirNumber);
    const at = this.ctx.now().toISOString();
    await this.ctx.inbox.update(conversationId, (current) =>
      current?.optedOut ? current : { ...(current ?? newInboxEntry({ conversationId, ourNumber, theirNumber, at, direction: 'outbound' })), optedOut: true },
    );
  }

  // ── What is new for this reader ───────────────────────────────────────────────────────────

  /** One conversation's messages this reader has not received yet, handed over once (handover.ts). */
  takeNew(conversationId: string, options: TakeOptions = {}, known?: InboxSnapshot): Promise<Handover> {
    return takeNew(this.ctx, this.handovers, conversationId, options, known);
  }

  /** The same for every visible conversation with news, oldest activity first. */
  async takeAllNew(options: TakeOptions = {}): Promise<Handover[]> {
    const startedAt = this.ctx.now().getTime();
    const { reader } = this.scope;
    const periodic = this.news.due(startedAt);
    // The news marks of this reader's numbers first (news.ts): only the conversations whose
    // marks moved since the last receive have anything new; beside them, when its sweep is due,
    // the reader's own cursors (its handovers, from any of its bridges).
    const [marks, cursors] = await Promise.all([this.news.look(this.sync), periodic === 'sweep' && reader !== null ? readAllCursorItems(this.sync, reader) : null]);
    let plan: ReadPlan = periodic === 'full' ? EVERYTHING : this.news.plan(marks);
    // With them, the conversations where a handover of this reader's is due: one this process
    // left unsettled, or one another of its bridges left open (a bridge that died).
    if (!plan.all) {
      const due = [...(cursors ? dueInCursors(this.handovers, cursors, startedAt) : []), ...dueConversations(this.handovers, startedAt)];
      plan = { all: false, conversations: [...new Set([...plan.conversations, ...due])] };
    }
    if (!plan.all && plan.conversations.length === 0) {
      this.news.settle(marks, plan, periodic, startedAt, new Set());
      return [];
    }
    const taken = plan.all ? await takeAllNew(this.ctx, this.handovers, options) : await takeSomeNew(this.ctx, this.handovers, plan.conversations, options);
    this.news.settle(marks, plan, periodic, startedAt, taken.failed);
    if (taken.handovers.length === 0 && taken.failure !== undefined) throw taken.failure;
    return taken.handovers;
  }

  /**
   * Where the news mark of one conversation stands: compare two answers to learn whether an
   * incoming message was counted in it in between (one read).
   */
  conversationMark(ourNumber: string, conversationId: string): Promise<string> {
    return readConversationMark(this.sync, ourNumber, conversationId);
  }

  /** Records that a handover's answer was written to its client (handover.ts), after the answer. */
  confirmDelivered(handover: Handover): Promise<void> {
    return confirmDelivered(this.ctx, this.handovers, handover);
  }

  /** Gives a handover whose result never reached the client back, whatever the cursor did since; false when already given back at its deadline. */
  giveBack(handover: Handover): Promise<boolean> {
    // Its messages are new again without a news mark: the next receive reads everything.
    this.news.invalidate();
    return giveBack(this.ctx, this.handovers, handover);
  }

  // ── Reads ─────────────────────────────────────────────────────────────────────────────────

  /** The conversation's entry, if this reader may see it: others are as good as absent. */
  conversation(conversationId: string): Promise<InboxSnapshot> {
    return visibleEntry(this.ctx, conversationId);
  }

  /** The conversation's entry as read now; UnknownConversationError when this reader may not see it. */
  async requireConversation(conversationId: string): Promise<NonNullable<InboxSnapshot>> {
    const found = await this.conversation(conversationId);
    if (!found) throw new UnknownConversationError(conversationId);
    return found;
  }

  /** The entry of our number's conversation with them, whoever's it is: opt-out state before a send. */
  async conversationEntry(ourNumber: string, theirNumber: string): Promise<InboxSnapshot> {
    return this.ctx.inbox.get(conversationIdFor(ourNumber, theirNumber));
  }

  /** The inbox of this reader's conversations, most recent activity first. */
  async listConversations(): Promise<InboxEntry[]> {
    const { reader } = this.scope;
    // A named reader's cursors are read beside the inbox (the same round trip), for its unread counts.
    const [found, cursors] = await Promise.all([this.ctx.inbox.all(), reader === null ? null : readAllCursorItems(this.sync, reader)]);
    const entries = found
      .map((item) => (reader === null || cursors === null ? item.entry : viewOf(item, reader, cursors.get(item.entry.conversationId) ?? null).entry))
      .filter((entry) => isVisible(this.scope, entry));
    return entries.sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt) || a.conversationId.localeCompare(b.conversationId));
  }

  /** A page of a thread, newest first from the store, returned oldest first. */
  async readThread(conversationId: string, options: { limit: number; before?: number }): Promise<{ entry: InboxEntry; messages: StoredMessage[]; nextBefore: number | null }> {
    const found = await this.requireConversation(conversationId);
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
}
