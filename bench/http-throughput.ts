/**
 * 7. HTTP throughput: the built bridge served over Streamable HTTP (`--http`, loopback, no
 * tokens), `tools/call list_conversations` from 1, 10 and 50 concurrent clients, each its own MCP
 * session through the SDK's StreamableHTTPClientTransport, against the emulator with some
 * conversations stored; then the memory an idle session costs: the bridge's RSS (VmRSS) with 0
 * and with 50 idle initialized sessions, a fresh bridge each time.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { MessageStore } from '../lib/store/message-store';
import { SyncGateway } from '../lib/store/sync-gateway';
import { allInboxShards } from '../lib/sync-names';
import { createTwilioClient } from '../lib/twilio-client';
import { type Emulator, startEmulator } from '../emulator';
import { startBridge } from '../scripts/system/bridge-process';
import { connectHttp, type HttpBridgeProcess, type HttpClient, spawnHttpBridge } from '../scripts/system/http-bridge';
import { type BenchOptions, errorText, handset, messageSid, MAGIC_FROM_NUMBER } from './common';
import type { Metric, SectionResult } from './report';
import { type Figure, ratio, single, sleep, summarize, timed } from './stats';
import { readProcStatusKb } from './stdio-rpc';

const LEVELS = [1, 10, 50] as const;
/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s. */
const CLOCK_TICKS = 100;

interface Sizes {
  conversations: number;
  /** Calls per level: at most this many, and no new one started after the deadline. */
  calls: (clients: number) => number;
  deadlineMs: number;
  idleSessions: number;
  memoryReps: number;
}

const FULL: Sizes = { conversations: 20, calls: (clients) => Math.max(300, clients * 20), deadlineMs: 20_000, idleSessions: 50, memoryReps: 3 };
const QUICK: Sizes = { conversations: 5, calls: (clients) => Math.max(10, clients * 2), deadlineMs: 5_000, idleSessions: 50, memoryReps: 1 };

/** CPU time the process has used so far, in ms (utime + stime); null without /proc. */
function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** The median of a few VmRSS reads over ~1 s, in kB. */
async function settledRssKb(pid: number): Promise<number | null> {
  const reads: number[] = [];
  for (let i = 0; i < 5; i++) {
    await sleep(200);
    const kb = readProcStatusKb(pid, 'VmRSS');
    if (kb !== null) reads.push(kb);
  }
  return reads.length ? summarize(reads).median : null;
}

/** How many MCP sessions the bridge says are open (its "MCP session opened …; N open" log line). */
function openSessions(bridge: HttpBridgeProcess): number | null {
  const counts = [...bridge.stderr().matchAll(/MCP session opened[^\n]*?; (\d+) open/g)];
  return counts.length ? Number(counts.at(-1)![1]) : null;
}

async function openMany(url: string, count: number): Promise<HttpClient[]> {
  // In batches, as clients connecting over a few seconds would, not one burst of `count` handshakes.
  const sessions: HttpClient[] = [];
  for (let i = 0; i < count; i += 10) {
    sessions.push(...(await Promise.all(Array.from({ length: Math.min(10, count - i) }, (_, k) => connectHttp(url, undefined, `bench-http-${i + k}`)))));
  }
  return sessions;
}

async function closeAll(sessions: HttpClient[]): Promise<void> {
  await Promise.all(sessions.map((session) => session.close().catch(() => undefined)));
}

interface LevelResult {
  clients: number;
  attempted: number;
  ok: number;
  failures: string[];
  elapsedMs: number;
  rps: Figure;
  latency: Figure | null;
  cpuMsPerCall: number | null;
  syncCallsPerCall: number;
  /** Sync answers other than 2xx during the level (a retry or an error behind a slow call). */
  syncNon2xx: number;
  cpuBusy: number | null;
  /** Calls that counted, per session: fewest and most (how evenly the clients were served). */
  perSession: [number, number];
}

/** Busy and total jiffies of all CPUs (/proc/stat). */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
  } catch {
    return null;
  }
}

/**
 * `clients` sessions, each making one call after another, until `calls` were started or the
 * deadline passed. `call` resolves to null when the call counts, or to what was wrong with it.
 */
async function runLevel(bridge: HttpBridgeProcess, emulator: Emulator, clients: number, sizes: Sizes, call: (session: HttpClient) => Promise<string | null>): Promise<LevelResult> {
  const sessions = await openMany(bridge.url, clients);
  try {
    const total = sizes.calls(clients);
    const latencies: number[] = [];
    const failures: string[] = [];
    let started = 0;
    emulator.resetCounts();
    const cpuBefore = cpuMs(bridge.pid);
    const machineBefore = machineCpu();
    const t0 = performance.now();
    const deadline = t0 + sizes.deadlineMs;
    const served = sessions.map(() => 0);
    await Promise.all(
      sessions.map(async (session, index) => {
        while (started < total && performance.now() < deadline) {
          started++;
          try {
            const { ms, value: wrong } = await timed(() => call(session));
            if (wrong !== null) failures.push(wrong);
            else {
              latencies.push(ms);
              served[index]!++;
            }
          } catch (error) {
            failures.push(errorText(error));
          }
        }
      }),
    );
    const elapsedMs = performance.now() - t0;
    const cpuAfter = cpuMs(bridge.pid);
    const machineAfter = machineCpu();
    return {
      clients,
      attempted: started,
      ok: latencies.length,
      failures,
      elapsedMs,
      rps: single((latencies.length / elapsedMs) * 1000),
      latency: latencies.length ? summarize(latencies, { p99: true }) : null,
      cpuMsPerCall: cpuBefore !== null && cpuAfter !== null && latencies.length ? (cpuAfter - cpuBefore) / latencies.length : null,
      syncCallsPerCall: emulator.count({ product: 'sync' }) / Math.max(1, started),
      syncNon2xx: emulator.requests().filter((request) => request.status < 200 || request.status >= 300).length,
      perSession: [Math.min(...served), Math.max(...served)],
      cpuBusy: machineBefore && machineAfter ? ((machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total)) * 100 : null,
    };
  } finally {
    await closeAll(sessions);
  }
}

interface MemorySample {
  idleKb: number;
  loadedKb: number;
  perSessionKb: number;
  open: number | null;
}

/** A fresh bridge: one session calls list_conversations (twilio-node loaded) and leaves; RSS; `count` idle sessions; RSS. */
async function measureIdle(env: Record<string, string>, count: number): Promise<MemorySample> {
  const bridge = await spawnHttpBridge(env);
  try {
    const warm = await connectHttp(bridge.url, undefined, 'bench-http-warm');
    await warm.call('list_conversations', {});
    await warm.close();
    const idleKb = await settledRssKb(bridge.pid);
    const sessions = await openMany(bridge.url, count);
    try {
      const loadedKb = await settledRssKb(bridge.pid);
      if (idleKb === null || loadedKb === null) throw new Error(`no /proc/${bridge.pid}/status to read VmRSS from`);
      return { idleKb, loadedKb, perSessionKb: (loadedKb - idleKb) / count, open: openSessions(bridge) };
    } finally {
      await closeAll(sessions);
    }
  } finally {
    await bridge.stop();
  }
}

export async function runHttpThroughput(options: BenchOptions): Promise<Omit<SectionResult, 'seconds'>> {
  const sizes = options.quick ? QUICK : FULL;
  // Sync's per-object limits off: this measures the bridge and its HTTP transport, not the
  // emulator's 429s (list_conversations reads the same inbox shards on every call).
  const emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER], syncLimits: false });
  const serviceSid = emulator.createSyncService('bench-http-throughput');
  const env = {
    TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: emulator.authToken, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER,
    TWILIO_SYNC_SERVICE_SID: serviceSid, TWILIO_API_BASE_URL: emulator.url,
  };
  let bridge: HttpBridgeProcess | null = null;
  try {
    options.log(`http throughput: storing ${sizes.conversations} conversations`);
    const client = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url });
    const store = new MessageStore(new SyncGateway(client, serviceSid));
    for (let i = 0; i < sizes.conversations; i++) {
      const at = new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString();
      await store.recordInbound({
        sid: messageSid(0x7e57, i), direction: 'inbound', from: handset(i, 9), to: MAGIC_FROM_NUMBER, body: `hello ${i}`, media: [], numSegments: 1,
        status: 'received', errorCode: null, createdAt: at, statusAt: at, processed: false,
      });
    }
    const expected = Math.min(20, sizes.conversations); // list_conversations' default page

    bridge = await spawnHttpBridge(env);
    // Warm-up: the bridge loads twilio-node lazily on its first call.
    const warm = await connectHttp(bridge.url, undefined, 'bench-http-warm');
    for (let i = 0; i < 5; i++) await warm.call('list_conversations', {});
    await warm.close();

    const listConversations = async (session: HttpClient): Promise<string | null> => {
      const result = await session.call('list_conversations', {}, 60_000);
      if (result.isError) return `isError: ${JSON.stringify(result.content).slice(0, 160)}`;
      const count = (result.structuredContent as { conversations?: unknown[] } | undefined)?.conversations?.length;
      return count === expected ? null : `${String(count)} conversations instead of ${expected}`;
    };
    const levels: LevelResult[] = [];
    for (const clients of LEVELS) {
      options.log(`http throughput: ${clients} client(s), up to ${sizes.calls(clients)} calls`);
      levels.push(await runLevel(bridge, emulator, clients, sizes, listConversations));
    }
    // The transport's floor: ping (no tool, no Twilio) from 10 sessions.
    options.log('http throughput: ping from 10 clients');
    const ping = await runLevel(bridge, emulator, 10, sizes, async (session) => {
      await session.client.ping({ timeout: 60_000 });
      return null;
    });
    await bridge.stop();
    bridge = null;

    // The same call over stdio, one client, for the ratio.
    options.log('http throughput: the same call over stdio');
    const stdio = await startBridge(env);
    const stdioMs: number[] = [];
    try {
      for (let i = 0; i < 5; i++) await stdio.call('list_conversations', {});
      const calls = sizes.calls(1);
      const deadline = performance.now() + sizes.deadlineMs;
      for (let i = 0; i < calls && performance.now() < deadline; i++) stdioMs.push((await timed(() => stdio.call('list_conversations', {}))).ms);
    } finally {
      await stdio.close();
    }

    options.log(`http throughput: memory with 0 and ${sizes.idleSessions} idle sessions (${sizes.memoryReps} fresh bridge(s))`);
    const memory: MemorySample[] = [];
    for (let rep = 0; rep < sizes.memoryReps; rep++) memory.push(await measureIdle(env, sizes.idleSessions));

    const metrics: Metric[] = [];
    for (const level of levels) {
      const k = `http.c${level.clients}`;
      const failed = level.failures.length ? `; ${level.failures.length} failed (${[...new Set(level.failures)].slice(0, 2).join('; ')})` : '';
      metrics.push(
        { id: `${k}.rps`, label: `${level.clients} client(s): list_conversations calls per second`, unit: 'req/s', value: level.rps, note: `${level.ok}/${level.attempted} calls in ${(level.elapsedMs / 1000).toFixed(1)} s${failed}${level.clients > 1 ? `; ${level.perSession[0]}–${level.perSession[1]} per session` : ''}; CPU busy ${level.cpuBusy === null ? '?' : `${level.cpuBusy.toFixed(0)}%`} of ${os.cpus().length} cores` },
        { id: `${k}.latencyMs`, label: `${level.clients} client(s): latency p50 (p99)`, unit: 'ms', value: level.latency },
        { id: `${k}.p99Ms`, label: `${level.clients} client(s): latency p99`, unit: 'ms', value: level.latency?.p99 === undefined ? null : single(level.latency.p99) },
        { id: `${k}.bridgeCpuMs`, label: `${level.clients} client(s): bridge CPU per call`, unit: 'ms', value: level.cpuMsPerCall === null ? null : single(level.cpuMsPerCall), note: `utime+stime of the bridge process (/proc/<pid>/stat); ${level.syncCallsPerCall.toFixed(1)} Sync calls per call, ${level.syncNon2xx} answered other than 2xx` },
      );
    }
    const byClients = new Map(levels.map((level) => [level.clients, level]));
    const one = byClients.get(1)!;
    const fifty = byClients.get(50)!;
    metrics.push({ id: 'http.ratio.rps50to1', label: 'calls per second, 50 clients / 1 client', unit: '×', value: ratio(fifty.rps, one.rps), note: 'how much concurrency buys on this machine' });
    metrics.push({ id: 'http.ping.rps', label: '10 clients: ping per second (no tool, no Twilio)', unit: 'req/s', value: ping.rps, note: `${ping.ok}/${ping.attempted} in ${(ping.elapsedMs / 1000).toFixed(1)} s: the HTTP transport's floor; p50 ${ping.latency ? ping.latency.median.toFixed(2) : '?'} ms` });
    if (stdioMs.length && one.latency) {
      const stdioFigure = summarize(stdioMs, { p99: true });
      metrics.push(
        { id: 'http.stdio.latencyMs', label: 'the same call over stdio, 1 client: p50 (p99)', unit: 'ms', value: stdioFigure, note: 'scripts/system/bridge-process.ts: the SDK client over the child\'s stdin/stdout' },
        { id: 'http.ratio.httpToStdio', label: 'latency p50, HTTP / stdio, 1 client', unit: '×', value: ratio(one.latency, stdioFigure) },
      );
    }
    const perSession = summarize(memory.map((m) => m.perSessionKb));
    metrics.push(
      { id: 'http.idle.rss0Mb', label: 'bridge RSS, 0 sessions (after one call)', unit: 'MB', value: summarize(memory.map((m) => m.idleKb / 1024)), note: 'VmRSS, median of 5 reads over 1 s' },
      { id: `http.idle.rss${sizes.idleSessions}Mb`, label: `bridge RSS, ${sizes.idleSessions} idle sessions`, unit: 'MB', value: summarize(memory.map((m) => m.loadedKb / 1024)), note: `sessions the bridge reported open: ${memory.map((m) => m.open ?? '?').join(', ')}` },
      { id: 'http.idle.perClientKb', label: 'memory per idle client', unit: 'kB', value: perSession, note: `(RSS with ${sizes.idleSessions} − RSS with 0) / ${sizes.idleSessions}; each a fresh bridge` },
    );
    const notes = [
      `Method: one emulator (Sync per-object limits off: the bridge is measured, not the emulator's 429s) with ${sizes.conversations} conversations stored through MessageStore.recordInbound; the built bridge with --http on a free loopback port, no tokens; warmed with 5 calls. For each level, that many MCP sessions (the SDK's Client + StreamableHTTPClientTransport, initialize and notifications/initialized, opened 10 at a time) each call tools/call list_conversations (no arguments: the first page of ${expected}) one after another, until ${LEVELS.map((c) => sizes.calls(c)).join(' / ')} calls were started or ${sizes.deadlineMs / 1000} s passed; a call counts when it is not isError and lists ${expected} conversations. Rate = calls that counted / wall time of the level; latency per call, from the client.`,
      `Each list_conversations reads the ${allInboxShards().length} inbox shards (one Sync call each): the emulator, the load generator (this process) and the bridge share the machine's ${os.cpus().length} cores, so the rates are of the whole loopback system; the bridge's own CPU per call is the figure that travels.`,
      `Memory: for each of ${sizes.memoryReps} fresh bridge(s), one session calls list_conversations (loading twilio-node) and ends; VmRSS of the bridge (/proc/<pid>/status) is read with 0 sessions, then with ${sizes.idleSessions} idle initialized sessions (each SDK client also holds its GET SSE stream open, as a connected client does); the difference over ${sizes.idleSessions} is the memory per idle client. RSS moves with V8's heap growth, so small differences are noise.`,
    ];
    for (const level of levels) {
      if (!level.latency?.p99 || level.latency.p99 < 4 * level.latency.median) continue;
      const uneven = level.clients > 1 ? `, and unevenly (${level.perSession[0]}–${level.perSession[1]} calls per session)` : '';
      notes.push(`${level.clients} client(s): p99 is ${(level.latency.p99 / level.latency.median).toFixed(1)}× the p50. With the machine ${level.cpuBusy === null ? '?' : `${level.cpuBusy.toFixed(0)}%`} busy the calls queue${uneven}; ${level.syncNon2xx} Sync answers other than 2xx and ${level.failures.length} failed calls, so the tail is waiting, not retries.`);
    }
    const failures = levels.reduce((n, level) => n + level.failures.length, 0) + ping.failures.length;
    if (failures) notes.push(`Problems: ${failures} call(s) failed: ${[...new Set([...levels.flatMap((l) => l.failures), ...ping.failures])].slice(0, 3).join('; ')}.`);
    if (levels.every((level) => level.ok === 0)) throw new Error(`no call succeeded: ${levels[0]?.failures[0] ?? 'unknown'}`);
    return { name: 'http-throughput', title: '7. HTTP throughput', metrics, targets: [], notes };
  } finally {
    await bridge?.stop();
    await emulator.close();
  }
}
