/**
 * Test helpers: a twilio client pointed at an emulator, and a tiny webhook receiver that records
 * what Twilio (the emulator) posts to it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTwilioClient, type TwilioClient, type TwilioClientOptions } from '../../lib/twilio-client';
import type { Emulator } from '../../emulator';

export function tokenClient(emulator: Emulator, options: TwilioClientOptions = {}): TwilioClient {
  return createTwilioClient(
    { accountSid: emulator.accountSid, authToken: emulator.authToken },
    { apiBaseUrl: emulator.url, ...options },
  );
}

export function apiKeyClient(emulator: Emulator, options: TwilioClientOptions = {}): TwilioClient {
  return createTwilioClient(
    { accountSid: emulator.accountSid, apiKey: emulator.apiKey, apiSecret: emulator.apiSecret },
    { apiBaseUrl: emulator.url, ...options },
  );
}

export interface ReceivedWebhook {
  method: string;
  /** The full URL the request was sent to, as the sender signed it. */
  url: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  params: Record<string, string>;
  at: number;
}

export type Reply = { status: number; body?: string } | 'hang';

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Sets how the next requests are answered (default 200 with empty TwiML). */
  reply(fn: (hook: ReceivedWebhook, n: number) => Reply): void;
  waitFor(predicate: (hooks: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let replyFn: (hook: ReceivedWebhook, n: number) => Reply = () => ({ status: 200, body: '<Response/>' });
  const waiters = new Set<() => void>();
  let base = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = new URL(req.url ?? '/', base);
      const params = Object.fromEntries(
        req.method === 'GET' ? target.searchParams : new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
      );
      const hook: ReceivedWebhook = {
        method: req.method ?? '',
        url: `${base}${req.url ?? ''}`,
        path: target.pathname,
        headers: req.headers,
        params,
        at: Date.now(),
      };
      received.push(hook);
      for (const w of [...waiters]) w();
      const reply = replyFn(hook, received.length);
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'Content-Type': 'text/xml' }).end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    received,
    reply: (fn) => {
      replyFn = fn;
    },
    waitFor: (predicate, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(received);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`webhook receiver: condition not met in ${timeoutMs} ms (${received.length} received)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The RestException twilio-node throws, narrowed for assertions. */
export async function restError(promise: Promise<unknown>): Promise<{ status: number; code: number; message: string; moreInfo: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status?: unknown; code?: unknown; message?: unknown; moreInfo?: unknown };
    if (typeof e.status === 'number' && typeof e.code === 'number') {
      return { status: e.status, code: e.code, message: String(e.message), moreInfo: String(e.moreInfo) };
    }
    throw error;
  }
  throw new Error('expected the request to fail');
}

/** A raw request to the emulator (for what the twilio client cannot send). */
export async function raw(
  emulator: Emulator,
  method: string,
  path: string,
  options: { auth?: 'token' | 'apiKey' | string; form?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<{ status: number; json: unknown; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth) {
    const credentials =
      options.auth === 'token'
        ? `${emulator.accountSid}:${emulator.authToken}`
        : options.auth === 'apiKey'
          ? `${emulator.apiKey}:${emulator.apiSecret}`
          : options.auth;
    headers.Authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  let body: string | undefined;
  if (options.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const response = await fetch(`${emulator.url}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: response.status, json, headers: response.headers };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value `accept`s (lifecycle timers run on wall-clock time). */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`eventually: condition not met in ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await sleep(10);
  }
}
