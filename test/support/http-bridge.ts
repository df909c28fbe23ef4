/**
 * The built bridge served over Streamable HTTP, as a real child process, and MCP SDK clients that
 * talk to it through the SDK's StreamableHTTPClientTransport, each with its own bearer token.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { freePort } from './functions-process';
import { BRIDGE_BIN } from './paths';

export interface HttpBridgeProcess {
  url: string;
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
  connect(token?: string): Promise<HttpClient>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface HttpClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  call(name: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** Starts the bridge with `--http` on a free loopback port; resolves once it listens. */
export async function startHttpBridge(env: Record<string, string>): Promise<HttpBridgeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [BRIDGE_BIN, '--http'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MCP_HTTP_PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: '/',
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (!/listening on (http:\/\/\S+\/mcp)/.test(stderr)) {
    if (child.exitCode !== null) throw new Error(`the HTTP bridge exited ${child.exitCode}:\n${stderr}`);
    if (Date.now() > deadline) throw new Error(`the HTTP bridge did not listen in 15 s:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = /listening on (http:\/\/\S+\/mcp)/.exec(stderr)![1]!;
  return {
    url,
    child,
    stderr: () => stderr,
    exited,
    connect: (token) => connectHttp(url, token),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function connectHttp(url: string, token?: string): Promise<HttpClient> {
  const transport = new StreamableHTTPClientTransport(new URL(url), token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : {});
  const client = new Client({ name: 'twilio-sms-mcp-http-tests', version: '1.0.0' });
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
