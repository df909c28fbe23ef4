/**
 * What the store keeps, validated with zod wherever it is read back from Sync (data written by an
 * older version or by hand must not crash a tool).
 */
import * as z from 'zod';
import { MESSAGE_STATUSES } from './message-status';

/** Twilio's limit on a message body (error 21617 beyond it). */
export const MAX_BODY_LENGTH = 1600;
/** Twilio accepts at most 10 media items per message. */
export const MAX_MEDIA = 10;
/**
 * A media URL the bridge sends, in bytes of its JSON string (quotes excluded). Sync stores a
 * thread item of at most 16 KiB (54006, https://www.twilio.com/docs/api/errors/54006), written
 * after Twilio has sent the message, so the record must fit by construction: the fields other than
 * body and media take under 600 bytes; a 1,600-character body at most 9,600 (six bytes per
 * character, escaped control characters; emoji take four); which leaves 10 × 600 bytes for media,
 * each `{"url":…,"contentType":…}` with this URL and a content type of up to 64 characters.
 * Twilio's own media URLs are about 150.
 */
export const MAX_MEDIA_URL_BYTES = 500;

export const MediaSchema = z.object({
  url: z.string(),
  contentType: z.string(),
});
export type MediaRecord = z.infer<typeof MediaSchema>;

export const MessageRecordSchema = z.object({
  sid: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  from: z.string(),
  to: z.string(),
  body: z.string(),
  media: z.array(MediaSchema),
  numSegments: z.number().int().nonnegative(),
  status: z.enum(MESSAGE_STATUSES),
  errorCode: z.number().int().nullable(),
  /** When Twilio received it (inbound) or accepted it from us (outbound), ISO 8601. */
  createdAt: z.string(),
  /** When the status last changed, ISO 8601. */
  statusAt: z.string(),
  /** Inbound only: false when stored; the conversation's cursor decides it on read. */
  processed: z.boolean(),
});
export type MessageRecord = z.infer<typeof MessageRecordSchema>;

/** Thread list indices (after, through]: the items one handover read (lib/store/handover.ts). */
export const IndexRangeSchema = z.tuple([z.number().int(), z.number().int()]);

/**
 * A handover taken and not yet known to have reached a client: its token, the ranges it read, how
 * many messages it handed over, and when (ms since the epoch) any bridge may give it back.
 */
export const OpenHandoverSchema = z.object({ t: z.string(), r: z.array(IndexRangeSchema), n: z.number().int().nonnegative(), d: z.number() });

/** Ranges given back (their result never reached the client): the next take hands them over again. */
export const GivenBackSchema = z.object({ r: z.array(IndexRangeSchema), n: z.number().int().nonnegative() });

/** One reader's receive cursor in a conversation (lib/store/read-cursor.ts). */
export const ReadCursorRecordSchema = z.object({
  cursorIndex: z.number().int(),
  handedOver: z.number().int().nonnegative(),
  handovers: z.array(z.string()).optional(),
  open: z.array(OpenHandoverSchema).optional(),
  back: z.array(GivenBackSchema).optional(),
});
export type ReadCursorRecord = z.infer<typeof ReadCursorRecordSchema>;

/**
 * One conversation in the inbox index. Counters make unread counts and "anything new?" answerable
 * from the index alone; `recentSids` makes counting a message idempotent when a write is retried.
 */
export const InboxEntrySchema = z.object({
  conversationId: z.string(),
  ourNumber: z.string(),
  theirNumber: z.string(),
  createdAt: z.string(),
  lastActivityAt: z.string(),
  lastDirection: z.enum(['inbound', 'outbound']),
  messageCount: z.number().int().nonnegative(),
  inboundCount: z.number().int().nonnegative(),
  /**
   * When their last message arrived (ISO 8601): a WhatsApp conversation's 24-hour window runs from
   * it (lib/whatsapp.ts). Absent in entries written before it was kept, and with no inbound message.
   */
  lastInboundAt: z.string().optional(),
  /** Highest list index holding an inbound message, -1 when none. */
  lastInboundIndex: z.number().int(),
  /** receive_sms has handed over every inbound message up to this list index, -1 when none. */
  cursorIndex: z.number().int(),
  handedOver: z.number().int().nonnegative(),
  recentSids: z.array(z.string()),
  /** A recount (inbox.ts) counted every thread item through this list index; absent before one. */
  countedThrough: z.number().int().optional(),
  optedOut: z.boolean().default(false),
  /** Named readers' own cursors (one per LibreChat user), by reader key; absent when none. */
  readers: z.record(z.string(), ReadCursorRecordSchema).optional(),
});
export type InboxEntry = z.infer<typeof InboxEntrySchema>;

/**
 * The per-conversation map item keyed by MessageSid: claims an inbound webhook (so a replay stores
 * nothing new), and maps a sid to its list index for status callbacks.
 */
export const SidEntrySchema = z.object({
  /** Random token of the invocation storing it; null once released. */
  owner: z.string().nullable().default(null),
  claimedAt: z.number().default(0),
  index: z.number().int().nullable().default(null),
  done: z.boolean().default(false),
  /**
   * Whether the inbox has counted it (inbound): true, false (certainly not), or null (unknown: the
   * claim's owner may have counted it before it died or lost the answer). A resumed claim must
   * neither count a counted message again nor skip an uncounted one (lib/store/inbound-claim.ts).
   */
  counted: z.boolean().nullable().default(null),
  /**
   * Released with index null after an append whose outcome is unknown (it failed, or was still
   * under way): true; false when no append was made; null when not said (older entries). The next
   * attempt searches the thread that deep for the copy before appending (inbound-claim.ts).
   */
  appendUnsure: z.boolean().nullable().default(null),
  /** A status callback that arrived before the bridge recorded its message. */
  status: z.enum(MESSAGE_STATUSES).nullable().default(null),
  errorCode: z.number().int().nullable().default(null),
  statusAt: z.string().nullable().default(null),
});
export type SidEntry = z.infer<typeof SidEntrySchema>;
