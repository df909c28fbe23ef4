/**
 * `npm run bench`: the benchmarks of issue #5, offline, against the built bridge, the built
 * Functions under the real `twilio-run start`, and the Twilio emulator on loopback.
 *
 *   node build/bench/run.js [--quick] [--only <name>[,<name>…]] [--out <dir>] [--no-peers]
 *
 * Prints a table on stdout (progress on stderr) and writes it as JSON and Markdown: a full run to
 * bench/results/latest.{json,md}; --quick to quick.*, --only to only-<names>.* so a partial run
 * never overwrites the full one. Benchmarks print figures; they never fail on a slow machine
 * (exit 1 only when a section could not run at all).
 */
import { join } from 'node:path';
import { runApiCalls } from './api-calls';
import { runCapacity, TITLE as CAPACITY_TITLE } from './capacity';
import { runColdStart } from './cold-start';
import { type BenchOptions, errorText, ROOT } from './common';
import { runFootprint } from './footprint';
import { runHostedMcp, TITLE as HOSTED_MCP_TITLE } from './hosted-mcp';
import { runHttpThroughput } from './http-throughput';
import { runInboundThroughput } from './inbound-throughput';
import { runRealLatency, TITLE as REAL_LATENCY_TITLE } from './real-latency';
import { runReconcileCost, TITLE as RECONCILE_COST_TITLE } from './reconcile-cost';
import { type BenchReport, gitCommit, machineInfo, renderText, SECTION_NAMES, type SectionName, type SectionResult, writeReport } from './report';
import { runSendLatency } from './send-latency';
import { runThreadLength } from './thread-length';

type SectionRunner = (options: BenchOptions) => Promise<Omit<SectionResult, 'seconds'>>;

const RUNNERS: Record<SectionName, { title: string; run: SectionRunner }> = {
  'cold-start': { title: '1. Bridge cold start', run: runColdStart },
  footprint: { title: '2. Tool-definition footprint', run: runFootprint },
  'api-calls': { title: '3. Twilio API calls per operation', run: runApiCalls },
  'thread-length': { title: '4. Cost against thread length', run: runThreadLength },
  'inbound-throughput': { title: '5. Inbound throughput', run: runInboundThroughput },
  'send-latency': { title: '6. send_sms latency overhead', run: runSendLatency },
  'http-throughput': { title: '7. HTTP throughput', run: runHttpThroughput },
  'real-latency': { title: REAL_LATENCY_TITLE, run: runRealLatency },
  'reconcile-cost': { title: RECONCILE_COST_TITLE, run: runReconcileCost },
  capacity: { title: CAPACITY_TITLE, run: runCapacity },
  'hosted-mcp': { title: HOSTED_MCP_TITLE, run: runHostedMcp },
};

export interface RunArgs {
  quick: boolean;
  only: SectionName[];
  out: string;
  baseName: string;
  peers: boolean;
}

const USAGE = `usage: node build/bench/run.js [--quick] [--only <${SECTION_NAMES.join('|')}>[,…]] [--out <dir>] [--no-peers]`;

export function parseArgs(argv: readonly string[]): RunArgs {
  let quick = false;
  let peers = true;
  let out = join(ROOT, 'bench', 'results');
  const only: SectionName[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return next;
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--no-peers') peers = false;
    else if (arg === '--out') out = value();
    else if (arg === '--only' || arg.startsWith('--only=')) {
      for (const name of (arg.startsWith('--only=') ? arg.slice(7) : value()).split(',').map((s) => s.trim()).filter(Boolean)) {
        if (!(SECTION_NAMES as readonly string[]).includes(name)) throw new Error(`unknown section "${name}"\n${USAGE}`);
        if (!only.includes(name as SectionName)) only.push(name as SectionName);
      }
    } else if (arg === '--help' || arg === '-h') throw new Error(USAGE);
    else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  const partial = only.length > 0 ? `only-${only.join('+')}` : '';
  const baseName = quick ? (partial ? `quick-${partial}` : 'quick') : partial || 'latest';
  return { quick, only, out, baseName, peers };
}

export async function runBench(args: RunArgs, log: (line: string) => void = (line) => process.stderr.write(`[bench] ${line}\n`)): Promise<{ report: BenchReport; files: { json: string; markdown: string } }> {
  const options: BenchOptions = { quick: args.quick, installPeers: !args.quick, peers: args.peers, log };
  const sections = args.only.length ? SECTION_NAMES.filter((name) => args.only.includes(name)) : [...SECTION_NAMES];
  const started = performance.now();
  const results: SectionResult[] = [];
  for (const name of sections) {
    const runner = RUNNERS[name];
    log(`${runner.title}…`);
    const sectionStarted = performance.now();
    let result: Omit<SectionResult, 'seconds'>;
    try {
      result = await runner.run(options);
    } catch (error) {
      log(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      result = { name, title: runner.title, metrics: [], targets: [], notes: [], error: errorText(error) };
    }
    results.push({ ...result, seconds: (performance.now() - sectionStarted) / 1000 });
  }
  const report: BenchReport = {
    schema: 1,
    date: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'full',
    sections,
    machine: machineInfo(),
    node: process.version,
    commit: gitCommit(ROOT),
    totalSeconds: (performance.now() - started) / 1000,
    results,
  };
  return { report, files: writeReport(report, args.out, args.baseName) };
}

async function main(): Promise<void> {
  let args: RunArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${errorText(error)}\n`);
    process.exit(2);
  }
  const { report, files } = await runBench(args);
  process.stdout.write(`${renderText(report)}\n\nwrote ${files.json} and ${files.markdown}\n`);
  // Handles left by child processes' pipes must not keep the run alive.
  process.exit(report.results.some((section) => section.error && section.metrics.length === 0) ? 1 : 0);
}

if (require.main === module) void main();
