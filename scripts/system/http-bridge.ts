/**
 * The bridge served over Streamable HTTP as a real child process (the repository's build, or any
 * other install of it, as the Docker image runs it), and MCP SDK clients on it, each its own MCP
 * session through the SDK's StreamableHTTPClientTransport. Used by the HTTP, conformance,
 * inspector and production-install tests and by the http-throughput benchmark.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Client, type ClientOptions } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { bridgePath } from './paths';
import { freePort } from './ports';

export interface HttpBridgeProcess {
  /** The MCP endpoint on loopback (a wildcard listen address replaced by 127.0.0.1). */
  url: string;
  /** The endpoint as the bridge printed it ("listening on …"). */
  announced: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Everything the bridge wrote to stderr so far (and anything on stdout, marked, which is a bug). */
  stderr(): string;
  exited: Promise<number | null>;
  connect(auth?: string | Record<string, string>): Promise<HttpClient>;
  /** SIGTERM (calls in flight may finish), SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface HttpClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  call(name: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<CallToolResult>;
  /** Ends the MCP session (DELETE /mcp), then the client. */
  close(): Promise<void>;
}

const LISTENING = /listening on (http:\/\/\S+\/mcp)/;

/**
 * Starts `node <bin> --http` (by default the built bridge) with only PATH, HOME and `env`, on
 * MCP_HTTP_PORT when `env` names one, else a free port; resolves once it listens.
 */
export async function spawnHttpBridge(
  env: Record<string, string>,
  options: { bin?: string; cwd?: string; args?: string[]; readyTimeoutMs?: number } = {},
): Promise<HttpBridgeProcess> {
  const port = env.MCP_HTTP_PORT ? Number(env.MCP_HTTP_PORT) : await freePort();
  const child = spawn(process.execPath, [options.bin ?? bridgePath(), ...(options.args ?? ['--http'])], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, MCP_HTTP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd ?? '/',
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdout?.on('data', (chunk: Buffer) => (stderr += `[stdout] ${chunk.toString('utf8')}`));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (!LISTENING.test(stderr)) {
    if (child.exitCode !== null) throw new Error(`the HTTP bridge exited ${child.exitCode}:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the HTTP bridge did not listen in time:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const announced = LISTENING.exec(stderr)![1]!;
  const url = announced.replace(/^http:\/\/(0\.0\.0\.0|\[::\])/, 'http://127.0.0.1');
  return {
    url,
    announced,
    port,
    pid: child.pid!,
    child,
    stderr: () => stderr,
    exited,
    connect: (auth) => connectHttp(url, auth),
    stop: async (graceMs = 15_000) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
      }
      return exited;
    },
  };
}

/**
 * The SDK's client over Streamable HTTP, with `Authorization: Bearer <token>` or the given headers;
 * `clientOptions` e.g. `{ capabilities: { elicitation: {} } }`.
 */
export async function connectHttp(url: string, auth?: string | Record<string, string>, name = 'twilio-sms-mcp-http-tests', clientOptions?: ClientOptions): Promise<HttpClient> {
  const headers = typeof auth === 'string' ? { Authorization: `Bearer ${auth}` } : auth;
  const transport = new StreamableHTTPClientTransport(new URL(url), headers ? { requestInit: { headers } } : {});
  const client = new Client({ name, version: '1.0.0' }, clientOptions);
  await client.connect(transport);
  return {
    client,
    transport,
    call: async (tool, args = {}, timeoutMs = 60_000) => (await client.callTool({ name: tool, arguments: args }, undefined, { timeout: timeoutMs })) as CallToolResult,
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}
