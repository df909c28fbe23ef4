/**
 * Stoplight Prism (`prism proxy`) as a child process: it validates every request against one
 * OpenAPI description, forwards it to the upstream (the emulator) and validates the answer.
 *
 * It runs without `--errors`, so a violation never changes the traffic: the product sees the
 * emulator's own answers and the whole day runs, and every violation is collected instead. Prism
 * reports them in two places: its log (human-formatted by the CLI, one "Violation: …" line each,
 * not tied to the request) and the `sl-violations` response header (JSON, per exchange). The
 * router reads the header; the log lines are kept as a cross-check of the count.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../../scripts/system/ports';
import { ROOT } from './paths';

const PRISM_BIN = join(ROOT, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');

export interface PrismProcess {
  url: string;
  /** Everything Prism logged (warnings and errors: the violations and its own failures). */
  output(): string;
  /** The "Violation: …" lines of its log, ANSI colours removed. */
  violationLines(): string[];
  close(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const ANSI = /\u001b\[[0-9;]*m/g;

export async function startPrism(specPath: string, upstream: string): Promise<PrismProcess> {
  const port = await freePort();
  // `-v warn`: violations are logged at warn/error; the per-route listing and per-request info
  // lines would only bury them. Readiness is then the port answering, not a log line (the
  // "listening" line is below warn).
  const args = [PRISM_BIN, 'proxy', specPath, upstream, '--host', '127.0.0.1', '--port', String(port), '-v', 'warn'];
  // NODE_ENV=production would switch Prism to its multi-process mode; FORCE_COLOR=0 keeps the log plain.
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', FORCE_COLOR: '0', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output += chunk.toString('utf8'));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Loading and dereferencing the 1.9 MB api_v2010 description takes a few seconds.
  const deadline = Date.now() + 60_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null) throw new Error(`prism exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prism did not listen within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    violationLines: () =>
      output
        .replace(ANSI, '')
        .split('\n')
        .filter((line) => line.includes('Violation: ')),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
