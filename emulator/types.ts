/**
 * Public types of the local Twilio emulator. index.ts re-exports them; other code (Function
 * tests, the bridge's end-to-end tests, the sandbox) depends on these exact names.
 */
import type { TemplateSpec } from './whatsapp';

/** The https://{product}.twilio.com hosts emulated, served at {emulator}/{product}. */
export type Product = 'api' | 'messaging' | 'content' | 'sync' | 'serverless' | 'serverless-upload';

export interface MessagingServiceSpec {
  /** 'MG' + 32 hex. */
  sid: string;
  /** Sender pool; the first number is the sender the emulator picks. */
  phoneNumbers: string[];
  statusCallback?: string;
}

export interface SyncLimits {
  perObjectPerSecond: number;
  windowSeconds: number;
}

/**
 * Simulated round-trip time per answer, in ms: a number for every product, or per product
 * (products left out: 0) with optional jitter, uniform in [0, jitterMs), added to each answer.
 */
export type LatencySpec = number | { api?: number; messaging?: number; content?: number; sync?: number; serverless?: number; 'serverless-upload'?: number; jitterMs?: number };

export interface EmulatorOptions {
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default DEFAULT_ACCOUNT_SID. */
  accountSid?: string;
  /** Default DEFAULT_AUTH_TOKEN. */
  authToken?: string;
  /** Default DEFAULT_API_KEY. */
  apiKey?: string;
  /** Default DEFAULT_API_SECRET. */
  apiSecret?: string;
  /** IncomingPhoneNumbers owned by the account; default ['+15005550006']. */
  phoneNumbers?: string[];
  /** Default []. Their numbers become owned IncomingPhoneNumbers too. */
  messagingServices?: MessagingServiceSpec[];
  /** Sync service SIDs to pre-create ('IS' + 32 hex); default []. */
  syncServices?: string[];
  /** Time between lifecycle steps of an outbound message; default 100. */
  deliveryStepMs?: number;
  /** Per-object Sync rate limit; default { perObjectPerSecond: 20, windowSeconds: 10 }. */
  syncLimits?: SyncLimits | false;
  /** Default 15000 (Twilio's limit for webhooks). */
  webhookTimeoutMs?: number;
  /** Default: none. */
  log?: (line: string) => void;
  /** Seeds the PRNG behind SIDs and fault probabilities (reproducible runs); default Math.random. */
  seed?: number;
  /**
   * Delay of every API answer, like a real round trip (not /_emulator, not webhooks sent);
   * default none. Jitter draws from its own PRNG, seeded from `seed` when given.
   */
  latency?: LatencySpec;
  /** The account's Content resources (WhatsApp templates); default: two approved, one pending (whatsapp.ts). */
  templates?: TemplateSpec[];
}

export interface RecordedRequest {
  method: string;
  product: Product;
  /** The request path as received, without the query ('/api/2010-04-01/…'). */
  path: string;
  /** OpenAPI path template below the product prefix; the raw path when no route matched. */
  route: string;
  /** HTTP status answered; 0 when a 'reset' or 'timeout' fault dropped the connection. */
  status: number;
  /** When the answer left (or the connection was dropped): emulator clock, ms since epoch. */
  at: number;
  /** When the request arrived, on the same clock: with latency, `at` is a whole RTT later. */
  arrivedAt: number;
}

export interface CountFilter {
  method?: string;
  product?: Product;
  route?: string | RegExp;
}

export type FaultKind = 429 | 500 | 503 | 'timeout' | 'reset';

export interface FaultSpec {
  kind: FaultKind;
  method?: string;
  product?: Product;
  /** A string matches the route template or the raw path exactly; a RegExp is tested on both. */
  route?: string | RegExp;
  /** Default Infinity. */
  times?: number;
  /** 0..1, default 1. */
  probability?: number;
  /** Apply the fault after the request has taken effect (an ambiguous failure); default false. */
  afterHandling?: boolean;
  /** For 'timeout': hold the response this long (default 60000), then drop the connection. */
  delayMs?: number;
}

export type DeliveryOutcome =
  | { status: 'delivered' }
  /** Stops at sent: the carrier reports no more. */
  | { status: 'sent' }
  | { status: 'undelivered' | 'failed'; errorCode: number };

export interface InboundMedia {
  url: string;
  contentType: string;
}

export interface InboundSpec {
  from: string;
  to: string;
  body: string;
  media?: InboundMedia[];
  /** Extra attempts on 5xx / timeout / connection error; default 0. */
  retries?: number;
  /** Default 100. */
  retryDelayMs?: number;
  /** Reuse a MessageSid (e.g. to replay a message Twilio already delivered). */
  messageSid?: string;
}

export interface InboundAttempt {
  /** The URL posted to (SmsUrl, or SmsFallbackUrl for the fallback attempt). */
  url: string;
  /** HTTP status; null when the request timed out or the connection failed. */
  status: number | null;
  body: string;
  error?: string;
}

export interface InboundResult {
  messageSid: string;
  attempts: InboundAttempt[];
  /** Some attempt got a 2xx. */
  delivered: boolean;
}

export type MessageStatus =
  | 'queued'
  | 'sending'
  | 'sent'
  | 'failed'
  | 'delivered'
  | 'undelivered'
  | 'receiving'
  | 'received'
  | 'accepted'
  | 'scheduled'
  | 'read'
  | 'partially_delivered'
  | 'canceled';

export type MessageDirection = 'inbound' | 'outbound-api' | 'outbound-call' | 'outbound-reply';

/** The v2010 Message resource exactly as the API answers it. */
export interface MessageResource {
  account_sid: string;
  api_version: '2010-04-01';
  body: string;
  date_created: string;
  date_sent: string | null;
  date_updated: string;
  direction: MessageDirection;
  error_code: number | null;
  error_message: string | null;
  from: string | null;
  messaging_service_sid: string | null;
  num_media: string;
  num_segments: string;
  price: string | null;
  price_unit: string;
  sid: string;
  status: MessageStatus;
  /** `feedback` on every answer but the create call's. */
  subresource_uris: { media: string; feedback?: string };
  to: string;
  uri: string;
}

export interface Emulator {
  /** 'http://127.0.0.1:PORT' */
  readonly url: string;
  readonly port: number;
  readonly accountSid: string;
  readonly authToken: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Stops timers, pending webhooks and the server; leaves no open handles. */
  close(): Promise<void>;
  /** Every API request received (not /_emulator control calls). */
  requests(): RecordedRequest[];
  count(filter?: CountFilter): number;
  resetCounts(): void;
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  setDeliveryOutcome(to: string, outcome: DeliveryOutcome): void;
  simulateInbound(msg: InboundSpec): Promise<InboundResult>;
  /** Snapshot of all Message resources in creation order. */
  messages(): MessageResource[];
  /** Returns the new 'IS' SID. */
  createSyncService(friendlyName?: string): string;
  /** Moves the emulator clock forward (dates, Sync TTL expiry, rate-limit windows) and releases scheduled messages that fall due. */
  advanceTime(ms: number): void;
  /**
   * The bytes of an uploaded Function or Asset Version ('ZN…'), as the upload carried them.
   * Twilio's API serves a Function Version's code (…/Content) but never an Asset's.
   */
  uploadedContent(versionSid: string): Buffer | undefined;
  /** Changes the simulated round-trip time from the next request on (undefined: none). */
  setLatency(latency: LatencySpec | undefined): void;
}
