/** Names the file the reliability suites append their figures to (see support.ts reportFigures). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup(): void {
  const dir = mkdtempSync(join(tmpdir(), 'sms-mcp-reliability-'));
  // Workers start after global setup and inherit the environment.
  process.env.RELIABILITY_FIGURES_FILE = join(dir, 'figures.jsonl');
}
