/**
 * How the store's protocols see Sync items: a thread item as a stored message (with its list
 * index), a sid map item as a SidEntry, and which conversation a message belongs to.
 */
import { conversationIdFor } from '../conversation-id';
import { type MessageRecord, MessageRecordSchema, type SidEntry, SidEntrySchema } from '../message-record';
import type { SyncGateway } from './sync-gateway';

export type StoredMessage = MessageRecord & { index: number };
/** An outbound message as recordOutbound stored it, with the revision it was written at. */
export type RecordedOutbound = StoredMessage & { revision: string };

/** If-Match conflicts are resolved by re-reading; more than this many in a row is a fault. */
export const MAX_CONFLICTS = 20;
const READ_PAGE = 100;

/** Which side of a message is ours: the To of an inbound message, the From of an outbound one. */
export function conversationOf(record: Pick<MessageRecord, 'direction' | 'from' | 'to'>) {
  const [ourNumber, theirNumber] = record.direction === 'inbound' ? [record.to, record.from] : [record.from, record.to];
  return { conversationId: conversationIdFor(ourNumber, theirNumber), ourNumber, theirNumber };
}

export function parseRecord(index: number, data: unknown): StoredMessage | null {
  const parsed = MessageRecordSchema.safeParse(data);
  return parsed.success ? { ...parsed.data, index } : null;
}

export function parseSidEntry(data: unknown): SidEntry {
  return SidEntrySchema.parse(data ?? {});
}

export function isSameSid(sid: string) {
  return (data: unknown) => typeof data === 'object' && data !== null && (data as { sid?: unknown }).sid === sid;
}

/** A thread's items after `afterIndex`, ascending, reading pages until `throughIndex` is passed. */
export async function readAfter(sync: SyncGateway, list: string, afterIndex: number, throughIndex: number): Promise<StoredMessage[]> {
  const messages: StoredMessage[] = [];
  let from = afterIndex;
  for (;;) {
    const page = await sync.listPage(list, {
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
