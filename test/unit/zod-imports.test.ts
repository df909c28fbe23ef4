/**
 * Product code imports zod as a namespace (`import * as z from 'zod'`): esbuild then keeps only what
 * is used. A named import (`import { z } from 'zod'`) goes through zod's `z` re-export and bundles
 * every locale (≈0.4 MB) into each webhook Function, /mcp and the bridge; the deploy test's size
 * bound caught it once, this names the line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

test('zod is imported as a namespace everywhere in product code', () => {
  const files = ['lib', 'mcp-bridge/src', 'functions'].flatMap((dir) => sources(join(ROOT, dir)));
  expect(files.length).toBeGreaterThan(50);
  const named = files.filter((file) => /import\s*\{[^}]*\}\s*from\s*'zod'/.test(readFileSync(file, 'utf8')));
  expect(named.map((file) => relative(ROOT, file))).toEqual([]);
});
