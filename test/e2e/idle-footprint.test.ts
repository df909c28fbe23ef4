/**
 * What a bridge that only answered initialize and tools/list has loaded (issue 27: LibreChat keeps
 * one bridge per signed-in user, most of them idle). Not node:crypto (≈0.9 MB: lib/crypto.ts), and
 * none of the bundles loaded on first use (scripts/build.mjs: the Twilio client, Ajv, the
 * quiet-hours zone table), in the one-person and the team shape, with quiet hours set. A preloaded
 * module records the built-in modules and the bridge's files read, as the process exits.
 * Needs `npm run build` first.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BRIDGE_BIN } from '../support/paths';

const dir = mkdtempSync(join(tmpdir(), 'idle-footprint-'));
const preload = join(dir, 'record.js');
writeFileSync(
  preload,
  `const fs = require('node:fs');
   const read = [];
   const original = fs.readFileSync;
   fs.readFileSync = function (file, ...rest) { if (typeof file === 'string') read.push(file); return original.call(this, file, ...rest); };
   process.on('exit', () => fs.writeFileSync(process.env.FOOTPRINT_OUT, JSON.stringify({ builtins: process.moduleLoadList, read })));`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = {
  TWILIO_ACCOUNT_SID: `AC${'0123456789abcdef'.repeat(2)}`,
  TWILIO_AUTH_TOKEN: 'fake_auth_token',
  TWILIO_PHONE_NUMBER: '+15005550006',
  TWILIO_SYNC_SERVICE_SID: `IS${'0'.repeat(32)}`,
  TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
  QUIET_HOURS: '21:00-08:00',
  QUIET_HOURS_TIMEZONE: 'America/New_York',
};

async function idleFootprint(env: Record<string, string>): Promise<{ builtins: string[]; read: string[] }> {
  const out = join(dir, `${Object.keys(env).length}-${Date.now()}.json`);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BRIDGE_BIN],
    env: { PATH: process.env.PATH ?? '', HOME: dir, NODE_OPTIONS: `--require ${preload}`, FOOTPRINT_OUT: out, ...BASE, ...env },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'idle-footprint', version: '1.0.0' });
  await client.connect(transport);
  expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  await client.close();
  for (let i = 0; i < 100; i++) {
    try {
      return JSON.parse(readFileSync(out, 'utf8')) as { builtins: string[]; read: string[] };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error('the bridge did not write what it loaded');
}

test.each([
  ['one person', {}],
  ['a LibreChat user (team shape)', { SMS_USER: 'alice@example.com', SMS_USER_NUMBERS: 'alice@example.com=+15005550006' }],
])('%s: no node:crypto, no bundle loaded on first use', async (_shape, env) => {
  const { builtins, read } = await idleFootprint(env);
  expect(builtins).toContain('NativeModule net');
  expect(builtins.filter((name) => /crypto/.test(name))).toEqual([]);
  const bundles = read.filter((file) => file.includes('mcp-bridge/dist/') || file.includes('mcp-bridge\\dist\\'));
  expect(bundles.map((file) => file.replace(/.*dist[\\/]/, ''))).toEqual(['index.js', 'bridge.js']);
});
