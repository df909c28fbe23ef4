/**
 * Recording what the bridge sent (send_sms's protocol), in two round trips: the thread item and the
 * inbox count side by side (an outbound count needs no list index: recentSids keeps it counted
 * once), then the sid entry status callbacks look up (it needs the index; merging a callback that
 * came first).
 */
import { conversationIdFor } from '../conversation-id';
import type { MessageRecord, SidEntry } from '../message-record';
import { advancesStatus, type MessageStatus } from '../message-status';
import { sidMapName, threadListName } from '../sync-names';
import type { InboxSnapshot, OutboundActivity } from './inbox';
import type { StoreContext } from './store-context';
import { setStatus } from './status-update';
import { conversationOf, isSameSid, MAX_CONFLICTS, parseSidEntry, type RecordedOutbound } from './stored-message';
import { isDuplicateKey, isRevisionConflict, type SyncGateway } from './sync-gateway';

const ignore = () => undefined;

/**
 * The append and the count go out together; the sid entry follows the append. `inbox`: the
 * conversation's inbox entry as the caller read it before sending (spares a read). A new
 * conversation's thread and sid map are best made first (prepareConversation). Returns the item's
 * revision too, for advanceOutbound.
 *
 * A failed append takes the count back (best effort: Inbox.uncount, only if it landed), and its
 * error is thrown. A failed count with a stored item is thrown too, but after the sid entry is
 * written, so the status callbacks still find the message.
 */
export async function recordOutbound(ctx: StoreContext, record: MessageRecord, inbox?: InboxSnapshot): Promise<RecordedOutbound> {
  const { conversationId, ourNumber, theirNumber } = conversationOf(record);
  const list = threadListName(conversationId);
  const activity: OutboundActivity = { conversationId, ourNumber, theirNumber, sid: record.sid, index: null, direction: 'outbound', at: record.createdAt };
  const counting = ctx.inbox.record(activity, inbox);
  counting.catch(ignore); // awaited below; not an unhandled rejection while the append is pending
  let appended: { index: number; revision: string };
  try {
    appended = await ctx.sync.appendOnceItem(list, record, isSameSid(record.sid));
  } catch (error) {
    // The inbox must not count a message its thread lacks: once the count has settled, take it
    // back (a failed count may have landed unanswered), unless it found the message counted by an
    // earlier call. A retry of recordOutbound counts it again.
    const countedNow = await counting.catch(() => true);
    if (countedNow) await ctx.inbox.uncount(conversationId, record.sid).catch(ignore);
    throw error;
  }
  const { index } = appended;
  const [sidEntry, count] = await Promise.allSettled([recordSid(ctx, list, sidMapName(conversationId), record, index), counting]);
  if (sidEntry.status === 'rejected') throw sidEntry.reason;
  if (count.status === 'rejected') throw count.reason;
  return sidEntry.value ?? { ...record, index, revision: appended.revision };
}

/** The outbound message's sid entry; the stored message when an early status callback moved it. */
async function recordSid(ctx: StoreContext, list: string, map: string, record: MessageRecord, index: number): Promise<RecordedOutbound | null> {
  const { sync } = ctx;
  let merged: RecordedOutbound | null = null;
  for (let conflicts = 0; ; conflicts++) {
    try {
      await sync.mapCreate(map, record.sid, { owner: null, claimedAt: 0, index, done: true, counted: true } satisfies Partial<SidEntry>);
      return merged;
    } catch (error) {
      if (!isDuplicateKey(error) || conflicts >= MAX_CONFLICTS) throw error;
    }
    const existing = await sync.mapGet(map, record.sid);
    if (!existing) continue;
    const early = parseSidEntry(existing.data);
    if (early.status && advancesStatus(record.status, early.status)) {
      merged = (await setStatus(sync, list, index, early.status, early.errorCode, early.statusAt ?? ctx.now().toISOString())) ?? merged;
    }
    try {
      await sync.mapUpdate(map, record.sid, { ...early, index, done: true }, existing.revision);
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
export async function advanceOutbound(sync: SyncGateway, stored: RecordedOutbound, status: MessageStatus, errorCode: number | null, at: string): Promise<void> {
  if (!advancesStatus(stored.status, status)) return;
  const list = threadListName(conversationOf(stored).conversationId);
  const { index, revision, ...record } = stored;
  try {
    await sync.listUpdate(list, index, { ...record, status, errorCode: errorCode ?? record.errorCode, statusAt: at } satisfies MessageRecord, revision);
  } catch (error) {
    if (!isRevisionConflict(error)) throw error;
    await setStatus(sync, list, index, status, errorCode, at);
  }
}

/**
 * Creates a new conversation's thread and sid map ahead of its first message, so that recording
 * it after the send needs no round trip for them. Idempotent; nothing else is written.
 */
export async function prepareConversation(sync: SyncGateway, ourNumber: string, theirNumber: string): Promise<void> {
  const conversationId = conversationIdFor(ourNumber, theirNumber);
  await Promise.all([sync.ensureContainer('list', threadListName(conversationId)), sync.ensureContainer('map', sidMapName(conversationId))]);
}

/**
 * Takes back what prepareConversation made when the first send was then refused by Twilio (21211,
 * 21610, …): a conversation with no message keeps no empty thread and sid map. Only while both are
 * still empty: a writer that got there first (an incoming text, another send) keeps them. Sync has
 * no conditional delete, so a write landing between the read and the delete is lost with them;
 * the window is one round trip, right after a refusal, in a conversation no one had before, and
 * writers recreate a missing List or Map (SyncGateway.inContainer), so only that one write is at risk.
 */
export async function discardConversation(sync: SyncGateway, ourNumber: string, theirNumber: string): Promise<boolean> {
  const conversationId = conversationIdFor(ourNumber, theirNumber);
  const list = threadListName(conversationId);
  const map = sidMapName(conversationId);
  const [items, entries] = await Promise.all([sync.listPage(list, { order: 'asc', pageSize: 1 }), sync.mapPage(map, null)]);
  if (items.items.length > 0 || entries.items.length > 0) return false;
  await Promise.all([sync.deleteContainer('list', list), sync.deleteContainer('map', map)]);
  return true;
}
