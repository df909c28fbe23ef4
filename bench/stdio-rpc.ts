/**
 * Cold start measured the cheapest honest way: spawn the server, speak raw JSON-RPC over its stdio
 * as an MCP client does (initialize → answer → notifications/initialized + tools/list), and stop
 * the clock when the tools/list answer has been read. Peak RSS is read from /proc after that.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';

export interface ServerSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
  [key: string]: unknown;
}

export interface ColdStartSample {
  /** spawn() → tools/list answer read. */
  ms: number;
  /** VmHWM (peak resident set) right after the answer, in kB; null without /proc. */
  peakRssKb: number | null;
  tools: ToolDefinition[];
  /** The tools/list `result` member as JSON text (what JSON.stringify puts on the wire). */
  resultJson: string;
  /** The initialize result (server info, capabilities, instructions). */
  initialize: { instructions?: string; serverInfo?: { name?: string; version?: string } };
  stderr: string;
}

export class ColdStartError extends Error {}

interface JsonRpcMessage {
  jsonrpc?: string;
  id?: number | string | null;
  method?: string;
  result?: unknown;
  error?: { code: number; message: string };
}

export function readProcStatusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

export type JsonRpcAnswer = JsonRpcMessage;

export interface RpcSession {
  send(message: object): void;
  /** ms since spawn(). */
  elapsedMs(): number;
  pid: number | undefined;
  stderr(): string;
}

/** What an answer handler decides: end with a sample, end with an error, or go on (undefined). */
export type RpcStep<T> = { sample: T } | { error: Error } | undefined;

/**
 * Spawns `spec`, sends `initialize` over its stdio as raw JSON-RPC, and hands each answer (server
 * requests, notifications and non-protocol lines are skipped) to `onAnswer` until it ends the
 * session; then closes stdin (an MCP server exits when it closes) and reaps the process.
 * `waitingFor` names what the session waits for, in its timeout and early-exit errors.
 */
export function rpcSession<T>(
  spec: ServerSpec,
  timeoutMs: number,
  waitingFor: string,
  onAnswer: (answer: JsonRpcAnswer, session: RpcSession) => RpcStep<T>,
  failure: (message: string) => Error = (message) => new ColdStartError(message),
): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const session: RpcSession = {
      send: (message) => child.stdin.write(`${JSON.stringify(message)}\n`),
      elapsedMs: () => performance.now() - started,
      pid: child.pid,
      stderr: () => stderr,
    };
    const finish = (outcome: NonNullable<RpcStep<T>>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const done = () => ('sample' in outcome ? resolve(outcome.sample) : reject(outcome.error));
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', done);
      child.stdin.end(); // an MCP server exits when its stdin closes
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      setTimeout(() => child.kill('SIGTERM'), 500).unref();
    };
    const timer = setTimeout(() => finish({ error: failure(`no ${waitingFor} answer within ${timeoutMs / 1000} s${stderr ? ` (stderr: ${firstLine(stderr)})` : ''}`) }), timeoutMs);
    child.on('error', (error) => finish({ error: failure(`could not spawn: ${error.message}`) }));
    child.on('exit', (code, signal) => finish({ error: failure(`exited (${signal ?? `code ${code}`}) before answering ${waitingFor}${stderr ? `: ${firstLine(stderr)}` : ''}`) }));
    child.stdin.on('error', () => undefined); // EPIPE when the server dies first; reported by 'exit'
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      for (let newline = stdout.indexOf('\n'); newline >= 0; newline = stdout.indexOf('\n')) {
        const line = stdout.slice(0, newline).trim();
        stdout = stdout.slice(newline + 1);
        let message: JsonRpcMessage;
        try {
          message = JSON.parse(line) as JsonRpcMessage;
        } catch {
          continue; // not protocol (a server that logs to stdout)
        }
        if (message.method !== undefined) continue; // server-side requests and notifications
        const step = onAnswer(message, session);
        if (step) return finish(step);
      }
    });
    session.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'twilio-sms-mcp-bench', version: '1.0.0' } },
    });
  });
}

/** After initialize's answer: the notification, then tools/list as request 2. */
export function listTools(session: RpcSession): void {
  session.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  session.send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
}

export function coldStart(spec: ServerSpec, timeoutMs = 20_000): Promise<ColdStartSample> {
  let initialize: ColdStartSample['initialize'] = {};
  return rpcSession<ColdStartSample>(spec, timeoutMs, 'tools/list', (message, session) => {
    if (message.id === 1) {
      if (message.error) return { error: new ColdStartError(`initialize failed: ${message.error.message}`) };
      initialize = (message.result ?? {}) as ColdStartSample['initialize'];
      listTools(session);
    } else if (message.id === 2) {
      const ms = session.elapsedMs();
      if (message.error) return { error: new ColdStartError(`tools/list failed: ${message.error.message}`) };
      const peakRssKb = session.pid === undefined ? null : readProcStatusKb(session.pid, 'VmHWM');
      const tools = (message.result as { tools?: ToolDefinition[] } | undefined)?.tools ?? [];
      return { sample: { ms, peakRssKb, tools, resultJson: JSON.stringify(message.result), initialize, stderr: session.stderr() } };
    }
    return undefined;
  });
}

/** spawn() → exit of a process that does nothing (`node -e ''`): the floor of any Node server's start. */
export function bareStart(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`exited with ${code}`))));
  });
}

/** Peak RSS of a bare Node process that has started and is idle (it prints a line, then waits). */
export function bareIdlePeakRssKb(command: string, env: Record<string, string>, cwd: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, ['-e', "process.stdout.write('ready\\n'); setTimeout(() => {}, 10000)"], { cwd, env, stdio: ['ignore', 'pipe', 'ignore'] });
    child.on('error', reject);
    child.stdout.once('data', () => {
      const kb = child.pid === undefined ? null : readProcStatusKb(child.pid, 'VmHWM');
      child.once('exit', () => resolve(kb));
      child.kill('SIGTERM');
    });
  });
}

function firstLine(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** One tool call of a memory profile: made after the previous answer, then the process settles. */
export interface ProfileCall {
  label: string;
  tool: string;
  args: Record<string, unknown>;
}

export interface MemoryProfile {
  /** VmRSS `settleMs` after tools/list was answered (the server idle, with whatever it loads in the background by then). */
  idleRssKb: number | null;
  /** VmHWM right after tools/list was answered. */
  listPeakKb: number | null;
  /** VmRSS after each call answered and `settleMs / 3` more, in order; error: the call answered isError or a JSON-RPC error. */
  calls: { label: string; rssKb: number | null; error: string | null }[];
  /** VmHWM at the end. */
  peakKb: number | null;
}

/**
 * spawn → initialize → tools/list → idle `settleMs` → VmRSS, then each call in turn with VmRSS
 * after it, then a `ping` to end the session. Resident memory as a process manager sees it.
 */
export function memoryProfile(spec: ServerSpec, calls: ProfileCall[], settleMs = 1000, timeoutMs = 60_000): Promise<MemoryProfile> {
  const profile: MemoryProfile = { idleRssKb: null, listPeakKb: null, calls: [], peakKb: null };
  const read = (session: RpcSession, field: 'VmHWM' | 'VmRSS') => (session.pid === undefined ? null : readProcStatusKb(session.pid, field));
  const callAt = (session: RpcSession, index: number) => {
    const call = calls[index];
    if (call) session.send({ jsonrpc: '2.0', id: 3 + index, method: 'tools/call', params: { name: call.tool, arguments: call.args } });
    else session.send({ jsonrpc: '2.0', id: 'end', method: 'ping' });
  };
  return rpcSession<MemoryProfile>(spec, timeoutMs, 'memory profile', (message, session) => {
    if (message.id === 1) {
      if (message.error) return { error: new ColdStartError(`initialize failed: ${message.error.message}`) };
      listTools(session);
    } else if (message.id === 2) {
      if (message.error) return { error: new ColdStartError(`tools/list failed: ${message.error.message}`) };
      profile.listPeakKb = read(session, 'VmHWM');
      setTimeout(() => {
        profile.idleRssKb = read(session, 'VmRSS');
        callAt(session, 0);
      }, settleMs);
    } else if (message.id === 'end') {
      profile.peakKb = read(session, 'VmHWM');
      return { sample: profile };
    } else if (typeof message.id === 'number' && message.id >= 3) {
      const index = message.id - 3;
      const result = message.result as { isError?: boolean; content?: { text?: string }[] } | undefined;
      const error = message.error ? message.error.message : result?.isError ? (result.content?.[0]?.text ?? 'isError').slice(0, 160) : null;
      setTimeout(() => {
        profile.calls.push({ label: calls[index]!.label, rssKb: read(session, 'VmRSS'), error });
        callAt(session, index + 1);
      }, settleMs / 3);
    }
    return undefined;
  });
}

/** VmRSS of a bare Node process `settleMs` after it started and went idle (it prints a line, then waits). */
export function bareIdleRssKb(command: string, env: Record<string, string>, cwd: string, settleMs = 1000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, ['-e', "process.stdout.write('ready\\n'); setTimeout(() => {}, 30000)"], { cwd, env, stdio: ['ignore', 'pipe', 'ignore'] });
    child.on('error', reject);
    child.stdout.once('data', () => {
      setTimeout(() => {
        const kb = child.pid === undefined ? null : readProcStatusKb(child.pid, 'VmRSS');
        child.once('exit', () => resolve(kb));
        child.kill('SIGTERM');
      }, settleMs);
    });
  });
}
