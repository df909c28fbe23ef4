/**
 * "News" marks: one Sync Map item per our number (`news_<shard>`, lib/sync-names.ts) that every
 * stored incoming message rewrites once its inbox count has landed. A reader whose scope is a few
 * numbers reads those items (one read each, in a Map its numbers share with few others) instead of
 * the eight inbox shards and its eight cursor Maps, and skips the rest of `receive_sms {}` when
 * none changed since its last full read: Sync allows 20 reads/s per object, and every reader
 * reading every inbox shard made the shards' reads grow with the number of users polling (200
 * users every 10 s = 20/s per shard, the whole limit).
 *
 * The mark is a hint, never the record: a reader still reads everything on its first receive,
 * after any giveBack or unsettled handover of its own, and at least every FULL_READ_EVERY_MS, so a
 * mark that was never written delays a message by at most that, and loses nothing. It is written
 * beside the claim's "done" mark; a webhook whose mark failed fails too (inbound-claim.ts), so
 * Twilio's retry writes it, and the periodic read covers only a retry that never comes. Because
 * the mark is written only after the count landed, a reader that saw a mark and then read the
 * inbox sees that message counted: it is never skipped behind a mark it has seen.
 *
 * Sync's own Map revision would say "something in this Map changed" too, but fetching the Map
 * resource counts as a read of that same object (Sync's limits: "opening, reading or querying a
 * single Sync object or its sub-items"), and an inbox shard changes with every message of any
 * number: it saves bytes, not reads. The mark is per number, so a user's poll reads what changes
 * only for them.
 */
import { newsMapFor, shortHash } from '../sync-names';
import { isDuplicateKey, type SyncGateway } from './sync-gateway';
import { isNotFound } from '../twilio-errors';

/** A reader with more numbers than this reads the inbox as before (marks would cost more reads). */
export const MAX_MARKED_NUMBERS = 8;
/** The longest a reader goes without a full read, whatever the marks say. */
export const FULL_READ_EVERY_MS = 60_000;

function keyOf(ourNumber: string): string {
  return `n_${shortHash(ourNumber)}`;
}

/** Rewrites `ourNumber`'s mark: one blind write (a create the first time). */
export async function markNews(sync: SyncGateway, ourNumber: string, conversationId: string): Promise<void> {
  const map = newsMapFor(ourNumber);
  const key = keyOf(ourNumber);
  const data = { conversationId, at: new Date().toISOString() };
  try {
    await sync.mapUpdate(map, key, data);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await sync.mapCreate(map, key, data);
    } catch (createError) {
      if (!isDuplicateKey(createError)) throw createError;
      await sync.mapUpdate(map, key, data);
    }
  }
}

/** The marks of some numbers as read: revision by number ("" when there is none yet). */
export type NewsMarks = ReadonlyMap<string, string>;

export async function readNews(sync: SyncGateway, numbers: readonly string[]): Promise<NewsMarks> {
  const found = await Promise.all(numbers.map(async (number) => [number, (await sync.mapGet(newsMapFor(number), keyOf(number)))?.revision ?? ''] as const));
  return new Map(found);
}

function same(a: NewsMarks, b: NewsMarks): boolean {
  if (a.size !== b.size) return false;
  for (const [number, revision] of a) if (b.get(number) !== revision) return false;
  return true;
}

/**
 * One reader's memory of the marks at its last full read (kept by its store, for its process).
 * `look` reads the marks; `isQuiet` says a full read can be skipped; `settle` records a full read
 * that started after the marks were read; `invalidate` forces the next one.
 */
export class NewsWatch {
  private settled: { marks: NewsMarks; at: number } | null = null;

  constructor(private readonly numbers: readonly string[] | null) {}

  /** Null: this reader cannot use marks (the whole service, or many numbers). */
  async look(sync: SyncGateway): Promise<NewsMarks | null> {
    if (this.numbers === null || this.numbers.length === 0 || this.numbers.length > MAX_MARKED_NUMBERS) return null;
    return readNews(sync, this.numbers);
  }

  isQuiet(marks: NewsMarks | null, now: number): boolean {
    return marks !== null && this.settled !== null && now - this.settled.at < FULL_READ_EVERY_MS && same(marks, this.settled.marks);
  }

  settle(marks: NewsMarks | null, startedAt: number): void {
    if (marks !== null) this.settled = { marks, at: startedAt };
  }

  invalidate(): void {
    this.settled = null;
  }
}
