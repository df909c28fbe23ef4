/**
 * The built bridge served over Streamable HTTP (`--http`) as a child process on a free loopback
 * port, for the MCP conformance suite (test/e2e/conformance.test.ts) and the http-throughput
 * benchmark (bench/http-throughput.ts); and MCP SDK clients on it, each its own MCP session
 * through the SDK's StreamableHTTPClientTransport.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { freePort } from './functions-process';
import { BRIDGE_BIN } from './paths';

export interface HttpBridgeChild {
  /** http://127.0.0.1:PORT/mcp, as the bridge printed it. */
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything the bridge wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM (the bridge lets calls in flight finish), SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const LISTENING = /listening on (http:\/\/\S+\/mcp)/;

/**
 * Spawns `node mcp-bridge/dist/index.js --http` with only PATH, HOME, the port and `env` (nothing
 * leaks in from the test environment) and resolves when it prints that it listens.
 */
export async function spawnHttpBridge(env: Record<string, string>, options: { readyTimeoutMs?: number } = {}): Promise<HttpBridgeChild> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const port = await freePort();
  const child = spawn(process.execPath, [BRIDGE_BIN, '--http'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MCP_HTTP_HOST: '127.0.0.1', MCP_HTTP_PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd: '/',
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the HTTP bridge did not listen within ${readyTimeoutMs / 1000} s; stderr:\n${stderr}`));
    }, readyTimeoutMs);
    const check = () => {
      const match = LISTENING.exec(stderr);
      if (!match) return;
      clearTimeout(timer);
      child.stderr!.off('data', check);
      resolve(match[1]!);
    };
    child.stderr!.on('data', check);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the HTTP bridge exited (${signal ?? `code ${code}`}) before listening; stderr:\n${stderr}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    child,
    stderr: () => stderr,
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface HttpSession {
  client: Client;
  transport: StreamableHTTPClientTransport;
  call(name: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<CallToolResult>;
  /** Ends the MCP session (DELETE /mcp), then the client. */
  close(): Promise<void>;
}

/** One MCP session: initialize + notifications/initialized through the SDK's StreamableHTTPClientTransport. */
export async function openHttpSession(url: string, options: { token?: string; name?: string } = {}): Promise<HttpSession> {
  const transport = new StreamableHTTPClientTransport(new URL(url), options.token ? { requestInit: { headers: { Authorization: `Bearer ${options.token}` } } } : {});
  const client = new Client({ name: options.name ?? 'twilio-sms-mcp-tests', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    transport,
    call: async (name, args = {}, timeoutMs = 60_000) => (await client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs })) as CallToolResult,
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}
