/**
 * What send_sms accepts, checked before anything reaches Twilio. Each refusal says what to fix.
 */
import { MAX_BODY_LENGTH, MAX_MEDIA, MAX_MEDIA_URL_BYTES } from '../message-record';
import { type Channel, checkContentVariables, checkRecipientAddress, CONTENT_SID } from '../whatsapp';
import { describeSegments, segmentInfo, type SegmentInfo } from '../segments';

export interface SendInput {
  to: string;
  body: string;
  mediaUrl?: string[];
  /** ISO 8601 time to send at (scheduling; needs a Messaging Service). */
  sendAt?: string;
  /** Confirmation mode: the token from the preview. */
  confirmationToken?: string;
  /** Which of the user's own numbers sends (SMS_USER_NUMBERS); default chosen in sender.ts. */
  from?: string;
  /** WhatsApp: an approved Content template (HX…) to send instead of a body. */
  contentSid?: string;
  /** Its variables, a JSON object as a string. */
  contentVariables?: string;
}

/** A Content template send (WhatsApp): Twilio renders the text; the create carries no Body. */
export interface TemplateSend { contentSid: string; contentVariables?: string }

export type CheckedSend =
  | { ok: true; to: string; channel: Channel; phone: string; body: string; mediaUrl: string[]; template: TemplateSend | null }
  | { ok: false; reason: string };

/**
 * WhatsApp takes one media item per message (16 MB, images 5 MB, the content type must match the
 * file: https://www.twilio.com/docs/whatsapp/guidance-whatsapp-media-messages); a second is refused
 * here rather than left to Twilio.
 */
export const MAX_WHATSAPP_MEDIA = 1;

// Tab, newline and carriage return are text; other C0/C1 controls are not (carriers drop or mangle them).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// Invisible format characters (zero-width space and joiners, word joiner, BOM): a body of only these
// and whitespace shows as an empty text on the handset, so it counts as empty too.
const INVISIBLE = /[\s\u200B-\u200D\u2060\uFEFF]/g;

function isBlank(body: string): boolean {
  return body.replace(INVISIBLE, '') === '';
}

export function checkSendInput(input: SendInput): CheckedSend {
  const to = checkRecipientAddress(input.to);
  if (!to.ok) return { ok: false, reason: `Invalid "to" number: ${to.reason}` };
  const mediaUrl = input.mediaUrl ?? [];
  const body = input.body;
  const template = checkTemplate(input, to.channel, body, mediaUrl);
  if (template !== null && 'reason' in template) return { ok: false, reason: template.reason };
  if (template !== null) return { ok: true, to: to.address, channel: to.channel, phone: to.phone, body: '', mediaUrl: [], template };
  if (isBlank(body) && mediaUrl.length === 0) return { ok: false, reason: 'The message body is empty. Write the text to send.' };
  if (to.channel === 'whatsapp' && mediaUrl.length > MAX_WHATSAPP_MEDIA) return { ok: false, reason: `${mediaUrl.length} media URLs given; WhatsApp takes one per message. Send them one by one.` };
  const length = [...body].length;
  if (length > MAX_BODY_LENGTH) {
    return { ok: false, reason: `The message body is ${length} characters; Twilio allows at most ${MAX_BODY_LENGTH}. Shorten it.` };
  }
  if (LONE_SURROGATE.test(body)) return { ok: false, reason: 'The message body contains a broken character (an unpaired UTF-16 surrogate). Remove it.' };
  if (CONTROL.test(body)) return { ok: false, reason: 'The message body contains control characters. Use plain text (newlines are fine).' };
  if (mediaUrl.length > MAX_MEDIA) return { ok: false, reason: `${mediaUrl.length} media URLs given; Twilio allows at most ${MAX_MEDIA}.` };
  for (const url of mediaUrl) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    if (!parsed || parsed.protocol !== 'https:') return { ok: false, reason: `Media URL "${url.slice(0, 100)}" is not an https URL. Twilio fetches media from a public https address.` };
    // The sent message is stored in one Sync item of at most 16 KiB (MAX_MEDIA_URL_BYTES says why).
    const bytes = Buffer.byteLength(JSON.stringify(url)) - 2;
    if (bytes > MAX_MEDIA_URL_BYTES) return { ok: false, reason: `Media URL "${url.slice(0, 100)}…" is ${bytes} bytes; at most ${MAX_MEDIA_URL_BYTES} can be stored with the message. Use a shorter link to the file.` };
  }
  return { ok: true, to: to.address, channel: to.channel, phone: to.phone, body, mediaUrl, template: null };
}

/**
 * A template send: WhatsApp only, an HX… sid, variables as Twilio takes them, and neither body nor
 * media beside it ("Remove Body and MediaUrl when you send a content template",
 * https://www.twilio.com/docs/api/errors/63016; 35127 for Body with ContentVariables). null: not one.
 */
function checkTemplate(input: SendInput, channel: Channel, body: string, mediaUrl: readonly string[]): TemplateSend | { reason: string } | null {
  const { contentSid, contentVariables } = input;
  if (contentSid === undefined) return contentVariables === undefined ? null : { reason: 'contentVariables needs contentSid: the template they fill in.' };
  if (channel !== 'whatsapp') return { reason: 'contentSid sends a WhatsApp template: give "to" as whatsapp:+E.164, or send SMS with a body and no contentSid.' };
  const sid = contentSid.trim();
  if (!CONTENT_SID.test(sid)) return { reason: `contentSid "${sid.slice(0, 40)}" is not a Content template SID (HX followed by 32 hex digits).` };
  if (!isBlank(body) || mediaUrl.length > 0) return { reason: 'A template is sent without body or mediaUrl (Twilio renders its text): leave body empty ("") and put the values in contentVariables.' };
  if (contentVariables !== undefined) {
    const vars = checkContentVariables(contentVariables);
    if (!vars.ok) return { reason: vars.reason };
  }
  return { contentSid: sid, ...(contentVariables !== undefined ? { contentVariables } : {}) };
}

/** `info` is null for a message with media: it goes as one MMS, priced per message, not by segments. */
export type CheckedSegments = { ok: true; info: SegmentInfo | null } | { ok: false; info: SegmentInfo; reason: string };

/**
 * SEND_MAX_SEGMENTS: Twilio bills every segment, and a body the model let run long can cost ten
 * texts. Counted as Twilio will (with SEND_SMART_ENCODING, after its replacements), before any
 * Twilio call.
 */
export function checkSegments(body: string, mediaCount: number, config: { sendMaxSegments: number; sendSmartEncoding: boolean }): CheckedSegments {
  if (mediaCount > 0) return { ok: true, info: null };
  const info = segmentInfo(body, { smartEncoding: config.sendSmartEncoding });
  const limit = config.sendMaxSegments;
  if (limit === 0 || info.segments <= limit) return { ok: true, info };
  const gsm = info.encoding === 'UCS-2' ? ', or leave out the characters outside GSM-7 (then 160 fit in one segment, 153 per part)' : '';
  return {
    ok: false,
    info,
    reason: `The message would take ${describeSegments(info)}; this server sends at most ${limit} segment${limit === 1 ? '' : 's'} per message (SEND_MAX_SEGMENTS). Shorten it${gsm}, or ask the administrator to raise SEND_MAX_SEGMENTS.`,
  };
}
