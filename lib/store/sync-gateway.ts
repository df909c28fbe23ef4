/**
 * The few Sync operations the store needs, over twilio-node, with the behaviour every caller
 * wants: containers (Lists, Maps) created on first use, transient failures (429/54009, 5xx, no
 * answer) retried with bounded backoff, item TTL applied on every write.
 */
import type { TwilioClient } from '../twilio-client';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from '../retry';
import { hasCode, isAmbiguous, isNotFound, isTransient, readFailure } from '../twilio-errors';

export interface ListItem<T = unknown> { index: number; data: T; revision: string }
export interface MapItem<T = unknown> { key: string; data: T; revision: string }
export interface ListPage<T = unknown> { items: ListItem<T>[]; hasMore: boolean }
export interface MapPage<T = unknown> { items: MapItem<T>[]; nextPageToken: string | null }

export interface ItemOptions {
  /** This item's time-to-live in seconds, instead of the gateway's retention. */
  ttlSeconds?: number;
}

export interface SyncGatewayOptions {
  /** Item time-to-live in seconds; 0 keeps items until deleted. */
  ttlSeconds?: number;
  retry?: RetryPolicy;
}

/**
 * How many of a List's newest items a search for an earlier copy reads: after this request's own
 * ambiguous try, a page (its copy, if it landed, is recent); after another request's unsure
 * append, deeper (DEEP_COPY_SEARCH_ITEMS): the inbound bench's one busy conversation had 169 items
 * between a copy and the retry that looked for it, and stored it twice. A conversation takes about
 * 10 messages a second at most (its sid Map, written twice per message): 1,000 items are 100 s.
 */
export const COPY_SEARCH_ITEMS = 50;
export const DEEP_COPY_SEARCH_ITEMS = 1000;

/** Sync's limit on an item's data, as serialized JSON (error 54006 beyond it, on every retry). */
export const MAX_ITEM_BYTES = 16 * 1024;

/** Sync: a map item key that already exists. */
export const DUPLICATE_KEY = 54208;
/** Sync: a unique name that already exists. */
const DUPLICATE_UNIQUE_NAME = 54301;

/** A Sync call not started because the request's deadline had passed (see SyncGateway.until). */
export class DeadlinePassedError extends Error {
  constructor() {
    // No "timeout" in the words: this is not an ambiguous failure, nothing was sent.
    super('The request ran out of its time budget before this Sync call could start.');
  }
}

export function isDuplicateKey(error: unknown): boolean {
  return hasCode(error, DUPLICATE_KEY) || readFailure(error).status === 409;
}

/** If-Match did not match the current revision (HTTP 412). */
export function isRevisionConflict(error: unknown): boolean {
  return readFailure(error).status === 412;
}

export class SyncGateway {
  private readonly ttl: number | undefined;
  private readonly retry: RetryPolicy;

  constructor(
    private readonly client: TwilioClient,
    readonly serviceSid: string,
    options: SyncGatewayOptions = {},
  ) {
    this.ttl = options.ttlSeconds ? options.ttlSeconds : undefined;
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  /**
   * This gateway with every call bounded by `deadline` (ms since the epoch): no try starts at or
   * after it, and retries stop waiting for it. One request's calls then end by the deadline plus
   * one client timeout, however slow or absent Sync is. Only ever narrows: a bounded gateway's
   * own deadline still holds.
   */
  until(deadline: number): SyncGateway {
    const bound = Math.min(deadline, this.retry.deadline ?? Infinity);
    return new SyncGateway(this.client, this.serviceSid, { ttlSeconds: this.ttl ?? 0, retry: { ...this.retry, deadline: bound } });
  }

  private get service() {
    return this.client.sync.v1.services(this.serviceSid);
  }

  /**
   * Creates the List or Map if it does not exist yet; another writer having created it first (or
   * our own earlier try, before its answer was lost) is as good.
   */
  async ensureContainer(kind: 'list' | 'map', name: string): Promise<void> {
    await this.retried(async () => {
      try {
        if (kind === 'list') await this.service.syncLists.create({ uniqueName: name });
        else await this.service.syncMaps.create({ uniqueName: name });
      } catch (createError) {
        if (!hasCode(createError, DUPLICATE_UNIQUE_NAME) && readFailure(createError).status !== 409) throw createError;
      }
    });
  }

  /** Deletes the List or Map; false when it was not there (a retry after a lost answer finds it gone). */
  async deleteContainer(kind: 'list' | 'map', name: string): Promise<boolean> {
    return this.retried(async () => {
      try {
        return await (kind === 'list' ? this.service.syncLists(name).remove() : this.service.syncMaps(name).remove());
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    });
  }

  /** Runs `operation`; when the List or Map is missing (404), creates it once and runs it again. */
  private async inContainer<T>(kind: 'list' | 'map', name: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.ensureContainer(kind, name);
      return operation();
    }
  }

  private retried<T>(operation: (attempt: number) => Promise<T>, shouldRetry: (error: unknown) => boolean = isTransient): Promise<T> {
    const { deadline } = this.retry;
    const bounded = deadline === undefined
      ? operation
      : (attempt: number) => (Date.now() >= deadline ? Promise.reject(new DeadlinePassedError()) : operation(attempt));
    return withRetry(bounded, this.retry, shouldRetry);
  }

  /**
   * Appends `data` and returns its index. A List append is not idempotent, so after an ambiguous
   * failure (5xx or no answer) the newest items are searched with `isSame` before appending, and
   * when an earlier request may have appended it, its newest `searchBefore` items (0: none).
   */
  async appendOnce<T extends object>(list: string, data: T, isSame: (existing: unknown) => boolean, searchBefore = 0): Promise<number> {
    return (await this.appendOnceItem(list, data, isSame, { searchBefore })).index;
  }

  /**
   * appendOnce, also returning the item's revision (for a later If-Match update without a read).
   *
   * A search cannot see a try that has not landed yet: an append whose client gave up (no answer
   * within its timeout) may still be queued at Sync and land after the retry's search, so the
   * retry appends a second copy (the burst test, its emulator starved of CPU, stored a message
   * twice that way, and receive_sms handed it over twice). So whenever an earlier try may have
   * landed, the newest items are searched again once our own append is in, and only the earliest
   * copy is kept: later ones are deleted before the caller counts the message (the count is what
   * makes it visible to readers) or records its index. A copy landing even after that second
   * search is not caught here (its request held longer than the retry's search, append and second
   * search together).
   */
  async appendOnceItem<T extends object>(list: string, data: T, isSame: (existing: unknown) => boolean, options: { searchBefore?: number } = {}): Promise<{ index: number; revision: string }> {
    /** How far back a copy may be: an earlier request's (the caller says), or this one's last try (recent). */
    let depth = options.searchBefore ?? 0;
    let mayHaveLanded = depth > 0;
    const appended = await this.retried(async () => {
      if (mayHaveLanded) {
        const found = await this.earliestCopy(list, isSame, depth);
        if (found) return { ...found, ours: false };
      }
      try {
        const item = await this.inContainer('list', list, () =>
          this.service.syncLists(list).syncListItems.create({ data, ...(this.ttl ? { ttl: this.ttl } : {}) }),
        );
        return { index: item.index, revision: item.revision, ours: true };
      } catch (error) {
        if (isAmbiguous(error)) {
          mayHaveLanded = true;
          depth = Math.max(depth, COPY_SEARCH_ITEMS);
        }
        throw error;
      }
    });
    const ours = { index: appended.index, revision: appended.revision };
    if (!mayHaveLanded || !appended.ours) return ours;
    try {
      return (await this.earliestCopy(list, isSame, depth)) ?? ours;
    } catch {
      // Ours landed for certain: a failed second look must not fail the append (a caller would
      // take it as not stored); at worst a late copy stays, as before this look existed.
      return ours;
    }
  }

  /**
   * The earliest of the newest items that `isSame` matches, after deleting the later matches (a
   * try that landed late, see appendOnceItem); null when none matches.
   */
  private async earliestCopy(list: string, isSame: (existing: unknown) => boolean, depth: number): Promise<{ index: number; revision: string } | null> {
    // Newest first, a page at a time (Sync pages hold at most 100 items), `depth` items at most.
    const recent: ListItem[] = [];
    for (let from: number | undefined; recent.length < depth; ) {
      const page = await this.listPage(list, { order: 'desc', pageSize: Math.min(100, depth - recent.length), ...(from !== undefined ? { from, bounds: 'exclusive' as const } : {}) });
      recent.push(...page.items);
      const last = page.items.at(-1);
      if (!page.hasMore || !last) break;
      from = last.index;
    }
    const copies = recent.filter((item) => isSame(item.data)).sort((a, b) => a.index - b.index);
    const [earliest, ...later] = copies;
    if (!earliest) return null;
    for (const copy of later) await this.listDelete(list, copy.index);
    return { index: earliest.index, revision: earliest.revision };
  }

  /** Deletes a List item; false when it was not there (a retry after a lost answer finds it gone). */
  async listDelete(list: string, index: number): Promise<boolean> {
    return this.retried(async () => {
      try {
        return await this.service.syncLists(list).syncListItems(index).remove();
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    });
  }

  async listPage<T = unknown>(
    list: string,
    options: { order: 'asc' | 'desc'; from?: number; bounds?: 'inclusive' | 'exclusive'; pageSize: number },
  ): Promise<ListPage<T>> {
    return this.retried(async () => {
      try {
        const page = await this.service.syncLists(list).syncListItems.page({
          order: options.order,
          pageSize: options.pageSize,
          ...(options.from !== undefined ? { from: String(options.from), bounds: options.bounds ?? 'inclusive' } : {}),
        });
        return {
          items: page.instances.map((item) => ({ index: item.index, data: item.data as T, revision: item.revision })),
          hasMore: Boolean(page.nextPageUrl),
        };
      } catch (error) {
        if (isNotFound(error)) return { items: [], hasMore: false };
        throw error;
      }
    });
  }

  async listGet<T = unknown>(list: string, index: number): Promise<ListItem<T> | null> {
    return this.retried(async () => {
      try {
        const item = await this.service.syncLists(list).syncListItems(index).fetch();
        return { index: item.index, data: item.data as T, revision: item.revision };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    });
  }

  /** Replaces an item's data when its revision is still `ifMatch`; throws 412 otherwise. */
  async listUpdate<T extends object>(list: string, index: number, data: T, ifMatch: string): Promise<string> {
    const item = await this.retried(() =>
      this.service.syncLists(list).syncListItems(index).update({ data, ifMatch, ...(this.ttl ? { ttl: this.ttl } : {}) }),
    );
    return item.revision;
  }

  /** The item TTL to write: the call's own (`ttlSeconds`, e.g. a duplicate window), else the store's retention. */
  private ttlOf(options: Pick<ItemOptions, 'ttlSeconds'>): { ttl: number } | Record<string, never> {
    const ttl = options.ttlSeconds ?? this.ttl;
    return ttl ? { ttl } : {};
  }

  /** Creates a map item; throws a duplicate-key error (54208) when the key exists. */
  async mapCreate<T extends object>(map: string, key: string, data: T, options: ItemOptions = {}): Promise<MapItem<T>> {
    return this.retried(async () => {
      const item = await this.inContainer('map', map, () => this.service.syncMaps(map).syncMapItems.create({ key, data, ...this.ttlOf(options) }));
      return { key: item.key, data: item.data as T, revision: item.revision };
    });
  }

  async mapGet<T = unknown>(map: string, key: string): Promise<MapItem<T> | null> {
    return this.retried(async () => {
      try {
        const item = await this.service.syncMaps(map).syncMapItems(key).fetch();
        return { key: item.key, data: item.data as T, revision: item.revision };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    });
  }

  /** Replaces a map item's data, conditionally on its revision when `ifMatch` is given. */
  async mapUpdate<T extends object>(map: string, key: string, data: T, ifMatch?: string, options: ItemOptions = {}): Promise<string> {
    return this.retried(async () => {
      const item = await this.service
        .syncMaps(map)
        .syncMapItems(key)
        .update({ data, ...(ifMatch ? { ifMatch } : {}), ...this.ttlOf(options) });
      return item.revision;
    });
  }

  /**
   * Deletes a map item, only while its revision is `ifMatch` when given (412 otherwise). False
   * when it was not there. A retry after a lost answer finds it gone: that counts as deleted by
   * this call only without `ifMatch`; with it, the caller must tell from its own state.
   */
  async mapDelete(map: string, key: string, ifMatch?: string): Promise<boolean> {
    return this.retried(async () => {
      try {
        const item = this.service.syncMaps(map).syncMapItems(key);
        return await (ifMatch ? item.remove({ ifMatch }) : item.remove());
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    });
  }

  /** Every item of a Map, page after page (one read per 100 items); none when the Map does not exist. */
  async mapItems<T = unknown>(map: string): Promise<MapItem<T>[]> {
    const items: MapItem<T>[] = [];
    let token: string | null = null;
    do {
      const page: MapPage<T> = await this.mapPage<T>(map, token);
      items.push(...page.items);
      token = page.nextPageToken;
    } while (token);
    return items;
  }

  async mapPage<T = unknown>(map: string, pageToken: string | null): Promise<MapPage<T>> {
    return this.retried(async () => {
      try {
        const page = pageToken
          ? await this.service.syncMaps(map).syncMapItems.getPage(pageToken)
          : await this.service.syncMaps(map).syncMapItems.page({ pageSize: 100 });
        return {
          items: page.instances.map((item) => ({ key: item.key, data: item.data as T, revision: item.revision })),
          nextPageToken: page.nextPageUrl ?? null,
        };
      } catch (error) {
        if (isNotFound(error)) return { items: [], nextPageToken: null };
        throw error;
      }
    });
  }
}
