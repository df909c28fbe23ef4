/**
 * The first request id. SDK 1.32.2's receiver ignores a cancellation of request id 0
 * (`Protocol._oncancel`: `if (!notification.params.requestId) return`), so a client whose first
 * tools/call is id 0 (one that numbers its initialize apart, or an HTTP client making a new
 * session per call) could cancel send_sms while its approval prompt was open, and the human's
 * later "yes" would still send. The bridge's transport (result-delivery.ts) gives id 0 an alias
 * the SDK sees as a cancellable id, and maps it back on the way out.
 */
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { clientApproval } from '../../mcp-bridge/src/server/approval';
import { ResultDelivery } from '../../mcp-bridge/src/server/result-delivery';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function firstCallCancelled(): Promise<{ answers: string[]; responses: JSONRPCMessage[] }> {
  const server = new McpServer({ name: 't', version: '1' });
  const answers: string[] = [];
  server.registerTool('send_sms', { inputSchema: {} }, async (_args, extra) => {
    const answer = await clientApproval(server.server, { requestId: extra.requestId, signal: extra.signal })({ to: '+14155550100', from: '+15005550006', messagingServiceSid: undefined, body: 'hi', mediaUrl: [], sendAt: undefined }, 5_000);
    answers.push(answer.kind);
    return { content: [{ type: 'text', text: answer.kind === 'accepted' ? 'SENT' : 'not sent' }] };
  });
  const delivery = new ResultDelivery({ keepMs: 1_000, onUndo: () => undefined });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const received: JSONRPCMessage[] = [];
  clientSide.onmessage = (message) => received.push(message);
  await clientSide.start();
  await server.connect(delivery.wrap(serverSide));
  const send = (message: Record<string, unknown>) => clientSide.send({ jsonrpc: '2.0', ...message } as JSONRPCMessage);
  // A client whose initialize is not id 0: the first tools/call is.
  await send({ id: 'init', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 'c', version: '1' } } });
  await send({ method: 'notifications/initialized' });
  await send({ id: 0, method: 'tools/call', params: { name: 'send_sms', arguments: {} } });
  for (let i = 0; i < 100 && !received.some((m) => 'method' in m && m.method === 'elicitation/create'); i++) await sleep(10);
  const prompt = received.find((m) => 'method' in m && m.method === 'elicitation/create') as { id: number } | undefined;
  expect(prompt).toBeDefined();
  // The client's timeout fires (LibreChat: notifications/cancelled), then the human says yes.
  await send({ method: 'notifications/cancelled', params: { requestId: 0, reason: 'timeout' } });
  await sleep(50);
  await send({ id: prompt!.id, result: { action: 'accept', content: { send: true } } });
  await sleep(100);
  await server.close();
  return { answers, responses: received.filter((m) => 'id' in m && m.id === 0) };
}

test('a cancelled first call (id 0) cannot be approved into a send afterwards', async () => {
  const { answers } = await firstCallCancelled();
  expect(answers).toEqual(['cancelled']);
});

test('an answered id 0 still reaches the client as id 0', async () => {
  const server = new McpServer({ name: 't', version: '1' });
  server.registerTool('echo', { inputSchema: {} }, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const received: JSONRPCMessage[] = [];
  clientSide.onmessage = (message) => received.push(message);
  await clientSide.start();
  await server.connect(new ResultDelivery({ keepMs: 1_000, onUndo: () => undefined }).wrap(serverSide));
  const send = (message: Record<string, unknown>) => clientSide.send({ jsonrpc: '2.0', ...message } as JSONRPCMessage);
  await send({ id: 'init', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } });
  await send({ method: 'notifications/initialized' });
  await send({ id: 0, method: 'tools/call', params: { name: 'echo', arguments: {} } });
  await sleep(50);
  expect(received.find((m) => 'id' in m && m.id === 0)).toMatchObject({ id: 0, result: { content: [{ type: 'text', text: 'ok' }] } });
  await server.close();
});
