/**
 * One reconciliation run for some sources: take each source's turn (schedule.ts), read Twilio's
 * log once from the earliest start among them, store what the store lacks (reconcile.ts), and
 * record how far the log is now reconciled. Used by the bridge's tools and `npm run reconcile`.
 */
import type { MessageStore } from '../store/message-store';
import type { TwilioClient } from '../twilio-client';
import { readMedia, readMessageLog } from './message-log';
import { type IsOurs, reconcileMessages, type ReconcileResult } from './reconcile';
import type { Claimed, ReconcileSchedule } from './schedule';

/** A source is one of our numbers (E.164) or a Messaging Service (MG…): whose messages are ours. */
export function ownedBy(sources: readonly string[]): IsOurs {
  return (ourNumber, messagingServiceSid) => sources.some((source) => (source.startsWith('MG') ? source === messagingServiceSid : source === ourNumber));
}

export interface RunReport extends ReconcileResult {
  /** The sources whose turn this run took. */
  sources: string[];
  since: Date;
  /** Messages API list calls. */
  listCalls: number;
  /** Messages the log listed (every number's; ours are a part). */
  listed: number;
  /** False when the run stopped early (a failure, or more pages than one run reads): it is not recorded, the next run repeats it. */
  complete: boolean;
}

export type RunOutcome = { report: RunReport } | { report: null; nextAt: number };

export async function runReconciliation(
  deps: { client: TwilioClient; store: MessageStore; schedule: ReconcileSchedule; now: () => Date },
  sources: readonly string[],
  options: { force?: boolean; since?: Date } = {},
): Promise<RunOutcome> {
  const claimed: Claimed[] = [];
  let nextAt = Infinity;
  for (const source of sources) {
    const outcome = await deps.schedule.claim(source, options);
    if (outcome.claimed) claimed.push(outcome.claimed);
    else nextAt = Math.min(nextAt, outcome.nextAt);
  }
  if (claimed.length === 0) return { report: null, nextAt };
  const since = new Date(Math.min(...claimed.map((c) => c.since.getTime())));
  const log = await readMessageLog(deps.client, { since });
  const result = await reconcileMessages(
    { store: deps.store, media: (sid) => readMedia(deps.client, sid), now: deps.now },
    log.messages,
    ownedBy(claimed.map((c) => c.source)),
  );
  const complete = log.complete && result.failure === undefined;
  if (complete) await Promise.all(claimed.map((c) => c.complete(result.openSince)));
  return { report: { ...result, sources: claimed.map((c) => c.source), since, listCalls: log.calls, listed: log.messages.length, complete } };
}
