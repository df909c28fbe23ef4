/**
 * 1. Bridge cold start: spawn → initialize → tools/list answered over stdio, with every tool
 * registered; peak RSS of the idle bridge; bare `node -e ''` beside it; peers in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgePath } from '../scripts/system/paths';
import { type BenchOptions, errorText, FAKE } from './common';
import { ensurePeers, guardedEnv, netAttempts, type PeerInstall, peerServers, type PeerServer } from './peers';
import type { Metric, SectionResult, Target } from './report';
import { type Figure, ratio, single, summarize } from './stats';
import { bareIdlePeakRssKb, bareStart, type ColdStartSample, coldStart, type ServerSpec } from './stdio-rpc';

export const EXPECTED_TOOLS = ['send_sms', 'receive_sms', 'list_conversations', 'get_conversation', 'wait_for_reply'];
export const COLD_START_TARGET_MS = 250;

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
  try {
    let peersInstall: PeerInstall = { installed: false, reason: 'peers skipped (--no-peers)' };
    if (options.peers) peersInstall = await ensurePeers(options.installPeers, options.log);
    const peers: PeerServer[] = peersInstall.installed ? peerServers() : [];
    const ours = ourServer();
    const servers: { spec: ServerSpec; runs: number }[] = [{ spec: ours, runs }, ...peers.map((peer) => ({ spec: peer.spec, runs: peerRuns }))];
    const results = new Map<string, ServerRun>(servers.map(({ spec }) => [spec.name, { samples: [], failure: null, network: [] }]));
    const nodeEnv = guardedEnv({}, join(scratch, 'node.net.log'));
    const nodeStarts: number[] = [];

    // One untimed start each first (file cache), then the runs interleaved so drift hits all alike.
    options.log(`cold start: ${runs} runs of ours and node -e '', ${peers.length ? `${peerRuns} of each of ${peers.length} peer configurations` : 'no peers'}`);
    for (const { spec } of servers) {
      const warm = await guardedColdStart(spec, scratch, 'warm');
      const run = results.get(spec.name)!;
      if (!warm.sample) run.failure = warm.failure;
      run.network.push(...warm.network);
    }
    await bareStart(process.execPath, ['-e', ''], nodeEnv, '/');
    for (let r = 0; r < Math.max(runs, peerRuns); r++) {
      if (r < runs) nodeStarts.push(await bareStart(process.execPath, ['-e', ''], nodeEnv, '/'));
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

    const our = results.get(ours.name)!;
    if (!our.samples.length) throw new Error(`our bridge ${our.failure ?? 'produced no samples'}`);
    const ourStart = summarize(our.samples.map((s) => s.ms));
    const nodeStart = summarize(nodeStarts);
    const names = our.samples[0]!.tools.map((tool) => tool.name);
    const missing = EXPECTED_TOOLS.filter((name) => !names.includes(name));
    metrics.push(
      { id: 'ours.coldStartMs', label: 'twilio-sms-mcp: spawn → tools/list answered', unit: 'ms', value: ourStart, note: 'node mcp-bridge/dist/index.js (one esbuild bundle), raw JSON-RPC over stdio' },
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
    if (our.network.length) notes.push(`Our bridge tried to reach the network before answering tools/list (refused): ${[...new Set(our.network)].join(', ')}.`);

    if (!options.peers || !peersInstall.installed) {
      const reason = peersInstall.installed ? '' : peersInstall.reason;
      metrics.push({ id: 'peers', label: 'peers (twilio-mcp@1.0.0, @twilio-alpha/mcp@0.7.0)', unit: 'ms', value: null, note: `peer not installed: ${reason}` });
    }
    for (const peer of peers) {
      const run = results.get(peer.spec.name)!;
      const key = `peer.${peer.spec.name}`;
      if (!run.samples.length) {
        metrics.push({ id: `${key}.coldStartMs`, label: `${peer.label}: spawn → tools/list answered`, unit: 'ms', value: null, note: run.failure ?? 'no samples' });
        continue;
      }
      const start = summarize(run.samples.map((s) => s.ms));
      const unique = [...new Set(run.network)];
      metrics.push(
        { id: `${key}.coldStartMs`, label: `${peer.label}: spawn → tools/list answered`, unit: 'ms', value: start, note: `${peer.how}${unique.length ? `; tried the network (refused): ${unique.slice(0, 3).join(', ')}` : ''}` },
        { id: `${key}.peakRssMb`, label: `${peer.label}: peak RSS when idle`, unit: 'MB', value: rssFigure(run.samples) },
        { id: `${key}.tools`, label: `${peer.label}: tools listed`, unit: 'count', value: single(run.samples[0]!.tools.length) },
        { id: `${key}.ratio`, label: `ours / ${peer.label} (start time)`, unit: '×', value: ratio(ourStart, start) },
      );
    }

    targets.push({ label: 'bridge cold start', goal: `< ${COLD_START_TARGET_MS} ms median`, actual: `${ourStart.median.toFixed(0)} ms (min ${ourStart.min.toFixed(0)}, max ${ourStart.max.toFixed(0)})`, met: ourStart.median < COLD_START_TARGET_MS && missing.length === 0 });
    notes.push(
      `Method: each process is spawned with the same minimal environment (PATH, HOME and its configuration, as Claude Desktop passes) plus a preloaded guard (NODE_OPTIONS=--require) that refuses and records any non-loopback connection or DNS lookup; the client sends initialize, waits for its answer, then notifications/initialized and tools/list; the clock stops when the tools/list answer is read. One untimed warm-up start each, then runs interleaved. Peak RSS is VmHWM from /proc/<pid>/status right after the answer.`,
    );
    return { name: 'cold-start', title: '1. Bridge cold start', metrics, targets, notes };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
