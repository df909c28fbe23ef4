/** What every protocol of the store works with: one reader's view of one Sync service. */
import type { Inbox, InboxSnapshot } from './inbox';
import { isVisible, type ReaderScope } from './read-cursor';
import type { SyncGateway } from './sync-gateway';

export interface StoreContext {
  sync: SyncGateway;
  inbox: Inbox;
  scope: ReaderScope;
  now: () => Date;
  /** A random token: a claim's owner, a handover's mark. */
  newToken: () => string;
}

/** The conversation's entry, if it is one this reader may see: others are as good as absent. */
export async function visibleEntry(ctx: StoreContext, conversationId: string): Promise<InboxSnapshot> {
  const found = await ctx.inbox.get(conversationId);
  return found && isVisible(ctx.scope, found.entry) ? found : null;
}
