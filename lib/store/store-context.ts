/** What every protocol of the store works with: one reader's view of one Sync service. */
import type { Inbox, InboxSnapshot } from './inbox';
import { isVisible, type ReaderScope } from './read-cursor';
import { readCursorItem, viewOf } from './reader-cursors';
import type { SyncGateway } from './sync-gateway';

export interface StoreContext {
  sync: SyncGateway;
  inbox: Inbox;
  scope: ReaderScope;
  now: () => Date;
  /** A random token: a claim's owner, a handover's mark. */
  newToken: () => string;
}

/**
 * The conversation's entry as this reader sees it, visible or not. A named reader's cursor item
 * is read beside the entry (the same round trip) and put into the view (read-cursor.ts).
 */
export async function readerEntry(ctx: StoreContext, conversationId: string): Promise<InboxSnapshot> {
  const { reader } = ctx.scope;
  if (reader === null) return ctx.inbox.get(conversationId);
  const [found, item] = await Promise.all([ctx.inbox.get(conversationId), readCursorItem(ctx.sync, reader, conversationId)]);
  return found ? viewOf(found, reader, item) : null;
}

/** The conversation's entry, if it is one this reader may see: others are as good as absent. */
export async function visibleEntry(ctx: StoreContext, conversationId: string): Promise<InboxSnapshot> {
  const found = await readerEntry(ctx, conversationId);
  return found && isVisible(ctx.scope, found.entry) ? found : null;
}
