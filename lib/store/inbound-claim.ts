/**
 * Storing an incoming message exactly once (the webhook's protocol, and reconciliation's). The sid
 * map item is the claim: creating it is atomic, so of two deliveries of one webhook only one
 * stores; a later replay finds it done. A failed attempt releases its claim (keeping the list
 * index if it got one) so Twilio's retry resumes. Steps: claim → append → count → done ∥ news mark.
 */
import type { MessageRecord, SidEntry } from '../message-record';
import { optOutChange, type OptOutType } from '../opt-out';
import { sidMapName, threadListName } from '../sync-names';
import { markNews } from './news';
import { type StoreContext } from './store-context';
import { StoreInProgressError } from './store-errors';
import { conversationOf, isSameSid, MAX_CONFLICTS, parseSidEntry, readAfter } from './stored-message';
import { COPY_SEARCH_ITEMS, DEEP_COPY_SEARCH_ITEMS, isDuplicateKey, isRevisionConflict } from './sync-gateway';

/**
 * A claim older than this is taken to belong to a dead request. A webhook's Sync calls end within
 * 14 s of its start (handle-incoming.ts, WEBHOOK_BUDGET_MS), so a 20 s old claim has no live owner.
 */
export const DEFAULT_STALE_CLAIM_MS = 20_000;

/**
 * A claim held: where the message is (its index, if appended), whether it was counted, and how far
 * back the thread must be searched for a copy an earlier attempt may have appended (`searchBefore`
 * items: 0 when none can exist).
 */
type Claim = 'done' | { index: number | null; counted: boolean | null; claimedAt: number; tookOver: boolean; searchBefore: number; revision: string };

/**
 * How far back to look for an earlier attempt's copy, from the claim it left. A stale owner died
 * at any step, and a release after an unsure append may be followed by many appends before this
 * retry: deep. A release that says no append was made: none. An older release that does not say:
 * the newest page, as before the release said.
 */
function searchAfter(entry: { owner: string | null; appendUnsure: boolean | null }): number {
  if (entry.owner !== null || entry.appendUnsure === true) return DEEP_COPY_SEARCH_ITEMS;
  return entry.appendUnsure === false ? 0 : COPY_SEARCH_ITEMS;
}

export async function recordInbound(
  ctx: StoreContext,
  staleClaimMs: number,
  record: MessageRecord,
  signals: { optOutType?: OptOutType } = {},
): Promise<'stored' | 'duplicate'> {
  const { sync, inbox } = ctx;
  const { conversationId, ourNumber, theirNumber } = conversationOf(record);
  const map = sidMapName(conversationId);
  const token = ctx.newToken();
  let claim: Claim;
  try {
    claim = await claimSid(ctx, staleClaimMs, map, record.sid, token);
  } catch (error) {
    // A claim held by an attempt that failed after storing and counting the message (only its
    // "done" mark or its release did not get through) would make every retry answer 503 until
    // the claim goes stale, and Twilio would give up on a message we have. Counted means stored.
    // Its news mark may be what the failed attempt did not write: write it (a mark is a hint; one
    // more costs a reader one full read), so readers whose marks look quiet still come for it.
    if (error instanceof StoreInProgressError && (error.counted === true || (await isCounted(ctx, conversationId, record.sid)))) {
      await markNews(sync, ourNumber, conversationId).catch(() => undefined);
      return 'duplicate';
    }
    // The claim write itself may have landed before its answer was lost: release it, or the
    // retry Twilio sends right away would find it held and answer 503 for staleClaimMs.
    if (!(error instanceof StoreInProgressError)) await releaseIfOwned(ctx, map, record.sid, token);
    throw error;
  }
  if (claim === 'done') return 'duplicate';
  let { index, counted } = claim;
  /** The claim's revision as this request last wrote it: a release must match it. */
  let revision = claim.revision;
  /** An append sent whose index this request does not know: a copy may be in the thread. */
  let appendUnsure = false;
  const list = threadListName(conversationId);
  try {
    // The inbox entry is read while the message is appended: one round trip less before the
    // count (a stale read only costs the If-Match conflict's re-read). Both settle before either
    // failure counts: a release made while the append is still under way would say index null,
    // Twilio's retry would append again, and the first append land beside it (the inbound
    // bench's one busy conversation stored a message twice so, its inbox read refused by 429s).
    const recount = counted !== true && claim.counted === null && claim.tookOver;
    appendUnsure = index === null;
    const [appended, inboxRead] = await Promise.allSettled([
      index ?? sync.appendOnce(list, record, isSameSid(record.sid), claim.searchBefore),
      counted === true || recount ? undefined : inbox.get(conversationId),
    ]);
    if (appended.status === 'rejected') throw appended.reason;
    index = appended.value;
    appendUnsure = false;
    if (inboxRead.status === 'rejected') throw inboxRead.reason;
    const inboxEntry = inboxRead.value;
    // The claim remembers whether the count landed: the inbox's recentSids only remember the
    // newest 32 sids, and a retry coming after 32 other messages were counted would count it
    // again (the bench's one busy conversation counted 300 for 299 stored). Unknown (a claim
    // taken over from an owner that may have counted it): the inbox recounts from the thread.
    if (counted !== true) {
      const optedOut = optOutChange(record.body, signals.optOutType);
      const activity = { conversationId, ourNumber, theirNumber, sid: record.sid, index, direction: 'inbound' as const, at: record.createdAt, ...(optedOut !== undefined ? { optedOut } : {}) };
      // Ambiguous from here on: the write may land without an answer.
      counted = null;
      if (recount) await inbox.recount(activity, () => readAfter(sync, list, -1, Infinity));
      else await inbox.record(activity, inboxEntry);
      counted = true;
    }
    // The conversation's news mark (news.ts) beside the "done" mark, once the count has landed: no round
    // trip more when it lands. A reader whose marks look quiet skips its full read for up to
    // NAMED_FULL_READ_EVERY_MS, so a mark that failed (after its retries) would hold the message back
    // that long: the request fails instead, releasing the claim below (If-Match on the done
    // mark's revision when that landed), and Twilio's retry finds it counted and writes the mark.
    const [doneWrite, marked] = await Promise.allSettled([
      sync.mapUpdate(map, record.sid, { owner: null, claimedAt: claim.claimedAt, index, done: true, counted } satisfies Partial<SidEntry>),
      markNews(sync, ourNumber, conversationId),
    ]);
    if (doneWrite.status === 'fulfilled') revision = doneWrite.value;
    if (marked.status === 'rejected') throw marked.reason;
    if (doneWrite.status === 'rejected') throw doneWrite.reason;
    return 'stored';
  } catch (error) {
    // Release the claim, keeping the list index it got so the retry resumes there. Only while
    // this request still holds it (If-Match on the claim's revision, no read needed): a slow
    // request must not clear a claim another one took over, or undo one that finished. Best
    // effort: if Sync is down the claim goes stale instead; the original error is what counts.
    await sync
      .mapUpdate(map, record.sid, { owner: null, claimedAt: 0, index: index ?? null, done: false, counted, appendUnsure } satisfies Partial<SidEntry>, revision)
      .catch(() => undefined);
    throw error;
  }
}

async function claimSid(ctx: StoreContext, staleClaimMs: number, map: string, sid: string, token: string): Promise<Claim> {
  const { sync } = ctx;
  let triedTakeOver = false;
  for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
    const claimedAt = ctx.now().getTime();
    try {
      // counted: null, for whoever takes this claim over should we die: we may count before that.
      const created = await sync.mapCreate(map, sid, { owner: token, claimedAt, index: null, done: false, counted: null, appendUnsure: false } satisfies Partial<SidEntry>);
      return { index: null, counted: false, claimedAt, tookOver: false, searchBefore: 0, revision: created.revision };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const existing = await sync.mapGet(map, sid);
    if (!existing) continue;
    const entry = parseSidEntry(existing.data);
    if (entry.done) return 'done';
    // Ours already: our create, or our takeover of a stale claim, landed without an answer. After
    // a takeover the earlier owner may have appended before it died: search before appending.
    // Our own create that landed unanswered has counted nothing yet.
    // (After a takeover that landed unanswered, what the entry taken over said is gone: search deep.)
    if (entry.owner === token) return { index: entry.index, counted: triedTakeOver ? entry.counted : false, claimedAt: entry.claimedAt, tookOver: triedTakeOver, searchBefore: triedTakeOver ? DEEP_COPY_SEARCH_ITEMS : 0, revision: existing.revision };
    if (entry.owner !== null && claimedAt - entry.claimedAt < staleClaimMs) throw new StoreInProgressError(sid, entry.counted);
    try {
      triedTakeOver = true;
      const revision = await sync.mapUpdate(map, sid, { ...entry, owner: token, claimedAt }, existing.revision);
      return { index: entry.index, counted: entry.counted, claimedAt, tookOver: true, searchBefore: searchAfter(entry), revision };
    } catch (error) {
      if (!isRevisionConflict(error)) throw error;
    }
  }
  throw new StoreInProgressError(sid);
}

/** After a failed claim step, whose write may have landed unanswered: release it if it is ours. */
async function releaseIfOwned(ctx: StoreContext, map: string, sid: string, token: string): Promise<void> {
  try {
    const existing = await ctx.sync.mapGet(map, sid);
    if (!existing) return;
    const entry = parseSidEntry(existing.data);
    if (entry.owner !== token) return;
    await ctx.sync.mapUpdate(map, sid, { ...entry, owner: null, claimedAt: 0 } satisfies SidEntry, existing.revision);
  } catch {
    // The claim goes stale instead; the original error is what the caller reports.
  }
}

/**
 * The sids the conversation's inbox entry counted last (the newest 32): the inbound ones stored for
 * certain (an outbound one is counted beside its append: recordOutbound).
 */
export async function recentlyCounted(ctx: StoreContext, conversationId: string): Promise<ReadonlySet<string>> {
  return new Set((await ctx.inbox.get(conversationId))?.entry.recentSids ?? []);
}

/** The inbox counts an inbound message only after it is in the thread. */
async function isCounted(ctx: StoreContext, conversationId: string, sid: string): Promise<boolean> {
  const counted = await recentlyCounted(ctx, conversationId).catch(() => new Set<string>());
  return counted.has(sid);
}
