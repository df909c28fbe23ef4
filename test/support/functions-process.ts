/**
 * The built Functions under the real `twilio-run start`, configured through a `.env` file like a
 * developer's, and stopped with the test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, TWILIO_RUN_BIN } from './paths';

export interface FunctionsProcess {
  url: string;
  port: number;
  output(): string;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `live` is twilio-run's default: it clears Node's whole require cache before every request, so
 * each webhook reloads the Function bundle and twilio-node (≈30× slower, measured in the bench).
 * A warm deployed Function pays nothing like it, so the tests run with `--no-live`.
 */
export async function startFunctions(env: Record<string, string>, options: { forkProcess?: boolean; live?: boolean } = {}): Promise<FunctionsProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sms-mcp-fn-'));
  const envFile = join(dir, '.env');
  writeFileSync(envFile, Object.entries(env).map(([key, value]) => `${key}=${value}`).join('\n'));
  const args = [TWILIO_RUN_BIN, 'start', '--port', String(port), '--env', envFile, '--log-level', 'warn'];
  if (!options.forkProcess) args.push('--no-fork-process');
  if (!options.live) args.push('--no-live');
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // Every request logs a line: keep the tail only.
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-50_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`twilio-run exited with ${child.exitCode}:\n${output}`);
    const up = await fetch(`${url}/index.html`).then((r) => r.ok, () => false);
    if (up) break;
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
