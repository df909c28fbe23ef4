/**
 * `mcp-bridge/dist/index.js`, what LibreChat and Claude Desktop start: runs the bridge bundle
 * (dist/bridge.js, built from index.ts) with a V8 code cache, so a start does not compile its
 * ~2.5 MB again (compiling was about a third of the start's CPU time).
 *
 * - Node ≥ 22.1: Node's own compile cache (`module.enableCompileCache`), in the directory below.
 * - Node 20: the same done by hand for bridge.js and the bundles it loads on first use (BUNDLES): each compiled with
 *   `vm.Script` and the cache V8 made for it the last time, which holds every function compiled
 *   during that run (what initialize, tools/list and the first calls needed). A start that
 *   compiled without a usable cache writes one as it exits.
 *
 * The cache lives in `$XDG_CACHE_HOME/twilio-sms-mcp` (else `~/.cache/twilio-sms-mcp`), private
 * to the user (a code cache is code), one file per bundle (named by the bundle's hash, the
 * Node version and the CPU architecture; V8 also rejects a cache of another V8 or other flags).
 * `NODE_DISABLE_COMPILE_CACHE=1` (Node's own switch) turns it off; any failure to read or write
 * it only means compiling as without it.
 */
import fs from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';

/** The bundle's content hash, put here by scripts/build.mjs. */
declare const BRIDGE_BUNDLE_HASH: string;

function cacheDirectory(): string | null {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return null;
  try {
    return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'twilio-sms-mcp');
  } catch {
    return null;
  }
}

type EnableCompileCache = (directory: string) => unknown;

/** The bundles compiled here, each cached under its own name. */
const BUNDLES: Record<string, string> = { './bridge.js': 'bridge', './twilio-client.js': 'twilio-client', './sdk-ajv.js': 'sdk-ajv', './geo-carrier.js': 'geo-carrier' };

/**
 * Node 20: loads `relative` (one of BUNDLES) as a CommonJS module compiled with its code cache;
 * the bundle's own `require` goes through `requireFrom`, so that bridge.js's lazy
 * `require('./twilio-client.js')` is cached too.
 */
function cachedLoader(directory: string): (relative: string) => unknown {
  const prefix = `${BRIDGE_BUNDLE_HASH}-`;
  const fresh: { cacheFile: string; script: vm.Script }[] = [];
  const loaded = new Map<string, unknown>();
  process.once('exit', () => {
    if (fresh.length === 0) return;
    try {
      fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
      for (const { cacheFile, script } of fresh) {
        const partial = `${cacheFile}.${process.pid}`;
        fs.writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(partial, cacheFile);
      }
      // Other builds' caches written over a week ago (an install still using its own rewrites it).
      const stale = Date.now() - 7 * 24 * 3600_000;
      for (const name of fs.readdirSync(directory)) {
        const other = path.join(directory, name);
        if (name.endsWith('.cache') && !name.startsWith(prefix) && fs.statSync(other).mtimeMs < stale) fs.rmSync(other, { force: true });
      }
    } catch {
      // the next start compiles again
    }
  });
  const load = (relative: string): unknown => {
    if (loaded.has(relative)) return loaded.get(relative);
    const file = path.join(__dirname, relative);
    const cacheFile = path.join(directory, `${prefix}${BUNDLES[relative]}-${process.version}-${process.arch}.cache`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    // The wrapped source made from bytes in one step (the bundles are ASCII, checked by the
    // build): the Script keeps it for lazy compilation, and no second copy of the bundle (the
    // unwrapped text, which V8 frees only in a full GC) is left on the heap (issue 27).
    const [head, tail] = Module.wrap('\u0000').split('\u0000') as [string, string];
    const source = Buffer.concat([Buffer.from(head, 'latin1'), fs.readFileSync(file), Buffer.from(tail, 'latin1')]).toString('latin1');
    const script = new vm.Script(source, { filename: file, cachedData });
    if (cachedData === undefined || script.cachedDataRejected === true) fresh.push({ cacheFile, script });
    const bundleModule = new Module(file, module);
    bundleModule.filename = file;
    loaded.set(relative, bundleModule.exports);
    const nodeRequire = Module.createRequire(file);
    const requireFrom = Object.assign((id: string) => (Object.hasOwn(BUNDLES, id) ? load(id) : nodeRequire(id)), nodeRequire) as NodeJS.Require;
    const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
    wrapper(bundleModule.exports, requireFrom, bundleModule, file, __dirname);
    bundleModule.loaded = true;
    loaded.set(relative, bundleModule.exports);
    return bundleModule.exports;
  };
  return load;
}

/**
 * Keeps V8's young generation at its initial size (two 1 MB semi-spaces) instead of letting it
 * grow to 16 MB during the start's allocation burst and stay there while the bridge idles
 * (issue 27: one bridge per LibreChat user). `--max-semi-space-size` only applies on node's
 * command line, which LibreChat does not let us set; the growth factor is read at each scavenge,
 * so setting it here, before the bundle loads, takes effect. Set before any compile, so the code
 * caches (whose flag hash includes it) are made and read under the same flags.
 */
function smallYoungGeneration(): void {
  if (process.env.TWILIO_SMS_MCP_YOUNG_GENERATION === 'default') return;
  try {
    v8.setFlagsFromString('--semi-space-growth-factor=1');
  } catch {
    // V8 defaults
  }
}

function run(): void {
  smallYoungGeneration();
  const directory = cacheDirectory();
  const enableCompileCache = (Module as unknown as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
  if (directory !== null && typeof enableCompileCache !== 'function') {
    cachedLoader(directory)('./bridge.js');
    return;
  }
  if (directory !== null && enableCompileCache) {
    try {
      enableCompileCache(directory);
    } catch {
      // compiled as without it
    }
  }
  require('./bridge.js');
}

run();
