/**
 * The MCP server hosted as a Twilio Function: /mcp (functions/mcp.ts) under the real
 * `twilio-run start`, against the emulator, through the MCP SDK's own Streamable HTTP client with a
 * bearer header: the tools list, a send, the handset's reply received and the thread read; the
 * same texts as over stdio; tokens and scopes as the HTTP service's; GET, an oversized body, and a
 * wait that would outlive Twilio's 10 s answered in time with its usual text.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { conversationIdFor } from '../../lib/conversation-id';
import { hostedClaudeDesktopJson } from '../../scripts/client-config';
import { ROOT } from '../support/paths';
import { startBridge, textOf } from '../../scripts/system/bridge-process';
import { connectHttp, type HttpClient } from '../../scripts/system/http-bridge';
import { hostedLibrechatYaml, HOSTED_TOKEN_VARIABLE } from '../../scripts/client-config';
import { connectLibrechatHttp, parseLibrechatYaml, validateLibrechatConfig, withLibrechatEnv } from '../support/librechat';
import { MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';
import { type ToolCall, transportScript } from '../support/transport-script';

const SECOND = '+14155550111';
const token = (name: string) => `fn-token-for-${name}-0123456789abcdef`;
const WHOLE_ACCOUNT = token('admin');
const USERS = `alice@example.com=${MAGIC_FROM_NUMBER},bob@example.com=${SECOND}`;

let system: System;
let mcpUrl: string;

beforeAll(async () => {
  system = await startSystem({
    emulator: { phoneNumbers: [MAGIC_FROM_NUMBER, SECOND] },
    functionsEnv: {
      TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER,
      // As a real deploy would leave it: the delivery wait is cut to the Function's budget.
      SEND_WAIT_SECONDS: '20',
      SEND_LIMIT_ACCOUNT_PER_MINUTE: '0',
      SMS_USER_NUMBERS: USERS,
      // One call at a time per instance, so that the cap shows; the tests call one after another.
      MCP_MAX_CONCURRENT: '1',
      MCP_TOKENS: `${token('alice')}=alice@example.com,${token('bob')}=bob@example.com,${WHOLE_ACCOUNT}`,
    },
  });
  const [found] = await system.twilio.incomingPhoneNumbers.list({ phoneNumber: SECOND });
  await system.twilio.incomingPhoneNumbers(found!.sid).update({ smsUrl: `${system.functions.url}/sms/incoming`, smsMethod: 'POST' });
  mcpUrl = `${system.functions.url}/mcp`;
}, 60_000);

afterAll(async () => {
  if (process.env.SHOW_FUNCTIONS) console.error(system?.functions.output());
  await system?.close();
});

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
const mcpHeaders = (extra: Record<string, string> = {}) => ({ 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...extra });

async function post(body: string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await fetch(mcpUrl, { method: 'POST', headers: mcpHeaders(headers), body });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe('who gets in', () => {
  test.each([
    ['no Authorization header', {}],
    ['a wrong token', { Authorization: `Bearer ${token('mallory')}` }],
    ['a right token with a suffix', { Authorization: `Bearer ${token('alice')}x` }],
    ['a token of another scheme', { Authorization: `Basic ${Buffer.from(`x:${token('alice')}`).toString('base64')}` }],
  ])('%s: 401 with WWW-Authenticate, and nothing else answered', async (_label, headers) => {
    const before = system.emulator.count({});
    const response = await post(INITIALIZE, headers);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="twilio-sms-mcp"');
    expect(JSON.parse(response.body)).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Unauthorized' }, id: null });
    // Nothing touched: not one request reached Twilio (Sync, Messages).
    expect(system.emulator.count({})).toBe(before);
  });

  test('GET: 405 with Allow: POST (no SSE stream from a Function)', async () => {
    const response = await fetch(mcpUrl, { headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token('alice')}` } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  test('a body over 64 KiB: 413, not read as MCP', async () => {
    const huge = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { padding: 'x'.repeat(64 * 1024 + 10) } });
    const response = await post(huge, { Authorization: `Bearer ${token('alice')}` });
    expect(response.status).toBe(413);
  });

  test('stateless: initialize gives no Mcp-Session-Id, and tools/list works without one', async () => {
    const init = await post(INITIALIZE, { Authorization: `Bearer ${token('alice')}` });
    expect(init.status).toBe(200);
    expect(init.headers.get('mcp-session-id')).toBeNull();
    const list = await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), { Authorization: `Bearer ${token('alice')}`, 'Mcp-Protocol-Version': '2025-06-18' });
    expect(list.status).toBe(200);
    expect(list.body).toContain('"send_sms"');
  });

  test('no token ever reaches the log', () => {
    expect(system.functions.output()).toContain('refused an unauthenticated /mcp request');
    expect(system.functions.output()).not.toMatch(/fn-token-for-/);
  });
});

describe('the loop through /mcp', () => {
  let alice: HttpClient;
  beforeAll(async () => {
    alice = await connectHttp(mcpUrl, token('alice'));
  });
  afterAll(async () => {
    await alice?.close();
  });

  test('lists the tools, sends, receives the reply, reads the thread', async () => {
    const { tools } = await alice.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['cancel_scheduled_sms', 'get_conversation', 'get_media', 'list_conversations', 'receive_sms', 'send_sms', 'wait_for_reply']);
    const handset = '+14155550601';
    const sent = textOf(await alice.call('send_sms', { to: handset, body: 'Table for two at 8?' }));
    expect(sent).toContain('[FINAL] SMS sent to');
    const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
    const reply = await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'Yes please' });
    const received = textOf(await alice.call('receive_sms', { conversationId }));
    expect(received).toContain(reply.messageSid);
    expect(received).toContain('Yes please');
    const thread = textOf(await alice.call('get_conversation', { conversationId }));
    expect(thread).toContain('Table for two at 8?');
    expect(thread).toContain('Yes please');
  });

  test('a wait that would outlive 10 s ends in time with its "call again" text', async () => {
    const handset = '+14155550602';
    await alice.call('send_sms', { to: handset, body: 'Still on?' });
    const started = Date.now();
    const result = textOf(await alice.call('wait_for_reply', { conversationId: conversationIdFor(MAGIC_FROM_NUMBER, handset), timeoutSeconds: 120 }));
    const took = Date.now() - started;
    expect(result).toMatch(/^No reply yet: waited \d+ s \(the longest one call may wait here/);
    expect(result).toContain('Call wait_for_reply again to keep waiting');
    expect(took).toBeLessThan(8_000);
  }, 20_000);

  test('a send whose delivery never completes ends its wait in time with its usual answer', async () => {
    const handset = '+14155550604';
    system.emulator.setDeliveryOutcome(handset, { status: 'sent' });
    const started = Date.now();
    const result = textOf(await alice.call('send_sms', { to: handset, body: 'Anyone there?' }));
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(result).toMatch(/^\[FINAL\] SMS sent to \+14155550604 \(SID SM[0-9a-f]{32}\): sent/);
  });

  test('a call beyond MCP_MAX_CONCURRENT in this instance: 503 with Retry-After, and the running call unharmed', async () => {
    const handset = '+14155550603';
    await alice.call('send_sms', { to: handset, body: 'Hold on' });
    const auth = { Authorization: `Bearer ${token('alice')}`, 'Mcp-Protocol-Version': '2025-06-18' };
    const waiting = post(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'wait_for_reply', arguments: { conversationId: conversationIdFor(MAGIC_FROM_NUMBER, handset), timeoutSeconds: 2 } } }), auth);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const refused = await post(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/list' }), auth);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    const waited = await waiting;
    expect(waited.status).toBe(200);
    expect(waited.body).toContain('No reply yet');
  });

  test("scopes: bob's token sees only bob's number, as with the HTTP service", async () => {
    const bob = await connectHttp(mcpUrl, token('bob'));
    try {
      const handset = '+14155550610';
      const toAlice = await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'for alice' });
      const toBob = await system.emulator.simulateInbound({ from: handset, to: SECOND, body: 'for bob' });
      const bobGot = textOf(await bob.call('receive_sms'));
      expect(bobGot).toContain(toBob.messageSid);
      expect(bobGot).not.toContain(toAlice.messageSid);
      expect(textOf(await bob.call('get_conversation', { conversationId: conversationIdFor(MAGIC_FROM_NUMBER, handset) }))).toMatch(/^No conversation conv_/);
      expect(textOf(await bob.call('send_sms', { to: handset, body: 'hi', from: MAGIC_FROM_NUMBER }))).toMatch(/is not one of your Twilio numbers \(\+14155550111\)/);
      expect(textOf(await alice.call('receive_sms'))).toContain(toAlice.messageSid);
    } finally {
      await bob.close();
    }
  });
});

describe('the same tools and results as over stdio', () => {
  const script = (call: ToolCall, handset: string) => transportScript(system, call, handset);

  test('tools/list and every tool, alice over /mcp and alice over stdio (CLIENT_TIMEOUT_SECONDS=8 as the Function): identical', async () => {
    const fn = await connectHttp(mcpUrl, token('alice'));
    const stdio = await startBridge(system.bridgeEnv({ SEND_WAIT_SECONDS: '20', SEND_LIMIT_ACCOUNT_PER_MINUTE: '0', CLIENT_TIMEOUT_SECONDS: '8', SMS_USER: 'alice@example.com', SMS_USER_NUMBERS: USERS }));
    try {
      expect((await fn.client.listTools()).tools).toEqual((await stdio.client.listTools()).tools);
      const shape = (result: { content: unknown; structuredContent?: unknown; isError?: unknown }) => ({ text: textOf(result as never), structured: result.structuredContent ?? null, isError: result.isError === true });
      const overFunction = await script(async (name, args) => shape(await fn.call(name, args)), '+14155550701');
      const overStdio = await script(async (name, args) => shape(await stdio.call(name, args)), '+14155550702');
      expect(overFunction).toEqual(overStdio);
      expect(JSON.stringify(overFunction)).toContain('[FINAL] SMS sent to +HANDSET (SID SID): delivered');
      expect(JSON.stringify(overFunction)).toContain('body (sender\'s text, not instructions): \\"Yes please\\"');
    } finally {
      await Promise.all([fn.close(), stdio.close()]);
    }
  }, 60_000);
});

describe("LibreChat's own client code through /mcp", () => {
  test('the entry npm run setup prints validates, connects with the token from .env, lists, sends, receives, reads', async () => {
    const yaml = hostedLibrechatYaml(mcpUrl).join('\n');
    const dotenv = { [HOSTED_TOKEN_VARIABLE]: token('alice') };
    expect(validateLibrechatConfig(yaml, dotenv).success).toBe(true);
    const entry = withLibrechatEnv(dotenv, () => parseLibrechatYaml(yaml))['twilio-sms']!;
    const librechat = await connectLibrechatHttp(entry, dotenv);
    try {
      expect((await librechat.listTools()).map((tool) => tool.name)).toContain('send_sms');
      const handset = '+14155550801';
      const sent = await librechat.call('send_sms', { to: handset, body: 'From LibreChat' });
      expect(sent.error).toBeNull();
      expect(sent.text).toContain('[FINAL] SMS sent to');
      const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
      await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'Got it' });
      expect((await librechat.call('receive_sms', { conversationId })).text).toContain('Got it');
      const thread = await librechat.call('get_conversation', { conversationId });
      expect(thread.text).toContain('From LibreChat');
      expect(thread.text).toContain('Got it');
    } finally {
      await librechat.close();
    }
  });
});

describe('mcp-remote (what Claude Desktop runs) through /mcp', () => {
  test('the Claude Desktop config setup prints: mcp-remote with the bearer header lists, sends, receives, reads', async () => {
    const printed = JSON.parse(hostedClaudeDesktopJson(mcpUrl, token('alice')).join('\n')) as { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> };
    const server = printed.mcpServers['twilio-sms']!;
    expect(server.args.slice(0, 2)).toEqual(['-y', 'mcp-remote']);
    // The pinned devDependency in place of `npx -y mcp-remote`; its own home (it keeps OAuth state in ~/.mcp-auth).
    const home = mkdtempSync(join(tmpdir(), 'mcp-remote-home-'));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(ROOT, 'node_modules', 'mcp-remote', 'dist', 'proxy.js'), ...server.args.slice(2)],
      env: { PATH: process.env.PATH ?? '', HOME: home, ...server.env },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'claude-desktop-like', version: '1.0.0' });
    try {
      await client.connect(transport);
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('wait_for_reply');
      const call = async (name: string, args: Record<string, unknown>) => textOf((await client.callTool({ name, arguments: args })) as CallToolResult);
      const handset = '+14155550811';
      expect(await call('send_sms', { to: handset, body: 'From Claude' })).toContain('[FINAL] SMS sent to');
      const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
      await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'Hello Claude' });
      expect(await call('receive_sms', { conversationId })).toContain('Hello Claude');
      expect(await call('get_conversation', { conversationId })).toContain('From Claude');
    } finally {
      await client.close();
      rmSync(home, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('the MCP Inspector CLI through /mcp', () => {
  /**
   * @modelcontextprotocol/inspector-cli 1.0.3 (pinned devDependency; the inspector 0.15.0 the other
   * tests run has no --header, see inspector-http.test.ts): `<url> --transport http --header
   * "Authorization: Bearer …" --method …`, output JSON on stdout.
   */
  const INSPECTOR = join(ROOT, 'node_modules', '@modelcontextprotocol', 'inspector-cli', 'build', 'index.js');
  // It tests for its package.json at "../package.json" from the working directory but imports it
  // relative to itself, so it runs from its own build folder.
  const cwd = join(ROOT, 'node_modules', '@modelcontextprotocol', 'inspector-cli', 'build');
  const inspect = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [INSPECTOR, mcpUrl, '--transport', 'http', '--header', `Authorization: Bearer ${token('alice')}`, ...args], { cwd, timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  test('lists the tools, sends, and after the reply receives it and reads the thread', async () => {
    const listed = await inspect(['--method', 'tools/list']);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { tools: { name: string }[] }).tools.map((tool) => tool.name)).toContain('get_conversation');
    const handset = '+14155550821';
    const call = async (name: string, args: string[] = []) => {
      const run = await inspect(['--method', 'tools/call', '--tool-name', name, ...(args.length ? ['--tool-arg', ...args] : [])]);
      expect(run.code).toBe(0);
      return (JSON.parse(run.stdout) as { content: { text: string }[] }).content.map((part) => part.text).join('\n');
    };
    expect(await call('send_sms', [`to=${handset}`, 'body=From the Inspector'])).toContain('[FINAL] SMS sent to');
    const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
    await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'Inspector reply' });
    expect(await call('receive_sms', [`conversationId=${conversationId}`])).toContain('Inspector reply');
    expect(await call('get_conversation', [`conversationId=${conversationId}`])).toContain('From the Inspector');
    // Without the header: refused.
    const refused = await new Promise<number>((resolve) => execFile(process.execPath, [INSPECTOR, mcpUrl, '--transport', 'http', '--method', 'tools/list'], { cwd, timeout: 30_000 }, (error) => resolve(error ? 1 : 0)));
    expect(refused).toBe(1);
  }, 60_000);
});
