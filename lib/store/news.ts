/**
 * News marks: per number of ours, eight Sync Maps (`marks_<hash(number)>_<n>`, lib/sync-names.ts)
 * with one item per conversation, rewritten by every stored incoming message once its inbox count
 * has landed. A reader whose scope is a few numbers pages those Maps (eight reads per number, of
 * objects only that number's readers and webhooks touch) and then reads only the conversations
 * whose mark moved since it last looked (their inbox entries and cursor items, one item read each), instead
 * of every inbox shard and cursor Map, whose reads grow with everyone's conversations: Sync allows
 * 20 reads/s per object, and with every poll that found news reading all eight shards, 200 users
 * polling every 10 s used up the shards' reads (issue 27).
 *
 * A mark is a hint, never the record: a named reader (SMS_USER; a one-person bridge reads the
 * inbox whole, see `look`) still reads everything on its first receive, after any giveBack, and
 * at least every NAMED_FULL_READ_EVERY_MS, so a mark never written delays a message by at most
 * that, and loses nothing; it also reads its own cursors every FULL_READ_EVERY_MS, for handovers
 * its other bridges left open. Each at a random point of the second half of its period, so that
 * readers started together do not read together ever after. A mark is written beside the claim's
 * "done" mark; a webhook whose mark failed fails too (inbound-claim.ts), so Twilio's retry writes it. Because the mark is written
 * only after the count landed and a reader reads the marks before the entries, a reader that saw
 * a mark then reads that message counted, and a count it did not see moves a mark it has not seen
 * yet: no message is skipped behind a mark.
 *
 * A mark lives MARK_TTL_SECONDS after its conversation's last incoming message, so that a number's
 * Map holds its recent conversations only (a page of 100 covers most numbers); a reader that looked
 * longer ago than that is due its full read anyway.
 */
import { newsMapFor, newsMapsFor } from '../sync-names';
import type { ReaderScope } from './read-cursor';
import { isDuplicateKey, type SyncGateway } from './sync-gateway';
import { isNotFound } from '../twilio-errors';

/** A reader with more numbers than this reads the inbox as before (marks would cost more reads). */
export const MAX_MARKED_NUMBERS = 8;
/**
 * The longest a named reader goes without looking at every handover of its own (from any of its
 * bridges): they are in its own cursor Maps, which it reads alone (a "sweep").
 */
export const FULL_READ_EVERY_MS = 60_000;
/**
 * The longest a named reader goes without reading the inbox itself, whatever the marks say: the
 * net under a mark never written (a webhook that failed for good; reconciliation, which writes the
 * marks of what it stores, covers that within its own turn first) and under Functions older than
 * the marks. The inbox shards are read by every user, so this is what their reads grow with.
 */
export const NAMED_FULL_READ_EVERY_MS = 600_000;
/**
 * How long a conversation's mark outlives its last incoming message (≫ FULL_READ_EVERY_MS). Twilio:
 * a Map Item's `ttl` (alias of `item_ttl`), and "the Map Item might not be deleted immediately after
 * it expires" (https://www.twilio.com/docs/sync/api/map-item-resource): a late removal only costs a
 * reader one take of a conversation with nothing new. A mark is compared by its `revision` ("the
 * current revision of the Map Item", the same page; every If-Match write of the product relies on
 * it changing with each write), which the emulator moves on each update (emulator/sync-store.ts).
 */
export const MARK_TTL_SECONDS = 3600;

/** Rewrites the mark of `ourNumber`'s conversation: one blind write (a create the first time). */
export async function markNews(sync: SyncGateway, ourNumber: string, conversationId: string): Promise<void> {
  const map = newsMapFor(ourNumber, conversationId);
  const data = { at: new Date().toISOString() };
  const options = { ttlSeconds: MARK_TTL_SECONDS };
  try {
    await sync.mapUpdate(map, conversationId, data, undefined, options);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await sync.mapCreate(map, conversationId, data, options);
    } catch (createError) {
      if (!isDuplicateKey(createError)) throw createError;
      await sync.mapUpdate(map, conversationId, data, undefined, options);
    }
  }
}

/** A number's marks as read: revision by conversation id. */
export type NumberMarks = ReadonlyMap<string, string>;
/** The marks of a reader's numbers as read, by number. */
export type NewsMarks = ReadonlyMap<string, NumberMarks>;

async function readNumberMarks(sync: SyncGateway, ourNumber: string): Promise<NumberMarks> {
  const maps = await Promise.all(newsMapsFor(ourNumber).map((map) => sync.mapItems(map)));
  return new Map(maps.flat().map((item) => [item.key, item.revision]));
}

export async function readNews(sync: SyncGateway, numbers: readonly string[]): Promise<NewsMarks> {
  return new Map(await Promise.all(numbers.map(async (number) => [number, await readNumberMarks(sync, number)] as const)));
}

/** One conversation's mark: its revision, "" when it has none (wait_for_reply's poll). */
export async function readConversationMark(sync: SyncGateway, ourNumber: string, conversationId: string): Promise<string> {
  return (await sync.mapGet(newsMapFor(ourNumber, conversationId), conversationId))?.revision ?? '';
}

/** What a receive reads: every conversation, or these (none: nothing new). */
export type ReadPlan = { all: true } | { all: false; conversations: string[] };

export const EVERYTHING: ReadPlan = { all: true };

/** What falls due by time: a full read, a named reader's sweep of its own cursors, or nothing. */
export type Periodic = 'full' | 'sweep' | null;

/**
 * One reader's memory of the marks as they were read before its last receive (kept by its store,
 * for its process). `due` says what its periodic reads ask for now; `look` reads the marks; `plan`
 * says what the receive must read; `settle` records a receive that started after the marks were
 * read; `invalidate` forces a full read.
 */
export class NewsWatch {
  private marks: NewsMarks | null = null;
  private fullDue = Number.NEGATIVE_INFINITY;
  private sweepDue = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly scope: ReaderScope,
    private readonly random: () => number = Math.random,
  ) {}

  due(now: number): Periodic {
    if (this.marks === null || now >= this.fullDue) return 'full';
    return this.scope.reader !== null && now >= this.sweepDue ? 'sweep' : null;
  }

  /**
   * Null: this reader does not use marks. The whole service, or many numbers; and a one-person
   * bridge (no SMS_USER): it has no other readers to share the inbox with, its cursors are in the
   * inbox entries, so its full read costs about what the marks would, without their round trip
   * (receive_sms {} in three round trips, issue 16).
   */
  async look(sync: SyncGateway): Promise<NewsMarks | null> {
    const { numbers, reader } = this.scope;
    if (reader === null || numbers === null || numbers.length === 0 || numbers.length > MAX_MARKED_NUMBERS) return null;
    return readNews(sync, numbers);
  }

  plan(marks: NewsMarks | null): ReadPlan {
    const settled = this.marks;
    if (marks === null || settled === null) return EVERYTHING;
    const conversations: string[] = [];
    for (const [number, current] of marks) {
      const before = settled.get(number);
      if (!before) return EVERYTHING;
      for (const [conversationId, revision] of current) if (before.get(conversationId) !== revision) conversations.push(conversationId);
    }
    return { all: false, conversations };
  }

  /**
   * After a receive that read `plan` and started after `marks` were read. A conversation whose
   * take failed is left out of the memory, so that the next receive reads it again.
   */
  settle(marks: NewsMarks | null, plan: ReadPlan, periodic: Periodic, startedAt: number, failed: ReadonlySet<string>): void {
    if (marks === null) return;
    this.marks = new Map([...marks].map(([number, current]) => [number, new Map([...current].filter(([conversationId]) => !failed.has(conversationId)))]));
    const after = (period: number) => startedAt + period * (0.5 + this.random() / 2);
    if (plan.all) this.fullDue = after(NAMED_FULL_READ_EVERY_MS);
    if (plan.all || periodic === 'sweep') this.sweepDue = after(FULL_READ_EVERY_MS);
  }

  invalidate(): void {
    this.marks = null;
  }
}
