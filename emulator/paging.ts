/**
 * Paging in Twilio's two dialects. Both are cursor-based here: a PageToken names the sort key of
 * the item a page starts after (or ends before), so pages stay stable while items are added or
 * deleted, as Twilio's do.
 *
 * - v2010: top-level keys (`messages`, `next_page_uri`, …) with RELATIVE uris; twilio-node
 *   prefixes https://api.twilio.com itself.
 * - Sync v1: a `meta` block with CANONICAL absolute urls; twilio-node follows
 *   `meta.next_page_url` verbatim (our client factory rewrites the host).
 */
import { badRequest, invalidParameter, TwilioApiError } from './errors';

export type SortKey = string | number;

export interface PageRequest {
  pageSize: number;
  page: number;
  token?: string;
}

export interface PageSlice<T> {
  items: T[];
  nextToken: string | null;
  previousToken: string | null;
}

interface Cursor {
  /** 'n': items after `k`; 'p': items before `k`. */
  d: 'n' | 'p';
  k: SortKey;
}

const TOKEN_PREFIX = 'PT';

export function encodePageToken(direction: Cursor['d'], key: SortKey): string {
  const cursor: Cursor = { d: direction, k: key };
  return TOKEN_PREFIX + Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodePageToken(token: string): Cursor | null {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { d, k } = parsed as Record<string, unknown>;
    if ((d !== 'n' && d !== 'p') || (typeof k !== 'string' && typeof k !== 'number')) return null;
    return { d, k };
  } catch {
    return null;
  }
}

/** Lowest index in [0, length) for which `test` holds, `test` being monotone (false… true…). */
function lowerBound(length: number, test: (index: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (test(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * One page of `sorted` (already filtered and in display order; `compare` agrees with that
 * order and keys are unique). Without a token, `page` selects an offset like Twilio's legacy
 * `Page` parameter.
 */
export function slicePage<T, K extends SortKey>(
  sorted: readonly T[],
  keyOf: (item: T) => K,
  compare: (a: K, b: K) => number,
  request: PageRequest,
): PageSlice<T> {
  const { pageSize } = request;
  let start: number;
  let end: number;
  if (request.token === undefined) {
    start = Math.min(sorted.length, request.page * pageSize);
    end = Math.min(sorted.length, start + pageSize);
  } else {
    const cursor = decodePageToken(request.token);
    const sample = sorted[0];
    if (!cursor || (sample !== undefined && typeof cursor.k !== typeof keyOf(sample))) {
      throw invalidParameter(`Invalid PageToken: ${request.token}`);
    }
    const key = cursor.k as K;
    if (cursor.d === 'n') {
      start = lowerBound(sorted.length, (i) => compare(keyOf(sorted[i]!), key) > 0);
      end = Math.min(sorted.length, start + pageSize);
    } else {
      end = lowerBound(sorted.length, (i) => compare(keyOf(sorted[i]!), key) >= 0);
      start = Math.max(0, end - pageSize);
    }
  }
  const items = sorted.slice(start, end);
  const first = items[0];
  const last = items[items.length - 1];
  return {
    items,
    nextToken: last !== undefined && end < sorted.length ? encodePageToken('n', keyOf(last)) : null,
    previousToken: first !== undefined && start > 0 ? encodePageToken('p', keyOf(first)) : null,
  };
}

export interface PagingLimits {
  defaultSize: number;
  maxSize: number;
  /** Error for a PageSize above maxSize: v2010 20007, Sync 54454. */
  tooLarge: (size: number) => TwilioApiError;
}

export const V2010_PAGING: PagingLimits = {
  defaultSize: 50,
  maxSize: 1000,
  tooLarge: () => badRequest(20007, 'Page size too large. The maximum page size is 1000.'),
};

export const SYNC_PAGING: PagingLimits = {
  defaultSize: 50,
  maxSize: 100,
  tooLarge: (size) => badRequest(54454, `Invalid 'PageSize' query parameter: ${size} (must be 1-100)`),
};

export function parsePaging(query: URLSearchParams, limits: PagingLimits): PageRequest {
  const rawSize = query.get('PageSize');
  let pageSize = limits.defaultSize;
  if (rawSize !== null) {
    pageSize = Number(rawSize);
    if (!Number.isInteger(pageSize) || pageSize < 1) throw invalidParameter(`Invalid PageSize: ${rawSize}`);
    if (pageSize > limits.maxSize) throw limits.tooLarge(pageSize);
  }
  const rawPage = query.get('Page');
  const page = rawPage === null ? 0 : Number(rawPage);
  if (!Number.isInteger(page) || page < 0) throw invalidParameter(`Invalid Page: ${rawPage ?? ''}`);
  const token = query.get('PageToken') ?? undefined;
  return token === undefined ? { pageSize, page } : { pageSize, page, token };
}

export type QueryPairs = readonly (readonly [string, string])[];

export function buildQuery(pairs: QueryPairs): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

function pageQuery(filters: QueryPairs, pageSize: number, page: number, token?: string | null): string {
  const pairs: (readonly [string, string])[] = [...filters, ['PageSize', String(pageSize)], ['Page', String(page)]];
  if (token) pairs.push(['PageToken', token]);
  return buildQuery(pairs);
}

export interface PageInput<T> {
  /** Key of the item array in the response ('messages', 'items', …). */
  key: string;
  /** v2010: path like '/2010-04-01/Accounts/AC…/Messages.json'; Sync: canonical absolute url. */
  base: string;
  /** Filters echoed into every page link, in a fixed order. */
  filters: QueryPairs;
  request: PageRequest;
  slice: PageSlice<T>;
  render: (item: T) => unknown;
}

/** v2010 list response: top-level paging keys, relative uris. */
export function v2010Page<T>(input: PageInput<T>): Record<string, unknown> {
  const { request, slice, filters, base } = input;
  const start = request.page * request.pageSize;
  return {
    [input.key]: slice.items.map(input.render),
    end: Math.max(start, start + slice.items.length - 1),
    first_page_uri: `${base}?${pageQuery(filters, request.pageSize, 0)}`,
    next_page_uri: slice.nextToken
      ? `${base}?${pageQuery(filters, request.pageSize, request.page + 1, slice.nextToken)}`
      : null,
    page: request.page,
    page_size: request.pageSize,
    previous_page_uri: slice.previousToken
      ? `${base}?${pageQuery(filters, request.pageSize, Math.max(0, request.page - 1), slice.previousToken)}`
      : null,
    start,
    uri: `${base}?${pageQuery(filters, request.pageSize, request.page, request.token)}`,
  };
}

/** Sync v1 list response: items under `key` plus a `meta` block with canonical urls. */
export function syncPage<T>(input: PageInput<T>): Record<string, unknown> {
  const { request, slice, filters, base } = input;
  return {
    [input.key]: slice.items.map(input.render),
    meta: {
      page: request.page,
      page_size: request.pageSize,
      first_page_url: `${base}?${pageQuery(filters, request.pageSize, 0)}`,
      previous_page_url: slice.previousToken
        ? `${base}?${pageQuery(filters, request.pageSize, Math.max(0, request.page - 1), slice.previousToken)}`
        : null,
      url: `${base}?${pageQuery(filters, request.pageSize, request.page, request.token)}`,
      next_page_url: slice.nextToken
        ? `${base}?${pageQuery(filters, request.pageSize, request.page + 1, slice.nextToken)}`
        : null,
      key: input.key,
    },
  };
}
