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
import * as z from 'zod';
import { GivenBackSchema, type InboxEntry, OpenHandoverSchema, ReadCursorRecordSchema } from '../message-record';

export interface ReaderScope {
  /** Key of this reader's cursors; null: the entry's own (one-person) cursor. */
  reader: string | null;
  /** Our numbers this reader may see; null: every conversation of the service. */
  numbers: readonly string[] | null;
}

/** Every conversation, one shared cursor: the Functions' view, and a bridge without scope. */
export const WHOLE_SERVICE: ReaderScope = { reader: null, numbers: null };

export type OpenHandover = z.infer<typeof OpenHandoverSchema>;
export type GivenBack = z.infer<typeof GivenBackSchema>;

/**
 * Where a reader stands. `open`: its handovers not yet known to have reached a client, kept in
 * Sync so that every bridge of the reader sees them (handover.ts); `back`: ranges given back.
 * Both absent when empty, so a cursor without them reads and writes as before.
 */
export interface ReadCursor {
  cursorIndex: number;
  handedOver: number;
  handovers: string[];
  open?: OpenHandover[];
  back?: GivenBack[];
}

/**
 * At most this many open handovers and given-back entries a cursor keeps: each is a token and a
 * few integers (≈ 100 B), so a cursor stays under 4 KB. A take drops the open ones known to have
 * reached a client and settles the expired ones, so only takes of the last settle window (the
 * client's timeout) of bridges that died or lost Sync stay; past the bound the oldest open ones
 * are settled at once (given back) rather than the item growing.
 */
export const MAX_OPEN_HANDOVERS = 16;

const OpenListSchema = z.array(OpenHandoverSchema);
const BackListSchema = z.array(GivenBackSchema);

function openList(value: unknown): OpenHandover[] {
  const parsed = OpenListSchema.safeParse(value);
  return parsed.success ? parsed.data : [];
}

function backList(value: unknown): GivenBack[] {
  const parsed = BackListSchema.safeParse(value);
  return parsed.success ? parsed.data : [];
}

/** The cursor with empty lists left out (so that a cursor with none is written as before). */
function compact(cursor: ReadCursor): ReadCursor {
  const { open, back, ...rest } = cursor;
  return { ...rest, ...(open && open.length > 0 ? { open: open.slice(-MAX_OPEN_HANDOVERS) } : {}), ...(back && back.length > 0 ? { back: back.slice(-MAX_OPEN_HANDOVERS) } : {}) };
}

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
    const loose = entry as InboxEntry & { handovers?: unknown; open?: unknown; back?: unknown };
    return compact({ cursorIndex: entry.cursorIndex, handedOver: entry.handedOver, handovers: tokens(loose.handovers), open: openList(loose.open), back: backList(loose.back) });
  }
  // A reader new to this conversation has been handed nothing of it yet.
  const own = entry.readers?.[reader];
  return compact({ cursorIndex: own?.cursorIndex ?? -1, handedOver: own?.handedOver ?? 0, handovers: tokens(own?.handovers), open: openList(own?.open), back: backList(own?.back) });
}

export function withCursor(entry: InboxEntry, reader: string | null, cursor: ReadCursor): InboxEntry {
  const next: ReadCursor = compact({ ...cursor, handovers: cursor.handovers.slice(-HANDOVER_TOKENS) });
  if (reader === null) {
    // The entry's own cursor: lists absent from `next` must go from the entry too.
    const { open: _open, back: _back, ...rest } = entry as InboxEntry & { open?: unknown; back?: unknown };
    return { ...rest, ...next };
  }
  return { ...entry, readers: { ...entry.readers, [reader]: next } };
}

/** A reader's cursor item as read; null when its data is not a cursor. */
export function parseCursor(data: unknown): ReadCursor | null {
  const parsed = ReadCursorRecordSchema.safeParse(data);
  return parsed.success
    ? compact({ cursorIndex: parsed.data.cursorIndex, handedOver: parsed.data.handedOver, handovers: tokens(parsed.data.handovers).slice(-HANDOVER_TOKENS), open: parsed.data.open ?? [], back: parsed.data.back ?? [] })
    : null;
}

/** A cursor as written to its item: at most HANDOVER_TOKENS tokens, so the item is bounded. */
export function cursorRecord(cursor: ReadCursor): ReadCursor {
  return compact({ ...cursor, handovers: cursor.handovers.slice(-HANDOVER_TOKENS) });
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

/**
 * Something for this reader's next take besides new messages: ranges given back, or an open
 * handover past its deadline (its bridge died or lost Sync before knowing it reached a client).
 */
/**
 * The earliest deadline of the reader's handovers in this conversation still open and not yet due
 * (null: none). `delivered`: tokens this process knows reached their client (its own, recorded
 * delivered): never due, though still listed until the conversation's next take drops them;
 * counting them made every receive that handed something over cost its reader a full read a
 * deadline later (issue 27).
 */
export function nextDue(cursor: ReadCursor, now: number, delivered: ReadonlySet<string> = NONE): number | null {
  const pending = (cursor.open ?? []).filter((open) => !delivered.has(open.t)).map((open) => open.d).filter((d) => d > now);
  return pending.length > 0 ? Math.min(...pending) : null;
}

/** Given-back ranges, or an open handover past its deadline and not known delivered (nextDue). */
export function hasDue(cursor: ReadCursor, now: number, delivered: ReadonlySet<string> = NONE): boolean {
  return (cursor.back?.length ?? 0) > 0 || (cursor.open ?? []).some((open) => open.d <= now && !delivered.has(open.t));
}

const NONE: ReadonlySet<string> = new Set();

/** The conversation is one of this reader's: its number is ours in the scope. */
export function isVisible(scope: ReaderScope, entry: Pick<InboxEntry, 'ourNumber'>): boolean {
  return scope.numbers === null || scope.numbers.includes(entry.ourNumber);
}
