/**
 * POST /mcp — the MCP server hosted in the account's own Twilio Functions (public visibility: a
 * file without .protected/.private routes as-is; the bearer token is its protection).
 *
 * Called by: an MCP client (LibreChat `type: streamable-http`, mcp-remote for Claude Desktop, any
 * Streamable HTTP client) with `Authorization: Bearer <token>` (MCP_TOKENS).
 * Parameters: one JSON-RPC message as the JSON body (initialize, tools/list, tools/call,
 * resources/list, resources/read, ping, notifications).
 * Answers: the JSON-RPC answer (stateless: no Mcp-Session-Id); 202 for a notification; 401 without
 * a valid token; 405 for GET; 413 over 64 KiB; 503 when this instance is busy; 500 when a setting is
 * missing (named in the logs). Logic: mcp-bridge/src/hosts/function/mcp-function.ts.
 */
import { mcpFunctionHandler } from '../mcp-bridge/src/hosts/function/mcp-function';

export const handler = mcpFunctionHandler();
