/**
 * The bridge over Streamable HTTP under an MCP client nobody here wrote: the official MCP
 * Inspector's CLI (`npx @modelcontextprotocol/inspector --cli <url> --transport http`, the pinned
 * devDependency, 0.15.0), against the built bridge started with `--http`, and the Twilio emulator.
 *
 * This inspector version cannot send a bearer token: its CLI has no `--header` option (a
 * `--header …` is taken as more target arguments, "Arguments cannot be passed to a URL-based MCP
 * server."), its `--config` file passes only command/args/env, and its HTTP transport
 * (cli/build/transport.js) builds `new StreamableHTTPClientTransport(url)` without requestInit.
 * So the calls run against a bridge without tokens on loopback (which the bridge allows only
 * there), and a bridge with tokens is shown to refuse it. With an inspector that has `--header`,
 * run these against the token bridge instead.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../emulator';
import { spawnHttpBridge, type HttpBridgeProcess } from '../../scripts/system/http-bridge';
import { type InspectorRun, runInspector } from '../support/inspector-cli';
import { ROOT } from '../support/paths';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';

// Each case starts npx and the inspector: seconds, more on a loaded 2-core machine.
jest.setTimeout(45_000);

const TOKEN = 'inspector-http-token-0123456789';
const INSPECTOR_CLI = join(ROOT, 'node_modules', '@modelcontextprotocol', 'inspector', 'cli', 'build', 'index.js');

let emulator: Emulator;
let open: HttpBridgeProcess;
let guarded: HttpBridgeProcess;

beforeAll(async () => {
  emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER], deliveryStepMs: 40 });
  const syncServiceSid = emulator.createSyncService('twilio-sms-mcp');
  const env = {
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: emulator.authToken,
    TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER,
    TWILIO_SYNC_SERVICE_SID: syncServiceSid,
    TWILIO_API_BASE_URL: emulator.url,
    SEND_WAIT_SECONDS: '5',
  };
  open = await spawnHttpBridge(env);
  guarded = await spawnHttpBridge({ ...env, MCP_HTTP_TOKENS: TOKEN });
});

afterAll(async () => {
  await open?.stop();
  await guarded?.stop();
  await emulator?.close();
});

/** The inspector CLI against a URL over Streamable HTTP (test/support/inspector-cli.ts). */
function inspector(url: string, methodArgs: string[]): Promise<InspectorRun> {
  return runInspector([url, '--transport', 'http'], methodArgs);
}

interface ToolCall {
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

test('this inspector CLI speaks Streamable HTTP to a URL (--transport http) but has no --header option', () => {
  const help = execFileSync(process.execPath, [INSPECTOR_CLI, '--help'], { encoding: 'utf8' });
  expect(help).toMatch(/Arguments:\s+target\s+Command and arguments or URL of the MCP server/);
  expect(help).toMatch(/--transport <type>\s+Transport type \(sse, http, or stdio\)/);
  expect(help).not.toMatch(/--header|-H\b/);
});

test('tools/list over HTTP shows every tool with its annotations', async () => {
  const result = await inspector(open.url, ['--method', 'tools/list']);
  expect(result.code).toBe(0);
  const { tools } = JSON.parse(result.stdout) as { tools: { name: string; annotations?: Record<string, boolean> }[] };
  expect(tools.map((t) => t.name).sort()).toEqual(['cancel_scheduled_sms', 'get_conversation', 'get_media', 'list_conversations', 'receive_sms', 'send_sms', 'wait_for_reply']);
  expect(tools.find((t) => t.name === 'send_sms')?.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: false, openWorldHint: true });
  expect(tools.find((t) => t.name === 'list_conversations')?.annotations).toMatchObject({ readOnlyHint: true });
});

test('tools/call over HTTP: send_sms with --tool-arg, then list_conversations shows its conversation', async () => {
  const sent = await inspector(open.url, ['--method', 'tools/call', '--tool-name', 'send_sms', '--tool-arg', 'to=+14155550100', '--tool-arg', 'body=Hello over HTTP']);
  expect(sent.code).toBe(0);
  const call = JSON.parse(sent.stdout) as ToolCall;
  expect(call.content[0]?.text).toMatch(/^\[FINAL\] SMS sent to \+14155550100 \(SID SM[0-9a-f]{32}\): delivered\. Do not send it again\./);
  expect(emulator.messages().filter((m) => m.direction === 'outbound-api')).toEqual([expect.objectContaining({ to: '+14155550100', body: 'Hello over HTTP', sid: call.structuredContent?.sid })]);

  const listed = await inspector(open.url, ['--method', 'tools/call', '--tool-name', 'list_conversations']);
  expect(listed.code).toBe(0);
  const list = JSON.parse(listed.stdout) as ToolCall;
  expect(list.isError).toBeFalsy();
  expect(list.content[0]?.text).toMatch(/^1 conversation\(s\), most recent first:\n- conv_[0-9a-f]{16} with \+14155550100: 1 message\(s\), 0 unread, last activity \d{4}-\d\d-\d\dT/);
  expect(list.structuredContent).toEqual({
    conversations: [expect.objectContaining({ conversationId: call.structuredContent?.conversationId, theirNumber: '+14155550100', messageCount: 1, unreadCount: 0, optedOut: false })],
    nextCursor: null,
  });
});

test('against a bridge with tokens it cannot connect: --header is not an option, and without it the bridge answers 401', async () => {
  const withHeader = await inspector(guarded.url, ['--method', 'tools/list', '--header', `Authorization: Bearer ${TOKEN}`]);
  expect(withHeader.code).not.toBe(0);
  expect(withHeader.stderr).toContain('Arguments cannot be passed to a URL-based MCP server.');

  const without = await inspector(guarded.url, ['--method', 'tools/list']);
  expect(without.code).not.toBe(0);
  expect(without.stderr).toContain('Failed to connect to MCP server: Streamable HTTP error: Error POSTing to endpoint: {"jsonrpc":"2.0","error":{"code":-32001,"message":"Unauthorized"},"id":null}');
  expect(guarded.stderr()).toContain('refused an unauthenticated request from 127.0.0.1');
});
