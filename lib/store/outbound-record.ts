/**
 * Recording what the bridge sent (send_sms's protocol): the thread item, the sid entry status
 * callbacks look up (merging a callback that came first), and the inbox count.
 */
import { conversationIdFor } from '../conversation-id';
import type { MessageRecord, SidEntry } from '../message-record';
import { advancesStatus, type MessageStatus } from '../message-status';
import { sidMapName, threadListName } from '../sync-names';
import type { InboxSnapshot } from './inbox';
import type { StoreContext } from './store-context';
import { setStatus } from './status-update';
import { conversationOf, isSameSid, MAX_CONFLICTS, parseSidEntry, type RecordedOutbound } from './stored-message';
import { isDuplicateKey, isRevisionConflict, type SyncGateway } from './sync-gateway';

/**
 * `inbox`: the conversation's inbox entry as the caller read it before sending (spares a read).
 * A new conversation's thread and sid map are best made first (prepareConversation). Returns the
 * item's revision too, for advanceOutbound.
 */
export async function recordOutbound(ctx: StoreContext, record: MessageRecord, inbox?: InboxSnapshot): Promise<RecordedOutbound> {
  const { conversationId, ourNumber, theirNumber } = conversationOf(record);
  const list = threadListName(conversationId);
  const appended = await ctx.sync.appendOnceItem(list, record, isSameSid(record.sid));
  const { index } = appended;
  // The sid entry (what status callbacks look up) and the count are independent: side by side.
  const [merged] = await Promise.all([
    recordSid(ctx, list, sidMapName(conversationId), record, index),
    ctx.inbox.record({ conversationId, ourNumber, theirNumber, sid: record.sid, index, direction: 'outbound', at: record.createdAt }, inbox),
  ]);
  return merged ?? { ...record, index, revision: appended.revision };
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
