/**
 * Outbound messages the log's date filter cannot list: a message the bridge sent stays without
 * DateSent until Twilio hands it to the carrier, and one that fails before that (queue overflow
 * 30001, filtered 30007, an expired ValidityPeriod…) never gets one, so no DateSent>= read ever
 * shows it, and when its status callback is lost the store keeps "queued" for ever. The product's
 * own records are the source: the thread items it wrote with a status from before sending.
 *
 * Where to find them without reading every thread: the inbox index (one Map page per shard and
 * per 100 conversations; the store has no cheaper list of recent outbound messages) gives the
 * conversations active since the last search; only those threads' newest items are read. What is
 * found is kept in the source's reconcile state item (schedule.ts; a small index, at most MAX_UNSETTLED
 * entries), and each turn fetches at most FETCHES_PER_TURN of them by SID (GET Messages/{sid}),
 * the least recently checked first, until each has settled or has a DateSent (from then on the
 * log lists it).
 */
import { isMessageStatus, type MessageStatus } from '../message-status';
import type { MessageStore } from '../store/message-store';
import type { TwilioClient } from '../twilio-client';
import { fetchLogged } from './message-log';
import { FIRST_LOOKBACK_MS, OVERLAP_MS, type Unsettled } from './schedule';

/** Statuses of a message not handed to the carrier yet: it has no DateSent. */
const BEFORE_SENDING: ReadonlySet<MessageStatus> = new Set(['scheduled', 'accepted', 'queued', 'sending']);
/** Entries kept per source: about 110 bytes each, so the state item stays far under Sync's 16 KiB (54006). */
export const MAX_UNSETTLED = 100;
/** GET Messages/{sid} calls per turn at most. */
export const FETCHES_PER_TURN = 10;
/** Conversations whose threads one turn searches at most (the least recently active first). */
export const SEARCHED_PER_TURN = 20;
/** Thread items read per searched conversation (its newest). */
const THREAD_PAGE = 50;
/**
 * A finished search is made again after this many reconciliation intervals at the soonest (10
 * minutes by default): it reads the whole inbox (every shard's pages, which every user's reads
 * share), and each source of each bridge searches, so at every turn it was most of what 200 users'
 * bridges read (issue 27). What it finds is already a failure whose callback was lost; finding it
 * within minutes rather than a minute is enough. (A search that stopped part-way, more than
 * SEARCHED_PER_TURN being active, goes on from the last conversation it searched, as soon as that
 * one's activity is this old.)
 */
export const SEARCH_EVERY_TURNS = 10;

export type UnsettledStore = Pick<MessageStore, 'listConversations' | 'readThread' | 'applyStatus'>;

export interface UnsettledOutcome {
  unsettled: Unsettled[];
  discoveredThrough: string | null;
  /** Stored statuses moved forward. */
  statusesUpdated: number;
  /** GET Messages/{sid} calls made. */
  fetchCalls: number;
  /** Entries dropped over MAX_UNSETTLED (the oldest): no longer checked. */
  dropped: number;
  failure?: unknown;
}

/**
 * Adds the unsettled outbound messages of conversations active since the last search (owned: whether
 * our number in a conversation is one of the turn's sources).
 */
async function search(store: UnsettledStore, owned: (ourNumber: string) => boolean, known: Unsettled[], discoveredThrough: string | null, now: number): Promise<{ found: Unsettled[]; discoveredThrough: string }> {
  const floor = discoveredThrough === null ? now - FIRST_LOOKBACK_MS : Date.parse(discoveredThrough) - OVERLAP_MS;
  const active = (await store.listConversations())
    .filter((entry) => owned(entry.ourNumber) && Date.parse(entry.lastActivityAt) >= floor)
    .sort((a, b) => a.lastActivityAt.localeCompare(b.lastActivityAt));
  const searched = active.slice(0, SEARCHED_PER_TURN);
  const seen = new Set(known.map((u) => u.sid));
  const found: Unsettled[] = [];
  for (const entry of searched) {
    const { messages } = await store.readThread(entry.conversationId, { limit: THREAD_PAGE });
    for (const message of messages) {
      if (message.direction !== 'outbound' || !BEFORE_SENDING.has(message.status) || seen.has(message.sid)) continue;
      seen.add(message.sid);
      found.push({ sid: message.sid, from: message.from, to: message.to, at: message.createdAt });
    }
  }
  // All searched: through now; else through the last one searched (the rest are more recent).
  const through = searched.length < active.length ? searched.at(-1)!.lastActivityAt : new Date(now).toISOString();
  return { found, discoveredThrough: through };
}

export async function settleUnsettled(
  deps: { client: TwilioClient; store: UnsettledStore; now: () => Date; intervalMs: number },
  owned: (ourNumber: string) => boolean,
  state: { unsettled: Unsettled[]; discoveredThrough: string | null },
): Promise<UnsettledOutcome> {
  const now = deps.now();
  const outcome: UnsettledOutcome = { unsettled: state.unsettled, discoveredThrough: state.discoveredThrough, statusesUpdated: 0, fetchCalls: 0, dropped: 0 };
  let queue = [...state.unsettled];
  const searchDue = state.discoveredThrough === null || now.getTime() - Date.parse(state.discoveredThrough) >= SEARCH_EVERY_TURNS * deps.intervalMs;
  if (searchDue) {
    try {
      const { found, discoveredThrough } = await search(deps.store, owned, queue, state.discoveredThrough, now.getTime());
      queue.push(...found);
      outcome.discoveredThrough = discoveredThrough;
    } catch (error) {
      outcome.failure = error;
    }
  }
  if (queue.length > MAX_UNSETTLED) {
    // The oldest go: Twilio fails a message left queued past its ValidityPeriod (≤ 36,000 s) long before.
    queue.sort((a, b) => a.at.localeCompare(b.at));
    outcome.dropped = queue.length - MAX_UNSETTLED;
    queue = queue.slice(outcome.dropped);
  }
  const checked: Unsettled[] = [];
  const kept: Unsettled[] = [];
  let index = 0;
  try {
    for (; index < Math.min(FETCHES_PER_TURN, queue.length); index++) {
      const entry = queue[index]!;
      outcome.fetchCalls += 1;
      const logged = await fetchLogged(deps.client, entry.sid);
      if (!logged) continue; // deleted from Twilio's log: nothing more will come
      if (isMessageStatus(logged.status)) {
        const applied = await deps.store.applyStatus(
          { sid: entry.sid, from: entry.from, to: entry.to, status: logged.status, errorCode: logged.errorCode, at: now.toISOString() },
          { park: false },
        );
        if (applied === 'updated') outcome.statusesUpdated += 1;
        // Still before sending: checked again later (to the back of the queue). Sent or settled: the log lists it now, or nothing more comes.
        if (logged.dateSent === null && BEFORE_SENDING.has(logged.status)) checked.push(entry);
      }
    }
  } catch (error) {
    outcome.failure ??= error;
    kept.push(...queue.slice(index, index + 1));
    index += 1;
  }
  outcome.unsettled = [...kept, ...queue.slice(index), ...checked];
  return outcome;
}
