/**
 * 1. Bridge cold start: spawn → initialize → tools/list answered over stdio, with every tool
 * registered; peak RSS of the idle bridge; bare `node -e ''` beside it; peers in the same run.
 * And the first call: spawn → tools/list → the first tool call that needs Twilio
 * (list_conversations, against the emulator on loopback) answered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '../emulator';
import { bridgePath } from '../scripts/system/paths';
import { conversationIdFor } from '../lib/conversation-id';
import { type BenchOptions, errorText, FAKE, handset, MAGIC_FROM_NUMBER, UNREACHED_SEND_LIMITS } from './common';
import { ensurePeers, guardedEnv, netAttempts, type PeerInstall, peerServers, type PeerServer } from './peers';
import type { Metric, SectionResult, Target } from './report';
import { type Figure, ratio, single, summarize } from './stats';
import { bareIdlePeakRssKb, bareIdleRssKb, bareStart, type ColdStartSample, coldStart, listTools, type MemoryProfile, memoryProfile, type ProfileCall, rpcSession, type ServerSpec } from './stdio-rpc';

export const EXPECTED_TOOLS = ['send_sms', 'receive_sms', 'list_conversations', 'get_conversation', 'wait_for_reply'];
export const COLD_START_TARGET_MS = 250;
/** Issue 16: the cold start at most this fraction of the fastest peer's, measured in the same run. */
export const PEER_RATIO_TARGET = 0.35;
/** Issue 16: the first call that needs Twilio answered at most this long after tools/list. */
export const FIRST_CALL_TARGET_OVER_MS = 150;
export const FIRST_CALL_TOOL = 'list_conversations';
/** Issue 27: an idle bridge's resident memory at most this multiple of a bare `node` idle, same run. */
export const IDLE_RSS_NODE_TARGET = 1.35;
/** Issue 27: … and at most this fraction of the leanest peer's idle. */
export const IDLE_RSS_PEER_TARGET = 0.65;
/** How long a process idles after tools/list before its resident memory is read (anything it loads in the background by then counts). */
export const IDLE_SETTLE_MS = 1000;

/** Our memory profile's calls, each against the emulator: a send to a new handset, receive_sms {}, then that thread read. */
function ourMemoryCalls(r: number): ProfileCall[] {
  const to = handset(r, 9);
  return [
    { label: 'send', tool: 'send_sms', args: { to, body: 'memory profile' } },
    { label: 'receive', tool: 'receive_sms', args: {} },
    { label: 'thread read', tool: 'get_conversation', args: { conversationId: conversationIdFor(MAGIC_FROM_NUMBER, to) } },
  ];
}

/** Our bridge as LibreChat/Claude Desktop start it: node + the bundle, configuration in env, cwd "/". */
export function ourServer(): ServerSpec {
  return {
    name: 'twilio-sms-mcp',
    command: process.execPath,
    args: [bridgePath()],
    cwd: '/',
    env: {
      TWILIO_ACCOUNT_SID: FAKE.accountSid,
      TWILIO_AUTH_TOKEN: FAKE.authToken,
      TWILIO_PHONE_NUMBER: FAKE.phoneNumber,
      TWILIO_SYNC_SERVICE_SID: FAKE.syncServiceSid,
      // Nothing is called before tools/list; were anything called, it would reach a closed loopback port.
      TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
    },
  };
}

export interface ServerRun {
  samples: ColdStartSample[];
  /** Why it did not start offline, when it did not. */
  failure: string | null;
  /** Non-loopback connections or lookups it tried (refused by the guard). */
  network: string[];
}

/** One cold start with the network guard preloaded; the guard's log tells whether it reached out. */
export async function guardedColdStart(spec: ServerSpec, scratch: string, tag: string): Promise<{ sample: ColdStartSample | null; failure: string | null; network: string[] }> {
  const netLog = join(scratch, `${spec.name}-${tag}.net.log`);
  try {
    const sample = await coldStart({ ...spec, env: guardedEnv(spec.env, netLog) });
    return { sample, failure: null, network: netAttempts(netLog) };
  } catch (error) {
    const network = netAttempts(netLog);
    const why = network.length ? `needs the network (${network.slice(0, 2).join(', ')})` : errorText(error);
    return { sample: null, failure: `did not start offline: ${why}`, network };
  }
}

export interface FirstCallSample {
  /** spawn() → tools/list answered. */
  listMs: number;
  /** spawn() → the first tool call answered. */
  callMs: number;
}

/**
 * spawn → initialize → tools/list → tools/call `tool` answered, over raw JSON-RPC as coldStart
 * speaks it; the call is sent as soon as tools/list is answered, as a client with a waiting
 * request does. A tool result with isError (Twilio not reached) is a failure, not a sample.
 */
export function firstCall(spec: ServerSpec, tool: string, args: Record<string, unknown>, timeoutMs = 30_000): Promise<FirstCallSample> {
  let listMs = 0;
  return rpcSession<FirstCallSample>(spec, timeoutMs, tool, (message, session) => {
    if (message.error) return { error: new Error(`request ${String(message.id)} failed: ${message.error.message}`) };
    if (message.id === 1) listTools(session);
    else if (message.id === 2) {
      listMs = session.elapsedMs();
      session.send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: tool, arguments: args } });
    } else if (message.id === 3) {
      const callMs = session.elapsedMs();
      const result = message.result as { isError?: boolean; content?: { text?: string }[] } | undefined;
      if (result?.isError) return { error: new Error(`${tool} failed: ${result.content?.[0]?.text?.slice(0, 200) ?? ''}`) };
      return { sample: { listMs, callMs } };
    }
    return undefined;
  }, (text) => new Error(text));
}

/** Our bridge against the emulator, on a Sync service of its own (Sync's per-object read limits are per service). */
function firstCallServer(emulator: Emulator, netLog: string): ServerSpec {
  const spec = ourServer();
  return {
    ...spec,
    env: guardedEnv(
      { ...spec.env, TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: emulator.authToken, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER, TWILIO_SYNC_SERVICE_SID: emulator.createSyncService('bench-first-call'), TWILIO_API_BASE_URL: emulator.url },
      netLog,
    ),
  };
}

const mb = (kb: number) => kb / 1024;

function rssFigure(samples: ColdStartSample[]): Figure | null {
  const values = samples.map((s) => s.peakRssKb).filter((kb): kb is number => kb !== null).map(mb);
  return values.length ? summarize(values) : null;
}

export async function runColdStart(options: BenchOptions): Promise<Omit<SectionResult, 'seconds'>> {
  const runs = options.quick ? 2 : 15;
  const peerRuns = options.quick ? 2 : 10;
  const scratch = mkdtempSync(join(tmpdir(), 'sms-mcp-bench-cold-'));
  const metrics: Metric[] = [];
  const notes: string[] = [];
  const targets: Target[] = [];
  let emulator: Emulator | null = null;
  try {
    let peersInstall: PeerInstall = { installed: false, reason: 'peers skipped (--no-peers)' };
    if (options.peers) peersInstall = await ensurePeers(options.installPeers, options.log);
    const peers: PeerServer[] = peersInstall.installed ? peerServers() : [];
    const ours = ourServer();
    const servers: { spec: ServerSpec; runs: number }[] = [{ spec: ours, runs }, ...peers.map((peer) => ({ spec: peer.spec, runs: peerRuns }))];
    const results = new Map<string, ServerRun>(servers.map(({ spec }) => [spec.name, { samples: [], failure: null, network: [] }]));
    const nodeEnv = guardedEnv({}, join(scratch, 'node.net.log'));
    const nodeStarts: number[] = [];
    emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER] });
    const firstCalls: FirstCallSample[] = [];
    let firstCallFailure: string | null = null;
    const firstCallNet = join(scratch, 'first-call.net.log');
    // The same start without the code cache (a first start after an install or an upgrade).
    const uncached: ServerSpec = { ...ours, name: 'twilio-sms-mcp-uncached', env: { ...ours.env, NODE_DISABLE_COMPILE_CACHE: '1' } };
    const uncachedStarts: number[] = [];

    // One untimed start each first (file cache), then the runs interleaved so drift hits all alike.
    options.log(`cold start: ${runs} runs of ours and node -e '', ${peers.length ? `${peerRuns} of each of ${peers.length} peer configurations` : 'no peers'}`);
    for (const { spec } of servers) {
      const warm = await guardedColdStart(spec, scratch, 'warm');
      const run = results.get(spec.name)!;
      if (!warm.sample) run.failure = warm.failure;
      run.network.push(...warm.network);
    }
    await bareStart(process.execPath, ['-e', ''], nodeEnv, '/');
    await firstCall(firstCallServer(emulator, firstCallNet), FIRST_CALL_TOOL, {}).catch((error: unknown) => (firstCallFailure = errorText(error)));
    for (let r = 0; r < Math.max(runs, peerRuns); r++) {
      if (r < runs) nodeStarts.push(await bareStart(process.execPath, ['-e', ''], nodeEnv, '/'));
      if (r < runs) {
        const once = await guardedColdStart(uncached, scratch, String(r));
        if (once.sample) uncachedStarts.push(once.sample.ms);
      }
      if (r < runs && !firstCallFailure) {
        try {
          firstCalls.push(await firstCall(firstCallServer(emulator, firstCallNet), FIRST_CALL_TOOL, {}));
        } catch (error) {
          firstCallFailure = errorText(error);
        }
      }
      for (const { spec, runs: wanted } of servers) {
        const run = results.get(spec.name)!;
        if (r >= wanted || run.failure) continue;
        const once = await guardedColdStart(spec, scratch, String(r));
        run.network.push(...once.network);
        if (once.sample) run.samples.push(once.sample);
        else run.failure = once.failure;
      }
    }
    const bareRss = await bareIdlePeakRssKb(process.execPath, nodeEnv, '/');

    // Memory (issue 27): each process idles IDLE_SETTLE_MS after tools/list, then makes its calls;
    // bare node idles as long. Interleaved, like the starts.
    const memoryRuns = options.quick ? 1 : 5;
    const peerMemoryRuns = options.quick ? 1 : 3;
    const bareIdle: number[] = [];
    const ourMemory: MemoryProfile[] = [];
    let ourMemoryFailure: string | null = null;
    const peerMemory = new Map<string, { profiles: MemoryProfile[]; failure: string | null }>(peers.map((peer) => [peer.spec.name, { profiles: [], failure: null }]));
    options.log(`memory: ${memoryRuns} profiles of ours and bare node idle, ${peers.length ? `${peerMemoryRuns} of each peer` : 'no peers'}`);
    for (let r = 0; r < Math.max(memoryRuns, peerMemoryRuns); r++) {
      if (r < memoryRuns) {
        const kb = await bareIdleRssKb(process.execPath, nodeEnv, '/', IDLE_SETTLE_MS);
        if (kb !== null) bareIdle.push(kb);
        if (!ourMemoryFailure) {
          const base = firstCallServer(emulator, firstCallNet);
          const spec = { ...base, env: { ...base.env, SEND_WAIT_SECONDS: '0', ...UNREACHED_SEND_LIMITS } };
          await memoryProfile(spec, ourMemoryCalls(r), IDLE_SETTLE_MS).then((profile) => ourMemory.push(profile), (error: unknown) => (ourMemoryFailure = errorText(error)));
        }
      }
      if (r >= peerMemoryRuns) continue;
      for (const peer of peers) {
        const entry = peerMemory.get(peer.spec.name)!;
        if (entry.failure || results.get(peer.spec.name)!.failure) continue;
        const netLog = join(scratch, `${peer.spec.name}-memory.net.log`);
        await memoryProfile({ ...peer.spec, env: guardedEnv(peer.spec.env, netLog) }, peer.memoryCalls, IDLE_SETTLE_MS).then((profile) => entry.profiles.push(profile), (error: unknown) => (entry.failure = errorText(error)));
      }
    }

    const our = results.get(ours.name)!;
    if (!our.samples.length) throw new Error(`our bridge ${our.failure ?? 'produced no samples'}`);
    const ourStart = summarize(our.samples.map((s) => s.ms));
    const nodeStart = summarize(nodeStarts);
    const names = our.samples[0]!.tools.map((tool) => tool.name);
    const missing = EXPECTED_TOOLS.filter((name) => !names.includes(name));
    metrics.push(
      { id: 'ours.coldStartMs', label: 'twilio-sms-mcp: spawn → tools/list answered', unit: 'ms', value: ourStart, note: 'node mcp-bridge/dist/index.js (launcher + one esbuild bundle, its V8 code cache written by the warm-up start), raw JSON-RPC over stdio' },
      { id: 'ours.coldStartUncachedMs', label: 'twilio-sms-mcp without its code cache', unit: 'ms', value: uncachedStarts.length ? summarize(uncachedStarts) : null, note: 'NODE_DISABLE_COMPILE_CACHE=1: a first start after an install or upgrade' },
      { id: 'ours.peakRssMb', label: 'twilio-sms-mcp: peak RSS when idle (VmHWM)', unit: 'MB', value: rssFigure(our.samples) },
      {
        id: 'ours.tools',
        label: 'twilio-sms-mcp: tools registered',
        unit: 'count',
        value: single(names.length),
        note: missing.length ? `MISSING ${missing.join(', ')}; listed: ${names.join(', ')}` : names.join(', '),
      },
      { id: 'node.startMs', label: "bare node -e '': spawn → exit", unit: 'ms', value: nodeStart, note: 'the floor of any Node.js server on this machine' },
      { id: 'node.peakRssMb', label: 'bare node: peak RSS when idle', unit: 'MB', value: bareRss === null ? null : single(mb(bareRss)) },
      { id: 'ours.overNodeMs', label: 'twilio-sms-mcp − bare node', unit: 'ms', value: single(ourStart.median - nodeStart.median), note: 'what loading and wiring the bridge costs' },
    );
    const firstCallFigure = firstCalls.length ? summarize(firstCalls.map((s) => s.callMs)) : null;
    const afterList = firstCalls.length ? summarize(firstCalls.map((s) => s.callMs - s.listMs)) : null;
    metrics.push(
      { id: 'ours.firstCallMs', label: `twilio-sms-mcp: spawn → first ${FIRST_CALL_TOOL} answered`, unit: 'ms', value: firstCallFigure, note: firstCallFailure ?? 'against the emulator on loopback; the first call that needs Twilio loads the Twilio client (mcp-bridge/dist/twilio-client.js)' },
      { id: 'ours.firstCallOverListMs', label: `twilio-sms-mcp: first ${FIRST_CALL_TOOL} after tools/list answered`, unit: 'ms', value: afterList, note: 'per run: call answered − tools/list answered, in the same process' },
    );
    const firstNet = netAttempts(firstCallNet);
    if (firstNet.length) notes.push(`The first-call runs tried to reach the network (refused): ${[...new Set(firstNet)].join(', ')}.`);
    if (our.network.length) notes.push(`Our bridge tried to reach the network before answering tools/list (refused): ${[...new Set(our.network)].join(', ')}.`);

    if (!options.peers || !peersInstall.installed) {
      const reason = peersInstall.installed ? '' : peersInstall.reason;
      metrics.push({ id: 'peers', label: 'peers (twilio-mcp@1.0.0, @twilio-alpha/mcp@0.7.0)', unit: 'ms', value: null, note: `peer not installed: ${reason}` });
    }
    let fastestPeer: { label: string; start: ReturnType<typeof summarize> } | null = null;
    for (const peer of peers) {
      const run = results.get(peer.spec.name)!;
      const key = `peer.${peer.spec.name}`;
      if (!run.samples.length) {
        metrics.push({ id: `${key}.coldStartMs`, label: `${peer.label}: spawn → tools/list answered`, unit: 'ms', value: null, note: run.failure ?? 'no samples' });
        continue;
      }
      const start = summarize(run.samples.map((s) => s.ms));
      if (!fastestPeer || start.median < fastestPeer.start.median) fastestPeer = { label: peer.label, start };
      const unique = [...new Set(run.network)];
      metrics.push(
        { id: `${key}.coldStartMs`, label: `${peer.label}: spawn → tools/list answered`, unit: 'ms', value: start, note: `${peer.how}${unique.length ? `; tried the network (refused): ${unique.slice(0, 3).join(', ')}` : ''}` },
        { id: `${key}.peakRssMb`, label: `${peer.label}: peak RSS when idle`, unit: 'MB', value: rssFigure(run.samples) },
        { id: `${key}.tools`, label: `${peer.label}: tools listed`, unit: 'count', value: single(run.samples[0]!.tools.length) },
        { id: `${key}.ratio`, label: `ours / ${peer.label} (start time)`, unit: '×', value: ratio(ourStart, start) },
      );
    }

    const callLabels = ['send', 'receive', 'thread read'];
    const memoryMetrics = (key: string, label: string, profiles: MemoryProfile[], failure: string | null, how: string): Figure | null => {
      const idle = profiles.map((p) => p.idleRssKb).filter((kb): kb is number => kb !== null).map(mb);
      const idleFigure = idle.length ? summarize(idle) : null;
      metrics.push({ id: `${key}.idleRssMb`, label: `${label}: RSS idle (${IDLE_SETTLE_MS / 1000} s after tools/list)`, unit: 'MB', value: idleFigure, note: failure ?? how });
      for (const call of callLabels) {
        const after = profiles.map((p) => p.calls.find((c) => c.label === call)).filter((c) => c !== undefined);
        if (!after.length) continue;
        const values = after.map((c) => c.rssKb).filter((kb): kb is number => kb !== null).map(mb);
        const errors = [...new Set(after.map((c) => c.error).filter((e): e is string => e !== null))];
        metrics.push({ id: `${key}.rssAfter${call.replace(/ (.)/, (_, c: string) => c.toUpperCase()).replace(/^./, (c) => c.toUpperCase())}Mb`, label: `${label}: RSS after the ${call}`, unit: 'MB', value: values.length ? summarize(values) : null, note: errors.length ? `answered an error: ${errors[0]}` : undefined });
      }
      const peaks = profiles.map((p) => p.peakKb).filter((kb): kb is number => kb !== null).map(mb);
      if (profiles.some((p) => p.calls.length)) metrics.push({ id: `${key}.peakAfterCallsMb`, label: `${label}: peak RSS over the profile (VmHWM)`, unit: 'MB', value: peaks.length ? summarize(peaks) : null });
      return idleFigure;
    };
    const ourIdle = memoryMetrics('ours', 'twilio-sms-mcp', ourMemory, ourMemoryFailure, 'against the emulator; the calls: send_sms to a new handset (SEND_WAIT_SECONDS=0), receive_sms {}, get_conversation of that thread, each followed by a third of the idle wait');
    const bareIdleFigure = bareIdle.length ? summarize(bareIdle.map(mb)) : null;
    metrics.push({ id: 'node.idleRssMb', label: `bare node: RSS idle (${IDLE_SETTLE_MS / 1000} s after start)`, unit: 'MB', value: bareIdleFigure, note: 'node -e that prints a line and waits, the same guard preloaded' });
    let leanestPeer: { label: string; idle: Figure } | null = null;
    for (const peer of peers) {
      const entry = peerMemory.get(peer.spec.name)!;
      const idle = memoryMetrics(`peer.${peer.spec.name}`, peer.label, entry.profiles, entry.failure ?? results.get(peer.spec.name)!.failure, peer.memoryHow);
      if (idle && (!leanestPeer || idle.median < leanestPeer.idle.median)) leanestPeer = { label: peer.label, idle };
    }
    targets.push({
      label: 'idle bridge memory against bare node (issue 27)',
      goal: `RSS idle ≤ ${IDLE_RSS_NODE_TARGET}× bare node's, same run`,
      actual: ourIdle && bareIdleFigure ? `${(ourIdle.median / bareIdleFigure.median).toFixed(2)}× (${ourIdle.median.toFixed(1)} MB / ${bareIdleFigure.median.toFixed(1)} MB)` : `not measured: ${ourMemoryFailure ?? 'no samples'}`,
      met: ourIdle !== null && bareIdleFigure !== null && ourIdle.median <= IDLE_RSS_NODE_TARGET * bareIdleFigure.median,
    });
    targets.push({
      label: 'idle bridge memory against the leanest peer (issue 27)',
      goal: `RSS idle ≤ ${IDLE_RSS_PEER_TARGET}× the leanest peer's, same run`,
      actual: ourIdle && leanestPeer ? `${(ourIdle.median / leanestPeer.idle.median).toFixed(2)}× (${ourIdle.median.toFixed(1)} MB / ${leanestPeer.label} ${leanestPeer.idle.median.toFixed(1)} MB)` : 'no peer measured',
      met: ourIdle !== null && leanestPeer !== null && ourIdle.median <= IDLE_RSS_PEER_TARGET * leanestPeer.idle.median,
    });
    if (ourIdle) {
      const afterCalls = ourMemory.flatMap((p) => p.calls.map((c) => c.rssKb)).filter((kb): kb is number => kb !== null).map(mb);
      const perBridge = afterCalls.length ? Math.max(ourIdle.median, summarize(afterCalls).median) : ourIdle.median;
      notes.push(`200 LibreChat users (one stdio bridge each, the team entry): ${((200 * ourIdle.median) / 1024).toFixed(1)} GB idle, ${((200 * perBridge) / 1024).toFixed(1)} GB after each has sent, received and read a thread${leanestPeer ? ` (${leanestPeer.label}: ${((200 * leanestPeer.idle.median) / 1024).toFixed(1)} GB idle)` : ''}.`);
    }

    targets.push({ label: 'bridge cold start', goal: `< ${COLD_START_TARGET_MS} ms median`, actual: `${ourStart.median.toFixed(0)} ms (min ${ourStart.min.toFixed(0)}, max ${ourStart.max.toFixed(0)})`, met: ourStart.median < COLD_START_TARGET_MS && missing.length === 0 });
    const peerRatio = fastestPeer ? ourStart.median / fastestPeer.start.median : null;
    targets.push({
      label: 'cold start against the fastest peer (issue 16)',
      goal: `≤ ${PEER_RATIO_TARGET.toFixed(2)}× the fastest peer's median, every tool listed`,
      actual: fastestPeer && peerRatio !== null ? `${peerRatio.toFixed(2)}× (${ourStart.median.toFixed(0)} ms / ${fastestPeer.label} ${fastestPeer.start.median.toFixed(0)} ms)${missing.length ? `; missing ${missing.join(', ')}` : ''}` : 'no peer measured',
      met: peerRatio !== null && peerRatio <= PEER_RATIO_TARGET && missing.length === 0,
    });
    targets.push({
      label: 'first call after the cold start (issue 16)',
      goal: `≤ ${FIRST_CALL_TARGET_OVER_MS} ms median after tools/list answered`,
      actual: afterList && firstCallFigure ? `${afterList.median.toFixed(0)} ms (min ${afterList.min.toFixed(0)}, max ${afterList.max.toFixed(0)}); spawn → answered ${firstCallFigure.median.toFixed(0)} ms` : `not measured: ${firstCallFailure ?? 'no samples'}`,
      met: afterList !== null && afterList.median <= FIRST_CALL_TARGET_OVER_MS,
    });
    notes.push(
      `First call: our bridge against the emulator on loopback (a Sync service of its own per run), initialize → tools/list → tools/call ${FIRST_CALL_TOOL} sent as soon as tools/list is answered; the clock stops when its result is read. That call loads the Twilio client (mcp-bridge/dist/twilio-client.js) and makes the tool's Sync reads.`,
      `Method: each process is spawned with the same minimal environment (PATH, HOME and its configuration, as Claude Desktop passes) plus a preloaded guard (NODE_OPTIONS=--require) that refuses and records any non-loopback connection or DNS lookup; the client sends initialize, waits for its answer, then notifications/initialized and tools/list; the clock stops when the tools/list answer is read. One untimed warm-up start each, then runs interleaved. Peak RSS is VmHWM from /proc/<pid>/status right after the answer. Memory: RSS idle is VmRSS ${IDLE_SETTLE_MS} ms after the tools/list answer (what a server loads in the background by then is counted; ours loads its Twilio client on the first call that needs it, the send), then after each call answered and ${Math.round(IDLE_SETTLE_MS / 3)} ms more; bare node is read ${IDLE_SETTLE_MS} ms after it printed a line.`,
    );
    return { name: 'cold-start', title: '1. Bridge cold start', metrics, targets, notes };
  } finally {
    await emulator?.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
