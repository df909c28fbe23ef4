/**
 * An assistant pays for every byte of tools/list in every request, so the bridge answers it once,
 * cached and without what carries no meaning for a client:
 * - `$schema` on each schema (draft-07 from the SDK; these schemas read the same in 2020-12),
 * - `additionalProperties: false` on output objects (structuredContent is produced by us),
 * - `execution: {taskSupport: 'forbidden'}` (the default when absent),
 * - integer bounds of ±(2^53 − 1) that zod adds to every `.int()`.
 * Tools carry no `title` for the same reason: their snake_case names read well enough.
 * The SDK builds the answer from the registered zod schemas; this wraps its handler (the SDK is
 * pinned, and a test checks that every tool still lists with its schemas).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

type Handler = (request: unknown, extra: unknown) => Promise<unknown> | unknown;

function strip(schema: unknown, dropAdditional: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((item) => strip(item, dropAdditional));
  if (!schema || typeof schema !== 'object') return schema;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema') continue;
    if (dropAdditional && key === 'additionalProperties' && value === false) continue;
    if ((key === 'maximum' || key === 'minimum') && Math.abs(Number(value)) === Number.MAX_SAFE_INTEGER) continue;
    result[key] = key === 'enum' || key === 'required' ? value : strip(value, dropAdditional);
  }
  return result;
}

export function compactToolList(server: McpServer): void {
  const handlers = (server.server as unknown as { _requestHandlers: Map<string, Handler> })._requestHandlers;
  const original = handlers.get('tools/list');
  if (!original) throw new Error('tools/list is not registered: register the tools first.');
  let cached: unknown;
  handlers.set('tools/list', async (request, extra) => {
    cached ??= compact(await original(request, extra));
    return cached;
  });
}

function compact(result: unknown): unknown {
  const { tools } = result as { tools: Record<string, unknown>[] };
  return {
    tools: tools.map(({ execution, inputSchema, outputSchema, ...tool }) => ({
      ...tool,
      inputSchema: strip(inputSchema, false),
      ...(outputSchema ? { outputSchema: strip(outputSchema, true) } : {}),
      ...(execution && (execution as { taskSupport?: string }).taskSupport !== 'forbidden' ? { execution } : {}),
    })),
  };
}
