/**
 * An assistant pays for every byte of tools/list in every request, so the bridge answers it once,
 * cached and without what carries no meaning for a client:
 * - `$schema` on each schema (draft-07 from the SDK; these schemas read the same in 2020-12),
 * - `additionalProperties: false` on output objects (structuredContent is produced by us),
 * - `execution: {taskSupport: 'forbidden'}` (the default when absent),
 * - integer bounds of ±(2^53 − 1) that zod adds to every `.int()`.
 * Tools carry no `title` for the same reason: their snake_case names read well enough.
 * The SDK builds the answer from the registered zod schemas; this wraps its handler. Installing
 * the wrapper is public API (Server.setRequestHandler replaces a method's handler, as documented);
 * reaching the SDK's own handler is not: the SDK offers no getter, so it is read from the private
 * `_requestHandlers` map. That is why @modelcontextprotocol/sdk is pinned to an exact version in
 * package.json, and test/unit/server-tools.test.ts fails if an upgrade moves the map or stops the
 * compaction (it checks the answer carries no `$schema` and every tool still lists its schemas).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema, type ListToolsResult } from '@modelcontextprotocol/sdk/types.js';

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
  const original = (server.server as unknown as { _requestHandlers?: Map<string, Handler> })._requestHandlers?.get('tools/list');
  if (!original) throw new Error('tools/list handler not found: register the tools first (or the MCP SDK changed; see compact-tool-list.ts).');
  let cached: ListToolsResult | undefined;
  server.server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    cached ??= compact(await original(request, extra)) as ListToolsResult;
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
