/**
 * When reconciliation runs, and from where: one item per reconciled source (one of our numbers,
 * or a Messaging Service) in a `reconcile_<n>` Sync Map (by source), shared by every bridge and by
 * `npm run reconcile`, so however many bridges run, each source's log is read at most once per
 * interval, and a restart resumes where the last run ended.
 */
import * as z from 'zod';
import { reconcileStateMapFor, shortHash } from '../sync-names';
import { isDuplicateKey, isRevisionConflict, type SyncGateway } from '../store/sync-gateway';

/** How far back the first run of a source looks: messages sent before the webhook was set up. */
export const FIRST_LOOKBACK_MS = 24 * 3600_000;
/** Each run re-reads this much before where the last one ended: clocks differ, logs lag. */
export const OVERLAP_MS = 2 * 60_000;
/** An unfinished message holds the next run's start back at most this long. */
export const MAX_HOLD_MS = 3600_000;

/**
 * A read of the log that ran out of pages before the window's start (more than 5,000 messages):
 * where it goes on (Twilio's next_page_url, a PageToken cursor, stable while messages arrive), the
 * window's start it must reach, and the time it started (reconciled through there once it does).
 */
const WalkSchema = z.object({
  next: z.string(),
  floor: z.string(),
  top: z.string(),
  openSince: z.string().nullable().default(null),
});
export type Walk = z.infer<typeof WalkSchema>;

/** An outbound message the store holds with a status from before sending (lib/reconcile/unsettled.ts). */
const UnsettledSchema = z.object({ sid: z.string(), from: z.string(), to: z.string(), at: z.string() });
export type Unsettled = z.infer<typeof UnsettledSchema>;

const StateSchema = z.object({
  /** The last completed run covered the log up to this time (ISO 8601); null before the first. */
  through: z.string().nullable().default(null),
  /** The oldest message that run saw still changing (ISO 8601); null when none. */
  openSince: z.string().nullable().default(null),
  /** When a run last started, ms since the epoch: the interval counts from it. */
  checkedAt: z.number().default(0),
  /** A read of a large window still under way, continued by the next turns. */
  walk: WalkSchema.nullable().default(null),
  /** Outbound messages the log's date filter cannot list yet, checked by SID (unsettled.ts). */
  unsettled: z.array(UnsettledSchema).default([]),
  /** The store's conversations were searched for unsettled messages through this time (ISO 8601). */
  discoveredThrough: z.string().nullable().default(null),
});
export type State = z.infer<typeof StateSchema>;

/** What a turn achieved, recorded for the next. */
export interface Progress {
  /** The log read reached the window's start (with the oldest of our messages still changing), or goes on next turn. */
  log: { complete: true; openSince: Date | null } | { complete: false; walk: Walk };
  unsettled: Unsettled[];
  discoveredThrough: string | null;
}

export interface Claimed {
  source: string;
  /** Read the log from here (a walk's floor when one is under way). */
  since: Date;
  /** The state as the turn found it. */
  state: State;
  /**
   * Records the turn: a complete read moves `through` to its start (a walk's to the walk's), a
   * walk's next page is kept for the next turn; nothing of the log's when `log` is null (a failure).
   */
  record(progress: Omit<Progress, 'log'> & { log: Progress['log'] | null }): Promise<void>;
}

export type ClaimOutcome = { claimed: Claimed } | { claimed: null; nextAt: number };

function stateKey(source: string): string {
  return `src_${shortHash(source)}`;
}

/** Where a run starting at `now` reads from, given the last completed run. */
export function windowStart(state: Pick<State, 'through' | 'openSince'>, now: number): Date {
  if (state.through === null) return new Date(now - FIRST_LOOKBACK_MS);
  const from = Date.parse(state.through) - OVERLAP_MS;
  const held = state.openSince === null ? from : Math.max(Date.parse(state.openSince), now - MAX_HOLD_MS);
  return new Date(Math.min(from, held));
}

export class ReconcileSchedule {
  constructor(
    private readonly sync: SyncGateway,
    readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes the source's turn when its interval has passed: a conditional write of `checkedAt`, so
   * of several bridges asking at once only one runs. `force` (npm run reconcile) ignores the interval.
   */
  async claim(source: string, options: { force?: boolean; since?: Date } = {}): Promise<ClaimOutcome> {
    const key = stateKey(source);
    const map = reconcileStateMapFor(source);
    const now = this.now();
    const existing = await this.sync.mapGet(map, key);
    const state = StateSchema.parse(existing?.data ?? {});
    if (!options.force && existing && now < state.checkedAt + this.intervalMs) return { claimed: null, nextAt: state.checkedAt + this.intervalMs };
    const taken: State = { ...state, checkedAt: now };
    let revision: string;
    try {
      revision = existing
        ? await this.sync.mapUpdate(map, key, taken, existing.revision)
        : (await this.sync.mapCreate(map, key, taken)).revision;
    } catch (error) {
      // Another bridge took this turn between our read and write.
      if (isRevisionConflict(error) || isDuplicateKey(error)) return { claimed: null, nextAt: now + this.intervalMs };
      throw error;
    }
    return {
      claimed: {
        source,
        since: state.walk ? new Date(state.walk.floor) : (options.since ?? windowStart(state, now)),
        state,
        record: async (progress) => {
          let log: Pick<State, 'through' | 'openSince' | 'walk'> = { through: state.through, openSince: state.openSince, walk: state.walk };
          if (progress.log?.complete) {
            const opens = [progress.log.openSince?.getTime(), state.walk?.openSince ? Date.parse(state.walk.openSince) : undefined].filter((t): t is number => t !== undefined);
            const openSince = opens.length ? new Date(Math.min(...opens)).toISOString() : null;
            log = { through: state.walk?.top ?? new Date(now).toISOString(), openSince, walk: null };
          } else if (progress.log) {
            log = { ...log, walk: progress.log.walk };
          }
          const done: State = { ...log, checkedAt: now, unsettled: progress.unsettled, discoveredThrough: progress.discoveredThrough };
          // A run that took longer than the interval may have been overtaken: the other run's record stands.
          await this.sync.mapUpdate(map, key, done, revision).catch((error: unknown) => {
            if (!isRevisionConflict(error)) throw error;
          });
        },
      },
    };
  }
}
