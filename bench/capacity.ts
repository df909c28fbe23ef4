/**
 * 10. Capacity (issue 27): how many LibreChat users and incoming messages per second one Sync
 * service carries. Simulated users, each a bridge scope of the team shape (SMS_USER +
 * SMS_USER_NUMBERS, its own Twilio number, its own named-reader cursors), poll `receive_sms {}`
 * every 10 s, and the users send at a set rate, each send followed by `wait_for_reply` on that
 * conversation, while handsets text the users' numbers at a set rate through the real Functions
 * (`twilio-run start`) and the emulator, with Sync's limits on (20 reads and 20 writes per second
 * per object, 10 s burst) and a 50 ms round trip on every Twilio answer.
 *
 * The users are in-process: each one its own createShared + createDeps + createServer (its own
 * Twilio client, Sync gateway, guard and store: nothing shared, as in one process per user),
 * connected through its result delivery as hosts/stdio.ts connects, driven by the MCP SDK's
 * Client over InMemoryTransport. Their Twilio calls go over HTTP to the emulator like a real
 * bridge's. One process holds them all, so a cell whose event-loop delay is high is bound by
 * this 2-core machine, not by Sync: the section prints that delay.
 *
 * A cell measures a steady state: its users first receive once (the clock skipping Sync's
 * windows), then the load runs WARMUP_SECONDS unmeasured, so that the periodic reads of each
 * user (lib/store/news.ts) and its reconciliation turns are spread as they are after a while,
 * then the measured seconds.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { conversationIdFor } from '../lib/conversation-id';
import { createTwilioClient } from '../lib/twilio-client';
import { loadConfig } from '../mcp-bridge/src/hosts/env-config';
import { processHost } from '../mcp-bridge/src/hosts/process-host';
import { createLogger } from '../mcp-bridge/src/hosts/stderr-logger';
import { createServer } from '../mcp-bridge/src/server/create-server';
import { createDeps, createShared } from '../mcp-bridge/src/server/deps';
import { startEmulator, type Emulator, type RecordedRequest } from '../emulator';
import { startFunctions, type FunctionsProcess } from '../scripts/system/functions-process';
import { type BenchOptions, errorText, handset, pool, UNREACHED_SEND_LIMITS } from './common';
import type { Metric, SectionResult, Target } from './report';
import { formatNumber, percentile, single, sleep } from './stats';

export const TITLE = '10. Capacity: users and messages one Sync service carries';
const RTT_MS = 50;
const POLL_SECONDS = 10;
const LATE_MS = 2000;
const WAIT_SECONDS = 10;
/** Longer than a reader's sweep period (news.ts FULL_READ_EVERY_MS), so its sweeps are spread as in a steady state; its full reads (every 5–10 min) fall outside a cell. */
const WARMUP_SECONDS = 65;
const SENDS_PER_SECOND = 2;
const HANDSETS_PER_USER = 2;
const TOOLS = ['receive_sms', 'send_sms', 'wait_for_reply'] as const;
type Tool = (typeof TOOLS)[number];

/** Our numbers come from block 8 of bench handsets, the people texting from block 9. */
const ourNumber = (user: number) => handset(user, 8);
const theirNumber = (user: number, h: number) => handset(user * HANDSETS_PER_USER + h, 9);

interface SimUser {
  index: number;
  number: string;
  client: Client;
  busy: boolean;
}

interface Cell {
  users: number;
  inboundPerSecond: number;
  seconds: number;
  calls: Record<Tool, { ms: number[]; failed: number; late: number }>;
  webhooks: { sent: number; failed: number; firstAttemptFailed: number };
  handedTwice: number;
  lost: number;
  sync429: number;
  syncRequests: number;
  /** 429s by object class ("inbox_<n>", "cursors_<reader>_<n>", ...). */
  throttledBy: Map<string, number>;
  /** The busiest single object of each class and kind: its most operations in one 10 s window, /10. */
  peak: { object: string; kind: 'read' | 'write'; perSecond: number }[];
  loopDelayP99Ms: number;
}

/** The Sync object a request touched, and its class (per-conversation and per-reader names folded). */
function objectOf(request: RecordedRequest): { name: string; klass: string } | null {
  if (request.product !== 'sync') return null;
  const match = /\/(Maps|Lists|Documents)\/([^/]+)/.exec(request.path);
  if (!match) return null;
  const name = decodeURIComponent(match[2]!);
  const klass = name
    .replace(/^thread_.*/, 'thread_<conversation>')
    .replace(/^sids_.*/, 'sids_<conversation>')
    .replace(/^cursors_[0-9a-f]+_(\d+)$/, 'cursors_<reader>_$1')
    .replace(/^sent_.*/, 'sent_<sender>')
    .replace(/^marks_[0-9a-f]+_(\d)$/, 'marks_<number>_$1');
  return { name, klass };
}

function analyse(requests: readonly RecordedRequest[]): Pick<Cell, 'sync429' | 'syncRequests' | 'throttledBy' | 'peak'> {
  const throttledBy = new Map<string, number>();
  // Operations per object and kind in 10 s windows (the emulator's burst window), accepted ones only.
  const windows = new Map<string, Map<number, number>>();
  let sync429 = 0;
  let syncRequests = 0;
  for (const request of requests) {
    const object = objectOf(request);
    if (!object) continue;
    syncRequests++;
    if (request.status === 429) {
      sync429++;
      throttledBy.set(object.klass, (throttledBy.get(object.klass) ?? 0) + 1);
      continue;
    }
    const kind = request.method === 'GET' ? 'read' : 'write';
    const key = `${kind} ${object.name}`;
    const slot = Math.floor(request.arrivedAt / 10_000);
    const counts = windows.get(key) ?? new Map<number, number>();
    counts.set(slot, (counts.get(slot) ?? 0) + 1);
    windows.set(key, counts);
  }
  const busiest = new Map<string, { object: string; kind: 'read' | 'write'; perSecond: number }>();
  for (const [key, counts] of windows) {
    const [kind, name] = key.split(' ') as ['read' | 'write', string];
    const klass = objectOf({ product: 'sync', path: `/Maps/${name}` } as RecordedRequest)!.klass.replace(/_\d+$/, '_<n>');
    const perSecond = Math.max(...counts.values()) / 10;
    const id = `${kind} ${klass}`;
    if ((busiest.get(id)?.perSecond ?? -1) < perSecond) busiest.set(id, { object: name, kind, perSecond });
  }
  const peak = [...busiest.values()].sort((a, b) => b.perSecond - a.perSecond).slice(0, 4);
  return { sync429, syncRequests, throttledBy, peak };
}

function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((part) => part.text ?? '').join('\n');
}

function handedSids(result: unknown): string[] {
  const structured = (result as { structuredContent?: { messages?: { sid: string }[] } }).structuredContent;
  return (structured?.messages ?? []).map((message) => message.sid);
}

export async function runCapacity(options: BenchOptions): Promise<Omit<SectionResult, 'seconds'>> {
  const fromEnv = (name: string) => process.env[name]?.split(',').map(Number);
  const userCounts = fromEnv('CAPACITY_USERS') ?? (options.quick ? [10, 200] : [10, 50, 200, 500]);
  const rates = fromEnv('CAPACITY_RATES') ?? (options.quick ? [10] : [1, 10, 50]);
  const seconds = fromEnv('CAPACITY_SECONDS')?.[0] ?? (options.quick ? 15 : 30);
  const warmup = fromEnv('CAPACITY_WARMUP')?.[0] ?? (options.quick ? 5 : WARMUP_SECONDS);
  const maxUsers = Math.max(...userCounts);
  const notes: string[] = [];

  const emulator: Emulator = await startEmulator({ phoneNumbers: Array.from({ length: maxUsers }, (_, i) => ourNumber(i)), deliveryStepMs: 100 });
  const closers: (() => Promise<unknown>)[] = [() => emulator.close()];
  const users: SimUser[] = [];
  try {
    const twilio = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url });
    const serviceSid = emulator.createSyncService('bench-capacity');
    const functions: FunctionsProcess = await startFunctions(
      { ACCOUNT_SID: emulator.accountSid, AUTH_TOKEN: emulator.authToken, SYNC_SERVICE_SID: serviceSid, TWILIO_API_BASE_URL: emulator.url },
      { live: false },
    );
    closers.unshift(() => functions.close());
    const webhook = `${functions.url}/sms/incoming`;
    // As `npm run setup` wires a number: the fallback URL is the webhook too (a second attempt).
    for (const number of await twilio.incomingPhoneNumbers.list({ pageSize: 1000 })) {
      await twilio.incomingPhoneNumbers(number.sid).update({ smsUrl: webhook, smsMethod: 'POST', smsFallbackUrl: webhook, smsFallbackMethod: 'POST' });
    }

    const userNumbers = Array.from({ length: maxUsers }, (_, i) => `user${i}@bench.example=${ourNumber(i)}`).join(',');
    const quiet = createLogger({ logPii: false, write: () => undefined });
    for (let i = 0; i < maxUsers; i++) {
      const loaded = loadConfig({
        TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: emulator.authToken, TWILIO_SYNC_SERVICE_SID: serviceSid, TWILIO_API_BASE_URL: emulator.url,
        SMS_USER: `user${i}@bench.example`, SMS_USER_NUMBERS: userNumbers, SEND_WAIT_SECONDS: '0', STATUS_CALLBACK_BASE_URL: '', ...UNREACHED_SEND_LIMITS,
        ...(process.env.CAPACITY_RECONCILE !== undefined ? { RECONCILE_INTERVAL_SECONDS: process.env.CAPACITY_RECONCILE } : {}),
      });
      if (!loaded.ok) throw new Error(`user ${i}: ${loaded.error}`);
      const deps = createDeps(loaded.config, quiet, createShared(loaded.config, quiet, processHost(loaded.config, quiet)));
      const server = createServer(deps);
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      // As hosts/stdio.ts connects: results written are recorded delivered (else every handover
      // would be given back at its deadline, the client's timeout + 5 s, and handed over again).
      await server.connect(deps.delivery.wrap(serverSide));
      const client = new Client({ name: `bench-user-${i}`, version: '1.0.0' });
      await client.connect(clientSide);
      closers.unshift(() => client.close());
      users.push({ index: i, number: ourNumber(i), client, busy: false });
    }

    // Each user's conversations exist before the clock starts: one message from each handset,
    // stored at full speed (no latency; the emulator's clock skips ahead so its limits never wait).
    let seeded = 0;
    await pool(maxUsers * HANDSETS_PER_USER, 20, async (i) => {
      const user = Math.floor(i / HANDSETS_PER_USER);
      await emulator.simulateInbound({ from: theirNumber(user, i % HANDSETS_PER_USER), to: ourNumber(user), body: 'hello' });
      if (++seeded % 100 === 0) emulator.advanceTime(10_000);
    });
    emulator.advanceTime(10_000);

    const cells: Cell[] = [];
    for (const userCount of userCounts) {
      for (const inboundPerSecond of rates) {
        options.log(`capacity: ${userCount} users, ${inboundPerSecond} inbound/s, ${SENDS_PER_SECOND} sends/s for ${warmup} s + ${seconds} s`);
        cells.push(await runCell(emulator, users.slice(0, userCount), inboundPerSecond, warmup, seconds));
        emulator.setLatency(undefined);
        emulator.advanceTime(10_000);
      }
    }

    return summarizeCells(cells, warmup, seconds, notes);
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}

/**
 * Every user receives once, the emulator's clock skipping Sync's windows so that this costs no
 * limit: before a cell (users idle since the seeding or an earlier cell would otherwise all make
 * their periodic full read in its first seconds, a herd that real users do not form), and after
 * it, to check that each stored message was handed over exactly once.
 */
async function receiveOnceEach(emulator: Emulator, users: SimUser[], call: (user: SimUser) => Promise<unknown>): Promise<void> {
  emulator.setLatency(undefined);
  await pool(users.length, 10, async (i) => {
    await call(users[i]!);
    if (i % 20 === 19) emulator.advanceTime(10_000);
  });
  emulator.advanceTime(10_000);
}

async function runCell(emulator: Emulator, users: SimUser[], inboundPerSecond: number, warmupSeconds: number, seconds: number): Promise<Cell> {
  const calls: Cell['calls'] = { receive_sms: { ms: [], failed: 0, late: 0 }, send_sms: { ms: [], failed: 0, late: 0 }, wait_for_reply: { ms: [], failed: 0, late: 0 } };
  const webhooks = { sent: 0, failed: 0, firstAttemptFailed: 0 };
  const handed = new Map<string, number>();
  const stored = new Set<string>();
  const inFlight = new Set<Promise<unknown>>();
  const track = (promise: Promise<unknown>) => {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
  };
  // Calls and webhooks count from the end of the warm-up; what is handed over counts from the prime.
  let measuring = false;
  const call = async (user: SimUser, tool: Tool, args: Record<string, unknown>, allowedMs: number): Promise<unknown> => {
    const counted = measuring;
    const started = performance.now();
    try {
      const result = await user.client.callTool({ name: tool, arguments: args }, undefined, { timeout: 60_000 });
      const ms = performance.now() - started;
      for (const sid of handedSids(result)) handed.set(sid, (handed.get(sid) ?? 0) + 1);
      if (!counted) return result;
      calls[tool].ms.push(ms);
      if (result.isError) {
        calls[tool].failed++;
        if (calls[tool].failed <= 2) process.stderr.write(`[bench] capacity: ${tool} failed: ${textOf(result).slice(0, 300)}\n`);
      } else if (ms > allowedMs) calls[tool].late++;
      return result;
    } catch (error) {
      if (!counted) return null;
      calls[tool].ms.push(performance.now() - started);
      calls[tool].failed++;
      if (calls[tool].failed <= 2) process.stderr.write(`[bench] capacity: ${tool} threw: ${errorText(error)}\n`);
      return null;
    }
  };

  await receiveOnceEach(emulator, users, (user) => call(user, 'receive_sms', {}, Number.POSITIVE_INFINITY));

  emulator.setLatency(RTT_MS);
  const loop = monitorEventLoopDelay({ resolution: 20 });
  const started = performance.now();
  const measureFrom = started + warmupSeconds * 1000;
  const end = measureFrom + seconds * 1000;
  track((async () => {
    await sleep(measureFrom - performance.now());
    measuring = true;
    emulator.resetCounts();
    loop.enable();
  })());
  let message = 0;

  // Pollers: every user every POLL_SECONDS, at a random phase.
  for (const user of users) {
    track((async () => {
      await sleep(Math.random() * POLL_SECONDS * 1000);
      for (let next = performance.now(); next < end; next += POLL_SECONDS * 1000) {
        await sleep(Math.max(0, next - performance.now()));
        if (performance.now() >= end) break;
        await call(user, 'receive_sms', {}, LATE_MS);
      }
    })());
  }
  // Handsets text random users' numbers at the set rate.
  track((async () => {
    for (let i = 0, next = performance.now(); next < end; i++, next += 1000 / inboundPerSecond) {
      await sleep(Math.max(0, next - performance.now()));
      const user = users[Math.floor(Math.random() * users.length)]!;
      const from = theirNumber(user.index, Math.floor(Math.random() * HANDSETS_PER_USER));
      const counted = measuring;
      if (counted) webhooks.sent++;
      track(emulator.simulateInbound({ from, to: user.number, body: `capacity ${++message}` }).then((result) => {
        if (result.delivered) stored.add(result.messageSid);
        if (!counted) return;
        if (!result.delivered) webhooks.failed++;
        if (result.attempts[0]?.status !== 200) webhooks.firstAttemptFailed++;
      }, () => { if (counted) webhooks.failed++; }));
    }
  })());
  // Sends at the set rate, each by a random idle user, then its wait for the reply.
  track((async () => {
    for (let next = performance.now(); next < end; next += 1000 / SENDS_PER_SECOND) {
      await sleep(Math.max(0, next - performance.now()));
      const idle = users.filter((user) => !user.busy);
      const user = idle[Math.floor(Math.random() * idle.length)];
      if (!user) continue;
      user.busy = true;
      const to = theirNumber(user.index, Math.floor(Math.random() * HANDSETS_PER_USER));
      track((async () => {
        const sent = await call(user, 'send_sms', { to, body: `capacity send ${++message} ${Date.now()}` }, LATE_MS);
        if (sent && !(sent as { isError?: boolean }).isError) {
          await call(user, 'wait_for_reply', { conversationId: conversationIdFor(user.number, to), timeoutSeconds: WAIT_SECONDS }, WAIT_SECONDS * 1000 + LATE_MS);
        }
        user.busy = false;
      })());
    }
  })());
  while (inFlight.size > 0) await Promise.race([...inFlight]);
  loop.disable();
  const measured = analyse(emulator.requests());
  if (process.env.CAPACITY_DEBUG) {
    const shapes = new Map<string, number>();
    for (const r of emulator.requests()) {
      const shape = `${r.method} ${r.status === 429 ? '429 ' : ''}${r.path.replace(/\/v1\/Services\/IS[0-9a-f]+/, '').replace(/conv_[0-9a-f]+/g, 'conv_*').replace(/cursors_[0-9a-f]+_/g, 'cursors_*_').replace(/sids_conv_\*|thread_conv_\*/g, (m) => m).replace(/SM[0-9a-f]{32}/g, 'SM*').replace(/\/Items\/[^/]+$/, '/Items/<key>')}`;
      shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
    }
    process.stderr.write([...shapes].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, n]) => `${n}\t${k}`).join('\n') + '\n');
  }

  // Drain, not measured.
  measuring = false;
  await receiveOnceEach(emulator, users, (user) => call(user, 'receive_sms', {}, Number.POSITIVE_INFINITY));
  const lost = [...stored].filter((sid) => !handed.has(sid)).length;
  const handedTwice = [...handed.values()].filter((n) => n > 1).length;
  return { users: users.length, inboundPerSecond, seconds, calls, webhooks, handedTwice, lost, ...measured, loopDelayP99Ms: loop.percentile(99) / 1e6 };
}

function visibleFailures(cell: Cell): number {
  return TOOLS.reduce((n, tool) => n + cell.calls[tool].failed + cell.calls[tool].late, 0) + cell.webhooks.failed + cell.lost + cell.handedTwice;
}

const p = (values: number[], q: number) => (values.length ? percentile([...values].sort((a, b) => a - b), q) : Number.NaN);

function summarizeCells(cells: Cell[], warmup: number, seconds: number, notes: string[]): Omit<SectionResult, 'seconds'> {
  const metrics: Metric[] = [];
  const targets: Target[] = [];
  const rows: string[] = [];
  for (const cell of cells) {
    const id = `capacity.u${cell.users}.in${cell.inboundPerSecond}`;
    const where = `${cell.users} users, ${cell.inboundPerSecond} in/s`;
    const failures = visibleFailures(cell);
    metrics.push({ id: `${id}.sync429`, label: `${where}: Sync 429s (retried)`, unit: 'count', value: single(cell.sync429), note: `of ${cell.syncRequests} Sync requests; by object: ${[...cell.throttledBy].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}` });
    metrics.push({ id: `${id}.visibleFailures`, label: `${where}: user-visible failures`, unit: 'count', value: single(failures), note: TOOLS.map((t) => `${t} ${cell.calls[t].failed} failed, ${cell.calls[t].late} late`).join('; ') + `; webhooks failed ${cell.webhooks.failed} of ${cell.webhooks.sent} (first attempt ${cell.webhooks.firstAttemptFailed}); lost ${cell.lost}, handed twice ${cell.handedTwice}` });
    for (const tool of TOOLS) {
      const ms = cell.calls[tool].ms;
      if (ms.length === 0) continue;
      metrics.push({ id: `${id}.${tool}`, label: `${where}: ${tool}${tool === 'receive_sms' ? ' {}' : ''} p50 (p99)`, unit: 'ms', value: { median: p(ms, 50), min: Math.min(...ms), max: Math.max(...ms), n: ms.length, p99: p(ms, 99) } });
    }
    metrics.push({ id: `${id}.busiest`, label: `${where}: busiest objects (ops/s in their busiest 10 s)`, unit: 'count', value: single(cell.peak[0]?.perSecond ?? 0), note: cell.peak.map((b) => `${b.kind} ${b.object} ${formatNumber(b.perSecond)}/s`).join(', ') + `; event-loop delay p99 ${formatNumber(cell.loopDelayP99Ms)} ms` });
    const r = cell.calls.receive_sms.ms;
    rows.push(`| ${cell.users} | ${cell.inboundPerSecond} | ${cell.sync429} | ${failures} | ${cell.webhooks.failed} | ${formatNumber(p(r, 50))} / ${formatNumber(p(r, 99))} | ${formatNumber(p(cell.calls.send_sms.ms, 50))} / ${formatNumber(p(cell.calls.send_sms.ms, 99))} | ${cell.peak.map((b) => `${b.kind} ${b.object} ${formatNumber(b.perSecond)}/s`).slice(0, 2).join(', ')} | ${formatNumber(cell.loopDelayP99Ms)} |`);
  }
  const clean = cells.filter((cell) => visibleFailures(cell) === 0);
  const largest = clean.sort((a, b) => a.users * a.inboundPerSecond - b.users * b.inboundPerSecond || a.users - b.users).at(-1);
  notes.push(`Each cell: every user receives once (the emulator's clock skipping Sync's windows: users idle since an earlier cell would otherwise all make their periodic full read at once), then the load runs ${warmup} s unmeasured (so that each user's periodic full reads are spread as in a steady state) and ${seconds} s measured, at a ${RTT_MS} ms round trip with Sync's limits on: every user polls receive_sms {} every ${POLL_SECONDS} s (random phase), ${SENDS_PER_SECOND} sends/s by random idle users, each followed by wait_for_reply (${WAIT_SECONDS} s) on that conversation; handsets text random users' numbers at the set rate through twilio-run's /sms/incoming (fallback URL the same). Late: receive_sms or send_sms over ${LATE_MS} ms, wait_for_reply over its wait + ${LATE_MS} ms. Lost / handed twice: after the cell every user receives once more, and every stored message must have been handed over exactly once.`);
  notes.push(`| users | inbound/s | Sync 429s | user-visible failures | failed webhooks | receive_sms {} p50 / p99 ms | send_sms p50 / p99 ms | busiest objects | loop delay p99 ms |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n${rows.join('\n')}`);
  notes.push(largest ? `Largest load with zero user-visible failures: ${largest.users} users with ${largest.inboundPerSecond} inbound/s and ${SENDS_PER_SECOND} sends/s.` : 'No cell ran without user-visible failures.');
  const saturating = cells.flatMap((cell) => cell.peak.map((b) => ({ ...b, cell }))).sort((a, b) => b.perSecond - a.perSecond)[0];
  if (saturating) notes.push(`Saturates first: ${saturating.kind}s of ${saturating.object} (${formatNumber(saturating.perSecond)}/s of Sync's 20 at ${saturating.cell.users} users, ${saturating.cell.inboundPerSecond} in/s).`);
  const target = cells.find((cell) => cell.users === 200 && cell.inboundPerSecond === 10);
  if (target) {
    const failures = visibleFailures(target);
    const p99 = p(target.calls.receive_sms.ms, 99);
    targets.push({ label: '200 users polling every 10 s, 10 inbound/s, 2 sends/s: user-visible failures', goal: '0', actual: String(failures), met: failures === 0 });
    targets.push({ label: 'same load: receive_sms {} p99 at 50 ms RTT', goal: '≤ 1,000 ms', actual: `${formatNumber(p99)} ms`, met: p99 <= 1000 });
  }
  return { name: 'capacity', title: TITLE, metrics, targets, notes };
}
