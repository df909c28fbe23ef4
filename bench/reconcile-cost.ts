/**
 * 9. Reconciliation's cost against the day's traffic (issue 22): Messages API calls of one turn
 * when the account's log holds 10, 1,000 and 20,000 messages sent today, of which 10 are new
 * since the last turn; and how many turns a first run over a window of more than 5,000 messages
 * takes to complete. The emulator applies DateSent filters to whole GMT days (emulator/README.md),
 * the least favourable reading of Twilio's docs: a `DateSent>=` read lists the whole day.
 *
 * In process (lib/reconcile/run.ts against the in-process emulator, no bridge): the count is of
 * Messages API requests, which a bridge's turn makes alike; the day's other messages are another
 * number's of the account (a busy account), the 10 new ones ours.
 */
import { reconcileStateMapFor, shortHash } from '../lib/sync-names';
import { runReconciliation } from '../lib/reconcile/run';
import { ReconcileSchedule } from '../lib/reconcile/schedule';
import { MessageStore } from '../lib/store/message-store';
import { SyncGateway } from '../lib/store/sync-gateway';
import { createTwilioClient } from '../lib/twilio-client';
import { type Emulator, startEmulator } from '../emulator';
import { type BenchOptions, handset, MAGIC_FROM_NUMBER } from './common';
import type { Metric, SectionResult, Target } from './report';
import { summarize } from './stats';

export const TITLE = '9. Reconciliation cost against the day\'s traffic';
const OTHER_NUMBER = '+15005550007';
const NEW_MESSAGES = 10;
/** Turns tried on a large first window before calling it "never completes". */
const MAX_TURNS = 10;
const DAY_MS = 86_400_000;

const LIST_ROUTE = '/2010-04-01/Accounts/{AccountSid}/Messages.json';
const FETCH_ROUTE = '/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json';

interface TurnCost {
  list: number;
  fetch: number;
  complete: boolean;
  stored: number;
  /** Messages the turn's list calls returned (every number's). */
  listed: number;
}

/** One emulator with `size` messages sent today (GMT), its clock kept away from midnight. */
async function dayOf(size: number, options: BenchOptions): Promise<{ emulator: Emulator; now: () => number }> {
  const emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER, OTHER_NUMBER], syncLimits: false, seed: 22 });
  let offset = 0;
  // The whole scenario (seeding, ten minutes on, the turns) must fall within one GMT day.
  const timeOfDay = Date.now() % DAY_MS;
  if (timeOfDay > DAY_MS - 2 * 3600_000) offset = DAY_MS - timeOfDay + 3600_000;
  emulator.advanceTime(offset);
  options.log(`reconcile cost: seeding ${size.toLocaleString('en-US')} messages of the day`);
  for (let i = 0; i < size - NEW_MESSAGES; i++) {
    await emulator.simulateInbound({ from: handset(i % 10_000, 1 + Math.floor(i / 10_000)), to: OTHER_NUMBER, body: `busy ${i}` });
  }
  return { emulator, now: () => Date.now() + offset };
}

function costOf(emulator: Emulator): Omit<TurnCost, 'complete' | 'stored' | 'listed'> {
  return {
    list: emulator.count({ method: 'GET', product: 'api', route: LIST_ROUTE }),
    fetch: emulator.count({ method: 'GET', product: 'api', route: FETCH_ROUTE }),
  };
}

export async function runReconcileCost(options: BenchOptions): Promise<Omit<SectionResult, 'seconds'>> {
  const sizes = options.quick ? [10, 1_000, 6_000] : [10, 1_000, 20_000];
  const metrics: Metric[] = [];
  const targets: Target[] = [];
  const problems: string[] = [];
  const turns = new Map<number, TurnCost>();
  const windows = new Map<number, { turns: number; calls: number[]; complete: boolean }>();
  for (const size of sizes) {
    const { emulator, now: baseNow } = await dayOf(size, options);
    let advanced = 0;
    const now = () => baseNow() + advanced;
    const advance = (ms: number) => {
      advanced += ms;
      emulator.advanceTime(ms);
    };
    try {
      const client = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url });

      // A turn after the last one: its state says the log was reconciled through five minutes ago.
      advance(10 * 60_000);
      const sync = new SyncGateway(client, emulator.createSyncService('bench-reconcile-cost'));
      const schedule = new ReconcileSchedule(sync, 0, now);
      await sync.mapCreate(reconcileStateMapFor(MAGIC_FROM_NUMBER), `src_${shortHash(MAGIC_FROM_NUMBER)}`, { through: new Date(now() - 5 * 60_000).toISOString(), openSince: null, checkedAt: 0 });
      for (let i = 0; i < NEW_MESSAGES; i++) await emulator.simulateInbound({ from: handset(i, 0), to: MAGIC_FROM_NUMBER, body: `new ${i}` });
      emulator.resetCounts();
      const { report } = await runReconciliation({ client, store: new MessageStore(sync, { now: () => new Date(now()) }), schedule, now: () => new Date(now()) }, [MAGIC_FROM_NUMBER], { force: true });
      const turn: TurnCost = { ...costOf(emulator), complete: report?.complete ?? false, stored: report?.stored ?? 0, listed: report?.listed ?? 0 };
      turns.set(size, turn);
      if (turn.stored !== NEW_MESSAGES) problems.push(`day of ${size}: the turn stored ${turn.stored} of the ${NEW_MESSAGES} new messages`);

      // A first run (no state: it looks back 24 hours) over the whole day, turn after turn.
      const fresh = new SyncGateway(client, emulator.createSyncService('bench-reconcile-window'));
      const firstSchedule = new ReconcileSchedule(fresh, 0, now);
      const store = new MessageStore(fresh, { now: () => new Date(now()) });
      const window = { turns: 0, calls: [] as number[], complete: false };
      while (!window.complete && window.turns < MAX_TURNS) {
        emulator.resetCounts();
        const outcome = await runReconciliation({ client, store, schedule: firstSchedule, now: () => new Date(now()) }, [MAGIC_FROM_NUMBER], { force: true });
        window.turns += 1;
        window.calls.push(costOf(emulator).list + costOf(emulator).fetch);
        window.complete = outcome.report?.complete ?? false;
        advance(1000);
      }
      windows.set(size, window);
    } finally {
      await emulator.close();
    }
  }
  for (const size of sizes) {
    const n = size.toLocaleString('en-US');
    const turn = turns.get(size)!;
    const window = windows.get(size)!;
    metrics.push(
      { id: `reconcile.${size}.listCalls`, label: `turn, day of ${n} (${NEW_MESSAGES} new): Messages list calls`, unit: 'calls', value: summarize([turn.list]), note: turn.complete ? 'the turn completed' : 'the turn did NOT complete (not recorded: the next one repeats it)' },
      { id: `reconcile.${size}.listed`, label: `turn, day of ${n} (${NEW_MESSAGES} new): messages listed`, unit: 'count', value: summarize([turn.listed]), note: 'what the list calls carried (the day is listed newest first)' },
      { id: `reconcile.${size}.fetchCalls`, label: `turn, day of ${n} (${NEW_MESSAGES} new): Messages fetch calls`, unit: 'calls', value: summarize([turn.fetch]), note: 'GET Messages/{sid}: outbound messages the store holds unsettled' },
      {
        id: `reconcile.window.${size}.turns`,
        label: `first run over a window of ${n}: turns to complete`,
        unit: 'count',
        value: window.complete ? summarize([window.turns]) : null,
        note: window.complete ? `Messages API calls per turn: ${window.calls.join(', ')}` : `never: ${window.turns} turns of ${window.calls.join(', ')} calls each left it unfinished`,
      },
    );
  }
  const small = turns.get(sizes[0]!)!;
  const large = turns.get(sizes.at(-1)!)!;
  const largeWindow = windows.get(sizes.at(-1)!)!;
  const n = sizes.at(-1)!.toLocaleString('en-US');
  targets.push(
    { label: `turn with ${NEW_MESSAGES} new, day of ${n} against day of ${sizes[0]}`, goal: 'same Messages API calls, and complete', actual: `${large.list + large.fetch} vs ${small.list + small.fetch}${large.complete ? '' : ', incomplete'}`, met: large.complete && large.list + large.fetch <= small.list + small.fetch },
    { label: `first run over a window of ${n}`, goal: `completes (≤ ${MAX_TURNS} turns)`, actual: largeWindow.complete ? `${largeWindow.turns} turns` : 'never', met: largeWindow.complete },
  );
  const notes = [
    `Method: per size a fresh in-process emulator whose log holds that many inbound messages sent today (GMT; another number's of the account), then ${NEW_MESSAGES} new ones to our number; the state says the log was reconciled through 5 minutes before; one forced turn of lib/reconcile/run.ts, its Messages API requests counted by the emulator. Then a first run (24-hour look-back) over the same day, forced turn after turn until it completes (at most ${MAX_TURNS}). The emulator applies DateSent filters to whole GMT days.`,
  ];
  if (problems.length) notes.push(`Problems: ${problems.join('; ')}.`);
  return { name: 'reconcile-cost', title: TITLE, metrics, targets, notes };
}
