/**
 * Helpers shared by the reliability suite (issue #6): counting what reached Twilio, posting
 * webhooks to the real `twilio-run start`, counting injected faults, and collecting the suite's
 * figures for the summary printed at the end (see global-teardown.ts).
 */
import { appendFileSync } from 'node:fs';
import twilio from 'twilio';
import type { Emulator } from '../../emulator';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** The v2010 Message create: the only call that can text someone. */
export const CREATE_ROUTE = '/2010-04-01/Accounts/{AccountSid}/Messages.json';

/** Message create requests the emulator received (answered or not). */
export function createRequests(emulator: Emulator): number {
  return emulator.count({ method: 'POST', product: 'api', route: CREATE_ROUTE });
}

/** Outbound messages that exist at Twilio: what was actually sent. */
export function createdMessages(emulator: Emulator): number {
  return emulator.messages().filter((message) => message.direction !== 'inbound').length;
}

/** Sync requests that changed state: creates, appends, updates and deletes Sync accepted (2xx). */
export function syncWrites(emulator: Emulator): number {
  return emulator.requests().filter((r) => r.product === 'sync' && (r.method === 'POST' || r.method === 'DELETE') && r.status >= 200 && r.status < 300).length;
}

export function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}

export type FaultTally = Record<'429' | '500' | '503' | 'timeout' | 'reset', number>;

/**
 * Counts the faults the emulator actually injected, by kind, from its log (`fault <kind> on …` /
 * `fault <kind> after …`). Pass `counter.log` as the emulator's `log` option.
 */
export class FaultCounter {
  readonly byKind: FaultTally = { 429: 0, 500: 0, 503: 0, timeout: 0, reset: 0 };
  afterHandling = 0;

  readonly log = (line: string): void => {
    const match = /\] fault (429|500|503|timeout|reset) (on|after) /.exec(line);
    if (!match) return;
    this.byKind[match[1] as keyof FaultTally] += 1;
    if (match[2] === 'after') this.afterHandling += 1;
  };

  total(): number {
    return Object.values(this.byKind).reduce((sum, n) => sum + n, 0);
  }
}

export interface WebhookPost {
  /** Form parameters (sent form-encoded unless `rawBody` is given). */
  params?: Record<string, string>;
  /** Sign with this auth token (default: none → no X-Twilio-Signature header). */
  token?: string;
  /** The URL the signature is computed over (default: the URL posted to). */
  signUrl?: string;
  /** The parameters the signature is computed over (default: `params`). */
  signParams?: Record<string, string>;
  /** An explicit X-Twilio-Signature value (overrides `token`). */
  signature?: string;
  /** Appended to the path, e.g. '?Body=evil'. */
  query?: string;
  contentType?: string;
  rawBody?: string | Buffer;
  method?: 'GET' | 'POST';
}

export interface WebhookAnswer {
  status: number;
  body: string;
  contentType: string;
}

/** Posts to a Function route of `twilio-run start` the way Twilio (or an attacker) would. */
export async function postWebhook(baseUrl: string, path: string, post: WebhookPost): Promise<WebhookAnswer> {
  const url = `${baseUrl}${path}${post.query ?? ''}`;
  const params = post.params ?? {};
  const signature =
    post.signature ?? (post.token ? twilio.getExpectedTwilioSignature(post.token, post.signUrl ?? url, post.signParams ?? params) : undefined);
  const method = post.method ?? 'POST';
  const headers: Record<string, string> = {};
  if (signature !== undefined) headers['X-Twilio-Signature'] = signature;
  let body: string | Buffer | undefined;
  if (method === 'POST') {
    headers['Content-Type'] = post.contentType ?? 'application/x-www-form-urlencoded';
    body = post.rawBody ?? new URLSearchParams(params).toString();
  }
  const response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type') ?? '' };
}

/** A MessageSid like Twilio's: SM + 32 lower-case hex digits. */
export function messageSid(n: number, prefix = 'SM'): string {
  return `${prefix}${n.toString(16).padStart(32, '0')}`;
}

/** Twilio's incoming-message webhook parameters. */
export function inboundParams(options: { sid: string; accountSid: string; from: string; to: string; body: string; extra?: Record<string, string> }): Record<string, string> {
  return {
    ToCountry: 'US',
    SmsMessageSid: options.sid,
    NumMedia: '0',
    SmsSid: options.sid,
    SmsStatus: 'received',
    Body: options.body,
    To: options.to,
    NumSegments: '1',
    MessageSid: options.sid,
    AccountSid: options.accountSid,
    From: options.from,
    ApiVersion: '2010-04-01',
    ...options.extra,
  };
}

/** Twilio's status-callback parameters. */
export function statusParams(options: { sid: string; accountSid: string; from: string; to: string; status: string; extra?: Record<string, string> }): Record<string, string> {
  return {
    MessageSid: options.sid,
    SmsSid: options.sid,
    AccountSid: options.accountSid,
    From: options.from,
    To: options.to,
    MessageStatus: options.status,
    SmsStatus: options.status,
    ApiVersion: '2010-04-01',
    ...options.extra,
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `task` over `items` with at most `limit` at a time. */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface Figures {
  suite: string;
  casesTried?: number;
  faults?: Partial<FaultTally>;
  faultsAfterHandling?: number;
  lost?: number;
  duplicates?: number;
  secretsLeaked?: number;
  creates?: number;
  throughputPerSecond?: number;
  notes?: string[];
}

/**
 * Records a suite's figures: printed at once, and appended to the file global-setup.ts names so
 * global-teardown.ts can print the totals of the whole run.
 */
export function reportFigures(figures: Figures): void {
  process.stdout.write(`\n[reliability] ${JSON.stringify(figures)}\n`);
  const file = process.env.RELIABILITY_FIGURES_FILE;
  if (file) appendFileSync(file, `${JSON.stringify(figures)}\n`);
}
