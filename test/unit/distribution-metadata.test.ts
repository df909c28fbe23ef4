/**
 * What the package says about itself to npm, to the MCP Registry (server.json) and to Claude
 * Desktop (mcpb/manifest.json), read as files: valid, and telling the same story — one version,
 * one name, the same settings with the same required and secret flags, each a setting the bridge
 * reads. The artefacts themselves are run in test/e2e/npm-package.test.ts and mcpb-bundle.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTING_NAMES } from '../../mcp-bridge/src/hosts/env-config';
import { projectRoot } from '../../scripts/system/paths';
import { SERVER_SCHEMA_URL, ServerJson } from '../support/registry-server-schema';

const ROOT = projectRoot();
const read = (path: string): unknown => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));

interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  license: string;
  mcpName: string;
  bin: Record<string, string>;
  engines: { node: string };
  files: string[];
  scripts: Record<string, string>;
}
interface UserConfigOption {
  type: string;
  required?: boolean;
  sensitive?: boolean;
  default?: unknown;
}
interface Manifest {
  name: string;
  version: string;
  server: { entry_point: string; mcp_config: { command: string; args: string[]; env: Record<string, string> } };
  user_config: Record<string, UserConfigOption>;
  tools: { name: string }[];
  compatibility: { runtimes: { node: string } };
}

const pkg = read('package.json') as PackageJson;
const manifest = read('mcpb/manifest.json') as Manifest;
const parsed = ServerJson.safeParse(read('server.json'));
const server = parsed.data!;
const npmPackage = server.packages![0]!;
// Semantic versions only: the registry rejects ranges ('^1.2.3', '1.x'), Claude Desktop compares them.
const EXACT_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

describe('package.json, as an npm user gets it', () => {
  test('public, MIT with its LICENSE file, one bin, Node 20 or later', () => {
    expect(pkg.private).toBeUndefined();
    expect(pkg.name).toBe('twilio-sms-mcp');
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    expect(pkg.bin).toEqual({ 'twilio-sms-mcp': 'mcp-bridge/dist/index.js' });
    expect(pkg.engines.node).toBe('>=20');
    expect(pkg.files).toEqual(['mcp-bridge/dist', 'README.md', 'LICENSE']);
  });

  test('no script runs when someone installs it: the repository-only unlink runs before `prepare`, which an installed tarball never runs', () => {
    // npm runs a dependency's preinstall, install and postinstall; `prepare` only in the repository
    // (npm install without arguments, pack, publish) and for git dependencies, which install devDependencies first.
    for (const hook of ['preinstall', 'install', 'postinstall']) expect({ hook, script: pkg.scripts[hook] }).toEqual({ hook, script: undefined });
    expect(pkg.scripts.preprepare).toBe('node scripts/unlink-node22.mjs');
    expect(pkg.scripts.prepare).toBe('node scripts/build.mjs');
    expect(existsSync(join(ROOT, 'scripts', 'unlink-node22.mjs'))).toBe(true);
  });
});

describe('server.json for the MCP Registry', () => {
  test('is valid under the 2025-12-11 schema', () => {
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(server.$schema).toBe(SERVER_SCHEMA_URL);
  });

  test("its name is package.json's mcpName (how the registry proves the npm package is ours), and every version is package.json's", () => {
    expect(server.name).toBe(pkg.mcpName);
    expect(pkg.version).toMatch(EXACT_VERSION);
    expect({ server: server.version, npmPackage: npmPackage.version, manifest: manifest.version }).toEqual({ server: pkg.version, npmPackage: pkg.version, manifest: pkg.version });
  });

  test('names the npm package, run over stdio', () => {
    expect(npmPackage).toMatchObject({ registryType: 'npm', registryBaseUrl: 'https://registry.npmjs.org', identifier: pkg.name, runtimeHint: 'npx', transport: { type: 'stdio' } });
  });

  test('its environment variables are settings the bridge reads; the three credentials are required, the auth token alone secret', () => {
    const variables = npmPackage.environmentVariables!;
    expect(variables.map((v) => v.name).filter((name) => !(SETTING_NAMES as readonly string[]).includes(name))).toEqual([]);
    expect(variables.filter((v) => v.isRequired).map((v) => v.name)).toEqual(['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_PHONE_NUMBER']);
    expect(variables.filter((v) => v.isSecret).map((v) => v.name)).toEqual(['TWILIO_AUTH_TOKEN']);
  });

  test('describes the hosted endpoint: Streamable HTTP at a twil.io URL template, with a secret Authorization header', () => {
    expect(server.remotes).toHaveLength(1);
    const remote = server.remotes![0]!;
    expect(remote.type).toBe('streamable-http');
    expect(remote.url).toMatch(/^https:\/\/\{[a-z_]+\}\.twil\.io\/mcp$/);
    // Every {name} in the URL and the header is declared where the schema looks for it.
    const urlNames = [...remote.url.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    expect(urlNames.filter((name) => !remote.variables?.[name!])).toEqual([]);
    const authorization = remote.headers?.find((header) => header.name === 'Authorization');
    expect(authorization).toMatchObject({ isRequired: true, isSecret: true, value: expect.stringMatching(/^Bearer \{[a-z_]+\}$/) });
    const headerNames = [...authorization!.value!.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    expect(headerNames.filter((name) => !authorization!.variables?.[name!]?.isSecret)).toEqual([]);
  });

  test.each([
    ['a name without a namespace', { name: 'twilio-sms-mcp' }],
    ['a description over 100 characters', { description: 'x'.repeat(101) }],
    ['a package version of "latest"', { packages: [{ ...npmPackage, version: 'latest' }] }],
    ['a remote that is not http(s)', { remotes: [{ type: 'streamable-http', url: 'ftp://example.com/mcp' }] }],
    ['a misspelt field', { websiteURL: 'https://example.com' }],
  ])('the mirrored schema refuses %s', (_name, change) => {
    expect(ServerJson.safeParse({ ...server, ...change }).success).toBe(false);
  });
});

describe('mcpb/manifest.json for Claude Desktop', () => {
  const env = manifest.server.mcp_config.env;

  test('runs the built bridge from the bundle folder with node', () => {
    expect(manifest.name).toBe(pkg.name);
    expect(manifest.server.entry_point).toBe('server/index.js');
    expect(manifest.server.mcp_config).toMatchObject({ command: 'node', args: ['${__dirname}/server/index.js'] });
    expect(manifest.compatibility.runtimes.node).toBe('>=20.0.0');
  });

  test('passes each user_config option to its setting, and sets the same variables server.json lists', () => {
    const used = Object.values(env).map((value) => /^\$\{user_config\.([a-z_]+)\}$/.exec(value)?.[1]);
    expect(used.sort()).toEqual(Object.keys(manifest.user_config).sort());
    expect(Object.keys(env).sort()).toEqual(npmPackage.environmentVariables!.map((v) => v.name).sort());
  });

  test('required and sensitive as in server.json; every optional option has a default, so a host fills it in', () => {
    for (const variable of npmPackage.environmentVariables!) {
      const option = manifest.user_config[/^\$\{user_config\.([a-z_]+)\}$/.exec(env[variable.name]!)![1]!]!;
      expect({ name: variable.name, required: option.required === true, secret: option.sensitive === true }).toEqual({ name: variable.name, required: variable.isRequired === true, secret: variable.isSecret === true });
      if (!option.required) expect({ name: variable.name, hasDefault: option.default !== undefined }).toEqual({ name: variable.name, hasDefault: true });
    }
  });
});
