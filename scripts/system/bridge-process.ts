/**
 * The built bridge as a real child process, driven by the MCP SDK's own client over stdio —
 * exactly how LibreChat and Claude Desktop run it. Used by the tests and the benchmarks.
 */
import { Client, type ClientOptions } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { bridgePath } from './paths';

export interface BridgeProcess {
  client: Client;
  /** Everything the bridge wrote to stderr so far. */
  stderr(): string;
  call(name: string, args?: Record<string, unknown>, onProgress?: (message: string) => void): Promise<CallToolResult>;
  close(): Promise<void>;
}

/**
 * Collects what the child writes to stderr. Call it before `connect` (the SDK hands out the
 * stream as soon as the transport is built with `stderr: 'pipe'`), so early output is kept.
 */
export function collectStderr(transport: StdioClientTransport): () => string {
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return () => stderr;
}

/** `clientOptions`: e.g. `{ capabilities: { elicitation: {} } }` for a client that can ask its user. */
export async function startBridge(env: Record<string, string>, clientOptions?: ClientOptions): Promise<BridgeProcess> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bridgePath()],
    // Only what Claude Desktop passes plus the configuration: nothing leaks in from the test env.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stderr: 'pipe',
    cwd: '/',
  });
  const stderr = collectStderr(transport);
  const client = new Client({ name: 'twilio-sms-mcp-tests', version: '1.0.0' }, clientOptions);
  await client.connect(transport);
  return {
    client,
    stderr,
    call: async (name, args = {}, onProgress) =>
      (await client.callTool({ name, arguments: args }, undefined, {
        timeout: 120_000,
        ...(onProgress ? { onprogress: (progress) => onProgress(progress.message ?? '') } : {}),
      })) as CallToolResult,
    close: () => client.close(),
  };
}

export function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}
