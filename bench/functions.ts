/**
 * The built Functions under the real `twilio-run start --no-fork-process`, like
 * test/support/functions-process.ts, with one more choice: `--no-live`.
 *
 * twilio-run's default `--live` clears Node's whole require cache before every request (its
 * requireCacheCleaner keeps only twilio-run's own modules), so each webhook loads the Function
 * bundle and twilio-node again. That is a development-server cost a deployed Function (a warm
 * instance) does not pay, so the throughput figures are taken with `--no-live`, and once with the
 * default for comparison.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type FunctionsProcess } from '../test/support/functions-process';
import { ROOT, TWILIO_RUN_BIN } from '../test/support/paths';

export async function startFunctionsProcess(env: Record<string, string>, options: { live: boolean }): Promise<FunctionsProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sms-mcp-bench-fn-'));
  const envFile = join(dir, '.env');
  writeFileSync(envFile, Object.entries(env).map(([key, value]) => `${key}=${value}`).join('\n'));
  const args = [TWILIO_RUN_BIN, 'start', '--port', String(port), '--env', envFile, '--log-level', 'warn', '--no-fork-process', ...(options.live ? [] : ['--no-live'])];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000); // every request logs a line: keep the tail only
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`twilio-run exited with ${child.exitCode}:\n${output}`);
    if (await fetch(`${url}/index.html`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`twilio-run did not start within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    port,
    output: () => output,
    close: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
