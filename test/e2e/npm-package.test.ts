/**
 * The package as npm users get it: `npm pack`'s tarball, installed into an empty folder with
 * `npm install --omit=dev` (no build step, no script of ours runs), started the way its README
 * says, `npx twilio-sms-mcp` (here npx finds the installed copy; once published it fetches it),
 * and driven over stdio by the MCP SDK's client through every tool against the whole system.
 *
 * The tarball is packed from the current build with --ignore-scripts: `npm pack` would otherwise
 * run `prepare`, rebuilding mcp-bridge/dist under the other tests that run the bridge from it
 * (`npm test` builds first; what `prepare` adds to a pack is only that build).
 * The install asks the npm registry for the production dependencies (`twilio` and
 * `@twilio/runtime-handler`, which the Functions' deploy needs in `dependencies`): npm's cache
 * answers when it is warm (--prefer-offline), about 10 s; a cold cache takes longer.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { BridgeProcess } from '../../scripts/system/bridge-process';
import { type LocalSystem, startLocalSystem } from '../../scripts/system/local-system';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';
import { baseEnv } from '../support/http-service';
import { connectStdio, exerciseEveryTool } from '../support/installed-bridge';
import { BRIDGE_BIN, ROOT } from '../support/paths';

const run = promisify(execFile);

/** The system's npm and npx, not anything under this project's node_modules/.bin (`npx jest` puts that first). */
const PATH = (process.env.PATH ?? '').split(delimiter).filter((entry) => !entry.startsWith(join(ROOT, 'node_modules'))).join(delimiter);

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

/** Bytes under `dir`, for the record of what an install costs. */
function sizeOf(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((total, entry) => {
    const path = join(entry.parentPath, entry.name);
    return total + (entry.isDirectory() ? sizeOf(path) : entry.isFile() ? statSync(path).size : 0);
  }, 0);
}

describe('the npm package', () => {
  let dir: string;
  let packed: PackResult;
  let installDir: string;
  let system: LocalSystem;
  let bridge: BridgeProcess;

  beforeAll(async () => {
    if (!existsSync(BRIDGE_BIN)) throw new Error(`${BRIDGE_BIN} is missing: run \`npm run build\` first.`);
    dir = mkdtempSync(join(tmpdir(), 'sms-mcp-npm-'));
    const env = { ...baseEnv(), PATH };
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, env, timeout: 60_000 });
    packed = (JSON.parse(stdout) as PackResult[])[0]!;

    installDir = join(dir, 'project');
    mkdirSync(installDir);
    writeFileSync(join(installDir, 'package.json'), JSON.stringify({ name: 'someone-elses-project', version: '1.0.0', private: true }));
    // The system starts while npm installs.
    const [, started] = await Promise.all([
      run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed.filename)], { cwd: installDir, env, timeout: 170_000, maxBuffer: 16 * 1024 * 1024 }),
      startLocalSystem({ ourNumber: MAGIC_FROM_NUMBER, wiring: { kind: 'sms-url' }, emulator: { deliveryStepMs: 40 } }),
    ]);
    system = started;
  }, 180_000);

  afterAll(async () => {
    await bridge?.close();
    await system?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the tarball holds the bridge bundle, README, LICENSE and package.json, nothing else', () => {
    expect(packed.files.map((file) => file.path).sort()).toEqual(['LICENSE', 'README.md', 'mcp-bridge/dist/bridge.js', 'mcp-bridge/dist/geo-carrier.js', 'mcp-bridge/dist/index.js', 'mcp-bridge/dist/sdk-ajv.js', 'mcp-bridge/dist/twilio-client.js', 'package.json']);
    // ≈0.6 MB packed, ≈3.6 MB unpacked: the bundles (bridge.js carries the SDK, zod and libphonenumber's data).
    expect(packed.size).toBeLessThan(1_500_000);
    process.stderr.write(`npm-package: ${packed.filename} ${packed.size} bytes, unpacked ${packed.unpackedSize}\n`);
  });

  test('installs with production dependencies only, a bin link, and no trace of the development tree', () => {
    const installed = join(installDir, 'node_modules');
    const manifest = JSON.parse(readFileSync(join(installed, 'twilio-sms-mcp', 'package.json'), 'utf8')) as { private?: boolean; scripts: Record<string, string> };
    expect(manifest.private).toBeUndefined();
    expect(Object.keys(manifest.scripts).filter((name) => /install$/.test(name))).toEqual([]);
    expect(existsSync(join(installed, '.bin', 'twilio-sms-mcp'))).toBe(true);
    expect(existsSync(join(installed, 'twilio', 'package.json'))).toBe(true);
    for (const name of ['@modelcontextprotocol', 'zod', 'esbuild', 'jest', 'typescript', 'twilio-run', '@anthropic-ai']) expect({ name, installed: existsSync(join(installed, name)) }).toEqual({ name, installed: false });
    expect(readdirSync(join(installed, 'twilio-sms-mcp')).sort()).toEqual(['LICENSE', 'README.md', 'mcp-bridge', 'package.json']);
    process.stderr.write(`npm-package: installed node_modules ${sizeOf(installed)} bytes\n`);
  });

  test('`npx twilio-sms-mcp` starts the stdio bridge, and every tool works', async () => {
    const npx = PATH.split(delimiter).map((entry) => join(entry, 'npx')).find((candidate) => existsSync(candidate))!;
    // As Claude Desktop starts it: USER, HOME and PATH, the settings in env, nothing else.
    bridge = await connectStdio(npx, ['--offline', 'twilio-sms-mcp'], { PATH, HOME: process.env.HOME ?? '', USER: process.env.USER ?? 'user', ...system.bridgeEnv, SEND_WAIT_SECONDS: '10' }, installDir);
    await exerciseEveryTool(bridge, system, '+14155550140');
  });
});
