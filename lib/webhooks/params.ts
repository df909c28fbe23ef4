/**
 * The parameters of Twilio's incoming-message webhook and status callback, validated once and
 * turned into the store's records.
 */
import * as z from 'zod';
import { MAX_MEDIA, type MessageRecord } from '../message-record';
import { segmentInfo } from '../segments';
import { isMessageStatus, type MessageStatus } from '../message-status';
import { MAX_ITEM_BYTES } from '../store/sync-gateway';
import type { StatusUpdate } from '../store/status-update';

const MESSAGE_SID = /^(SM|MM)[0-9a-f]{32}$/;

/**
 * A webhook's From or To: at most 64 characters. Twilio's addresses are far shorter: E.164 is at
 * most 16 characters with its "+", `whatsapp:` + E.164 at most 25, a short code 5–6 digits, an
 * alphanumeric sender id at most 11; channel addresses (`messenger:`, `rcs:` + an agent id) stay
 * within a few dozen. 64 leaves room for those at over twice the longest WhatsApp address, and
 * keeps what a forged or odd webhook can put into a stored record, or into any key derived from
 * an address (Sync map keys 1–256 characters, 54209), small and fixed. Refused as bad input (400):
 * nothing is claimed or stored.
 */
export const MAX_ADDRESS_CHARS = 64;

function address(name: 'From' | 'To') {
  return z
    .string()
    .min(1, `${name} is required`)
    .max(MAX_ADDRESS_CHARS, `${name} must be at most ${MAX_ADDRESS_CHARS} characters (a Twilio address: E.164, whatsapp:, a short code or a sender id)`);
}

/** Twilio's own parameter names; values are strings on the wire. */
/** Twilio may send a parameter empty; empty means absent, not 0. */
const optionalInt = z.preprocess((value) => (value === '' ? undefined : value), z.coerce.number().int().min(0).optional());

const IncomingSchema = z.object({
  MessageSid: z.string().regex(MESSAGE_SID, 'MessageSid must be SM or MM followed by 32 hex digits'),
  AccountSid: z.string().min(1),
  From: address('From'),
  To: address('To'),
  Body: z.string().default(''),
  NumMedia: z.coerce.number().int().min(0).max(MAX_MEDIA).default(0),
  NumSegments: optionalInt,
});

const StatusSchema = z.object({
  MessageSid: z.string().regex(MESSAGE_SID, 'MessageSid must be SM or MM followed by 32 hex digits'),
  AccountSid: z.string().min(1),
  From: address('From'),
  To: address('To'),
  MessageStatus: z.string().refine(isMessageStatus, 'MessageStatus is not a Twilio message status'),
  ErrorCode: optionalInt,
  // Set when the message went through a Messaging Service (Twilio's status callback carries it then).
  MessagingServiceSid: z.string().regex(/^MG[0-9a-fA-F]{32}$/, 'MessagingServiceSid must be MG followed by 32 hex digits').optional(),
});

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'request'}: ${issue.message}` : 'invalid request';
}

/**
 * Twilio posts webhooks form-encoded. The runtime parses JSON bodies too and mixes them into the
 * event, but nothing Twilio sends is JSON (or text/plain), so such a request is refused (415)
 * rather than read. No Content-Type (a bodiless GET) is left to the other checks.
 */
export function isFormEncoded(contentType: string | undefined): boolean {
  return contentType === undefined || contentType.split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

export const NOT_FORM_ENCODED = 'Unsupported Media Type: Twilio webhooks are application/x-www-form-urlencoded.';

/** Only the string parameters, without twilio-run's `request` (headers and cookies). */
export function webhookParams(event: Record<string, unknown>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key !== 'request' && typeof value === 'string') params[key] = value;
  }
  return params;
}

export function parseIncoming(params: Record<string, string>, receivedAt: Date): ParseResult<MessageRecord> {
  const parsed = IncomingSchema.safeParse(params);
  if (!parsed.success) return { ok: false, error: firstIssue(parsed.error) };
  const p = parsed.data;
  const media = Array.from({ length: p.NumMedia }, (_, i) => ({
    url: params[`MediaUrl${i}`] ?? '',
    contentType: params[`MediaContentType${i}`] ?? 'application/octet-stream',
  }));
  if (media.some((item) => item.url === '')) return { ok: false, error: 'NumMedia names more MediaUrl parameters than were sent' };
  const at = receivedAt.toISOString();
  const record: MessageRecord = {
    sid: p.MessageSid,
    direction: 'inbound',
    from: p.From,
    to: p.To,
    body: p.Body,
    media,
    numSegments: p.NumSegments ?? segmentInfo(p.Body).segments,
    status: 'received',
    errorCode: null,
    createdAt: at,
    statusAt: at,
    processed: false,
  };
  // Sync refuses such a record (54006) however often it is retried: answering 500 would only make
  // Twilio retry a message that can never be stored, after a claim was written for it. A real
  // Twilio message (body ≤ 1,600 characters, ≤ 10 media URLs) is far below the limit.
  const size = Buffer.byteLength(JSON.stringify(record));
  if (size > MAX_ITEM_BYTES) return { ok: false, error: `the message is too large to store (${size} bytes; Twilio Sync allows ${MAX_ITEM_BYTES}): Body or MediaUrl parameters far beyond what Twilio sends` };
  return { ok: true, value: record };
}

export type { StatusUpdate };

export function parseStatus(params: Record<string, string>, receivedAt: Date): ParseResult<StatusUpdate> {
  const parsed = StatusSchema.safeParse(params);
  if (!parsed.success) return { ok: false, error: firstIssue(parsed.error) };
  const p = parsed.data;
  return {
    ok: true,
    value: { sid: p.MessageSid, from: p.From, to: p.To, status: p.MessageStatus as MessageStatus, errorCode: p.ErrorCode ?? null, at: receivedAt.toISOString(), ...(p.MessagingServiceSid ? { messagingServiceSid: p.MessagingServiceSid } : {}) },
  };
}
