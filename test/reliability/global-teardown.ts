/** Prints the reliability suite's totals: cases tried, faults by kind, lost, duplicates, leaks. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Figures, FaultTally } from './support';

export default function globalTeardown(): void {
  const file = process.env.RELIABILITY_FIGURES_FILE;
  if (!file || !existsSync(file)) return;
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Figures);
  rmSync(dirname(file), { recursive: true, force: true });
  const faults: FaultTally = { 429: 0, 500: 0, 503: 0, timeout: 0, reset: 0 };
  let cases = 0;
  let lost = 0;
  let duplicates = 0;
  let leaked = 0;
  let afterHandling = 0;
  for (const row of rows) {
    cases += row.casesTried ?? 0;
    lost += row.lost ?? 0;
    duplicates += row.duplicates ?? 0;
    leaked += row.secretsLeaked ?? 0;
    afterHandling += row.faultsAfterHandling ?? 0;
    for (const [kind, n] of Object.entries(row.faults ?? {})) faults[kind as keyof FaultTally] += n ?? 0;
  }
  const throughput = rows.filter((row) => row.throughputPerSecond !== undefined).map((row) => `${row.suite}: ${row.throughputPerSecond} msg/s`);
  const lines = [
    '',
    '── reliability summary ─────────────────────────────────────────',
    `cases tried:        ${cases}`,
    `faults injected:    ${Object.values(faults).reduce((a, b) => a + b, 0)} (429: ${faults[429]}, 500: ${faults[500]}, 503: ${faults[503]}, timeout: ${faults.timeout}, reset: ${faults.reset}; ${afterHandling} after the request took effect)`,
    `messages lost:      ${lost}`,
    `duplicates:         ${duplicates}`,
    `secrets leaked:     ${leaked}`,
    ...(throughput.length ? [`burst throughput:   ${throughput.join('; ')}`] : []),
    ...rows.map((row) => `  ${row.suite}: ${JSON.stringify({ ...row, suite: undefined })}`),
    '────────────────────────────────────────────────────────────────',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}
