/**
 * The bridge over MCP Streamable HTTP: one service for a team (LibreChat's `type: streamable-http`,
 * or any HTTP client), the same tools and results as over stdio. Each MCP session (Mcp-Session-Id)
 * gets its own McpServer with the scope of the token that opened it; its state is in Sync, so
 * several instances can run behind a load balancer.
 *
 *   POST/GET/DELETE /mcp   the MCP endpoint (the SDK's StreamableHTTPServerTransport)
 *   GET /healthz           200 {"status":"ok"}, no credentials, nothing else revealed
 *
 * Every /mcp request: Host (and Origin, when a browser sends one) must be allowed, against DNS
 * rebinding (403); then `Authorization: Bearer <token>` when tokens are configured (401 with
 * WWW-Authenticate otherwise, and only the attempt is logged); then a session is used only with
 * the token that opened it (401). Bodies over 1 MiB are refused by the transport (413).
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { BridgeConfig } from '../env-config';
import { createDeps, createShared, type BridgeDeps } from '../../server/deps';
import type { Logger } from '../stderr-logger';
import { createServer } from '../../server/create-server';
import { processHost } from '../process-host';
import { answerStateless } from '../stateless';
import { type BearerToken, matchToken, scopeOfToken } from './bearer-tokens';
import type { HttpSettings } from './http-settings';

const MAX_BODY_BYTES = 1024 * 1024;
const SWEEP_MS = 30_000;

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  deps: BridgeDeps;
  /** Which token opened it (its position); 0 without tokens. */
  tokenId: number;
  lastSeen: number;
}

export interface HttpService {
  url: string;
  /** Stops taking requests, lets calls in flight finish for the grace period, cancels the rest. */
  close(): Promise<void>;
}

function hostnameOf(value: string): string | null {
  try {
    return new URL(`http://${value}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** Against DNS rebinding: the Host a browser was tricked into using is not one of ours. */
function allowedHost(req: IncomingMessage, settings: HttpSettings): boolean {
  const host = hostnameOf(req.headers.host ?? '');
  if (host === null || !settings.allowedHosts.includes(host)) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (settings.allowedOrigins.includes(origin)) return true;
  try {
    return settings.allowedHosts.includes(new URL(origin).hostname.toLowerCase());
  } catch {
    return false;
  }
}

function answer(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function rpcError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  answer(res, status, { jsonrpc: '2.0', error: { code: -32001, message }, id: null }, headers);
}

/** A request's body, or null past `max` bytes (the rest is not read). */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * MCP_HTTP_STATELESS: one POST, one answer, through the same stateless handler as the /mcp
 * Function (hosts/stateless.ts), so any replica answers any request.
 */
async function handleStateless(req: IncomingMessage, res: ServerResponse, deps: BridgeDeps): Promise<void> {
  if (req.method !== 'POST') return rpcError(res, 405, 'Method not allowed: this endpoint is stateless (MCP_HTTP_STATELESS): POST only, no SSE stream, no sessions.', { Allow: 'POST' });
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === null) return rpcError(res, 413, `Payload too large: at most ${MAX_BODY_BYTES} bytes.`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && name !== 'content-length') headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  const answer = await answerStateless(deps, new Request(`http://${req.headers.host ?? 'localhost'}/mcp`, { method: 'POST', headers, body }), { maxBodyBytes: MAX_BODY_BYTES });
  const out: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    out[name] = value;
  });
  res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
}

export async function startHttpService(config: BridgeConfig, settings: HttpSettings, log: Logger): Promise<HttpService> {
  // Stateless replicas keep nothing between requests: the guard in Sync (createShared refuses
  // without it), no subscriptions, and no give-back (nothing after the answer is seen).
  const choices = settings.stateless ? { ...processHost(config, log), processLocalGuard: false, subscriptions: false, resultTracking: 'none' as const } : processHost(config, log);
  const shared = createShared(config, log, choices);
  const statelessDeps = new Map<number, BridgeDeps>();
  const sessions = new Map<string, Session>();
  let inFlight = 0;
  let idle: (() => void) | undefined;
  let closing = false;

  const openSession = (token: BearerToken | null): Session => {
    const deps = createDeps(config, log, shared, scopeOfToken(config, token));
    const server = createServer(deps);
    const session: Session = {
      deps,
      server,
      tokenId: token?.id ?? 0,
      lastSeen: Date.now(),
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        maxRequestBodySize: MAX_BODY_BYTES,
        onsessioninitialized: (id) => {
          sessions.set(id, session);
          log.info(`MCP session opened (token ${session.tokenId || 'none'}); ${sessions.size} open`);
        },
        onsessionclosed: (id) => {
          sessions.delete(id);
        },
      }),
    };
    session.transport.onclose = () => {
      if (session.transport.sessionId) sessions.delete(session.transport.sessionId);
    };
    return session;
  };

  const handleMcp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!allowedHost(req, settings)) {
      log.warn(`refused a request for host ${JSON.stringify((req.headers.host ?? '').slice(0, 60))}${req.headers.origin ? ' with an origin not allowed' : ''} (MCP_HTTP_ALLOWED_HOSTS)`);
      return rpcError(res, 403, 'Forbidden: this Host or Origin is not allowed.');
    }
    let token: BearerToken | null = null;
    if (settings.tokens.length > 0) {
      token = matchToken(req.headers.authorization, settings.tokens);
      if (!token) {
        log.warn(`refused an unauthenticated request from ${req.socket.remoteAddress ?? 'unknown'}`);
        return rpcError(res, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer realm="twilio-sms-mcp"' });
      }
    }
    if (settings.stateless) {
      const id = token?.id ?? 0;
      let deps = statelessDeps.get(id);
      if (!deps) statelessDeps.set(id, (deps = createDeps(config, log, shared, scopeOfToken(config, token))));
      return handleStateless(req, res, deps);
    }
    const header = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      if (!session) return rpcError(res, 404, 'Session not found: initialize a new session.');
      if (session.tokenId !== (token?.id ?? 0)) {
        log.warn(`refused a session used with another token (token ${token?.id ?? 'none'})`);
        return rpcError(res, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer realm="twilio-sms-mcp", error="invalid_token"' });
      }
      session.lastSeen = Date.now();
      return session.transport.handleRequest(req, res);
    }
    if (closing) return rpcError(res, 503, 'Shutting down.');
    // No session yet: the request must be an initialize, which the new transport checks (400 if not).
    const session = openSession(token);
    await session.server.connect(session.deps.delivery.wrap(session.transport));
    await session.transport.handleRequest(req, res);
    if (!session.transport.sessionId) await session.server.close();
  };

  const http: Server = createHttpServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz' && req.method === 'GET') return answer(res, 200, { status: 'ok' });
    if (path !== '/mcp') return answer(res, 404, { error: 'Not found. The MCP endpoint is /mcp.' });
    // POSTs are the calls; a GET is a long-lived notification stream and does not hold a shutdown.
    const counted = req.method === 'POST';
    if (counted) inFlight++;
    handleMcp(req, res)
      .catch((error: unknown) => {
        log.error(`HTTP request failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) rpcError(res, 500, 'Internal error');
      })
      .finally(() => {
        if (counted && --inFlight === 0) idle?.();
      });
  });

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, session] of sessions) {
      if (now - session.lastSeen < settings.sessionIdleMs) continue;
      sessions.delete(id);
      log.info(`MCP session closed after ${Math.round(settings.sessionIdleMs / 1000)} s idle`);
      void session.transport.close();
    }
  }, Math.min(SWEEP_MS, settings.sessionIdleMs));
  sweep.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(settings.port, settings.host, () => resolve());
  });
  const address = http.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/mcp`;

  return {
    url,
    close: async () => {
      closing = true;
      clearInterval(sweep);
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      // Calls in flight may finish within the grace period; then the rest are cancelled, which
      // gives back what they took (result-delivery.ts), and the undos are waited for.
      if (inFlight > 0) await Promise.race([new Promise<void>((resolve) => (idle = resolve)), new Promise((resolve) => setTimeout(resolve, settings.shutdownGraceMs).unref())]);
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.all(open.map((session) => session.transport.close()));
      await Promise.all(open.map((session) => session.deps.delivery.settled()));
      http.closeAllConnections();
      await stopped;
    },
  };
}
