/**
 * The Claude Desktop bundle: scripts/pack-mcpb.mjs packs twilio-sms-mcp.mcpb from the current
 * build, `mcpb validate` accepts its manifest, `mcpb unpack` opens it, and the server starts as
 * Claude Desktop starts it: the command, args and env of `server.mcp_config` with the user's
 * answers substituted by @anthropic-ai/mcpb's own getMcpConfigForManifest (`${__dirname}` is the
 * unpacked folder, `${user_config.KEY}` the answer or the option's default), only USER, HOME and
 * PATH inherited, in `/`, beside no node_modules. Then tools are listed and texts sent against the
 * emulator, and with Sync every tool runs.
 *
 * The one setting added to the bundle's env is TWILIO_API_BASE_URL, pointing it at the emulator.
 * Packing does not rebuild (a rebuild would pull mcp-bridge/dist from under other tests).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { textOf } from '../../scripts/system/bridge-process';
import { type LocalSystem, startLocalSystem } from '../../scripts/system/local-system';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';
import { connectStdio, exerciseEveryTool, TOOL_NAMES } from '../support/installed-bridge';
import { BRIDGE_BIN, ROOT } from '../support/paths';

const run = promisify(execFile);
const MCPB_CLI = join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');

interface McpConfig {
  command: string;
  args: string[];
  env: Record<string, string>;
}
interface Manifest {
  user_config: Record<string, { required?: boolean; default?: unknown }>;
  tools: { name: string }[];
}

/**
 * What Claude Desktop would run for these answers: @anthropic-ai/mcpb's getMcpConfigForManifest
 * (an ES module, so in a child Node), or null when it refuses (a required answer missing).
 */
async function mcpConfigFor(manifest: Manifest, extensionPath: string, userConfig: Record<string, string | boolean>): Promise<McpConfig | null> {
  const code = `
    import { getMcpConfigForManifest } from '@anthropic-ai/mcpb';
    const [manifest, extensionPath, userConfig] = JSON.parse(process.argv[1]);
    const config = await getMcpConfigForManifest({ manifest, extensionPath, userConfig, systemDirs: {}, pathSeparator: '/' });
    process.stdout.write(JSON.stringify(config ?? null));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code, JSON.stringify([manifest, extensionPath, userConfig])], { cwd: ROOT, timeout: 20_000 });
  return JSON.parse(stdout) as McpConfig | null;
}

describe('the Claude Desktop bundle (.mcpb)', () => {
  let dir: string;
  let bundle: string;
  let unpacked: string;
  let manifest: Manifest;
  let system: LocalSystem;

  beforeAll(async () => {
    if (!existsSync(BRIDGE_BIN)) throw new Error(`${BRIDGE_BIN} is missing: run \`npm run build\` first.`);
    dir = mkdtempSync(join(tmpdir(), 'sms-mcp-mcpb-'));
    bundle = join(dir, 'twilio-sms-mcp.mcpb');
    unpacked = join(dir, 'Claude Extensions', 'twilio-sms-mcp');
    const [, started] = await Promise.all([
      (async () => {
        await run(process.execPath, [join(ROOT, 'scripts', 'pack-mcpb.mjs'), bundle], { cwd: ROOT, timeout: 60_000 });
        await run(process.execPath, [MCPB_CLI, 'unpack', bundle, unpacked], { timeout: 30_000 });
      })(),
      startLocalSystem({ ourNumber: MAGIC_FROM_NUMBER, wiring: { kind: 'sms-url' }, emulator: { deliveryStepMs: 40 } }),
    ]);
    system = started;
    manifest = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8')) as Manifest;
  }, 90_000);

  afterAll(async () => {
    await system?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const required = () => ({ account_sid: system.emulator.accountSid, auth_token: system.emulator.authToken, phone_number: MAGIC_FROM_NUMBER });
  /** Claude Desktop's environment for the server: USER, HOME, PATH, then mcp_config's env; the emulator's URL. */
  const desktopEnv = (config: McpConfig) => ({ USER: process.env.USER ?? 'user', HOME: process.env.HOME ?? '', PATH: process.env.PATH ?? '', ...config.env, TWILIO_API_BASE_URL: system.emulator.url });

  test('`mcpb validate` accepts the manifest; the bundle holds the manifest, the LICENSE and the three bridge files, no node_modules', async () => {
    const { stdout } = await run(process.execPath, [MCPB_CLI, 'validate', join(unpacked, 'manifest.json')], { timeout: 20_000 });
    expect(stdout).toContain('Manifest schema validation passes!');
    expect(readdirSync(unpacked).sort()).toEqual(['LICENSE', 'manifest.json', 'server']);
    expect(readdirSync(join(unpacked, 'server')).sort()).toEqual(['bridge.js', 'geo-carrier.js', 'index.js', 'sdk-ajv.js', 'twilio-client.js']);
    expect(manifest.tools.map((tool) => tool.name).sort()).toEqual(TOOL_NAMES);
  });

  test('Claude Desktop does not start it without the three required answers', async () => {
    const { phone_number: _omitted, ...two } = required();
    expect(await mcpConfigFor(manifest, unpacked, two)).toBeNull();
    expect(await mcpConfigFor(manifest, unpacked, { ...two, phone_number: '' })).toBeNull();
  });

  test('with only the required answers, the optional settings arrive as their defaults (empty, "false", "open"), and it lists its tools and sends', async () => {
    const config = (await mcpConfigFor(manifest, unpacked, required()))!;
    expect(config.command).toBe('node');
    expect(config.args).toEqual([join(unpacked, 'server', 'index.js')]);
    expect(config.env).toEqual({
      TWILIO_ACCOUNT_SID: system.emulator.accountSid,
      TWILIO_AUTH_TOKEN: system.emulator.authToken,
      TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER,
      TWILIO_SYNC_SERVICE_SID: '',
      STATUS_CALLBACK_BASE_URL: '',
      SEND_ALLOWLIST: '',
      SEND_CONFIRMATION: 'false',
      SEND_POLICY: 'open',
      QUIET_HOURS: '',
      QUIET_HOURS_TIMEZONE: '',
      TWILIO_WHATSAPP_NUMBER: '',
    });
    // Claude Desktop's `node` is its own; this one is the machine's.
    const bridge = await connectStdio(process.execPath, config.args, desktopEnv(config), '/');
    try {
      expect((await bridge.client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(TOOL_NAMES);
      const sent = await bridge.call('send_sms', { to: '+14155550150', body: 'Sent from the bundle.' });
      expect(textOf(sent)).toMatch(/^\[FINAL\] SMS sent to \+14155550150 \(SID SM[0-9a-f]{32}\)/);
      // Empty values are simply unset: no note, no refusal.
      expect(bridge.stderr()).not.toMatch(/ is off: /);
    } finally {
      await bridge.close();
    }
  });

  test('a host that passes an unanswered option as the literal "${user_config.KEY}" (an option without a default) starts it too: the placeholder counts as unset', async () => {
    const withoutDefaults: Manifest = {
      ...manifest,
      user_config: Object.fromEntries(Object.entries(manifest.user_config).map(([key, option]) => [key, { ...option, default: undefined }])),
    };
    const config = (await mcpConfigFor(withoutDefaults, unpacked, required()))!;
    expect(config.env).toMatchObject({ TWILIO_SYNC_SERVICE_SID: '${user_config.sync_service_sid}', SEND_POLICY: '${user_config.send_policy}' });
    const bridge = await connectStdio(process.execPath, config.args, desktopEnv(config), '/');
    try {
      const sent = await bridge.call('send_sms', { to: '+14155550151', body: 'Placeholders are unset.' });
      expect(textOf(sent)).toMatch(/^\[FINAL\] SMS sent to \+14155550151/);
      expect(bridge.stderr()).toContain('TWILIO_SYNC_SERVICE_SID is off');
    } finally {
      await bridge.close();
    }
  });

  test('with the Sync service and the Functions URL answered, every tool works from the unpacked bundle', async () => {
    const config = (await mcpConfigFor(manifest, unpacked, {
      ...required(),
      sync_service_sid: system.syncServiceSid,
      status_callback_base_url: system.bridgeEnv.STATUS_CALLBACK_BASE_URL!,
    }))!;
    const bridge = await connectStdio(process.execPath, config.args, { ...desktopEnv(config), SEND_WAIT_SECONDS: '10' }, '/');
    try {
      await exerciseEveryTool(bridge, system, '+14155550152');
    } finally {
      await bridge.close();
    }
  });
});
