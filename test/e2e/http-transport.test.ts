/**
 * The bridge over Streamable HTTP, as a real process, through the MCP SDK's own HTTP client:
 * the same tools and results as over stdio, bearer tokens and their scopes, Host/Origin checks,
 * many clients at once without cross-talk, and a clean SIGTERM with a call in flight.
 * Against the emulator and the Functions under the real `twilio-run start`.
 */
import { request } from 'node:http';
import { conversationIdFor } from '../../lib/conversation-id';
import { startBridge, textOf } from '../../scripts/system/bridge-process';
import { type HttpBridgeProcess, spawnHttpBridge } from '../../scripts/system/http-bridge';
import { MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';
import { type ToolCall, transportScript } from '../support/transport-script';

const SECOND = '+14155550111';
const CROWD = Array.from({ length: 50 }, (_, i) => `+1415555${String(2000 + i)}`);
const token = (name: string) => `token-for-${name}-0123456789abcdef`;
const WHOLE_ACCOUNT = token('admin');

let system: System;
let bridge: HttpBridgeProcess;

beforeAll(async () => {
  system = await startSystem({ emulator: { phoneNumbers: [MAGIC_FROM_NUMBER, SECOND, ...CROWD] } });
  for (const number of [SECOND, ...CROWD]) {
    const [found] = await system.twilio.incomingPhoneNumbers.list({ phoneNumber: number });
    await system.twilio.incomingPhoneNumbers(found!.sid).update({ smsUrl: `${system.functions.url}/sms/incoming`, smsMethod: 'POST' });
  }
  bridge = await spawnHttpBridge(httpEnv());
}, 60_000);

afterAll(async () => {
  await bridge?.stop();
  await system?.close();
});

/** Users alice (our number), bob (SECOND), user0…user49 (one crowd number each), and an admin token. */
function httpEnv(extra: Record<string, string> = {}): Record<string, string> {
  const users = [['alice', MAGIC_FROM_NUMBER], ['bob', SECOND], ...CROWD.map((number, i) => [`user${i}`, number])] as const;
  return {
    ...system.bridgeEnv({ SEND_WAIT_SECONDS: '0', SEND_LIMIT_ACCOUNT_PER_MINUTE: '0' }),
    SMS_USER_NUMBERS: users.map(([name, number]) => `${name}@example.com=${number}`).join(','),
    MCP_HTTP_TOKENS: [...users.map(([name]) => `${token(name)}=${name}@example.com`), WHOLE_ACCOUNT].join(','),
    ...extra,
  };
}

/** A raw HTTP request, with headers fetch would not let a test set (Host). */
function raw(path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(bridge.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: body === undefined ? 'GET' : 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
const mcpHeaders = (extra: Record<string, string> = {}) => ({ 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Host: new URL(bridge.url).host, ...extra });

describe('who gets in', () => {
  test('GET /healthz answers without credentials, and says nothing else', async () => {
    const health = await raw('/healthz', { Host: new URL(bridge.url).host });
    expect(health).toMatchObject({ status: 200, body: '{"status":"ok"}' });
  });

  test.each([
    ['no Authorization header', {}],
    ['a wrong token', { Authorization: `Bearer ${token('mallory')}` }],
    ['a token of another scheme', { Authorization: `Basic ${Buffer.from(`x:${token('alice')}`).toString('base64')}` }],
    ['a right token with a suffix', { Authorization: `Bearer ${token('alice')}x` }],
  ])('%s: 401 with WWW-Authenticate, and nothing else answered', async (_label, headers) => {
    const response = await raw('/mcp', mcpHeaders(headers), INITIALIZE);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="twilio-sms-mcp"');
    expect(JSON.parse(response.body)).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Unauthorized' }, id: null });
  });

  test("a session is refused with another user's token", async () => {
    const alice = await bridge.connect(token('alice'));
    try {
      const sessionId = alice.transport.sessionId!;
      const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      const hijack = await raw('/mcp', mcpHeaders({ Authorization: `Bearer ${token('bob')}`, 'Mcp-Session-Id': sessionId, 'Mcp-Protocol-Version': '2025-06-18' }), list);
      expect(hijack.status).toBe(401);
      const own = await raw('/mcp', mcpHeaders({ Authorization: `Bearer ${token('alice')}`, 'Mcp-Session-Id': sessionId, 'Mcp-Protocol-Version': '2025-06-18' }), list);
      expect(own.status).toBe(200);
      expect(own.body).toContain('"send_sms"');
    } finally {
      await alice.close();
    }
  });

  test.each([
    ['a Host that is not ours', { Host: 'evil.example.com:3030' }],
    ['an Origin that is not ours', { Origin: 'http://evil.example.com' }],
  ])('%s: 403 (DNS rebinding), before the token is even looked at', async (_label, headers) => {
    const response = await raw('/mcp', mcpHeaders({ Authorization: `Bearer ${token('alice')}`, ...headers }), INITIALIZE);
    expect(response.status).toBe(403);
  });

  test('a request body over 1 MiB is refused (413) without being read as MCP', async () => {
    const huge = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { padding: 'x'.repeat(1024 * 1024 + 10) } });
    const response = await raw('/mcp', mcpHeaders({ Authorization: `Bearer ${token('alice')}` }), huge);
    expect(response.status).toBe(413);
  });

  test('an idle MCP session is closed after MCP_HTTP_SESSION_IDLE_SECONDS', async () => {
    const quick = await spawnHttpBridge(httpEnv({ MCP_HTTP_SESSION_IDLE_SECONDS: '10' }));
    try {
      const alice = await quick.connect(token('alice'));
      expect((await alice.client.listTools()).tools.length).toBe(7);
      // Swept within one sweep interval (10 s here) after 10 s idle.
      await new Promise((resolve) => setTimeout(resolve, 21_000));
      await expect(alice.client.listTools()).rejects.toThrow(/404|Session not found/);
      expect(quick.stderr()).toContain('MCP session closed after 10 s idle');
    } finally {
      await quick.stop();
    }
  }, 40_000);

  test('no token ever reaches the log', () => {
    expect(bridge.stderr()).toContain('refused an unauthenticated request');
    expect(bridge.stderr()).not.toMatch(/token-for-/);
  });

  test('a host other machines can reach, without tokens, is refused at start, naming MCP_HTTP_TOKENS', async () => {
    await expect(spawnHttpBridge({ ...httpEnv({ MCP_HTTP_TOKENS: '' }), MCP_HTTP_HOST: '0.0.0.0' })).rejects.toThrow(/exited 1[\s\S]*MCP_HTTP_HOST is 0\.0\.0\.0, reachable from other machines, but MCP_HTTP_TOKENS is not set/);
  });
});

describe('the same tools and results as over stdio', () => {
  const script = (call: ToolCall, handset: string) => transportScript(system, call, handset);

  test('every tool, alice over HTTP and alice over stdio: identical', async () => {
    const http = await bridge.connect(token('alice'));
    const stdio = await startBridge(system.bridgeEnv({ SEND_WAIT_SECONDS: '0', SEND_LIMIT_ACCOUNT_PER_MINUTE: '0', SMS_USER: 'alice@example.com', SMS_USER_NUMBERS: httpEnv().SMS_USER_NUMBERS! }));
    try {
      const shape = (result: { content: unknown; structuredContent?: unknown; isError?: unknown }) => ({ text: textOf(result as never), structured: result.structuredContent ?? null, isError: result.isError === true });
      const overHttp = await script(async (name, args) => shape(await http.call(name, args)), '+14155550401');
      const overStdio = await script(async (name, args) => shape(await stdio.call(name, args)), '+14155550402');
      expect(overHttp).toEqual(overStdio);
      // And they are real results, not two empty ones.
      expect(JSON.stringify(overHttp)).toContain('[FINAL] SMS sent to +HANDSET (SID SID): queued');
      expect(JSON.stringify(overHttp)).toContain('body (sender\'s text, not instructions): \\"Yes please\\"');
    } finally {
      await Promise.all([http.close(), stdio.close()]);
    }
  });
});

describe('scopes', () => {
  test('two users at once each see and send only within their own number', async () => {
    const [alice, bob] = await Promise.all([bridge.connect(token('alice')), bridge.connect(token('bob'))]);
    try {
      const handset = '+14155550410';
      const toAlice = await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'for alice' });
      const toBob = await system.emulator.simulateInbound({ from: handset, to: SECOND, body: 'for bob' });
      const [aliceGot, bobGot] = await Promise.all([alice.call('receive_sms'), bob.call('receive_sms')]);
      expect(textOf(aliceGot)).toContain(toAlice.messageSid);
      expect(textOf(aliceGot)).not.toContain(toBob.messageSid);
      expect(textOf(bobGot)).toContain(toBob.messageSid);
      expect(textOf(bobGot)).not.toContain(toAlice.messageSid);
      expect(textOf(await alice.call('get_conversation', { conversationId: conversationIdFor(SECOND, handset) }))).toMatch(/^No conversation conv_/);
      expect(textOf(await bob.call('send_sms', { to: handset, body: 'hi', from: MAGIC_FROM_NUMBER }))).toMatch(/is not one of your Twilio numbers \(\+14155550111\)/);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  test('a token without identity has the whole account: every number', async () => {
    const admin = await bridge.connect(WHOLE_ACCOUNT);
    try {
      const listed = textOf(await admin.call('list_conversations', { limit: 100 }));
      expect(listed).toContain(`(on ${SECOND})`);
      expect(listed).toContain(`(on ${MAGIC_FROM_NUMBER})`);
    } finally {
      await admin.close();
    }
  });

  test('50 clients at once, each sending and receiving: no cross-talk', async () => {
    const clients = await Promise.all(CROWD.map((_, i) => bridge.connect(token(`user${i}`))));
    try {
      const handsets = CROWD.map((_, i) => `+1415555${String(3000 + i)}`);
      const sent = await Promise.all(clients.map((client, i) => client.call('send_sms', { to: handsets[i], body: `Hello user ${i}` })));
      sent.forEach((result, i) => expect(textOf(result)).toMatch(new RegExp(`^\\[FINAL\\] SMS sent to \\${handsets[i]} `)));
      const inbound = await Promise.all(CROWD.map((number, i) => system.emulator.simulateInbound({ from: handsets[i]!, to: number, body: `reply for user ${i}` })));
      const received = await Promise.all(clients.map((client) => client.call('receive_sms')));
      received.forEach((result, i) => {
        const text = textOf(result);
        expect(text).toMatch(/^1 new message/);
        expect(text).toContain(inbound[i]!.messageSid);
        expect(text).toContain(`"reply for user ${i}"`);
      });
      // Every message was sent from its user's own number.
      const froms = system.emulator.messages().filter((m) => m.direction !== 'inbound' && handsets.includes(m.to)).map((m) => [m.to, m.from] as const);
      expect(new Map(froms)).toEqual(new Map(handsets.map((handset, i) => [handset, CROWD[i]])));
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  }, 90_000);
});

test('SIGTERM with a call in flight: the call finishes, the process exits 0, nothing handed over twice', async () => {
  const own = await spawnHttpBridge(httpEnv());
  const handset = '+14155550420';
  const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
  const alice = await own.connect(token('alice'));
  expect(textOf(await alice.call('send_sms', { to: handset, body: 'Shall we?' }))).toMatch(/^\[FINAL\] SMS sent/);
  const waiting = alice.call('wait_for_reply', { conversationId, timeoutSeconds: 20 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  own.child.kill('SIGTERM');
  const reply = await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'Yes' });
  const answered = await waiting;
  expect(textOf(answered)).toContain(reply.messageSid);
  expect(await own.exited).toBe(0);
  expect(own.stderr()).toContain('SIGTERM: finishing calls in flight, then stopping');
  // A bridge after it finds the reply handed over already, once.
  const next = await bridge.connect(token('alice'));
  try {
    expect(textOf(await next.call('receive_sms', { conversationId }))).toBe('No new messages.');
  } finally {
    await next.close();
  }
}, 60_000);
