/**
 * The product's TWILIO_API_BASE_URL during the contract test: a loopback router that sends each
 * Twilio request through the Prism proxy holding the description of its product, and records
 * every exchange with the violations Prism found in it.
 *
 *   /api/…       → Prism (twilio_api_v2010.json)   → {emulator}/api/…
 *   /sync/…      → Prism (twilio_sync_v1.json)      → {emulator}/sync/…
 *   /messaging/… → Prism (twilio_messaging_v1.json) → {emulator}/messaging/…
 *   /content/…   → Prism (twilio_content_v1.json)   → {emulator}/content/…
 *   media content (GET …/Media/ME… without .json) → {emulator} directly, see MEDIA_CONTENT
 *   anything else → {emulator} directly, recorded as a product outside the descriptions
 *
 * A client whose base URL is {router}/sweep is the test's own, not the product's: its exchanges
 * are tagged `sweep` (the emulator's routes the product's day does not reach).
 *
 * The descriptions' paths start at the API version (/2010-04-01/…, /v1/…), as on
 * https://api.twilio.com, https://sync.twilio.com and https://messaging.twilio.com, so the router
 * strips the product label and each Prism adds it back through its upstream URL ({emulator}/api,
 * {emulator}/sync, {emulator}/messaging).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The products with a description, each behind its own Prism. */
export const DESCRIBED_LANES = ['api', 'sync', 'messaging', 'content', 'serverless'] as const;
export type DescribedLane = (typeof DESCRIBED_LANES)[number];
export type Lane = DescribedLane | 'media-content' | 'outside';

export const isDescribed = (lane: Lane): lane is DescribedLane => (DESCRIBED_LANES as readonly Lane[]).includes(lane);

/** One entry of Prism's `sl-violations` header. */
export interface PrismViolation {
  /** ['request' | 'response', …path into the message], e.g. ['response', 'body', 'uri']. */
  location: string[];
  severity: string;
  code?: string | number;
  message: string;
}

export type Source = 'product' | 'sweep';

export interface Exchange {
  source: Source;
  method: string;
  /** The path (and query) asked for, below TWILIO_API_BASE_URL (and /sweep). */
  url: string;
  lane: Lane;
  status: number;
  violations: PrismViolation[];
  /** Prism cuts the header at 8 KiB; then the list above is incomplete. */
  truncated: boolean;
  /** The answer's body through Prism, parsed when it is JSON (for the checks Prism cannot make). */
  body?: unknown;
}

export interface ContractRouter {
  url: string;
  exchanges(): Exchange[];
  close(): Promise<void>;
}

/**
 * Twilio serves a media item's bytes at its Media resource URI without `.json` (a redirect to
 * storage), which is what get_media fetches. Twilio's OpenAPI description has only the JSON
 * resource, so this one documented route bypasses Prism and is reported on its own.
 */
const MEDIA_CONTENT = /^\/api\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Messages\/(?:SM|MM)[0-9a-f]{32}\/Media\/ME[0-9a-f]{32}$/;

const SWEEP = '/sweep/';

function laneOf(method: string, path: string): Lane {
  if (method === 'GET' && MEDIA_CONTENT.test(path)) return 'media-content';
  return DESCRIBED_LANES.find((lane) => path.startsWith(`/${lane}/`)) ?? 'outside';
}

function parseViolations(header: string | string[] | undefined): { violations: PrismViolation[]; truncated: boolean } {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return { violations: [], truncated: false };
  if (value.startsWith('Too many violations!')) {
    // The cut JSON still starts with whole objects: keep those that parse.
    const objects = value.slice(value.indexOf('[') + 1).split(/(?<=\}),(?=\{)/);
    const violations = objects.flatMap((text) => {
      try {
        return [JSON.parse(text) as PrismViolation];
      } catch {
        return [];
      }
    });
    return { violations, truncated: true };
  }
  return { violations: JSON.parse(value) as PrismViolation[], truncated: false };
}

/** Kept for what Prism does not check (contract-unseen.ts); JSON parsed, anything else as text. */
function keepBody(answer: IncomingMessage, exchange: Exchange): void {
  const chunks: Buffer[] = [];
  answer.on('data', (chunk: Buffer) => chunks.push(chunk));
  answer.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      exchange.body = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      exchange.body = text;
    }
  });
}

/** `targets`: the Prism in front of each described product, and the emulator for the rest. */
export async function startContractRouter(targets: Record<DescribedLane, string> & { emulator: string }): Promise<ContractRouter> {
  const exchanges: Exchange[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const source: Source = req.url?.startsWith(SWEEP) ? 'sweep' : 'product';
    const url = source === 'sweep' ? req.url!.slice(SWEEP.length - 1) : (req.url ?? '/');
    const lane = laneOf(method, url.split('?')[0]!);
    const target = isDescribed(lane) ? new URL(url.slice(lane.length + 1), targets[lane]) : new URL(url, targets.emulator);
    const headers: IncomingHttpHeaders = { ...req.headers, host: target.host };
    const upstream = httpRequest(target, { method, headers }, (answer: IncomingMessage) => {
      const status = answer.statusCode ?? 0;
      const { violations, truncated } = isDescribed(lane) ? parseViolations(answer.headers['sl-violations']) : { violations: [], truncated: false };
      const exchange: Exchange = { source, method, url, lane, status, violations, truncated };
      exchanges.push(exchange);
      const { 'sl-violations': _violations, ...rest } = answer.headers;
      res.writeHead(status || 502, rest);
      if (isDescribed(lane)) keepBody(answer, exchange);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      exchanges.push({ source, method, url, lane, status: 0, violations: [], truncated: false });
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`contract router: ${error.message}`);
    });
    req.pipe(upstream);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges: () => [...exchanges],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
