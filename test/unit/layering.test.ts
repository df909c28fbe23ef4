/**
 * The layout is the design (ARCHITECTURE.md): lib/ is the Twilio/Sync domain any host can run,
 * mcp-bridge/src/{server,tools,resources} the MCP core, mcp-bridge/src/hosts/ the processes that
 * run it. This reads every import of the product's code (type-only imports and lazy requires
 * included: a dependency is one however it is written) and fails on
 * - an import cycle anywhere in lib/, mcp-bridge/src/, functions/, emulator/, scripts/;
 * - lib/ importing the bridge (the domain knows no MCP and no process);
 * - the core importing a host (a new host, e.g. a Twilio Function serving /mcp, is added beside
 *   the others without touching the core).
 * Each rule is shown to fail on a bad graph fed through the same function.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const PRODUCT = ['lib', 'mcp-bridge/src', 'functions', 'emulator', 'scripts'];
const CORE = ['mcp-bridge/src/server/', 'mcp-bridge/src/tools/', 'mcp-bridge/src/resources/'];
const HOSTS = 'mcp-bridge/src/hosts/';

/** Repository-relative path → the repository-relative files it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

// `from '…'` (imports and re-exports, type-only too), bare `import '…'`, `import('…')` (also in
// `typeof import('…')`), `require('…')`. Comments are stripped first, so a path in prose is not one.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function resolveImport(fromFile: string, specifier: string): string | null {
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile() && candidate.endsWith('.ts')) return candidate;
  }
  return null; // a built file (launcher's ./bridge.js) or a JSON: not product source
}

export function importGraph(root: string = ROOT, folders: readonly string[] = PRODUCT): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const file of folders.flatMap((folder) => sources(join(root, folder)))) {
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
    const targets = new Set<string>();
    for (const match of code.matchAll(SPECIFIER)) {
      const target = resolveImport(file, match[1]!);
      if (target) targets.add(relative(root, target));
    }
    graph.set(relative(root, file), [...targets].sort());
  }
  return graph;
}

/** Every cycle, as one strongly connected component each, named by a path through it (Tarjan). */
function cycles(graph: ImportGraph): string[][] {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    order.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!order.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, order.get(next)!));
      }
    }
    if (low.get(node) === order.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!order.has(node)) visit(node);
  return found;
}

/** What is wrong with a graph, one line each; empty when the layering holds. */
export function layeringProblems(graph: ImportGraph): string[] {
  const problems = cycles(graph).map((component) => `import cycle: ${component.join(' ⇄ ')}`);
  for (const [file, targets] of graph) {
    for (const target of targets) {
      if (file.startsWith('lib/') && target.startsWith('mcp-bridge/')) problems.push(`lib/ imports the bridge: ${file} → ${target}`);
      if (CORE.some((core) => file.startsWith(core)) && target.startsWith(HOSTS)) problems.push(`the core imports a host: ${file} → ${target}`);
    }
  }
  return problems.sort();
}

test('the product code keeps its layers: no cycle, lib/ never imports the bridge, the core never a host', () => {
  const graph = importGraph();
  // The reading works: the files are there, and known imports are seen (a type-only one, a lazy require).
  expect(graph.size).toBeGreaterThan(150);
  expect(graph.get('mcp-bridge/src/server/deps.ts')).toEqual(expect.arrayContaining(['mcp-bridge/src/server/bridge-config.ts', 'lib/store/message-store.ts']));
  expect(graph.get('mcp-bridge/src/hosts/process-host.ts')).toContain('lib/twilio-client.ts');
  expect(layeringProblems(graph)).toEqual([]);
  // Every bridge file is in the core or a host, so none escapes the rule by its folder.
  expect([...graph.keys()].filter((file) => file.startsWith('mcp-bridge/') && !file.startsWith(HOSTS) && !CORE.some((core) => file.startsWith(core)))).toEqual([]);
});

describe('each rule fails on a graph that breaks it', () => {
  const graph = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

  test('a cycle, of any length and in any folder', () => {
    expect(layeringProblems(graph({ 'emulator/a.ts': ['emulator/b.ts'], 'emulator/b.ts': ['emulator/c.ts'], 'emulator/c.ts': ['emulator/a.ts'] }))).toEqual(['import cycle: emulator/a.ts ⇄ emulator/b.ts ⇄ emulator/c.ts']);
    expect(layeringProblems(graph({ 'scripts/x.ts': ['scripts/x.ts'] }))).toEqual(['import cycle: scripts/x.ts']);
    // config ⇄ quiet-hours, as it was before issue 23:
    expect(layeringProblems(graph({ 'mcp-bridge/src/config.ts': ['mcp-bridge/src/quiet-hours.ts'], 'mcp-bridge/src/quiet-hours.ts': ['mcp-bridge/src/config.ts'] }))).toEqual([
      'import cycle: mcp-bridge/src/config.ts ⇄ mcp-bridge/src/quiet-hours.ts',
    ]);
  });

  test('lib/ importing the bridge, core or host', () => {
    expect(layeringProblems(graph({ 'lib/outbound/quiet-hours.ts': ['mcp-bridge/src/hosts/env-config.ts'], 'mcp-bridge/src/hosts/env-config.ts': [] }))).toEqual([
      'lib/ imports the bridge: lib/outbound/quiet-hours.ts → mcp-bridge/src/hosts/env-config.ts',
    ]);
    expect(layeringProblems(graph({ 'lib/media.ts': ['mcp-bridge/src/server/views.ts'] }))).toEqual(['lib/ imports the bridge: lib/media.ts → mcp-bridge/src/server/views.ts']);
  });

  test('the core (server, tools, resources) importing a host; a host importing the core is the point', () => {
    const bad = graph({
      'mcp-bridge/src/server/deps.ts': ['mcp-bridge/src/hosts/stderr-logger.ts'],
      'mcp-bridge/src/tools/send-sms.ts': ['mcp-bridge/src/hosts/env-config.ts'],
      'mcp-bridge/src/resources/conversations.ts': ['mcp-bridge/src/hosts/http/http-server.ts'],
      'mcp-bridge/src/hosts/main.ts': ['mcp-bridge/src/server/create-server.ts'],
    });
    expect(layeringProblems(bad)).toEqual([
      'the core imports a host: mcp-bridge/src/resources/conversations.ts → mcp-bridge/src/hosts/http/http-server.ts',
      'the core imports a host: mcp-bridge/src/server/deps.ts → mcp-bridge/src/hosts/stderr-logger.ts',
      'the core imports a host: mcp-bridge/src/tools/send-sms.ts → mcp-bridge/src/hosts/env-config.ts',
    ]);
  });
});

test('the reader sees type-only imports, re-exports and lazy requires, and ignores paths in comments', () => {
  const fixture = join(__dirname, 'support', 'layering-fixture');
  expect(layeringProblems(importGraph(fixture, ['lib', 'mcp-bridge/src']))).toEqual([
    'import cycle: lib/a.ts ⇄ lib/b.ts',
    'lib/ imports the bridge: lib/b.ts → mcp-bridge/src/server/core.ts',
    'the core imports a host: mcp-bridge/src/server/core.ts → mcp-bridge/src/hosts/host.ts',
  ]);
});
