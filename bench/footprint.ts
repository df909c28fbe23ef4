/**
 * 2. Tool-definition footprint: what the tools cost in every model request.
 *
 * Two figures, because a client does not hand the model what the server lists:
 * - the whole tools/list result (name, description, inputSchema, outputSchema, annotations), what
 *   travels over stdio once per session;
 * - the model-facing part, what the model receives in every request: name, description and input
 *   schema only. LibreChat builds each MCP tool as `{name: <tool>_mcp_<server>, description,
 *   parameters: inputSchema}` (packages/api/src/mcp/registry/MCPServerInspector.ts getToolFunctions;
 *   api/server/services/MCP.js createToolInstance hands description and that schema, refs resolved,
 *   to the provider) and drops outputSchema, annotations and title; Claude Desktop and the Anthropic
 *   API take `{name, description, input_schema}`. So the measure is, per tool, the compact JSON of
 *   `{name, description, input_schema}` (JSON.stringify, UTF-8 bytes), summed over the tools.
 *   LibreChat's `_mcp_<server>` name suffix is reported as a note: it depends on the server's name
 *   in librechat.yaml, not on the bridge.
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
/** Every tool's name, description and input schema together, as the model receives them. */
export const MODEL_FACING_TARGET_BYTES = 2400;
/** LibreChat's delimiter between tool and server name (librechat-data-provider Constants.mcp_delimiter). */
const LIBRECHAT_DELIMITER = '_mcp_';

const bytes = (value: unknown) => (value === undefined ? 0 : Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value)));
const count = (value: number) => value.toLocaleString('en-US');

/** What a model client passes on for one tool: its name, description and input schema. */
export function modelFacing(tool: { name: string; description?: string; inputSchema?: unknown }): { name: string; description?: string; input_schema?: unknown } {
  return { name: tool.name, description: tool.description, input_schema: tool.inputSchema };
}

/** Bytes of `modelFacing(tool)` as compact JSON. */
export function modelFacingBytes(tool: { name: string; description?: string; inputSchema?: unknown }): number {
  return bytes(modelFacing(tool));
}

export function modelFacingTotal(tools: readonly { name: string; description?: string; inputSchema?: unknown }[]): number {
  return tools.reduce((sum, tool) => sum + modelFacingBytes(tool), 0);
}

function wholeNote(tool: ToolDefinition): string {
  const rest = Object.keys(tool).filter((key) => !['name', 'description', 'inputSchema', 'outputSchema', 'annotations'].includes(key));
  return `whole definition ${count(bytes(tool))} (+ outputSchema ${count(bytes(tool.outputSchema))}, annotations ${count(bytes(tool.annotations))}${rest.length ? `, ${rest.join(', ')}` : ''})`;
}

export async function runFootprint(options: BenchOptions): Promise<Omit<SectionResult, 'seconds'>> {
  const scratch = mkdtempSync(join(tmpdir(), 'sms-mcp-bench-footprint-'));
  try {
    const ours = await guardedColdStart(ourServer(), scratch, 'footprint');
    if (!ours.sample) throw new Error(`our bridge ${ours.failure ?? 'did not answer'}`);
    const { tools, resultJson, initialize } = ours.sample;
    const total = Buffer.byteLength(resultJson);
    const modelTotal = modelFacingTotal(tools);
    const metrics: Metric[] = [
      { id: 'ours.toolsListBytes', label: 'twilio-sms-mcp: tools/list result, all tools', unit: 'bytes', value: single(total), note: `${tools.length} tools; JSON as sent over stdio, outputSchema and annotations included` },
      { id: 'ours.modelFacingBytes', label: 'twilio-sms-mcp: model-facing, all tools', unit: 'bytes', value: single(modelTotal), note: 'per request: {name, description, input_schema} of each tool, compact JSON' },
    ];
    for (const tool of [...tools].sort((a, b) => modelFacingBytes(b) - modelFacingBytes(a))) {
      metrics.push({
        id: `ours.tool.${tool.name}.modelFacingBytes`,
        label: `  ${tool.name}`,
        unit: 'bytes',
        value: single(modelFacingBytes(tool)),
        note: `description ${count(bytes(tool.description))}, input_schema ${count(bytes(tool.inputSchema))}; ${wholeNote(tool)}`,
      });
    }
    const described = tools.reduce((sum, tool) => sum + bytes(tool.description), 0);
    const inputs = tools.reduce((sum, tool) => sum + bytes(tool.inputSchema), 0);
    const outputs = tools.reduce((sum, tool) => sum + bytes(tool.outputSchema), 0);
    const suffix = (server: string) => tools.length * (LIBRECHAT_DELIMITER.length + server.length);
    metrics.push(
      { id: 'ours.outputSchemaBytes', label: 'tools/list: outputSchema (all tools), not model-facing', unit: 'bytes', value: single(outputs), note: `descriptions ${count(described)}, inputSchema ${count(inputs)}` },
      { id: 'ours.instructionsBytes', label: 'twilio-sms-mcp: server instructions (initialize)', unit: 'bytes', value: single(bytes(initialize.instructions ?? '')), note: 'sent once per session when the client uses them (LibreChat serverInstructions: true); not part of the targets' },
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
          note: run.sample ? `${run.sample.tools.length} tools; model-facing ${count(modelFacingTotal(run.sample.tools))}` : (run.failure ?? 'no answer'),
        });
      }
    } else {
      metrics.push({ id: 'peers', label: 'peers', unit: 'bytes', value: null, note: `peer not installed: ${peers.reason}` });
    }

    return {
      name: 'footprint',
      title: '2. Tool-definition footprint',
      metrics,
      targets: [
        { label: 'model-facing footprint', goal: `≤ ${count(MODEL_FACING_TARGET_BYTES)} bytes for all tools`, actual: `${count(modelTotal)} bytes`, met: modelTotal <= MODEL_FACING_TARGET_BYTES },
        { label: 'tools/list footprint (whole answer)', goal: `< 6 KB (${count(FOOTPRINT_TARGET_BYTES)} bytes)`, actual: `${count(total)} bytes`, met: total < FOOTPRINT_TARGET_BYTES },
      ],
      notes: [
        'Bytes are UTF-8 JSON without whitespace (JSON.stringify). tools/list is the whole answer as the server sends it over stdio, once per session. Model-facing is what a client re-sends to the model in every request: per tool {name, description, input_schema} (LibreChat: function {name, description, parameters}, packages/api/src/mcp/registry/MCPServerInspector.ts and api/server/services/MCP.js; Anthropic API / Claude Desktop: {name, description, input_schema}); outputSchema, annotations and title are not passed on.',
        `LibreChat names each tool <tool>${LIBRECHAT_DELIMITER}<server>: with the server named "sms" in librechat.yaml that adds ${count(suffix('sms'))} bytes over the ${tools.length} names, "twilio-sms" ${count(suffix('twilio-sms'))}; not counted in the target.`,
      ],
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
