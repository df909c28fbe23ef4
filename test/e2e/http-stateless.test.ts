/**
 * The HTTP service with MCP_HTTP_STATELESS=true: two replicas behind a plain round-robin proxy
 * that sends each request of one client to the other replica than the last. No sticky sessions:
 * every tool works, the send guard holds across the replicas (Sync), and a message is handed over
 * once however the receives are spread. Against the emulator and the Functions under `twilio-run`.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { conversationIdFor } from '../../lib/conversation-id';
import { textOf } from '../../scripts/system/bridge-process';
import { connectHttp, type HttpBridgeProcess, spawnHttpBridge } from '../../scripts/system/http-bridge';
import { MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';

const TOKEN = 'stateless-token-0123456789abcdef';

let system: System;
let replicas: HttpBridgeProcess[] = [];
let proxy: Server;
let proxyUrl: string;
const served: number[] = [];

/** Round robin over the replicas, request by request, with no affinity of any kind. */
function roundRobin(upstreams: URL[]): Server {
  let next = 0;
  return createServer((req, res) => {
    const index = next++ % upstreams.length;
    served.push(index);
    const target = upstreams[index]!;
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
}

beforeAll(async () => {
  system = await startSystem();
  const env = { ...system.bridgeEnv({ SEND_WAIT_SECONDS: '0', SEND_LIMIT_ACCOUNT_PER_MINUTE: '0' }), MCP_HTTP_TOKENS: TOKEN, MCP_HTTP_STATELESS: 'true' };
  replicas = await Promise.all([spawnHttpBridge(env), spawnHttpBridge(env)]);
  proxy = roundRobin(replicas.map((replica) => new URL(replica.url)));
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/mcp`;
}, 60_000);

afterAll(async () => {
  proxy?.close();
  await Promise.all(replicas.map((replica) => replica.stop()));
  await system?.close();
});

test('a client through the round robin: no session id, every tool works, each request on the other replica', async () => {
  const client = await connectHttp(proxyUrl, TOKEN);
  try {
    expect(client.transport.sessionId).toBeUndefined();
    const { tools } = await client.client.listTools();
    expect(tools).toHaveLength(7);
    const handset = '+14155550901';
    const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
    expect(textOf(await client.call('send_sms', { to: handset, body: 'Table for two?' }))).toContain('[FINAL] SMS sent to');
    const reply = await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'Yes' });
    expect(textOf(await client.call('receive_sms', { conversationId }))).toContain(reply.messageSid);
    expect(textOf(await client.call('list_conversations'))).toContain(conversationId);
    expect(textOf(await client.call('get_conversation', { conversationId }))).toContain('Table for two?');
    expect(textOf(await client.call('wait_for_reply', { conversationId, timeoutSeconds: 1 }))).toMatch(/^No reply yet/);
    expect((await client.call('cancel_scheduled_sms', { sid: 'not-a-sid' })).isError).toBe(true);
    expect((await client.call('get_media', { url: 'https://example.com/cat.png' })).isError).toBe(true);
    // Both replicas answered, in turn.
    expect(new Set(served)).toEqual(new Set([0, 1]));
  } finally {
    await client.close();
  }
});

test('the guard holds across the replicas: the same text twice is sent once', async () => {
  const client = await connectHttp(proxyUrl, TOKEN);
  try {
    const before = system.messageCreates();
    const first = textOf(await client.call('send_sms', { to: '+14155550902', body: 'Only once, please' }));
    const second = textOf(await client.call('send_sms', { to: '+14155550902', body: 'Only once, please' }));
    expect(first).toContain('[FINAL] SMS sent to');
    expect(second).toMatch(/already sent/i);
    expect(system.messageCreates() - before).toBe(1);
  } finally {
    await client.close();
  }
});

test('receives spread over both replicas at once hand each message over exactly once', async () => {
  const handset = '+14155550903';
  const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
  const sids: string[] = [];
  for (const body of ['one', 'two', 'three', 'four']) sids.push((await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body })).messageSid);
  const clients = await Promise.all([connectHttp(proxyUrl, TOKEN), connectHttp(proxyUrl, TOKEN)]);
  try {
    const texts = (await Promise.all([...clients, ...clients].map((client) => client.call('receive_sms', { conversationId })))).map(textOf);
    for (const sid of sids) expect(texts.filter((text) => text.includes(sid))).toHaveLength(1);
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
});

test('GET is 405 with Allow: POST, and a wrong token 401', async () => {
  const get = await fetch(proxyUrl, { headers: { Accept: 'text/event-stream', Authorization: `Bearer ${TOKEN}` } });
  expect(get.status).toBe(405);
  expect(get.headers.get('allow')).toBe('POST');
  const wrong = await fetch(proxyUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${TOKEN}x` }, body: '{}' });
  expect(wrong.status).toBe(401);
});

test('a stateless replica without Sync refuses to start', async () => {
  const env = { ...system.bridgeEnv(), TWILIO_SYNC_SERVICE_SID: '', MCP_HTTP_TOKENS: TOKEN, MCP_HTTP_STATELESS: 'true' };
  await expect(spawnHttpBridge(env)).rejects.toThrow(/send guard .* must be in Sync/);
});
