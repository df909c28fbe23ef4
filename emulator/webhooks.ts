/**
 * Outbound webhooks (incoming-message webhooks and status callbacks), signed the way Twilio signs
 * them: `X-Twilio-Signature` from twilio's own getExpectedTwilioSignature over exactly the URL
 * requested and the form parameters, so a handler validating with twilio.validateRequest passes.
 */
import http from 'node:http';
import https from 'node:https';
import twilio from 'twilio';
import type { InboundAttempt } from './types';

export interface WebhookRequest {
  url: string;
  method: 'GET' | 'POST';
  params: Record<string, string>;
  headers?: Record<string, string>;
}

/** Twilio reads at most this much of a webhook's answer; the rest is irrelevant here too. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export class WebhookClient {
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(
    private readonly authToken: string,
    private readonly timeoutMs: number,
  ) {}

  /** Never rejects: a failure is an attempt with status null and an error. */
  send(request: WebhookRequest): Promise<InboundAttempt> {
    let target: URL;
    try {
      target = new URL(request.url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      return Promise.resolve({ url: request.url, status: null, body: '', error: `invalid URL ${request.url}` });
    }
    if (this.closed) return Promise.resolve({ url: request.url, status: null, body: '', error: 'emulator closed' });

    // GET webhooks carry the parameters in the query and are signed over the full URL alone.
    let signedUrl = request.url;
    let payload = '';
    if (request.method === 'GET') {
      for (const [k, v] of Object.entries(request.params)) target.searchParams.append(k, v);
      signedUrl = target.toString();
    } else {
      payload = new URLSearchParams(request.params).toString();
    }
    const signature = twilio.getExpectedTwilioSignature(
      this.authToken,
      signedUrl,
      request.method === 'GET' ? {} : request.params,
    );
    const headers: Record<string, string> = {
      'User-Agent': 'TwilioProxy/1.1',
      'X-Home-Region': 'us1',
      'X-Twilio-Signature': signature,
      Connection: 'close',
      ...request.headers,
    };
    if (request.method === 'POST') {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }

    const controller = new AbortController();
    this.inFlight.add(controller);
    return new Promise<InboundAttempt>((resolve) => {
      let settled = false;
      const finish = (attempt: InboundAttempt) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(controller);
        resolve(attempt);
      };
      const timer = setTimeout(() => {
        finish({ url: request.url, status: null, body: '', error: `timeout after ${this.timeoutMs} ms` });
        controller.abort();
      }, this.timeoutMs);

      const transport = target.protocol === 'https:' ? https : http;
      // agent: false: one connection per webhook, nothing kept alive past close().
      const req = transport.request(target, { method: request.method, headers, agent: false, signal: controller.signal });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          finish({
            url: request.url,
            status: res.statusCode ?? null,
            body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_RESPONSE_BYTES),
          });
        });
        res.on('error', (error: Error) => finish({ url: request.url, status: null, body: '', error: error.message }));
      });
      req.on('error', (error: Error) => {
        const message = this.closed ? 'emulator closed' : error.message;
        finish({ url: request.url, status: null, body: '', error: message });
      });
      req.end(payload);
    });
  }

  /** Aborts every webhook in flight and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
  }
}
