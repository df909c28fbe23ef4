/** The built bridge refusing to start: what every "one clear line" test checks, in one place. */
import { spawnSync } from 'node:child_process';
import { BRIDGE_BIN } from './paths';

/**
 * Starts the built bridge with only `env` (and PATH) and expects it to stop at once: exit 1,
 * nothing on stdout, one stderr line matching `message`, no stack trace, and never `secret`.
 */
export function expectStartRefused(env: Record<string, string>, message: RegExp, secret: string): void {
  const result = spawnSync(process.execPath, [BRIDGE_BIN], { env: { PATH: process.env.PATH ?? '', ...env }, input: '', encoding: 'utf8', timeout: 10_000 });
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toContain(secret);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}
