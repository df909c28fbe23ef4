/**
 * One MCP request answered with nothing kept: a fresh server from the core's factory and a
 * stateless transport (no Mcp-Session-Id; `initialize` answered but remembered by no one) that
 * answers one JSON body, not an SSE stream. The same for the Twilio Function serving /mcp
 * (function/mcp-function.ts) and the HTTP service with MCP_HTTP_STATELESS=true (http/http-server.ts):
 * any instance answers any request, so replicas need no sticky sessions.
 *
 * What stateless gives up: resources/subscribe (a watch needs a stream that outlives its request:
 * clients read the resources or call receive_sms instead), elicitation (no request back to the
 * client on the same call: SEND_CONFIRMATION falls back to its preview and confirmation token),
 * and the give-back of a result lost after its answer (the host cannot see it): a handover is
 * recorded delivered before the answer leaves, one Sync write more on a receive that hands over.
 */
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { createServer } from '../server/create-server';
import type { BridgeDeps } from '../server/deps';

export async function answerStateless(deps: BridgeDeps, request: Request, options: { maxBodyBytes: number; parsedBody?: unknown }): Promise<Response> {
  const server = createServer(deps);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true, maxRequestBodySize: options.maxBodyBytes });
  await server.connect(deps.delivery.wrap(transport));
  try {
    const answer = await transport.handleRequest(request, options.parsedBody !== undefined ? { parsedBody: options.parsedBody } : undefined);
    // The answer is built: what it hands over is recorded delivered before it goes (the host sees
    // nothing after it; a Function may be frozen as soon as it has answered).
    await deps.delivery.settled();
    return answer;
  } finally {
    await server.close();
  }
}

/** A JSON-RPC error answer outside the transport (refused before it: 401, 405, 413, 503). */
export function rpcErrorResponse(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message }, id: null }), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}
