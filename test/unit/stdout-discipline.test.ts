/**
 * stdout carries the MCP protocol: one stray console.log in the bridge breaks every client.
 * This scans every source file bundled into the bridge for writes to stdout.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'webhooks' ? [] : sources(path); // lib/webhooks runs in Functions
    return path.endsWith('.ts') ? [path] : [];
  });
}

test('no bridge source writes to stdout', () => {
  const files = [...sources(join(ROOT, 'mcp-bridge', 'src')), ...sources(join(ROOT, 'lib'))];
  expect(files.length).toBeGreaterThan(10);
  const offenders = files.filter((file) => /console\.(log|info|debug|table|dir)\s*\(|process\.stdout/.test(readFileSync(file, 'utf8')));
  expect(offenders.map((file) => relative(ROOT, file))).toEqual([]);
});
