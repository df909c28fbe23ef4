/**
 * The MCP endpoint as a Twilio Function (functions/mcp.ts, public: /mcp). Twilio's gateway has
 * already parsed the JSON body into `event` and put the headers in `event.request.headers`; this
 * rebuilds the web `Request`, answers it with the stateless handler (stateless.ts) and turns the
 * `Response` into a `Twilio.Response`. In order, each step answering early:
 *
 * 1. settings (function-settings.ts): a Function missing one answers 500 and logs which;
 * 2. `Authorization: Bearer <token>` against MCP_TOKENS in constant time (bearer-tokens.ts): 401
 *    with WWW-Authenticate, and nothing else read or touched; a token is never logged, only its position;
 * 3. no body and no Content-Type (a GET: a Function's event carries no method) → 405 `Allow: POST`
 *    (no SSE: a Function's answer goes out whole). OPTIONS never reaches the Function: Twilio's
 *    runtime answers the CORS preflight itself (204);
 * 4. a body over FUNCTION_MAX_BODY_BYTES → 413;
 * 5. more than MCP_MAX_CONCURRENT calls in this instance → 503 with Retry-After (see below);
 * 6. the core's server for the token's scope, answering by the 8 s call budget.
 *
 * Why MCP_MAX_CONCURRENT: an account runs a bounded number of Function executions at once (an
 * older limits page: 30), shared with the incoming-SMS webhook. No /mcp call holds one longer than
 * 8 s (the budget), and waits end 2.7 s in; the per-instance cap bounds what one warm instance
 * holds. Twilio may start more instances, each with its own count, so the account-wide bound is
 * what the clients ask at once: one call per open tool call (LibreChat runs a user's tool calls one
 * after another), each at most 8 s.
 */
/// <reference types="@twilio-labs/serverless-runtime-types" />
import type { Context, ServerlessCallback, ServerlessEventObject } from '@twilio-labs/serverless-runtime-types/types';
import { type BridgeDeps, createDeps, createShared, type SharedDeps } from '../../server/deps';
import { createLogger, type Logger } from '../stderr-logger';
import { type BearerToken, matchToken, scopeOfToken } from '../http/bearer-tokens';
import { answerStateless, rpcErrorResponse } from '../stateless';
import { FUNCTION_MAX_BODY_BYTES, type FunctionSettings, readFunctionSettings } from './function-settings';
import { functionHost, type GetTwilioClient } from './function-host';

type McpEvent = ServerlessEventObject<Record<string, unknown>, Record<string, string | string[] | undefined>>;

/**
 * A warm instance keeps its shared deps (the Twilio client's keep-alive connections, the Sync
 * gateway, each owner's guard) and each token's deps (its store view and what it caches) while its
 * settings stay the same, as a long-lived bridge keeps them across calls.
 */
let cached: { key: string; shared: SharedDeps; log: Logger; byToken: Map<number, BridgeDeps> } | undefined;
let inFlight = 0;

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function depsOf(settings: FunctionSettings, getTwilioClient: GetTwilioClient, token: BearerToken): BridgeDeps {
  if (cached?.key !== settings.key) {
    const { config } = settings;
    const log = createLogger({ logPii: config.logPii, write: (line) => console.error(line) });
    const host = functionHost(getTwilioClient, { apiBaseUrl: config.apiBaseUrl, timeoutMs: config.twilioTimeoutMs ?? 3000 });
    cached = { key: settings.key, shared: createShared(config, log, host), log, byToken: new Map() };
  }
  let deps = cached.byToken.get(token.id);
  if (!deps) cached.byToken.set(token.id, (deps = createDeps(settings.config, cached.log, cached.shared, scopeOfToken(settings.config, token))));
  return deps;
}

/** The Function's answer to one invocation, as a web Response. */
export async function answerMcpEvent(context: Record<string, unknown>, event: McpEvent): Promise<Response> {
  const read = readFunctionSettings(context);
  if (!read.ok) {
    console.error(`[twilio-sms-mcp] error /mcp is not configured: ${read.error}`);
    return rpcErrorResponse(500, 'The /mcp Function is not configured. See its logs.');
  }
  const { settings } = read;
  const { request: meta, ...body } = event;
  const headers = meta?.headers ?? {};
  const token = matchToken(header(headers, 'authorization'), settings.tokens);
  if (!token) {
    console.error('[twilio-sms-mcp] warn refused an unauthenticated /mcp request');
    return rpcErrorResponse(401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer realm="twilio-sms-mcp"' });
  }
  const contentType = header(headers, 'content-type');
  if (contentType === undefined && Object.keys(body).length === 0) {
    return rpcErrorResponse(405, 'Method not allowed: /mcp takes POST (stateless, JSON answers; no SSE stream, no sessions).', { Allow: 'POST' });
  }
  const text = JSON.stringify(body);
  const declared = Number(header(headers, 'content-length') ?? 0);
  if (declared > FUNCTION_MAX_BODY_BYTES || Buffer.byteLength(text) > FUNCTION_MAX_BODY_BYTES) {
    return rpcErrorResponse(413, `Payload too large: /mcp takes bodies of at most ${FUNCTION_MAX_BODY_BYTES} bytes.`);
  }
  if (inFlight >= settings.maxConcurrent) {
    console.error(`[twilio-sms-mcp] warn refused a call: ${inFlight} already running in this instance (MCP_MAX_CONCURRENT)`);
    return rpcErrorResponse(503, 'Busy: too many calls at once. Call again in a second.', { 'Retry-After': '1' });
  }
  inFlight++;
  try {
    const deps = depsOf(settings, context.getTwilioClient as GetTwilioClient, token);
    const forwarded = new Headers();
    for (const [name, value] of Object.entries(headers)) if (value !== undefined && name !== 'content-length') forwarded.set(name, Array.isArray(value) ? value.join(', ') : value);
    const request = new Request(settings.url, { method: 'POST', headers: forwarded, body: text });
    return await answerStateless(deps, request, { maxBodyBytes: FUNCTION_MAX_BODY_BYTES });
  } finally {
    inFlight--;
  }
}

/**
 * Twilio's runtime replaces the global `Response` with its own (Twilio.Response: `global.Response =
 * Twilio.Response` in @twilio/runtime-handler's route.js), and the SDK's web-standard transport
 * builds its answers with `new Response(…)`. So the web class is put back, found through fetch (a
 * `data:` URL, nothing on the network), once per instance. The runtime keeps its own reference to
 * its class (its `instanceof` checks use its module's import) and our Functions use Twilio.Response.
 */
let webResponse: Promise<void> | undefined;
function restoreWebResponse(): Promise<void> {
  return (webResponse ??= (async () => {
    if (typeof (globalThis.Response as { json?: unknown }).json === 'function') return;
    globalThis.Response = (await fetch('data:application/json,{}')).constructor as typeof Response;
  })());
}

/** `exports.handler` of functions/mcp.ts. */
export function mcpFunctionHandler() {
  return async (context: Context, event: McpEvent, callback: ServerlessCallback): Promise<void> => {
    await restoreWebResponse();
    const answer = await answerMcpEvent(context as unknown as Record<string, unknown>, event).catch((error: unknown) => {
      console.error(`[twilio-sms-mcp] error /mcp failed: ${error instanceof Error ? error.message : String(error)}`);
      return rpcErrorResponse(500, 'Internal error');
    });
    const response = new Twilio.Response();
    response.setStatusCode(answer.status);
    answer.headers.forEach((value, name) => {
      response.appendHeader(name, value);
    });
    response.setBody(await answer.text());
    callback(null, response);
  };
}
