/**
 * Who reads the inbox, and where each reader stands. A one-person bridge uses the entry's own
 * cursor (`cursorIndex`, `handedOver`, `handovers`); a named reader (one LibreChat user, see
 * mcp-bridge/src/user-scope.ts) keeps its cursor under `readers[key]` of the same entry, so each
 * user's "new since" is their own and one user's receive never consumes another's messages. Both
 * live in the inbox entry so that a handover stays one conditional write.
 */
import type { InboxEntry, ReadCursorRecord } from '../message-record';

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
