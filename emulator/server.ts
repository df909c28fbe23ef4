/**
 * The HTTP front: `/{product}{path}` (product 'api', 'messaging', 'content', 'sync', 'serverless' or 'serverless-upload',
 * as lib/twilio-client.ts rewrites https://{product}.twilio.com{path}), plus the /_emulator
 * control routes. Per API request:
 * route → read body → maybe a fault → authenticate → handler → answer → record.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { authenticate, type Credentials } from './auth';
import type { ControlHandler } from './control';
import { authenticateError, errorBody, methodNotAllowed, notFound, TwilioApiError } from './errors';
import type { FaultInjector } from './faults';
import { type Latency, split } from './latency';
import { randomHex } from './random';
import type { RequestRecorder } from './recorder';
import type { HttpMethod, RequestContext, RouteMatch, RouteResponse, Router, UploadedFile } from './router';
import type { EmulatorContext } from './state';
import type { FaultSpec, Product } from './types';

/** Twilio refuses huge form bodies too; 1 MiB is far above any valid request. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Serverless uploads carry whole files; Twilio's per-file limits are not modelled. */
const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
const DEFAULT_TIMEOUT_FAULT_MS = 60_000;
const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'DELETE'];

export interface ServerDeps {
  ctx: EmulatorContext;
  router: Router;
  faults: FaultInjector;
  recorder: RequestRecorder;
  latency: Latency;
  control: ControlHandler;
  credentials: Credentials;
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) reject(new BodyTooLarge());
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

interface ParsedBody {
  form: URLSearchParams;
  files: ReadonlyMap<string, UploadedFile>;
}

/**
 * Form fields and files. Multipart bodies are parsed by the platform's own parser (undici's,
 * behind `Response.formData()`); a malformed one yields no fields, so the route answers 400.
 */
async function parseBody(req: http.IncomingMessage, raw: Buffer): Promise<ParsedBody> {
  const contentType = req.headers['content-type'] ?? '';
  if (contentType.includes('application/x-www-form-urlencoded')) return { form: new URLSearchParams(raw.toString('utf8')), files: new Map() };
  if (!contentType.includes('multipart/form-data')) return { form: new URLSearchParams(), files: new Map() };
  const form = new URLSearchParams();
  const files = new Map<string, UploadedFile>();
  try {
    for (const [name, value] of await new Response(raw, { headers: { 'content-type': contentType } }).formData()) {
      if (typeof value === 'string') form.append(name, value);
      else files.set(name, { filename: value.name, contentType: value.type, content: Buffer.from(await value.arrayBuffer()) });
    }
  } catch {
    return { form: new URLSearchParams(), files: new Map() };
  }
  return { form, files };
}

function isLoopback(socket: Socket): boolean {
  const address = socket.remoteAddress ?? '';
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || address.startsWith('127.');
}

const FAULT_ERRORS: Readonly<Record<429 | 500 | 503, { code: number; message: string }>> = {
  429: { code: 20429, message: 'Too Many Requests' },
  500: { code: 20500, message: 'Internal Server Error' },
  503: { code: 20503, message: 'Service Unavailable' },
};

export function createEmulatorServer(deps: ServerDeps): http.Server {
  const { ctx, router, faults, recorder, latency, control, credentials } = deps;

  const send = (res: http.ServerResponse, response: RouteResponse): void => {
    const headers: Record<string, string> = { 'Twilio-Request-Id': `RQ${randomHex(ctx.random, 32)}`, ...response.headers };
    if (response.status === 401) headers['WWW-Authenticate'] = 'Basic realm="Twilio API"';
    if (response.status === 204 || response.body === undefined) {
      res.writeHead(response.status, headers).end();
      return;
    }
    const payload = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
    headers['Content-Type'] ??= 'application/json; charset=utf-8';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
    res.writeHead(response.status, headers).end(payload);
  };

  /** Applies a fault; returns the status to record (0: connection dropped). */
  const applyFault = (fault: FaultSpec, req: http.IncomingMessage, res: http.ServerResponse): number => {
    if (fault.kind === 'reset') {
      req.socket.destroy();
      return 0;
    }
    if (fault.kind === 'timeout') {
      // Hold the request unanswered, then drop it, like a gateway that never replies.
      const timer = ctx.timers.set(() => req.socket.destroy(), fault.delayMs ?? DEFAULT_TIMEOUT_FAULT_MS);
      req.socket.once('close', () => ctx.timers.clear(timer));
      return 0;
    }
    const { code, message } = FAULT_ERRORS[fault.kind];
    send(res, { status: fault.kind, body: errorBody(fault.kind, code, message) });
    return fault.kind;
  };

  const dispatch = (
    match: RouteMatch | undefined,
    method: string,
    path: string,
    url: URL,
    req: http.IncomingMessage,
    body: ParsedBody,
  ): RouteResponse => {
    try {
      const principal = match?.def.isPublic ? null : authenticate(req.headers.authorization, credentials);
      if (!match?.def.isPublic && principal === null) throw authenticateError();
      if (!match) throw notFound(path);
      const httpMethod = HTTP_METHODS.find((m) => m === method);
      const handler = httpMethod && match.def.handlers[httpMethod];
      if (!httpMethod || !handler) throw methodNotAllowed();
      // A v2010 path names the account: it must be this account's (Twilio: 20003).
      if (match.params.AccountSid !== undefined && match.params.AccountSid !== credentials.accountSid) {
        throw authenticateError();
      }
      const request: RequestContext = {
        method: httpMethod,
        path,
        params: match.params,
        query: url.searchParams,
        form: body.form,
        files: body.files,
        headers: req.headers,
        principal,
      };
      return handler(request);
    } catch (error) {
      if (error instanceof TwilioApiError) return { status: error.status, body: error.toBody() };
      ctx.log(`internal error on ${method} ${path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return { status: 500, body: errorBody(500, 20500, 'Internal Server Error') };
    }
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    // The simulated round trip is timed from here, against the real clock (not ctx.clock, which
    // tests move): the emulator's own work and a timer firing late are inside it, not added to it.
    const arrived = performance.now();
    const arrivedAt = ctx.clock.now();
    const holdUntil = async (ms: number) => {
      const wait = arrived + ms - performance.now();
      if (wait > 0) await ctx.timers.delay(wait);
    };
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();

    let rawBody: Buffer;
    try {
      rawBody = await readBody(req, url.pathname.startsWith('/serverless-upload/') ? MAX_UPLOAD_BYTES : MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLarge) send(res, { status: 413, body: errorBody(413, 20001, 'Request body too large') });
      else req.socket.destroy();
      return;
    }

    if (url.pathname === '/_emulator' || url.pathname.startsWith('/_emulator/')) {
      if (!isLoopback(req.socket)) {
        send(res, { status: 403, body: { error: 'control routes answer loopback clients only' } });
        return;
      }
      send(res, await control(method, url.pathname, url.searchParams, rawBody.toString('utf8')));
      return;
    }

    const productMatch = /^\/(api|messaging|content|sync|serverless-upload|serverless)(\/.*)$/.exec(url.pathname);
    if (!productMatch) {
      send(res, { status: 404, body: notFound(url.pathname).toBody() });
      return;
    }
    const product = productMatch[1] as Product;
    // The simulated round trip: half before the request takes effect, half before the answer.
    const [beforeMs, afterMs] = split(latency.draw(product));
    if (beforeMs > 0) await holdUntil(beforeMs);
    const path = productMatch[2]!;
    const match = router.match(product, path);
    const route = match?.def.template ?? path;
    const record = (status: number) =>
      recorder.add({ method, product, path: url.pathname, route, status, at: ctx.clock.now(), arrivedAt });

    const fault = faults.take({ method, product, route, path });
    if (fault && !fault.afterHandling) {
      if (afterMs > 0) await holdUntil(beforeMs + afterMs);
      ctx.log(`fault ${String(fault.kind)} on ${method} ${url.pathname}`);
      record(applyFault(fault, req, res));
      return;
    }
    const response = dispatch(match, method, path, url, req, await parseBody(req, rawBody));
    if (afterMs > 0) await holdUntil(beforeMs + afterMs);
    if (fault) {
      // The request took effect; the client just never learns it (an ambiguous failure).
      ctx.log(`fault ${String(fault.kind)} after ${method} ${url.pathname} → ${response.status}`);
      record(applyFault(fault, req, res));
      return;
    }
    ctx.log(`${method} ${url.pathname}${url.search} → ${response.status}`);
    send(res, response);
    record(response.status);
  };

  return http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      ctx.log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) send(res, { status: 500, body: errorBody(500, 20500, 'Internal Server Error') });
    });
  });
}
