/**
 * The benchmark harness must not rot: `node build/bench/run.js --quick` runs every section at tiny
 * sizes, and each must produce numeric figures and write the JSON and Markdown report.
 * Speed is never asserted: benchmarks print figures, they do not fail on a slow machine.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchReport, SECTION_NAMES } from '../../bench/report';
import { ROOT } from '../support/paths';

const RUNNER = join(ROOT, 'build', 'bench', 'run.js');
let out: string;
let run: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  if (!existsSync(RUNNER)) throw new Error(`${RUNNER} is missing: run npm run build first (npm test does)`);
  out = mkdtempSync(join(tmpdir(), 'sms-mcp-bench-smoke-'));
  run = await new Promise((resolve) => {
    const child = spawn(process.execPath, [RUNNER, '--quick', '--out', out], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A bound against a hung run, not a speed check: the quick run of every section takes about 2
    // minutes here (the capacity section, two cells of 15 s with 10 and 200 users, half of it).
    const timer = setTimeout(() => child.kill('SIGKILL'), 290_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}, 300_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function report(): BenchReport {
  return JSON.parse(readFileSync(join(out, 'quick.json'), 'utf8')) as BenchReport;
}

test('the quick run exits cleanly and prints the table', () => {
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr.slice(-3000) }).toEqual({ code: 0, stderr: '' });
  expect(run.stdout).toMatch(/twilio-sms-mcp benchmarks \(quick\)/);
  expect(run.stdout).toContain(`wrote ${join(out, 'quick.json')}`);
});

test('it writes the JSON and Markdown reports with the machine, Node version and date', () => {
  const json = report();
  expect(json).toMatchObject({ schema: 1, mode: 'quick', node: process.version, sections: [...SECTION_NAMES] });
  expect(Number.isNaN(Date.parse(json.date))).toBe(false);
  expect(json.machine.cpuModel.length).toBeGreaterThan(0);
  expect(json.machine.cores).toBeGreaterThan(0);
  expect(json.machine.memoryGiB).toBeGreaterThan(0);

  const markdown = readFileSync(join(out, 'quick.md'), 'utf8');
  expect(markdown).toContain(process.version);
  for (const section of json.results) expect(markdown).toContain(`## ${section.title}`);
});

test.each(SECTION_NAMES.map((name) => [name]))('section %s produced numeric figures without error', (name) => {
  const section = report().results.find((result) => result.name === name);
  expect(section).toBeDefined();
  expect(section!.error).toBeUndefined();
  const measured = section!.metrics.filter((metric) => metric.value !== null);
  expect(measured.length).toBeGreaterThan(0);
  for (const metric of measured) {
    expect([metric.id, isNumber(metric.value!.median), isNumber(metric.value!.min), isNumber(metric.value!.max), metric.value!.n > 0]).toEqual([metric.id, true, true, true, true]);
  }
});

test('the headline figures of every section are there', () => {
  const ids = new Set(report().results.flatMap((section) => section.metrics.filter((metric) => metric.value !== null).map((metric) => metric.id)));
  const expected = [
    'ours.coldStartMs', 'ours.peakRssMb', 'node.startMs', 'ours.idleRssMb', 'ours.rssAfterSendMb', 'node.idleRssMb',
    'ours.toolsListBytes',
    'calls.send.new', 'calls.incoming.new', 'calls.status.advance', 'calls.receive.one', 'calls.receive.all.one', 'calls.list', 'calls.get',
    'thread.ratio.receiveCalls', 'thread.ratio.getMs',
    'inbound.one.rate', 'inbound.one.lost', 'inbound.one.duplicated', 'inbound.hundred.rate', 'inbound.hundred.lost', 'inbound.hundred.duplicated',
    'send.ms', 'send.createMs',
    'http.c1.rps', 'http.c1.latencyMs', 'http.c10.rps', 'http.c50.rps', 'http.c50.p99Ms', 'http.idle.perClientKb',
  ];
  expect(expected.filter((id) => !ids.has(id))).toEqual([]);
});
