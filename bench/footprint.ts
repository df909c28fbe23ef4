/**
 * 2. Tool-definition footprint: what the tools cost in every model request — the bytes of the
 * tools/list result (all tools together) and of each tool, split into description and schemas.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchOptions } from './common';
import { guardedColdStart, ourServer } from './cold-start';
import { ensurePeers, peerServers } from './peers';
import type { Metric, SectionResult } from './report';
import { single } from './stats';
import type { ToolDefinition } from './stdio-rpc';

export const FOOTPRINT_TARGET_BYTES = 6 * 1024;

const bytes = (value: unknown) => (value === undefined ? 0 : Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value)));

function toolParts(tool: ToolDefinition): string {
  const parts: [string, unknown][] = [['description', tool.description], ['inputSchema', tool.inputSchema], ['outputSchema', tool.outputSchema], ['annotations', tool.annotations]];
  const named = parts.filter(([, value]) => value !== undefined).map(([name, value]) => `${name} ${bytes(value).toLocaleString('en-US')}`);
  const rest = Object.keys(tool).filter((key) => !['name', 'description', 'inputSchema', 'outputSchema', 'annotations'].includes(key));
  return `${named.join(', ')}${rest.length ? ` (+ ${rest.join(', ')})` : ''}`;
}

export async function runFootprint(options: BenchOptions): Promise<Omit<SectionResult, 'seconds'>> {
  const scratch = mkdtempSync(join(tmpdir(), 'sms-mcp-bench-footprint-'));
  try {
    const ours = await guardedColdStart(ourServer(), scratch, 'footprint');
    if (!ours.sample) throw new Error(`our bridge ${ours.failure ?? 'did not answer'}`);
    const { tools, resultJson, initialize } = ours.sample;
    const total = Buffer.byteLength(resultJson);
    const metrics: Metric[] = [
      { id: 'ours.toolsListBytes', label: 'twilio-sms-mcp: tools/list result, all tools', unit: 'bytes', value: single(total), note: `${tools.length} tools; JSON as sent over stdio` },
    ];
    for (const tool of [...tools].sort((a, b) => bytes(b) - bytes(a))) {
      metrics.push({ id: `ours.tool.${tool.name}.bytes`, label: `  ${tool.name}`, unit: 'bytes', value: single(bytes(tool)), note: toolParts(tool) });
    }
    const described = tools.reduce((sum, tool) => sum + bytes(tool.description), 0);
    const inputs = tools.reduce((sum, tool) => sum + bytes(tool.inputSchema), 0);
    const outputs = tools.reduce((sum, tool) => sum + bytes(tool.outputSchema), 0);
    metrics.push(
      { id: 'ours.outputSchemaBytes', label: '  of which outputSchema (all tools)', unit: 'bytes', value: single(outputs), note: `descriptions ${described.toLocaleString('en-US')}, inputSchema ${inputs.toLocaleString('en-US')}` },
      { id: 'ours.instructionsBytes', label: 'twilio-sms-mcp: server instructions (initialize)', unit: 'bytes', value: single(bytes(initialize.instructions ?? '')), note: 'sent once per session when the client uses them (LibreChat serverInstructions: true); not part of the target' },
    );

    // Peers, when the cold-start section (or an earlier run) installed them: one start each.
    const peers = options.peers ? await ensurePeers(false, options.log) : { installed: false as const, reason: '--no-peers' };
    if (peers.installed) {
      for (const peer of peerServers()) {
        const run = await guardedColdStart(peer.spec, scratch, 'footprint');
        metrics.push({
          id: `peer.${peer.spec.name}.toolsListBytes`,
          label: `${peer.label}: tools/list result`,
          unit: 'bytes',
          value: run.sample ? single(Buffer.byteLength(run.sample.resultJson)) : null,
          note: run.sample ? `${run.sample.tools.length} tools` : (run.failure ?? 'no answer'),
        });
      }
    } else {
      metrics.push({ id: 'peers', label: 'peers', unit: 'bytes', value: null, note: `peer not installed: ${peers.reason}` });
    }

    return {
      name: 'footprint',
      title: '2. Tool-definition footprint',
      metrics,
      targets: [{ label: 'tools/list footprint', goal: `< 6 KB (${FOOTPRINT_TARGET_BYTES.toLocaleString('en-US')} bytes)`, actual: `${total.toLocaleString('en-US')} bytes`, met: total < FOOTPRINT_TARGET_BYTES }],
      notes: [
        'Bytes are UTF-8 JSON as the server serialises it (JSON.stringify, no whitespace); a model client re-encodes the same definitions into every request, so this is a per-request cost. Reported only; the tools are not changed here.',
      ],
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
