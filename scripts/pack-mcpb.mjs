// Packs the Claude Desktop bundle (`npm run pack:mcpb`, which builds first): twilio-sms-mcp.mcpb,
// a zip of mcpb/manifest.json and the built bridge under server/, made by @anthropic-ai/mcpb's own
// `pack` (it validates the manifest first). `node scripts/pack-mcpb.mjs [output]` packs the
// current build without rebuilding (the test does that: a rebuild would pull mcp-bridge/dist from
// under other tests running the bridge).
//
// The bridge bundle is self-contained (scripts/build.mjs: the parts of `twilio` it uses are in
// twilio-client.js, the rest is reached only through getters the bridge never calls), so the
// bundle carries no node_modules: about 0.6 MB zipped instead of twilio-node's 21 MB.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const output = resolve(process.argv[2] ?? join(root, 'twilio-sms-mcp.mcpb'));

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(root, 'mcpb', 'manifest.json'), 'utf8'));
if (manifest.version !== pkg.version) {
  console.error(`mcpb/manifest.json says version ${manifest.version}, package.json ${pkg.version}: make them equal.`);
  process.exit(1);
}

// Staged in a folder of its own: `mcpb pack` zips all of a folder.
const stage = mkdtempSync(join(tmpdir(), 'twilio-sms-mcp-mcpb-'));
mkdirSync(join(stage, 'server'));
copyFileSync(join(root, 'mcpb', 'manifest.json'), join(stage, 'manifest.json'));
copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));
// The bridge's files (build.mjs): index.js runs bridge.js, which loads the others on first use.
for (const name of readdirSync(join(root, 'mcp-bridge', 'dist'))) copyFileSync(join(root, 'mcp-bridge', 'dist', name), join(stage, 'server', name));

// The CLI by path, with this Node: no npx, nothing fetched.
const cli = join(dirname(createRequire(import.meta.url).resolve('@anthropic-ai/mcpb')), 'cli', 'cli.js');
rmSync(output, { force: true });
try {
  execFileSync(process.execPath, [cli, 'pack', stage, output], { stdio: ['ignore', 'inherit', 'inherit'] });
} finally {
  rmSync(stage, { recursive: true, force: true });
}
