/**
 * A bridge started from wherever it was installed (an npm install of the tarball, an unpacked
 * .mcpb), driven by the MCP SDK's client over stdio, and one pass through every tool against the
 * whole system on loopback (the emulator, the Functions under twilio-run, Sync): what a user of
 * that install would see. Used by test/e2e/npm-package.test.ts and mcpb-bundle.test.ts.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { conversationIdFor } from '../../lib/conversation-id';
import { type BridgeProcess, collectStderr, textOf } from '../../scripts/system/bridge-process';
import type { LocalSystem } from '../../scripts/system/local-system';

export const TOOL_NAMES = ['cancel_scheduled_sms', 'get_conversation', 'get_media', 'list_conversations', 'receive_sms', 'send_sms', 'wait_for_reply'];

/** Starts `command args` exactly as given: env is the whole environment (nothing inherited). */
export async function connectStdio(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<BridgeProcess> {
  const transport = new StdioClientTransport({ command, args, env, cwd, stderr: 'pipe' });
  const stderr = collectStderr(transport);
  const client = new Client({ name: 'twilio-sms-mcp-install-tests', version: '1.0.0' });
  try {
    await client.connect(transport);
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')} did not start: ${(error as Error).message}\n${stderr()}`);
  }
  return {
    client,
    stderr,
    call: async (name, callArgs = {}) => (await client.callTool({ name, arguments: callArgs }, undefined, { timeout: 60_000 })) as CallToolResult,
    close: () => client.close(),
  };
}

// A 1×1 transparent PNG (as in media.test.ts).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

/**
 * Every tool once, each checked for what a user relies on: send (delivered), receive with an
 * image, get_media, list, the thread, wait (times out), cancel (refuses a bad sid). `handset`
 * must be new to this system.
 */
export async function exerciseEveryTool(bridge: BridgeProcess, system: Pick<LocalSystem, 'emulator' | 'ourNumber'>, handset: string): Promise<void> {
  const { emulator, ourNumber } = system;
  const files = createServer((req, res) => {
    const [status, type, body] = req.url === '/cat.png' ? [200, 'image/png', PNG] : [404, 'text/plain', Buffer.from('nope')];
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  try {
    const conversationId = conversationIdFor(ourNumber, handset);
    const { tools } = await bridge.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(TOOL_NAMES);

    const sent = await bridge.call('send_sms', { to: handset, body: 'Your table is ready.' });
    expect(textOf(sent)).toMatch(/^\[FINAL\] SMS sent to \+\d+ \(SID SM[0-9a-f]{32}\): delivered\./);
    expect(sent.structuredContent).toMatchObject({ outcome: 'sent', status: 'delivered', conversationId });
    expect(emulator.messages().filter((m) => m.direction === 'outbound-api' && m.to === handset)).toEqual([expect.objectContaining({ from: ourNumber, body: 'Your table is ready.' })]);

    const url = `http://127.0.0.1:${(files.address() as AddressInfo).port}/cat.png`;
    await emulator.simulateInbound({ from: handset, to: ourNumber, body: 'On my way', media: [{ url, contentType: 'image/png' }] });
    const received = await bridge.call('receive_sms', { conversationId });
    const messages = received.structuredContent!.messages as { body: string; media: { url: string }[] }[];
    expect(messages).toEqual([expect.objectContaining({ body: 'On my way', media: [expect.objectContaining({ contentType: 'image/png' })] })]);

    const image = await bridge.call('get_media', { url: messages[0]!.media[0]!.url });
    expect(image.content).toContainEqual({ type: 'image', data: PNG.toString('base64'), mimeType: 'image/png' });

    const listed = await bridge.call('list_conversations');
    expect(listed.structuredContent!.conversations).toContainEqual(expect.objectContaining({ conversationId, theirNumber: handset, messageCount: 2, unreadCount: 0 }));

    const thread = await bridge.call('get_conversation', { conversationId });
    expect((thread.structuredContent!.messages as { direction: string; body: string }[]).map((m) => [m.direction, m.body])).toEqual([
      ['outbound', 'Your table is ready.'],
      ['inbound', 'On my way'],
    ]);

    const waited = await bridge.call('wait_for_reply', { conversationId, timeoutSeconds: 1 });
    expect(waited.structuredContent).toMatchObject({ messages: [], timedOut: true });

    const cancel = await bridge.call('cancel_scheduled_sms', { sid: 'SMnot-a-sid' });
    expect(cancel.isError).toBe(true);
    expect(textOf(cancel)).toMatch(/is not a message SID/);
  } finally {
    await new Promise((resolve) => files.close(resolve));
  }
}
