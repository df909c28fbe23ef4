/**
 * The built bridge started the way LibreChat starts it (test/support/librechat.ts): from a
 * librechat.yaml entry validated by LibreChat's schema, `${VAR}` filled from LibreChat's .env,
 * LibreChat's StdioClientTransport options and client. Needs `npm run build` first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_ENTRY_NAME } from '../../scripts/client-config';
import { BRIDGE_BIN, ROOT } from '../support/paths';
import {
  parseLibrechatYaml,
  startLibrechatBridge,
  withLibrechatEnv,
  yamlBlocksUnder,
  type LibrechatBridge,
  type ParsedMcpOptions,
} from '../support/librechat';

const FAKE = {
  TWILIO_ACCOUNT_SID: `AC${'0123456789abcdef'.repeat(2)}`,
  TWILIO_AUTH_TOKEN: 'fake_auth_token',
  TWILIO_PHONE_NUMBER: '+15005550006',
};

function entryOf(text: string, dotenv: Record<string, string> = {}): ParsedMcpOptions {
  const entry = withLibrechatEnv(dotenv, () => parseLibrechatYaml(text))[CLIENT_ENTRY_NAME];
  if (!entry) throw new Error(`no ${CLIENT_ENTRY_NAME} entry`);
  return entry;
}

/** The README's entry: the first ```yaml block under "## LibreChat" that defines it. */
function readmeEntryYaml(): string {
  const blocks = yamlBlocksUnder(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'LibreChat');
  const block = blocks.find((text) => text.includes(`${CLIENT_ENTRY_NAME}:`));
  if (!block) throw new Error(`README.md has no yaml block for ${CLIENT_ENTRY_NAME} under "## LibreChat"`);
  return block;
}

let bridge: LibrechatBridge | undefined;

beforeAll(() => {
  if (!existsSync(BRIDGE_BIN)) throw new Error(`${BRIDGE_BIN} is missing: run \`npm run build\` first`);
});

afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

test('a stdio entry with the three credentials set starts and lists send_sms', async () => {
  const yaml = [
    'mcpServers:',
    `  ${CLIENT_ENTRY_NAME}:`,
    '    type: stdio',
    '    command: node',
    '    args: ["/absolute/path/to/twilio-sms-mcp/mcp-bridge/dist/index.js"]',
    '    env:',
    ...Object.entries(FAKE).map(([key, value]) => `      ${key}: "${value}"`),
  ].join('\n');
  bridge = await startLibrechatBridge(entryOf(yaml), { bridgePath: BRIDGE_BIN });
  const names = (await bridge.listTools()).map((tool) => tool.name);
  expect(names).toContain('send_sms');
  expect(bridge.entry.args[0]).toBe(BRIDGE_BIN);
});

test("the README's entry with only the three set in LibreChat's .env starts; the other ${VAR}s arrive unfilled", async () => {
  bridge = await startLibrechatBridge(entryOf(readmeEntryYaml(), FAKE), { bridgePath: BRIDGE_BIN });
  expect(bridge.env.TWILIO_ACCOUNT_SID).toBe(FAKE.TWILIO_ACCOUNT_SID);
  expect(bridge.env.STATUS_CALLBACK_BASE_URL).toBe('${STATUS_CALLBACK_BASE_URL}');
  expect((await bridge.listTools()).map((tool) => tool.name)).toContain('send_sms');
});

test("the README's entry with an empty .env: the bridge exits and the start fails the way LibreChat sees it", async () => {
  const start = startLibrechatBridge(entryOf(readmeEntryYaml(), {}), { bridgePath: BRIDGE_BIN });
  await expect(start).rejects.toThrow(/MCP error -32000: Connection closed[\s\S]*--- bridge stderr ---[\s\S]*TWILIO_ACCOUNT_SID/);
});
