/**
 * Reconciliation as the read tools run it (receive_sms, list_conversations, wait_for_reply):
 * before reading, catch up from Twilio's message log what the webhooks missed, at most once per
 * RECONCILE_INTERVAL_SECONDS for each source whoever asks (the turn is taken in Sync), and never
 * at the cost of the call: a failure is logged and the tool reads what the store has.
 */
import { runReconciliation } from '../../../lib/reconcile/run';
import { ReconcileSchedule } from '../../../lib/reconcile/schedule';
import type { MessageStore } from '../../../lib/store/message-store';
import type { SyncGateway } from '../../../lib/store/sync-gateway';
import type { TwilioClient } from '../../../lib/twilio-client';
import { describeFailure } from '../../../lib/twilio-errors';
import type { Logger } from './logger';

/** The longest a tool call spends reconciling before it reads. */
export const RECONCILE_BUDGET_MS = 10_000;
/**
 * How long a turn holds the call that asked for it, at most: the call goes on as soon as the
 * messages the webhook missed are stored (the statuses the log brings follow in the background),
 * and a longer turn (a large window, a slow Twilio) goes on in the background too, what it stores
 * coming with the next call. The capacity bench's slowest calls, with no Sync 429 at all, were
 * those that ran a turn (issue 27): each turn read the account's whole log then (1,300 messages at
 * 200 users; now its own numbers', message-log.ts readNumberLog), and held its call for the
 * statuses too: receive_sms {} p99 1.7 s, then 0.7 s, then 0.44 s. A process that stops
 * meanwhile (a Function frozen after its answer) leaves the turn taken but not recorded: the next
 * turn, an interval later, reads the same window again, and stores nothing twice.
 */
export const IN_CALL_MS = 1_000;

export class Reconciler {
  /** Per source, when to ask Sync again: spares the state read between turns. */
  private readonly nextAt = new Map<string, number>();
  private schedule: ReconcileSchedule | undefined;

  constructor(
    private readonly deps: {
      twilio: () => Promise<TwilioClient>;
      sync: () => Promise<SyncGateway>;
      intervalMs: number;
      log: Logger;
      now: () => number;
    },
    private readonly random: () => number = Math.random,
    private readonly inCallMs: number = IN_CALL_MS,
  ) {}

  /**
   * Catches up the sources that are due, with `store` (the calling tool's, within its budget).
   * True when a turn stored what the webhook missed within IN_CALL_MS (its statuses may still be
   * under way), whatever it found; false when none was due, or when it goes on in the background.
   */
  async catchUp(store: MessageStore, sources: readonly string[]): Promise<boolean> {
    const now = this.deps.now();
    const due = sources.filter((source) => (this.nextAt.get(source) ?? 0) <= now);
    if (due.length === 0) return false;
    // The call goes on once the messages the webhook missed are stored (the turn's statuses and
    // records follow in the background), or after inCallMs, whichever comes first.
    let stored!: () => void;
    const inboundStored = new Promise<true>((resolve) => (stored = () => resolve(true)));
    const turn = this.turn(store, due, now, stored);
    let timer: NodeJS.Timeout | undefined;
    const held = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.inCallMs)));
    try {
      return await Promise.race([turn, inboundStored, held]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One turn for `due`; never throws (a failure is logged). */
  private async turn(store: MessageStore, due: string[], now: number, onStored: () => void): Promise<boolean> {
    // Taken at once: a concurrent call of this process does not ask Sync for the same turn. Up to
    // half an interval later than due, at random: bridges started together (a LibreChat restart)
    // would otherwise take their turns together ever after, and every turn reads and writes Sync.
    for (const source of due) this.nextAt.set(source, now + this.deps.intervalMs * (1 + this.random() / 2));
    try {
      this.schedule ??= new ReconcileSchedule(await this.deps.sync(), this.deps.intervalMs, this.deps.now);
      const outcome = await runReconciliation(
        { client: await this.deps.twilio(), store: store.until(now + RECONCILE_BUDGET_MS), schedule: this.schedule, now: () => new Date(this.deps.now()) },
        due,
        { onStored },
      );
      if (!outcome.report) {
        for (const source of due) this.nextAt.set(source, Math.max(outcome.nextAt + this.deps.intervalMs * (this.random() / 2), now));
        return false;
      }
      const r = outcome.report;
      if (r.stored > 0 || r.statusesUpdated > 0 || !r.complete) {
        this.deps.log.info(
          `reconcile: ${r.stored} message(s) the webhook missed now stored, ${r.statusesUpdated} status(es) brought up to date, from ${r.listed} logged message(s) (${r.listCalls} Messages API list call(s), ${r.fetchCalls} fetch(es) of unsettled messages)${r.complete ? '' : '; unfinished, the next turn goes on'}`,
        );
      }
      if (r.failure !== undefined) this.deps.log.warn(`reconcile: ${describeFailure(r.failure)}`);
      return true;
    } catch (error) {
      this.deps.log.warn(`reconcile: skipped this turn (${describeFailure(error)}); reading what the store has`);
      return true;
    }
  }
}
