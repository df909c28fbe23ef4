/**
 * Named readers' cursors in Sync: one item per reader and conversation, in the reader's
 * `cursors_<hash>_<shard>` Maps (lib/sync-names.ts). Each item is a ReadCursorRecord with at most
 * eight handover tokens, so it stays a few hundred bytes however many readers share a number; the
 * inbox entry no longer carries them (read-cursor.ts). Written only by the handover (a
 * conditional create or If-Match update carrying the handover's token) and by giveBack.
 */
import { allReaderCursorMaps, readerCursorMapName } from '../sync-names';
import type { InboxEntry } from '../message-record';
import { cursorRecord, parseCursor, type ReadCursor, readerView } from './read-cursor';
import type { ReaderSnapshot } from './inbox';
import type { SyncGateway } from './sync-gateway';

/** A reader's cursor item as read: its cursor (null when unreadable) and its revision. */
export interface CursorItem {
  cursor: ReadCursor | null;
  revision: string;
}

export async function readCursorItem(sync: SyncGateway, reader: string, conversationId: string): Promise<CursorItem | null> {
  const item = await sync.mapGet(readerCursorMapName(reader, conversationId), conversationId);
  return item ? { cursor: parseCursor(item.data), revision: item.revision } : null;
}

/** All of a reader's cursor items, by conversation id (8 Maps side by side, a page per 100 items). */
export async function readAllCursorItems(sync: SyncGateway, reader: string): Promise<Map<string, CursorItem>> {
  const maps = await Promise.all(allReaderCursorMaps(reader).map((map) => sync.mapItems(map)));
  return new Map(maps.flat().map((item) => [item.key, { cursor: parseCursor(item.data), revision: item.revision }]));
}

/**
 * Writes the reader's cursor conditionally: an update against `revision`, or a create when the
 * reader has no item yet (null). Another write in between fails it with 412 or 54208.
 */
export async function writeCursorItem(sync: SyncGateway, reader: string, conversationId: string, cursor: ReadCursor, revision: string | null): Promise<void> {
  const map = readerCursorMapName(reader, conversationId);
  if (revision === null) await sync.mapCreate(map, conversationId, cursorRecord(cursor));
  else await sync.mapUpdate(map, conversationId, cursorRecord(cursor), revision);
}

/** The entry as this reader sees it, with the revision of the reader's cursor item (null: none yet). */
export function viewOf(found: { entry: InboxEntry; revision: string }, reader: string, item: CursorItem | null): ReaderSnapshot {
  return { entry: readerView(found.entry, reader, item?.cursor ?? null), revision: found.revision, cursorRevision: item?.revision ?? null };
}
