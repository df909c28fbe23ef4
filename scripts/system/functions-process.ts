/**
 * The built Functions under the real `twilio-run start`, configured through a `.env` file like a
 * developer's: the sandbox's, the benchmarks' and the tests' one way to run them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot, twilioRunPath } from './paths';
import { acceptsConnections, freePort } from './ports';

export interface FunctionsOptions {
  /** Default: a free port. */
  port?: number | undefined;
  /**
   * twilio-run's default `live` clears Node's whole require cache before every request, so each
   * webhook reloads the Function bundle and twilio-node (≈30× slower, measured in the bench). A
   * warm deployed Function pays nothing like it, so the default here is `--no-live`.
   */
  live?: boolean | undefined;
  /** twilio-run's default forks a process per request (≈0.3 s instead of ≈10 ms); off by default. */
  forkProcess?: boolean | undefined;
  /** Each line twilio-run prints, as `[functions] …` (the sandbox's terminal); the tail is kept either way. */
  log?: ((line: string) => void) | undefined;
  /** Stops waiting for twilio-run to serve (and stops it) when aborted. */
  signal?: AbortSignal | undefined;
}

export type FunctionsExit = { code: number | null; signal: NodeJS.Signals | null };

export interface FunctionsProcess {
  url: string;
  port: number;
  /** The `.env` twilio-run reads; removed by close(). */
  envFile: string;
  /** The last 50,000 characters twilio-run printed. */
  output(): string;
  /** Resolves when twilio-run exits, however that happens. */
  exited: Promise<FunctionsExit>;
  /** SIGTERM, SIGKILL after 5 s; then the `.env` folder goes. */
  close(): Promise<void>;
}

/** Where twilio-run serves; twilio-run itself sets DOMAIN_NAME=localhost:PORT, which the Functions sign-check against. */
export const functionsBaseUrl = (port: number): string => `http://localhost:${port}`;

/** Every twilio-run this process started, so that exiting in any way never leaves one holding a port. */
const children = new Set<ChildProcess>();

/** However this process ends (an exception included), it must not leave twilio-run holding a port. */
export function killChildrenOnExit(): void {
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
}

function lineWriter(write: (line: string) => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') write(line.trimEnd());
  };
}

function writeEnvFile(env: Record<string, string>): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'twilio-sms-mcp-functions-'));
  const file = join(dir, '.env');
  writeFileSync(file, `${Object.entries(env).map(([key, value]) => `${key}=${value}`).join('\n')}\n`, { mode: 0o600 });
  return { dir, file };
}

/** Resolves once twilio-run accepts connections; `env` is the Functions' whole environment (twilio-run reads only the `.env`). */
export async function startFunctions(env: Record<string, string>, options: FunctionsOptions = {}): Promise<FunctionsProcess> {
  const root = projectRoot();
  const port = options.port ?? (await freePort());
  const { dir, file: envFile } = writeEnvFile(env);
  const args = [twilioRunPath(root), 'start', '--port', String(port), '--env', envFile, '--log-level', 'warn'];
  if (!options.forkProcess) args.push('--no-fork-process');
  if (!options.live) args.push('--no-live');
  // twilio-run replaces process.env with the .env file anyway; CI=true keeps it non-interactive.
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const { log } = options;
  const write = log ? lineWriter((line) => log(`[functions] ${line}`)) : undefined;
  const collect = (chunk: Buffer) => {
    // Every request logs a line: keep the tail only.
    output = (output + chunk.toString('utf8')).slice(-50_000);
    write?.(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<FunctionsExit>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(force);
      }
      rmSync(dir, { recursive: true, force: true });
    })());

  const url = functionsBaseUrl(port);
  const shown = (): string => (log ? '; its output is above.' : `:\n${output}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await close();
      throw new Error(`twilio-run start exited (${child.exitCode ?? child.signalCode}) before serving on ${url}${shown()}`);
    }
    // twilio-run registers every route before it listens, so an accepted connection means ready
    // (a TCP probe, unlike an HTTP one, leaves no 404 in the Functions' log).
    if (await acceptsConnections(port)) break;
    if (options.signal?.aborted || Date.now() > deadline) {
      await close();
      throw new Error(options.signal?.aborted ? 'Stopped while the Functions were starting.' : `twilio-run start did not serve on ${url} within 30 s${shown()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, port, envFile, output: () => output, exited, close };
}
