/**
 * What the sections share: the options they run with, fake credentials, the emulator's request
 * log turned into readable breakdowns, and a concurrency pool.
 */
import type { Emulator, RecordedRequest } from '../emulator';
import { projectRoot } from '../scripts/system/paths';
import { MAGIC_FROM_NUMBER } from '../emulator/magic-numbers';

/** The project folder (the bench runs from source under ts-jest and bundled in build/bench/). */
export const ROOT = projectRoot();

export interface BenchOptions {
  /** Tiny sizes and 1–2 repetitions (the smoke test). */
  quick: boolean;
  /** Install the peer MCP servers from npm when they are missing. */
  installPeers: boolean;
  /** Measure the peers at all. */
  peers: boolean;
  /** Progress on stderr; stdout is the table. */
  log: (line: string) => void;
}

/** Fake credentials for processes that must start without a Twilio account. */
export const FAKE = {
  accountSid: `AC${'0'.repeat(32)}`,
  authToken: '0'.repeat(32),
  apiKey: `SK${'0'.repeat(32)}`,
  apiSecret: 'fake-api-secret',
  syncServiceSid: `IS${'0'.repeat(32)}`,
  phoneNumber: MAGIC_FROM_NUMBER,
};

export { MAGIC_FROM_NUMBER };

/** The bridge's send caps off (0 = none), so benchmark sends are never refused by the guard. */
/**
 * Caps so high no bench run reaches them: every cap is still counted (the send guard's ledger
 * reads and writes are part of what a send costs with the default caps), none refuses.
 */
export const UNREACHED_SEND_LIMITS: Record<string, string> = {
  SEND_LIMIT_PER_MINUTE: '1000000',
  SEND_LIMIT_PER_RECIPIENT_PER_MINUTE: '1000000',
  SEND_LIMIT_PER_HOUR: '1000000',
  SEND_LIMIT_PER_DAY: '1000000',
  SEND_LIMIT_ACCOUNT_PER_MINUTE: '1000000',
  SEND_LIMIT_ACCOUNT_PER_DAY: '1000000',
};

/** Real US area codes (a made-up one fails the bridge's number check); one per block of numbers. */
const AREA_CODES = [415, 212, 310, 617, 312, 206, 303, 404, 512, 702, 213, 646];

/** A distinct US number per (block, i): +1 <area code of the block> 555 iiii, 0 ≤ i < 10,000. */
export function handset(i: number, block = 0): string {
  const area = AREA_CODES[block];
  if (area === undefined || i < 0 || i >= 10_000) throw new Error(`handset(${i}, ${block}): out of range`);
  return `+1${area}555${String(i).padStart(4, '0')}`;
}

/** 'SM' + 32 hex, distinct per (prefix, i). */
export function messageSid(prefix: number, i: number): string {
  return `SM${prefix.toString(16).padStart(8, '0')}${i.toString(16).padStart(24, '0')}`;
}

/** The route template without the account/service prefix: "Maps/{MapSid}/Items/{Key}". */
export function shortRoute(request: RecordedRequest): string {
  return request.route
    .replace(/^\/v1\/Services\/\{ServiceSid\}\//, '')
    .replace(/^\/2010-04-01\/Accounts\/\{AccountSid\}\//, '');
}

/**
 * The requests since the last resetCounts(), grouped: "sync GET Maps/{MapSid}/Items/{Key} 404 ×1".
 * Non-2xx statuses are shown: a 404 followed by a create is how containers come into being.
 */
export function breakdown(requests: readonly RecordedRequest[]): string {
  const groups = new Map<string, number>();
  for (const request of requests) {
    const status = request.status >= 200 && request.status < 300 ? '' : ` ${request.status}`;
    const key = `${request.product} ${request.method} ${shortRoute(request)}${status}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [...groups].map(([key, count]) => `${key} ×${count}`).join('; ');
}

export interface CallCount {
  total: number;
  api: number;
  sync: number;
  syncReads: number;
  syncWrites: number;
  detail: string;
}

export function countCalls(emulator: Emulator): CallCount {
  const requests = emulator.requests();
  const sync = requests.filter((r) => r.product === 'sync');
  return {
    total: requests.length,
    api: requests.length - sync.length,
    sync: sync.length,
    syncReads: sync.filter((r) => r.method === 'GET').length,
    syncWrites: sync.filter((r) => r.method !== 'GET').length,
    detail: breakdown(requests),
  };
}

/** Runs `work(i)` for i in [0, count) with at most `concurrency` in flight; stops starting new work after `deadline`. */
export async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>, deadline = Number.POSITIVE_INFINITY): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return next;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * How many messages a receive_sms / get_conversation result carries, whatever shape its
 * structuredContent has ({messages}, {count}, or {conversations: [{messages}]}); null when unknown.
 */
export function messagesIn(structured: unknown): number | null {
  if (typeof structured !== 'object' || structured === null) return null;
  const value = structured as { messages?: unknown; count?: unknown; conversations?: unknown };
  if (Array.isArray(value.messages)) return value.messages.length;
  if (typeof value.count === 'number') return value.count;
  if (Array.isArray(value.conversations)) {
    return value.conversations.reduce((n: number, c: unknown) => n + (Array.isArray((c as { messages?: unknown }).messages) ? ((c as { messages: unknown[] }).messages.length) : 0), 0);
  }
  return null;
}
