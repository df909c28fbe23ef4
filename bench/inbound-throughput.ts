/**
 * 5. Inbound throughput: signed incoming-message webhooks posted to the Functions under the real
 * `twilio-run start --no-fork-process`, the emulator ENFORCING Sync's per-object limits (20/s,
 * 10 s burst window). (a) one conversation, (b) 100 conversations at once. Afterwards every thread
 * is read back: messages lost and duplicated are counted, and must both be 0.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import twilio from 'twilio';
import { conversationIdFor } from '../lib/conversation-id';
import { MessageStore } from '../lib/store/message-store';
import { SyncGateway } from '../lib/store/sync-gateway';
import { inboxShardFor, sidMapName, threadListName } from '../lib/sync-names';
import { createTwilioClient } from '../lib/twilio-client';
import { DEFAULT_SYNC_LIMITS, type Emulator, startEmulator } from '../emulator';
import { type BenchOptions, errorText, handset, messageSid, MAGIC_FROM_NUMBER, pool } from './common';
import type { Metric, SectionResult, Target } from './report';
import { startFunctions } from '../scripts/system/functions-process';
import { type Figure, ratio, single, sleep, summarize } from './stats';

interface Phase {
  key: 'one' | 'hundred' | 'live';
  label: string;
  conversations: number;
  messages: number;
  /** twilio-run's default --live (require cache cleared per request), as `npm run dev` runs it (scripts/system/functions-process.ts defaults to --no-live). */
  live: boolean;
}

interface Attempt {
  status: number | null;
  ms: number;
  error?: string;
}

interface Delivery {
  sid: string;
  from: string;
  attempts: Attempt[];
  acknowledgedAt: number | null;
}

/** Twilio-like delivery: on 5xx, timeout or connection error the same webhook is retried. */
const RETRY_DELAY_MS = 1000;
const MAX_ATTEMPTS = 4;
const CONCURRENCY = 10;

/** Busy and total jiffies of all CPUs (/proc/stat), to tell a machine-bound run from a limit-bound one. */
function cpuTimes(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

function objectKind(path: string): string {
  if (/\/Maps\/sids_/.test(path)) return 'sid map';
  if (/\/Lists\/thread_/.test(path)) return 'thread list';
  if (/\/Maps\/inbox_/.test(path)) return 'inbox shard';
  return 'other';
}

async function postWebhook(url: string, params: Record<string, string>, signature: string): Promise<Attempt> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature, 'User-Agent': 'TwilioProxy/1.1' },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(15_000), // Twilio gives a webhook 15 s
    });
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - started };
  } catch (error) {
    return { status: null, ms: performance.now() - started, error: errorText(error) };
  }
}

interface PhaseResult {
  phase: Phase;
  posted: number;
  elapsedMs: number;
  acknowledged: number;
  rate: Figure;
  lateRate: number;
  latency: Figure | null;
  firstAttemptFailures: number;
  retries: number;
  lost: number;
  lostAcknowledged: number;
  /** Stored in the thread although no attempt was acknowledged (Twilio logs 11200 for them). */
  storedUnacknowledged: number;
  duplicated: number;
  inboxMismatches: string[];
  /** Messages by which inbox entries' messageCount differ from their threads, summed. */
  inboxDrift: number;
  syncCallsPerMessage: number;
  /** If-Match conflicts (412) answered: concurrent read-modify-writes of one item. */
  conflicts: number;
  throttled: Map<string, number>;
  /** Every attempt's answer: "200 ×990, 500 ×10". */
  answers: string;
  cpuBusy: number | null;
  ceiling: string;
  ceilingRate: number;
  /** One line per lost or duplicated message. */
  details: string[];
}

async function runPhase(phase: Phase, options: BenchOptions, phaseIndex: number, deadlineMs: number): Promise<PhaseResult> {
  const emulator: Emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER], syncLimits: DEFAULT_SYNC_LIMITS });
  const serviceSid = emulator.createSyncService('bench-inbound');
  const functions = await startFunctions({ ACCOUNT_SID: emulator.accountSid, AUTH_TOKEN: emulator.authToken, SYNC_SERVICE_SID: serviceSid, TWILIO_API_BASE_URL: emulator.url }, { live: phase.live });
  try {
    const url = `${functions.url}/sms/incoming`;
    const params = (sid: string, from: string, body: string) => ({
      ToCountry: 'US', SmsMessageSid: sid, NumMedia: '0', SmsSid: sid, SmsStatus: 'received', Body: body, FromCountry: 'US',
      To: MAGIC_FROM_NUMBER, NumSegments: '1', MessageSid: sid, AccountSid: emulator.accountSid, From: from, ApiVersion: '2010-04-01',
    });
    const deliver = async (delivery: Delivery, body: string) => {
      const p = params(delivery.sid, delivery.from, body);
      const signature = twilio.getExpectedTwilioSignature(emulator.authToken, url, p);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        if (attempt > 0) await sleep(RETRY_DELAY_MS);
        const result = await postWebhook(url, p, signature);
        delivery.attempts.push(result);
        if (result.status !== null && result.status >= 200 && result.status < 300) {
          delivery.acknowledgedAt = performance.now();
          return;
        }
        if (result.status !== null && result.status < 500) return; // Twilio does not retry a 4xx
      }
    };
    // Warm-up: the Function's first invocation loads its bundle (a separate number, not verified).
    await deliver({ sid: messageSid(0xfff0 + phaseIndex, 0), from: handset(9999, 6), attempts: [], acknowledgedAt: null }, 'warm-up');

    const senders = Array.from({ length: phase.conversations }, (_, i) => handset(i, 6 + phaseIndex));
    const deliveries: Delivery[] = Array.from({ length: phase.messages }, (_, i) => ({ sid: messageSid(phaseIndex + 1, i), from: senders[i % senders.length]!, attempts: [], acknowledgedAt: null }));
    options.log(`inbound throughput: ${phase.label}: ${phase.messages} webhooks, ${CONCURRENCY} in flight`);
    emulator.resetCounts();
    const cpuBefore = cpuTimes();
    const started = performance.now();
    const posted = await pool(deliveries.length, CONCURRENCY, (i) => deliver(deliveries[i]!, `message ${i}`), started + deadlineMs);
    const elapsedMs = performance.now() - started;
    const cpuAfter = cpuTimes();
    const requests = emulator.requests();

    // Read every thread back (the reads go through the same rate limits; the gateway retries 429s).
    const client = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url });
    const sync = new SyncGateway(client, serviceSid);
    const store = new MessageStore(sync);
    const seen = new Map<string, number>();
    /** Where each sid's copies are in its thread (for the report of a duplicate). */
    const indices = new Map<string, number[]>();
    const inboxMismatches: string[] = [];
    let inboxDrift = 0;
    for (const sender of senders) {
      const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, sender);
      let stored = 0;
      let from: number | undefined;
      for (;;) {
        const page = await sync.listPage<{ sid?: string }>(threadListName(conversationId), { order: 'asc', pageSize: 100, ...(from !== undefined ? { from, bounds: 'exclusive' as const } : {}) });
        for (const item of page.items) {
          const sid = item.data.sid ?? '';
          seen.set(sid, (seen.get(sid) ?? 0) + 1);
          indices.set(sid, [...(indices.get(sid) ?? []), item.index]);
          stored++;
        }
        const last = page.items.at(-1);
        if (!page.hasMore || !last) break;
        from = last.index;
      }
      const entry = await store.conversation(conversationId);
      if (stored > 0 && entry?.entry.messageCount !== stored) {
        inboxMismatches.push(`inbox messageCount ${entry?.entry.messageCount ?? 'missing'} vs ${stored} in the thread`);
        inboxDrift += Math.abs(stored - (entry?.entry.messageCount ?? 0));
      }
    }
    const attempted = deliveries.slice(0, posted);
    const lost = attempted.filter((d) => !seen.has(d.sid));
    const acknowledged = attempted.filter((d) => d.acknowledgedAt !== null);
    const throttled = new Map<string, number>();
    for (const request of requests.filter((r) => r.status === 429)) throttled.set(objectKind(request.path), (throttled.get(objectKind(request.path)) ?? 0) + 1);

    // Acknowledged messages per second, over the whole phase and over its second half (after the burst window).
    const ackTimes = acknowledged.map((d) => d.acknowledgedAt! - started).sort((a, b) => a - b);
    const half = elapsedMs / 2;
    const lateRate = (ackTimes.filter((t) => t >= half).length / (elapsedMs - half)) * 1000;
    const latencies = attempted.flatMap((d) => d.attempts.filter((a) => a.status !== null).map((a) => a.ms));

    // What Sync's per-object limits allow at most, sustained, for this spread of conversations.
    const limit = DEFAULT_SYNC_LIMITS.perObjectPerSecond;
    const perShard = new Map<string, number>();
    for (const d of attempted) perShard.set(inboxShardFor(conversationIdFor(MAGIC_FROM_NUMBER, d.from)), (perShard.get(inboxShardFor(conversationIdFor(MAGIC_FROM_NUMBER, d.from))) ?? 0) + 1);
    const busiestShare = Math.max(...perShard.values()) / Math.max(1, attempted.length);
    const busiestConversationShare = 1 / phase.conversations;
    const ceilingBySidMap = limit / 2 / busiestConversationShare;
    const ceilingByShard = limit / busiestShare;
    const ceiling =
      ceilingBySidMap <= ceilingByShard
        ? `Sync ceiling ≈ ${ceilingBySidMap.toFixed(0)} msg/s sustained: each message makes 2 writes on its conversation's sid map (claim, done) at ${limit}/s per object, after a ${DEFAULT_SYNC_LIMITS.windowSeconds} s burst`
        : `Sync ceiling ≈ ${ceilingByShard.toFixed(0)} msg/s sustained: each message reads and writes its conversation's inbox shard; the busiest of the 8 shards takes ${(busiestShare * 100).toFixed(0)}% of the messages at ${limit} writes/s`;

    // Each lost or duplicated message: its attempts (answer and duration) and its copies' indices,
    // and the claim (its sid map item) it left: what tells one failure mode from another.
    const odd = attempted.filter((d) => !seen.has(d.sid) || (seen.get(d.sid) ?? 0) > 1);
    const details = await Promise.all(
      odd.map(async (d) => {
        const claim = await sync.mapGet(sidMapName(conversationIdFor(MAGIC_FROM_NUMBER, d.from)), d.sid).catch(() => null);
        const attempts = d.attempts.map((a) => `${a.status ?? a.error ?? '?'} in ${Math.round(a.ms)} ms`).join(', ');
        return `${d.sid}: attempts ${attempts}; thread indices [${(indices.get(d.sid) ?? []).join(', ')}]; claim ${JSON.stringify(claim?.data ?? null)}`;
      }),
    );
    const answerCounts = new Map<string, number>();
    for (const attempt of attempted.flatMap((d) => d.attempts)) {
      const key = attempt.status === null ? `no answer (${attempt.error ?? '?'})` : String(attempt.status);
      answerCounts.set(key, (answerCounts.get(key) ?? 0) + 1);
    }
    return {
      phase,
      posted,
      answers: [...answerCounts].sort().map(([key, count]) => `${key} ×${count}`).join(', '),
      elapsedMs,
      acknowledged: acknowledged.length,
      rate: single((acknowledged.length / elapsedMs) * 1000),
      lateRate,
      latency: latencies.length ? summarize(latencies, { p99: true }) : null,
      firstAttemptFailures: attempted.filter((d) => d.attempts[0]?.status === null || (d.attempts[0]?.status ?? 0) >= 500).length,
      retries: attempted.reduce((n, d) => n + Math.max(0, d.attempts.length - 1), 0),
      lost: lost.length,
      lostAcknowledged: lost.filter((d) => d.acknowledgedAt !== null).length,
      storedUnacknowledged: attempted.filter((d) => d.acknowledgedAt === null && seen.has(d.sid)).length,
      duplicated: [...seen.values()].reduce((n, count) => n + Math.max(0, count - 1), 0),
      inboxMismatches,
      inboxDrift,
      syncCallsPerMessage: requests.filter((r) => r.product === 'sync').length / Math.max(1, posted),
      conflicts: requests.filter((r) => r.status === 412).length,
      throttled,
      cpuBusy: cpuBefore && cpuAfter ? ((cpuAfter.busy - cpuBefore.busy) / Math.max(1, cpuAfter.total - cpuBefore.total)) * 100 : null,
      ceiling,
      ceilingRate: Math.min(ceilingBySidMap, ceilingByShard),
      details,
    };
  } finally {
    await functions.close();
    await emulator.close();
  }
}

export async function runInboundThroughput(options: BenchOptions): Promise<Omit<SectionResult, 'seconds'>> {
  const phases: Phase[] = options.quick
    ? [
        { key: 'one', label: '(a) 1 conversation', conversations: 1, messages: 20, live: false },
        { key: 'hundred', label: '(b) 100 conversations', conversations: 100, messages: 20, live: false },
        { key: 'live', label: '(c) 100 conversations, --live', conversations: 100, messages: 10, live: true },
      ]
    : [
        { key: 'one', label: '(a) 1 conversation', conversations: 1, messages: 300, live: false },
        { key: 'hundred', label: '(b) 100 conversations', conversations: 100, messages: 1000, live: false },
        { key: 'live', label: '(c) 100 conversations, --live', conversations: 100, messages: 200, live: true },
      ];
  // INBOUND_PHASES=one,hundred: only those cases (a look at one of them without the others).
  const only = process.env.INBOUND_PHASES?.split(',');
  if (only) phases.splice(0, phases.length, ...phases.filter((phase) => only.includes(phase.key)));
  const deadlineMs = options.quick ? 30_000 : 120_000;
  const metrics: Metric[] = [];
  const targets: Target[] = [];
  const notes: string[] = [
    `Method: for each case a fresh emulator (Sync limits ${DEFAULT_SYNC_LIMITS.perObjectPerSecond}/s per object, ${DEFAULT_SYNC_LIMITS.windowSeconds} s window) and Functions under twilio-run start --no-fork-process --no-live ((c): twilio-run's default --live, as npm run dev runs it (the sandbox and the tests run --no-live): twilio-run then clears the whole require cache before every request, so each webhook re-loads the Function bundle and twilio-node — a development-server cost a warm deployed Function does not pay); signed webhooks (twilio.getExpectedTwilioSignature) posted with fetch, ${CONCURRENCY} in flight, distinct MessageSids round-robin over the conversations; a 5xx, timeout or connection error is retried with the same MessageSid (up to ${MAX_ATTEMPTS} attempts, ${RETRY_DELAY_MS / 1000} s apart; real Twilio retries only with connection overrides on the URL, otherwise it calls the fallback URL once). Rate = acknowledged (2xx) messages / wall time from the first post to the last answer. Latency is per HTTP attempt. Afterwards every thread is read back: lost = posted but not in its thread; duplicated = extra copies of a MessageSid; the inbox entry's messageCount is compared with the thread length. On ${os.cpus().length} cores, the emulator and the load generator share this process; twilio-run is one more process.`,
  ];
  const rates = new Map<Phase['key'], Figure>();
  for (const [index, phase] of phases.entries()) {
    const r = await runPhase(phase, options, index, deadlineMs);
    rates.set(phase.key, r.rate);
    const k = `inbound.${phase.key}`;
    const throttledTotal = [...r.throttled.values()].reduce((a, b) => a + b, 0);
    const throttledText = [...r.throttled].map(([kind, count]) => `${kind} ${count}`).join(', ');
    const bound = throttledTotal > 0
      ? `Sync per-object limits (${throttledTotal} × 429 answered: ${throttledText}; the store retried them with backoff)`
      : `the machine (no 429 from Sync; CPU busy ${r.cpuBusy === null ? '?' : `${r.cpuBusy.toFixed(0)}%`} of ${os.cpus().length} cores)`;
    metrics.push(
      { id: `${k}.rate`, label: `${phase.label}: rate`, unit: 'msg/s', value: r.rate, note: `${r.acknowledged}/${r.posted} acknowledged in ${(r.elapsedMs / 1000).toFixed(1)} s; second half of the run: ${r.lateRate.toFixed(1)} msg/s; answers: ${r.answers}` },
      { id: `${k}.latency`, label: `${phase.label}: webhook latency p50 (p99)`, unit: 'ms', value: r.latency },
      { id: `${k}.lost`, label: `${phase.label}: messages lost`, unit: 'count', value: single(r.lost), note: `${r.lostAcknowledged ? `${r.lostAcknowledged} of them were answered 2xx!` : 'none acknowledged and missing'}; ${r.storedUnacknowledged} stored although never acknowledged` },
      { id: `${k}.duplicated`, label: `${phase.label}: messages duplicated`, unit: 'count', value: single(r.duplicated) },
      { id: `${k}.inboxDrift`, label: `${phase.label}: inbox count off by`, unit: 'count', value: single(r.inboxDrift), note: r.inboxMismatches.length ? r.inboxMismatches.slice(0, 2).join('; ') : 'every inbox messageCount equals its thread length' },
      { id: `${k}.firstAttemptFailures`, label: `${phase.label}: 5xx/timeout at first try`, unit: 'count', value: single(r.firstAttemptFailures), note: `${r.retries} retries in all` },
      { id: `${k}.syncCallsPerMessage`, label: `${phase.label}: Sync calls per message`, unit: 'calls', value: single(r.syncCallsPerMessage), note: `5 for an existing conversation without contention; here incl. ${throttledTotal} × 429 retried and ${r.conflicts} × 412 If-Match conflicts re-read and rewritten` },
      { id: `${k}.throttled`, label: `${phase.label}: Sync 429 answers`, unit: 'count', value: single(throttledTotal), note: throttledText || 'none' },
      { id: `${k}.cpu`, label: `${phase.label}: CPU busy`, unit: '%', value: r.cpuBusy === null ? null : single(r.cpuBusy), note: `all ${os.cpus().length} cores, from /proc/stat` },
    );
    for (const line of r.details) notes.push(`${phase.label}: lost or duplicated: ${line}`);
    if (r.inboxMismatches.length) notes.push(`${phase.label}: ${r.inboxMismatches.length} conversation(s) whose inbox entry disagrees with its thread (${r.inboxMismatches.slice(0, 3).join('; ')}): unread counts and list_conversations are off for them.`);
    const withinBurst = r.elapsedMs / 1000 <= DEFAULT_SYNC_LIMITS.windowSeconds && r.rate.median > r.ceilingRate ? ` The run fit inside one ${DEFAULT_SYNC_LIMITS.windowSeconds} s burst window, so that ceiling was not reached; a longer burst at this rate would meet it.` : '';
    notes.push(`${phase.label}: bound by ${bound}. ${r.ceiling}.${withinBurst}`);
    targets.push({ label: `inbound ${phase.label}: lost and duplicated`, goal: '0 and 0', actual: `${r.lost} and ${r.duplicated}${r.lost ? ` (${r.lost - r.lostAcknowledged} never acknowledged: not acknowledged after ${MAX_ATTEMPTS} attempts; ${r.lostAcknowledged} acknowledged and missing)` : ''}`, met: r.lost === 0 && r.duplicated === 0 });
  }
  const warm = rates.get('hundred');
  const live = rates.get('live');
  if (warm && live) {
    metrics.push({ id: 'inbound.liveRatio', label: '(b) / (c): what twilio-run --live costs locally', unit: '×', value: ratio(warm, live), note: 'same 100 conversations; only the require-cache clearing differs' });
  }
  return { name: 'inbound-throughput', title: '5. Inbound throughput', metrics, targets, notes };
}
