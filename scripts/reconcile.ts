/**
 * `npm run reconcile`: for operators, after an outage of the Functions or before the webhook was
 * set up. Reads Twilio's message log for the bridge's number(s) and stores what Sync lacks, the
 * same way the bridge's read tools do every RECONCILE_INTERVAL_SECONDS (lib/reconcile), but now,
 * whatever the interval, and from `--since` when given. Configured like the bridge (its
 * environment: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_SYNC_SERVICE_SID, the number).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../mcp-bridge/src/hosts/env-config';
import { runReconciliation } from '../lib/reconcile/run';
import { ReconcileSchedule } from '../lib/reconcile/schedule';
import { checkE164 } from '../lib/phone';
import { MessageStore } from '../lib/store/message-store';
import { SyncGateway } from '../lib/store/sync-gateway';
import { createTwilioClient } from '../lib/twilio-client';
import { describeFailure } from '../lib/twilio-errors';
import { type Io, runMain } from './script-io';

type Env = Readonly<Record<string, string | undefined>>;

export const RECONCILE_USAGE = `Usage: npm run reconcile [-- [--since <ISO 8601 time>] [--number <+E164>]…]

Stores the messages Twilio's log has and the Sync store lacks, and brings outbound statuses up
to date, for TWILIO_PHONE_NUMBER (or each --number, or TWILIO_MESSAGING_SERVICE_SID), reading
the same environment as the bridge. Without --since it continues from where the last run ended
(the bridge's own runs included), or the last 24 hours on the first run. Safe to run at any time
and as often as wanted: each message is stored once.`;

export type ReconcileCommand = { kind: 'run'; since?: Date; numbers: string[] } | { kind: 'help' } | { kind: 'error'; message: string };

export function parseReconcileArgs(argv: readonly string[]): ReconcileCommand {
  let values: { since?: string; number?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { since: { type: 'string' }, number: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    return { kind: 'error', message: `${error instanceof Error ? error.message : String(error)} (see --help)` };
  }
  if (values.help) return { kind: 'help' };
  let since: Date | undefined;
  if (values.since !== undefined) {
    since = new Date(values.since);
    if (Number.isNaN(since.getTime())) return { kind: 'error', message: `--since "${values.since}" is not a time: use ISO 8601, e.g. 2026-12-01T08:00:00Z.` };
  }
  const numbers: string[] = [];
  for (const raw of values.number ?? []) {
    const phone = checkE164(raw);
    if (!phone.ok) return { kind: 'error', message: `--number "${raw}" is not an E.164 number (e.g. +14155550100).` };
    numbers.push(phone.e164);
  }
  return { kind: 'run', numbers, ...(since ? { since } : {}) };
}

export async function runReconcile(argv: readonly string[], env: Env, io: Io): Promise<number> {
  const command = parseReconcileArgs(argv);
  if (command.kind === 'help') {
    io.out(RECONCILE_USAGE);
    return 0;
  }
  if (command.kind === 'error') {
    io.err(command.message);
    return 1;
  }
  const loaded = loadConfig(env as NodeJS.ProcessEnv);
  if (!loaded.ok) {
    io.err(`Nothing was changed: ${loaded.error}`);
    return 1;
  }
  const { config } = loaded;
  if (!config.syncServiceSid) {
    io.err('Nothing was changed: TWILIO_SYNC_SERVICE_SID is not set; reconciliation stores into that Sync service.');
    return 1;
  }
  const sources = command.numbers.length ? command.numbers : [config.sender.phoneNumber ?? config.sender.messagingServiceSid].filter((s): s is string => s !== undefined);
  if (sources.length === 0) {
    io.err('Nothing was changed: name the numbers to reconcile with --number (SMS_USER_NUMBERS gives no bridge-wide number).');
    return 1;
  }
  const client = createTwilioClient(config.credentials, { apiBaseUrl: config.apiBaseUrl });
  const sync = new SyncGateway(client, config.syncServiceSid, { ttlSeconds: config.syncTtlSeconds });
  const schedule = new ReconcileSchedule(sync, config.reconcileIntervalSeconds * 1000);
  try {
    const outcome = await runReconciliation(
      { client, store: new MessageStore(sync), schedule, now: () => new Date() },
      sources,
      { force: true, ...(command.since ? { since: command.since } : {}) },
    );
    // force: every source's turn is taken, so there is always a report.
    const r = outcome.report!;
    io.out(`Reconciled ${sources.join(', ')} from ${r.since.toISOString()}: ${r.listed} logged message(s) read in ${r.listCalls} Messages API call(s).`);
    io.out(`  stored ${r.stored} message(s) the store lacked; ${r.present} already stored; ${r.statusesUpdated} outbound status(es) brought up to date.`);
    if (r.failure !== undefined) {
      io.err(`  stopped early: ${describeFailure(r.failure)}. Run it again: what is stored stays stored, once.`);
      return 1;
    }
    if (!r.complete) io.out('  more messages than one run reads: its progress is recorded, run it again to go on.');
    return 0;
  } catch (error) {
    io.err(`Reconciliation failed: ${describeFailure(error)}. Run it again: nothing is stored twice.`);
    return 1;
  }
}

/** The bundle's entry (build/scripts/reconcile.js) calls this; importing the module starts nothing. */
export function run(): void {
  runMain('Reconciliation', runReconcile);
}
