/**
 * When reconciliation runs, and from where: one item per reconciled source (one of our numbers,
 * or a Messaging Service) in the `reconcile_state` Sync Map, shared by every bridge and by
 * `npm run reconcile`, so however many bridges run, each source's log is read at most once per
 * interval, and a restart resumes where the last run ended.
 */
import { z } from 'zod';
import { RECONCILE_STATE_MAP, shortHash } from '../sync-names';
import { isDuplicateKey, isRevisionConflict, type SyncGateway } from '../store/sync-gateway';

/** How far back the first run of a source looks: messages sent before the webhook was set up. */
export const FIRST_LOOKBACK_MS = 24 * 3600_000;
/** Each run re-reads this much before where the last one ended: clocks differ, logs lag. */
export const OVERLAP_MS = 2 * 60_000;
/** An unfinished message holds the next run's start back at most this long. */
export const MAX_HOLD_MS = 3600_000;

const StateSchema = z.object({
  /** The last completed run covered the log up to this time (ISO 8601); null before the first. */
  through: z.string().nullable().default(null),
  /** The oldest message that run saw still changing (ISO 8601); null when none. */
  openSince: z.string().nullable().default(null),
  /** When a run last started, ms since the epoch: the interval counts from it. */
  checkedAt: z.number().default(0),
});
type State = z.infer<typeof StateSchema>;

export interface Claimed {
  source: string;
  /** Read the log from here. */
  since: Date;
  /** Record a finished run: the next starts from its start, or from its oldest unfinished message. */
  complete(openSince: Date | null): Promise<void>;
}

export type ClaimOutcome = { claimed: Claimed } | { claimed: null; nextAt: number };

function stateKey(source: string): string {
  return `src_${shortHash(source)}`;
}

/** Where a run starting at `now` reads from, given the last completed run. */
export function windowStart(state: State, now: number): Date {
  if (state.through === null) return new Date(now - FIRST_LOOKBACK_MS);
  const from = Date.parse(state.through) - OVERLAP_MS;
  const held = state.openSince === null ? from : Math.max(Date.parse(state.openSince), now - MAX_HOLD_MS);
  return new Date(Math.min(from, held));
}

export class ReconcileSchedule {
  constructor(
    private readonly sync: SyncGateway,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes the source's turn when its interval has passed: a conditional write of `checkedAt`, so
   * of several bridges asking at once only one runs. `force` (npm run reconcile) ignores the interval.
   */
  async claim(source: string, options: { force?: boolean; since?: Date } = {}): Promise<ClaimOutcome> {
    const key = stateKey(source);
    const now = this.now();
    const existing = await this.sync.mapGet(RECONCILE_STATE_MAP, key);
    const state = StateSchema.parse(existing?.data ?? {});
    if (!options.force && existing && now < state.checkedAt + this.intervalMs) return { claimed: null, nextAt: state.checkedAt + this.intervalMs };
    const taken: State = { ...state, checkedAt: now };
    let revision: string;
    try {
      revision = existing
        ? await this.sync.mapUpdate(RECONCILE_STATE_MAP, key, taken, existing.revision)
        : (await this.sync.mapCreate(RECONCILE_STATE_MAP, key, taken)).revision;
    } catch (error) {
      // Another bridge took this turn between our read and write.
      if (isRevisionConflict(error) || isDuplicateKey(error)) return { claimed: null, nextAt: now + this.intervalMs };
      throw error;
    }
    return {
      claimed: {
        source,
        since: options.since ?? windowStart(state, now),
        complete: async (openSince) => {
          const done: State = { through: new Date(now).toISOString(), openSince: openSince?.toISOString() ?? null, checkedAt: now };
          // A run that took longer than the interval may have been overtaken: its result still holds.
          await this.sync.mapUpdate(RECONCILE_STATE_MAP, key, done, revision).catch((error: unknown) => {
            if (!isRevisionConflict(error)) throw error;
          });
        },
      },
    };
  }
}
