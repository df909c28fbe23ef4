/**
 * One reconciliation run for some sources: take each source's turn (schedule.ts), read Twilio's
 * log once from the earliest start among them, store what the store lacks (reconcile.ts), and
 * record how far the log is now reconciled. Used by the bridge's tools and `npm run reconcile`.
 */
import type { MessageStore } from '../store/message-store';
import type { TwilioClient } from '../twilio-client';
import { type LogRead, readMedia, readMessageLog, readNumberLog } from './message-log';
import { type IsOurs, reconcileMessages, type ReconcileResult } from './reconcile';
import type { Claimed, Progress, ReconcileSchedule } from './schedule';
import { settleUnsettled } from './unsettled';

/** A source is one of our numbers (E.164) or a Messaging Service (MG…): whose messages are ours. */
export function ownedBy(sources: readonly string[]): IsOurs {
  return (ourNumber, messagingServiceSid) => sources.some((source) => (source.startsWith('MG') ? source === messagingServiceSid : source === ourNumber));
}

/**
 * Up to this many numbers, a turn reads each number's own log (two filtered lists a number:
 * message-log.ts readNumberLog); beyond, with a Messaging Service among the sources (its
 * messages are not filtered by one number), or for a number with more than 5,000 messages a way
 * in the window, the account's whole log once.
 */
export const MAX_NUMBERS_READ_APART = 4;

export interface RunReport extends ReconcileResult {
  /** The sources whose turn this run took. */
  sources: string[];
  since: Date;
  /** Messages API list calls. */
  listCalls: number;
  /** Messages the log listed (every number's; ours are a part). */
  listed: number;
  /** GET Messages/{sid} calls for outbound messages the store holds unsettled (unsettled.ts). */
  fetchCalls: number;
  /** Unsettled outbound messages still to check after this run. */
  unsettled: number;
  /**
   * False when the run stopped early: a failure (nothing of the log recorded, the next run repeats
   * it), or a window of more pages than one run reads (its next page recorded, the next run goes on).
   */
  complete: boolean;
}

export type RunOutcome = { report: RunReport } | { report: null; nextAt: number };

/**
 * The turn's log reads: the sources with no walk under way read together from the earliest start
 * among them; those with one go on with it (sources that started a walk together share it).
 */
function readGroups(claimed: readonly Claimed[]): Claimed[][] {
  const groups = new Map<string, Claimed[]>();
  for (const c of claimed) {
    const key = c.state.walk?.next ?? '';
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()];
}

export async function runReconciliation(
  deps: { client: TwilioClient; store: MessageStore; schedule: ReconcileSchedule; now: () => Date },
  sources: readonly string[],
  options: { force?: boolean; since?: Date; onStored?: () => void } = {},
): Promise<RunOutcome> {
  const claimed: Claimed[] = [];
  let nextAt = Infinity;
  for (const source of sources) {
    const outcome = await deps.schedule.claim(source, options);
    if (outcome.claimed) claimed.push(outcome.claimed);
    else nextAt = Math.min(nextAt, outcome.nextAt);
  }
  if (claimed.length === 0) return { report: null, nextAt };
  const startedAt = deps.now();
  const since = new Date(Math.min(...claimed.map((c) => c.since.getTime())));
  const total: ReconcileResult = { stored: 0, present: 0, statusesUpdated: 0, openSince: null };
  let listCalls = 0;
  let listed = 0;
  let complete = true;
  const logProgress = new Map<Claimed, Progress['log'] | null>();
  const reads: { group: Claimed[]; since: Date; log: LogRead }[] = [];
  for (const group of readGroups(claimed)) {
    const groupSince = new Date(Math.min(...group.map((c) => c.since.getTime())));
    const log = await readGroupLog(deps.client, group, groupSince);
    listCalls += log.calls;
    listed += log.listed;
    reads.push({ group, since: groupSince, log });
  }
  const reconcilePart = (read: (typeof reads)[number], inbound: boolean) =>
    reconcileMessages(
      { store: deps.store, media: (sid) => readMedia(deps.client, sid), now: deps.now },
      read.log.messages.filter((message) => (message.direction === 'inbound') === inbound),
      ownedBy(read.group.map((c) => c.source)),
    );
  // First the messages the webhook missed, for every group: what the calling tool hands over, so
  // it may go on as soon as they are stored (options.onStored); then the statuses, in the
  // background of a call that went on (each a read or three: the capacity bench's slowest turns).
  const stored: ReconcileResult[] = [];
  for (const read of reads) stored.push(await reconcilePart(read, true));
  options.onStored?.();
  for (const [i, read] of reads.entries()) {
    const result = mergeResults(stored[i]!, await reconcilePart(read, false));
    const { group, log } = read;
    total.stored += result.stored;
    total.present += result.present;
    total.statusesUpdated += result.statusesUpdated;
    if (result.openSince && (!total.openSince || result.openSince < total.openSince)) total.openSince = result.openSince;
    if (result.failure !== undefined) total.failure ??= result.failure;
    complete &&= log.complete && result.failure === undefined;
    for (const c of group) {
      if (result.failure !== undefined) logProgress.set(c, null);
      else if (log.complete) logProgress.set(c, { complete: true, openSince: result.openSince });
      else {
        // A walk's top: where it started (a new one: this run's start); its floor stays the window's start.
        const openSince = [result.openSince?.getTime(), c.state.walk?.openSince ? Date.parse(c.state.walk.openSince) : undefined].filter((t): t is number => t !== undefined);
        logProgress.set(c, {
          complete: false,
          walk: { next: log.next!, floor: read.since.toISOString(), top: c.state.walk?.top ?? startedAt.toISOString(), openSince: openSince.length ? new Date(Math.min(...openSince)).toISOString() : null },
        });
      }
    }
  }
  let fetchCalls = 0;
  let unsettled = 0;
  for (const c of claimed) {
    const owned = c.source.startsWith('MG') ? () => true : (ourNumber: string) => ourNumber === c.source;
    const settled = await settleUnsettled({ client: deps.client, store: deps.store, now: deps.now, intervalMs: deps.schedule.intervalMs }, owned, c.state);
    fetchCalls += settled.fetchCalls;
    unsettled += settled.unsettled.length;
    total.statusesUpdated += settled.statusesUpdated;
    if (settled.failure !== undefined) total.failure ??= settled.failure;
    await c.record({ log: logProgress.get(c) ?? null, unsettled: settled.unsettled, discoveredThrough: settled.discoveredThrough });
  }
  complete &&= total.failure === undefined;
  return { report: { ...total, sources: claimed.map((c) => c.source), since, listCalls, listed, fetchCalls, unsettled, complete } };
}

/**
 * A group's log: a walk under way goes on; a few numbers read their own messages; else (or when a
 * number's own read comes back incomplete: too busy for its small pages) the account's whole log,
 * which may start a walk. The calls and messages of a read given up on are counted in.
 */
async function readGroupLog(client: TwilioClient, group: readonly Claimed[], since: Date): Promise<LogRead> {
  const walk = group[0]!.state.walk;
  if (walk) return readMessageLog(client, { since, resume: walk.next });
  const numbers = group.map((c) => c.source);
  let spent = { calls: 0, listed: 0 };
  if (numbers.length <= MAX_NUMBERS_READ_APART && numbers.every((source) => !source.startsWith('MG'))) {
    const own = await readNumberLog(client, numbers, since);
    if (own.complete) return own;
    spent = { calls: own.calls, listed: own.listed };
  }
  const all = await readMessageLog(client, { since });
  return { ...all, calls: all.calls + spent.calls, listed: all.listed + spent.listed };
}

/** The two parts of a group's reconciliation (inbound, then statuses) as one. */
function mergeResults(a: ReconcileResult, b: ReconcileResult): ReconcileResult {
  const opens = [a.openSince, b.openSince].filter((d): d is Date => d !== null);
  return {
    stored: a.stored + b.stored,
    present: a.present + b.present,
    statusesUpdated: a.statusesUpdated + b.statusesUpdated,
    openSince: opens.length ? new Date(Math.min(...opens.map((d) => d.getTime()))) : null,
    ...(a.failure !== undefined ? { failure: a.failure } : b.failure !== undefined ? { failure: b.failure } : {}),
  };
}
