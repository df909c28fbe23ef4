/**
 * Who reads the inbox, and where each reader stands. A one-person bridge uses the entry's own
 * cursor (`cursorIndex`, `handedOver`, `handovers`), so that its handover stays one conditional
 * write of the entry. A named reader (one LibreChat user, see lib/scope/user-scope.ts) keeps
 * its cursor in an item of its own (`cursors_<hash>_<shard>`, lib/sync-names.ts), one per reader
 * and conversation: in the shared entry, 500 readers' cursors would pass Sync's 16 KiB per item
 * (54006) and every later count of that conversation would fail. The store hands a named reader
 * its view of an entry: the reader's cursor put under `readers[reader]`, nobody else's, so the
 * functions below read either kind the same way. Entries written before cursors had items of their
 * own still hold `readers[key]`: a reader with no item yet starts from that (readerView).
 */
import { type InboxEntry, type ReadCursorRecord, ReadCursorRecordSchema } from '../message-record';

export interface ReaderScope {
  /** Key of this reader's cursors; null: the entry's own (one-person) cursor. */
  reader: string | null;
  /** Our numbers this reader may see; null: every conversation of the service. */
  numbers: readonly string[] | null;
}

/** Every conversation, one shared cursor: the Functions' view, and a bridge without scope. */
export const WHOLE_SERVICE: ReaderScope = { reader: null, numbers: null };

export type ReadCursor = Required<ReadCursorRecord>;

/**
 * receive_sms moves the cursor with a conditional write, and marks it with a random token of that
 * write: when the answer is lost (5xx, reset, timeout after Sync applied it), the token says
 * whether the write landed, so the messages are handed over exactly once, never dropped.
 */
const HANDOVER_TOKENS = 8;

function tokens(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((token): token is string => typeof token === 'string') : [];
}

export function cursorOf(entry: InboxEntry, reader: string | null): ReadCursor {
  if (reader === null) {
    return { cursorIndex: entry.cursorIndex, handedOver: entry.handedOver, handovers: tokens((entry as InboxEntry & { handovers?: unknown }).handovers) };
  }
  // A reader new to this conversation has been handed nothing of it yet.
  const own = entry.readers?.[reader];
  return { cursorIndex: own?.cursorIndex ?? -1, handedOver: own?.handedOver ?? 0, handovers: tokens(own?.handovers) };
}

export function withCursor(entry: InboxEntry, reader: string | null, cursor: ReadCursor): InboxEntry {
  const next: ReadCursor = { ...cursor, handovers: cursor.handovers.slice(-HANDOVER_TOKENS) };
  if (reader === null) return { ...entry, ...next };
  return { ...entry, readers: { ...entry.readers, [reader]: next } };
}

/** A reader's cursor item as read; null when its data is not a cursor. */
export function parseCursor(data: unknown): ReadCursor | null {
  const parsed = ReadCursorRecordSchema.safeParse(data);
  return parsed.success ? { cursorIndex: parsed.data.cursorIndex, handedOver: parsed.data.handedOver, handovers: tokens(parsed.data.handovers).slice(-HANDOVER_TOKENS) } : null;
}

/** A cursor as written to its item: at most HANDOVER_TOKENS tokens, so the item is bounded. */
export function cursorRecord(cursor: ReadCursor): ReadCursor {
  return { cursorIndex: cursor.cursorIndex, handedOver: cursor.handedOver, handovers: cursor.handovers.slice(-HANDOVER_TOKENS) };
}

/**
 * The entry as a named reader sees it: its cursor (from its item, else the entry's legacy
 * `readers[reader]`, else a new one) as the only one under `readers`. Never written back to the
 * inbox: it would replace the legacy cursors of the others (inbox.ts ignores such a snapshot).
 */
export function readerView(entry: InboxEntry, reader: string, own: ReadCursor | null): InboxEntry {
  const cursor = own ?? cursorOf(entry, reader);
  const { readers: _everyone, ...shared } = entry;
  return { ...shared, readers: { [reader]: cursor } };
}

/** The cursor after a handover of `count` messages through `cursorIndex`, marked with `token`. */
export function advanced(cursor: ReadCursor, cursorIndex: number, count: number, token: string): ReadCursor {
  return { cursorIndex, handedOver: cursor.handedOver + count, handovers: [...cursor.handovers, token] };
}

export function unreadCount(entry: InboxEntry, reader: string | null): number {
  return Math.max(0, entry.inboundCount - cursorOf(entry, reader).handedOver);
}

export function hasNewInbound(entry: InboxEntry, reader: string | null): boolean {
  return entry.lastInboundIndex > cursorOf(entry, reader).cursorIndex;
}

/** The conversation is one of this reader's: its number is ours in the scope. */
export function isVisible(scope: ReaderScope, entry: Pick<InboxEntry, 'ourNumber'>): boolean {
  return scope.numbers === null || scope.numbers.includes(entry.ourNumber);
}
