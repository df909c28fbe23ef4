/**
 * resources/subscribe for conversations: Sync has no push to a stdio process, so the bridge polls
 * the inbox entries of subscribed conversations (one read each), quickly while things change and
 * backing off to a slow pace while nothing does, and sends notifications/resources/updated.
 */
import type { InboxEntry } from '../../../lib/message-record';
import type { MessageStore } from '../../../lib/store/message-store';

export interface WatchDeps {
  store: () => Promise<MessageStore | null>;
  notify: (uri: string) => Promise<void>;
  log: (message: string) => void;
  /** Poll delays: from minMs, doubling while idle, up to maxMs. */
  minMs?: number;
  maxMs?: number;
}

export const CONVERSATION_URI_PREFIX = 'sms://conversations/';

function fingerprint(entry: InboxEntry | null): string {
  return entry ? `${entry.messageCount}|${entry.lastActivityAt}|${entry.optedOut}` : 'none';
}

export class ConversationWatch {
  private readonly seen = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private delay: number;
  private readonly minMs: number;
  private readonly maxMs: number;

  constructor(private readonly deps: WatchDeps) {
    this.minMs = deps.minMs ?? 2000;
    this.maxMs = deps.maxMs ?? 30_000;
    this.delay = this.minMs;
  }

  async subscribe(uri: string): Promise<void> {
    const id = uri.slice(CONVERSATION_URI_PREFIX.length);
    const store = await this.deps.store();
    const found = store ? await store.conversation(id) : null;
    this.seen.set(uri, fingerprint(found?.entry ?? null));
    this.delay = this.minMs;
    this.schedule();
  }

  unsubscribe(uri: string): void {
    this.seen.delete(uri);
    if (this.seen.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.seen.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.poll().finally(() => this.schedule());
    }, this.delay);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    const store = await this.deps.store();
    if (!store) return;
    let changed = false;
    for (const [uri, before] of [...this.seen]) {
      try {
        const found = await store.conversation(uri.slice(CONVERSATION_URI_PREFIX.length));
        const now = fingerprint(found?.entry ?? null);
        if (now !== before && this.seen.has(uri)) {
          this.seen.set(uri, now);
          changed = true;
          await this.deps.notify(uri);
        }
      } catch (error) {
        this.deps.log(`watching ${uri} failed, will retry: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.delay = changed ? this.minMs : Math.min(this.maxMs, this.delay * 2);
  }
}
