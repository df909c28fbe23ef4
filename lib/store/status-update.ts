/**
 * Delivery statuses (the status callback's protocol, and reconciliation's). Callbacks arrive out
 * of order, so a status only moves forward; one for a message the bridge has not recorded yet is
 * parked in its sid entry, and recordOutbound merges it.
 */
import type { MessageRecord, SidEntry } from '../message-record';
import { advancesStatus, type MessageStatus } from '../message-status';
import { sidMapName, threadListName } from '../sync-names';
import { conversationOf, MAX_CONFLICTS, parseRecord, parseSidEntry, type RecordedOutbound } from './stored-message';
import { isDuplicateKey, isRevisionConflict, type SyncGateway } from './sync-gateway';

export interface StatusUpdate {
  sid: string;
  from: string;
  to: string;
  status: MessageStatus;
  errorCode: number | null;
  at: string;
  /** The Messaging Service the message went through, when the callback names one. */
  messagingServiceSid?: string;
}

export async function applyStatus(
  sync: SyncGateway,
  update: StatusUpdate,
  // Reconciliation passes park: false: a message the log lists but the bridge never recorded
  // (sent from elsewhere) must not leave a parked entry behind on every run.
  options: { park?: boolean } = {},
): Promise<'updated' | 'unchanged' | 'parked' | 'unknown'> {
  const { conversationId } = conversationOf({ direction: 'outbound', from: update.from, to: update.to });
  const map = sidMapName(conversationId);
  for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
    const existing = await sync.mapGet(map, update.sid);
    const parked = { owner: null, claimedAt: 0, index: null, done: false, counted: false, appendUnsure: false, status: update.status, errorCode: update.errorCode, statusAt: update.at } satisfies SidEntry;
    if (!existing) {
      const filed = conflicts === 0 ? await underService(sync, update) : null;
      if (filed) return filed;
    }
    if (!existing && options.park === false) return 'unknown';
    if (!existing) {
      try {
        await sync.mapCreate(map, update.sid, parked);
        return 'parked';
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        continue;
      }
    }
    const entry = parseSidEntry(existing.data);
    if (entry.index === null && options.park === false) return 'unknown';
    if (entry.index !== null) {
      const result = await setStatus(sync, threadListName(conversationId), entry.index, update.status, update.errorCode, update.at);
      return result ? 'updated' : 'unchanged';
    }
    if (entry.status && !advancesStatus(entry.status, update.status)) return 'unchanged';
    try {
      await sync.mapUpdate(map, update.sid, { ...entry, status: update.status, errorCode: update.errorCode, statusAt: update.at }, existing.revision);
      return 'parked';
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
    }
  }
  throw new Error(`Too many concurrent updates to message ${update.sid}.`);
}

/**
 * A message a bridge with only a Messaging Service scheduled, when the service had several
 * senders: which one Twilio picks is known only at SendAt, so the send filed it in the service's
 * conversation ("MG…|+1…"), and the callbacks now come From the number
 * Twilio picked, whose conversation has no such sid. The status moves forward where the message
 * is filed, which is the thread send_sms reported and get_conversation shows for it. Re-filing it
 * in the picked number's conversation instead would move a written item between two Lists and
 * two inbox entries (a delete, an append, two counts, a read cursor that may have passed it),
 * each step able to fail half-way, for a thread the user was never told about; a scheduled send
 * through a pool of one is filed under that number from the start (send-message.ts). One extra
 * read, only for a callback whose sid the picked number's conversation does not have.
 */
async function underService(sync: SyncGateway, update: StatusUpdate): Promise<'updated' | 'unchanged' | null> {
  const service = update.messagingServiceSid;
  if (!service || service === update.from) return null;
  const { conversationId } = conversationOf({ direction: 'outbound', from: service, to: update.to });
  const existing = await sync.mapGet(sidMapName(conversationId), update.sid);
  const index = existing ? parseSidEntry(existing.data).index : null;
  if (index === null) return null;
  return (await setStatus(sync, threadListName(conversationId), index, update.status, update.errorCode, update.at)) ? 'updated' : 'unchanged';
}

/** Moves the stored message at `index` forward to `status`; null when it was already there or beyond. */
export async function setStatus(sync: SyncGateway, list: string, index: number, status: MessageStatus, errorCode: number | null, at: string): Promise<RecordedOutbound | null> {
  for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
    const item = await sync.listGet(list, index);
    const current = item && parseRecord(index, item.data);
    if (!item || !current || !advancesStatus(current.status, status)) return null;
    const { index: _index, ...record } = current;
    const next: MessageRecord = { ...record, status, errorCode: errorCode ?? record.errorCode, statusAt: at };
    try {
      const revision = await sync.listUpdate(list, index, next, item.revision);
      return { ...next, index, revision };
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
    }
  }
  throw new Error(`Too many concurrent updates to item ${index} of ${list}.`);
}
