/** Parameter rules and lookups shared by the Sync routes (limits from Sync's documented limits). */
import { badRequest, invalidParameter, notFound, TwilioApiError } from './errors';
import type { OperationKind, SyncRateLimiter } from './rate-limit';
import { SID_PATTERN } from './random';
import type { RequestContext, RouteResponse } from './router';
import type { EmulatorContext } from './state';
import type { JsonObject, JsonValue, Stamped, SyncObject, SyncObjectKind, SyncObjectKinds, SyncService, SyncStore } from './sync-store';

export interface SyncDeps {
  ctx: EmulatorContext;
  store: SyncStore;
  limiter: SyncRateLimiter;
}

/**
 * Item data (a List or Map item, a Document): at most 16 KiB of serialized JSON, else 400 / 54006
 * "Request entity too large" (https://www.twilio.com/docs/api/errors/54006: "The size of a
 * serialized JSON payload stored in a Sync Document, List Item, or Map Item cannot exceed 16KB";
 * the API reference: "Can be up to 16 KiB in length"). Counted in UTF-8 bytes, KiB = 1,024.
 */
export const MAX_DATA_BYTES = 16 * 1024;
export const MAX_TTL_SECONDS = 31_536_000;
/**
 * Map item keys: 1–256 characters, else 400 / 54209 "Invalid Map Item key"
 * (https://www.twilio.com/docs/api/errors/54209: "The Map Item key must be a string with length
 * 1-256"). The API reference says "up to 320 characters" (contract/twilio-oai, CreateSyncMapItem
 * Key); the emulator holds the product to the less favourable 256. Characters are counted as
 * UTF-16 code units, which is never fewer than code points: the stricter reading again.
 */
export const MAX_KEY_LENGTH = 256;

export function requireService(deps: SyncDeps, req: RequestContext, param = 'ServiceSid'): SyncService {
  const service = deps.store.service(req.params[param] ?? '');
  if (!service) throw notFound(req.path);
  return service;
}

export function requireObject<K extends SyncObjectKind>(
  deps: SyncDeps,
  req: RequestContext,
  kind: K,
  param: string,
): { service: SyncService; object: SyncObjectKinds[K] } {
  const service = requireService(deps, req);
  const object = deps.store.find(service, kind, req.params[param] ?? '');
  if (!object) throw notFound(req.path);
  return { service, object };
}

/** Counts one read or write against the object's rate limit (the whole object, items included). */
export function consume(deps: SyncDeps, object: SyncObject, kind: OperationKind): void {
  if (!deps.limiter.tryConsume(object.sid, kind)) throw new TwilioApiError(429, 54009, 'Rate limit exceeded');
}

/** The first TTL parameter present, in precedence order (ItemTtl / CollectionTtl beat the Ttl alias). */
export function parseTtl(form: URLSearchParams, ...names: string[]): number | undefined {
  for (const name of names) {
    const raw = form.get(name);
    if (raw === null) continue;
    const ttl = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL_SECONDS) {
      throw badRequest(54011, `Invalid TTL: ${name} must be an integer between 0 and ${MAX_TTL_SECONDS}, got ${raw}`);
    }
    return ttl;
  }
  return undefined;
}

/** Twilio's 54006, its message as on the error's page, with the size found (Twilio's own answer may word it differently). */
export function dataTooLarge(size: number): TwilioApiError {
  return badRequest(54006, `Request entity too large: the size of the specified 'Data' parameter (${size} bytes) exceeds the size limit of ${MAX_DATA_BYTES} bytes`);
}

/** Twilio's 54209, its message as on the error's page. */
export function invalidMapKey(): TwilioApiError {
  return badRequest(54209, `Invalid Map Item key: the Map Item key must be a string with length 1-${MAX_KEY_LENGTH}`);
}

function isJsonObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Data: a JSON object of at most 16 KiB serialized (54008 invalid JSON, 54006 too large). Measured
 * both as sent and as re-serialized, the larger counting: a client's whitespace or escapes
 * (`\u00e9` for `é`) must not let through what Twilio, storing the JSON, may count larger, nor
 * the reverse.
 */
export function parseData(form: URLSearchParams, required: boolean): JsonObject | undefined {
  const raw = form.get('Data');
  if (raw === null) {
    if (required) throw invalidParameter("Missing required parameter Data in the post body");
    return undefined;
  }
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(raw) as JsonValue;
  } catch {
    throw badRequest(54008, "Invalid JSON: the 'Data' parameter is not valid JSON");
  }
  if (!isJsonObject(parsed)) throw badRequest(54008, "Invalid JSON: 'Data' must be a JSON object");
  const size = Math.max(Buffer.byteLength(raw), Buffer.byteLength(JSON.stringify(parsed)));
  if (size > MAX_DATA_BYTES) throw dataTooLarge(size);
  return parsed;
}

/** A unique name is 1–256 characters and must not look like a SID (54302). */
export function parseUniqueName(form: URLSearchParams): string | null {
  const name = form.get('UniqueName');
  if (name === null) return null;
  if (name.length < 1 || name.length > 256 || SID_PATTERN.test(name)) {
    throw badRequest(54302, `Invalid unique name: ${name} (1-256 characters, not matching [A-Z]{2}[a-f0-9]{32})`);
  }
  return name;
}

/** If-Match carries the revision the caller last saw; a mismatch is 412 with the type's code. */
export function checkIfMatch(req: RequestContext, stamped: Stamped, code: number, what: string): void {
  const header = req.headers['if-match'];
  if (header === undefined) return;
  const expected = header.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  if (expected !== '*' && expected !== String(stamped.revision)) {
    throw new TwilioApiError(412, code, `The revision of the ${what} does not match the expected revision`);
  }
}

export function withEtag(response: RouteResponse, stamped: Stamped): RouteResponse {
  return { ...response, headers: { ...response.headers, ETag: String(stamped.revision) } };
}

export interface CollectionQuery<K> {
  ascending: boolean;
  /** Whether an item key is within the From / Bounds window. */
  admits: (key: K) => boolean;
  /** Filters echoed into page links, in Twilio's order (From, Bounds, Order). */
  pairs: [string, string][];
}

/** Order / From / Bounds of item lists; list indexes are integers, map keys strings. */
export function parseCollectionQuery<K extends string | number>(
  query: URLSearchParams,
  parseKey: (raw: string) => K | undefined,
): CollectionQuery<K> {
  const order = query.get('Order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw invalidParameter(`Invalid Order: ${order} (asc or desc)`);
  const bounds = query.get('Bounds') ?? 'inclusive';
  if (bounds !== 'inclusive' && bounds !== 'exclusive') throw invalidParameter(`Invalid Bounds: ${bounds} (inclusive or exclusive)`);
  const rawFrom = query.get('From');
  const ascending = order === 'asc';
  const pairs: [string, string][] = [];
  let admits: (key: K) => boolean = () => true;
  if (rawFrom !== null) {
    const from = parseKey(rawFrom);
    if (from === undefined) throw invalidParameter(`Invalid From: ${rawFrom}`);
    pairs.push(['From', rawFrom]);
    const inclusive = bounds === 'inclusive';
    admits = (key) => {
      if (key === from) return inclusive;
      return ascending ? key > from : key < from;
    };
  }
  if (query.has('Bounds')) pairs.push(['Bounds', bounds]);
  if (query.has('Order')) pairs.push(['Order', order]);
  return { ascending, admits, pairs };
}
