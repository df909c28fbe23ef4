/**
 * The bridge under an MCP client nobody here wrote: the official MCP Inspector's CLI
 * (`npx @modelcontextprotocol/inspector --cli`, pinned in devDependencies), which starts the
 * built bridge over stdio with `-e KEY=VALUE` environment, against the Twilio emulator.
 */
import { startEmulator, type Emulator } from '../../emulator';
import { type InspectorRun, runInspector } from '../support/inspector-cli';
import { BRIDGE_BIN } from '../support/paths';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';

// Each case starts npx, the inspector and the bridge: seconds, more on a loaded 2-core machine.
jest.setTimeout(45_000);


let emulator: Emulator;
let syncServiceSid: string;

beforeAll(async () => {
  emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER], deliveryStepMs: 40 });
  syncServiceSid = emulator.createSyncService('twilio-sms-mcp');
});

afterAll(async () => {
  await emulator.close();
});

/** The inspector CLI against the bridge over stdio (test/support/inspector-cli.ts); without `--cli` it would start its web UI. */
function inspector(methodArgs: string[]): Promise<InspectorRun> {
  const env = {
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: emulator.authToken,
    TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER,
    TWILIO_SYNC_SERVICE_SID: syncServiceSid,
    TWILIO_API_BASE_URL: emulator.url,
    SEND_WAIT_SECONDS: '5',
  };
  return runInspector(['node', BRIDGE_BIN, ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`])], methodArgs);
}

interface ToolsList {
  tools: { name: string; annotations?: Record<string, boolean> }[];
}

interface ToolCall {
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

test('tools/list shows the contract tools with their annotations', async () => {
  const result = await inspector(['--method', 'tools/list']);
  expect(result.code).toBe(0);
  const { tools } = JSON.parse(result.stdout) as ToolsList;
  const names = tools.map((t) => t.name);
  expect(names).toEqual(expect.arrayContaining(['send_sms', 'receive_sms', 'list_conversations', 'get_conversation', 'wait_for_reply']));
  expect(tools.find((t) => t.name === 'send_sms')?.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: false, openWorldHint: true });
  expect(tools.find((t) => t.name === 'list_conversations')?.annotations).toMatchObject({ readOnlyHint: true });
});

test('tools/call send_sms: a [FINAL] result, and exactly one message at the emulator', async () => {
  const result = await inspector(['--method', 'tools/call', '--tool-name', 'send_sms', '--tool-arg', 'to=+14155550100', '--tool-arg', 'body=Hello']);
  expect(result.code).toBe(0);
  const call = JSON.parse(result.stdout) as ToolCall;
  expect(call.isError).toBeFalsy();
  expect(call.content[0]?.text).toMatch(/^\[FINAL\] SMS sent to \+14155550100 \(SID SM[0-9a-f]{32}\): delivered\. Do not send it again\./);
  const outbound = emulator.messages().filter((m) => m.direction === 'outbound-api');
  expect(outbound).toHaveLength(1);
  expect(outbound[0]).toMatchObject({ to: '+14155550100', from: MAGIC_FROM_NUMBER, body: 'Hello', status: 'delivered', sid: call.structuredContent?.sid });
});

test('tools/call send_sms to a landline: a [FINAL] failure with the reason, nothing sent', async () => {
  const before = emulator.messages().length;
  const result = await inspector(['--method', 'tools/call', '--tool-name', 'send_sms', '--tool-arg', 'to=+15005550009', '--tool-arg', 'body=Hello']);
  expect(result.code).toBe(0);
  const call = JSON.parse(result.stdout) as ToolCall;
  expect(call.content[0]?.text).toMatch(/^\[FINAL\] SMS to \+15005550009 failed \(Twilio error 21614\)/);
  expect(emulator.messages()).toHaveLength(before);
});
