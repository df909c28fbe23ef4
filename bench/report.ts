/**
 * The report every section fills in, and its three renderings: the table printed on stdout, and
 * the JSON and Markdown files written under bench/results/ (overwritten each run).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { type Figure, formatNumber } from './stats';

export const SECTION_NAMES = ['cold-start', 'footprint', 'api-calls', 'thread-length', 'inbound-throughput', 'send-latency', 'http-throughput', 'real-latency', 'reconcile-cost', 'capacity', 'hosted-mcp'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export type Unit = 'ms' | 'MB' | 'kB' | 'bytes' | 'calls' | 'msg/s' | 'req/s' | '×' | 'count' | '%';

export interface Metric {
  /** Stable key for tooling, e.g. "ours.coldStartMs". */
  id: string;
  label: string;
  unit: Unit;
  /** null when it could not be measured (a peer not installed, or not starting offline). */
  value: Figure | null;
  /** One line: how the count comes about, or why there is no value. */
  note?: string;
}

export interface Target {
  label: string;
  goal: string;
  actual: string;
  met: boolean;
}

export interface SectionResult {
  name: SectionName;
  title: string;
  metrics: Metric[];
  targets: Target[];
  /** Method and findings, one paragraph each. */
  notes: string[];
  /** Set when the section could not run to the end; its metrics are then whatever was measured. */
  error?: string;
  seconds: number;
}

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  kernel: string;
}

export interface BenchReport {
  schema: 1;
  date: string;
  mode: 'full' | 'quick';
  sections: SectionName[];
  machine: Machine;
  node: string;
  commit: string | null;
  totalSeconds: number;
  results: SectionResult[];
}

export function machineInfo(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
  };
}

/** The commit benchmarked, with "+dirty" when the tree has changes; null outside git. */
export function gitCommit(root: string): string | null {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return `${sha}${dirty ? '+dirty' : ''}`;
  } catch {
    return null;
  }
}

function withUnit(value: number, unit: Unit): string {
  const number = formatNumber(value);
  if (unit === '×') return `${value.toFixed(2)}×`;
  if (unit === '%') return `${number}%`;
  if (unit === 'count' || unit === 'calls') return number;
  return `${number} ${unit}`;
}

export function formatMedian(metric: Metric): string {
  if (!metric.value) return '—';
  return withUnit(metric.value.median, metric.unit);
}

export function formatRange(metric: Metric): string {
  const value = metric.value;
  if (!value || value.n <= 1) return '';
  const range = `${formatNumber(value.min)}–${formatNumber(value.max)}`;
  return value.p99 !== undefined ? `${range} (p99 ${formatNumber(value.p99)})` : range;
}

function header(report: BenchReport): string[] {
  const m = report.machine;
  return [
    `twilio-sms-mcp benchmarks (${report.mode}${report.sections.length < SECTION_NAMES.length ? `, only ${report.sections.join(', ')}` : ''})`,
    `date ${report.date} · Node ${report.node} · ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB · ${m.platform} ${m.kernel}${report.commit ? ` · commit ${report.commit}` : ''}`,
    'Each figure: median, then min–max over the runs (n). Ratios are of medians measured in the same run.',
  ];
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The plain-text table printed on stdout. */
export function renderText(report: BenchReport): string {
  const lines = [...header(report), ''];
  for (const section of report.results) {
    lines.push(`== ${section.title} (${section.seconds.toFixed(1)} s)${section.error ? `  ERROR: ${section.error}` : ''}`);
    const rows = section.metrics.map((metric) => [metric.label, formatMedian(metric), formatRange(metric), metric.value ? String(metric.value.n) : '', metric.note ?? '']);
    const widths = [0, 1, 2, 3].map((column) => Math.min(64, Math.max(...rows.map((row) => row[column]!.length), 0)));
    for (const row of rows) {
      lines.push(`  ${pad(row[0]!, widths[0]!)}  ${pad(row[1]!, widths[1]!)}  ${pad(row[2]!, widths[2]!)}  ${pad(row[3] ? `n=${row[3]}` : '', widths[3]! + 2)}  ${row[4]}`.trimEnd());
    }
    for (const target of section.targets) lines.push(`  target ${target.met ? 'MET   ' : 'MISSED'} ${target.label}: ${target.goal}, measured ${target.actual}`);
    for (const note of section.notes) lines.push(`  · ${note}`);
    lines.push('');
  }
  lines.push(`total ${report.totalSeconds.toFixed(1)} s`);
  return lines.join('\n');
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function renderMarkdown(report: BenchReport): string {
  const [title, machine, method] = header(report);
  const lines = [`# ${title}`, '', machine!, '', method!, '', 'Produced by `npm run bench` (bench/run.ts); overwritten each run.', ''];
  const targets = report.results.flatMap((section) => section.targets);
  if (targets.length) {
    lines.push('## Targets', '', '| target | goal | measured | |', '| --- | --- | --- | --- |');
    for (const target of targets) lines.push(`| ${cell(target.label)} | ${cell(target.goal)} | ${cell(target.actual)} | ${target.met ? 'met' : '**missed**'} |`);
    lines.push('');
  }
  for (const section of report.results) {
    lines.push(`## ${section.title}`, '');
    if (section.error) lines.push(`**Error:** ${section.error}`, '');
    lines.push('| figure | median | min–max | n | note |', '| --- | --- | --- | --- | --- |');
    for (const metric of section.metrics) {
      lines.push(`| ${cell(metric.label)} | ${cell(formatMedian(metric))} | ${cell(formatRange(metric))} | ${metric.value?.n ?? ''} | ${cell(metric.note ?? '')} |`);
    }
    lines.push('');
    for (const note of section.notes) lines.push(`- ${note}`);
    lines.push('', `<sub>${section.seconds.toFixed(1)} s</sub>`, '');
  }
  return lines.join('\n');
}

export function writeReport(report: BenchReport, dir: string, baseName: string): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${baseName}.json`);
  const markdown = join(dir, `${baseName}.md`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(markdown, renderMarkdown(report));
  return { json, markdown };
}
