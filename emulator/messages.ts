/** Message and Media records, and their v2010 JSON shapes. */
import { rfc2822 } from './dates';
import { WHATSAPP_ERRORS } from './whatsapp';
import type { EmulatorContext } from './state';
import type { MessageDirection, MessageResource, MessageStatus } from './types';

export interface MediaRecord {
  /** Position at creation: media lists page by it. */
  seq: number;
  sid: string;
  contentType: string;
  /** Where the content lives; the media content URL redirects there. */
  sourceUrl: string;
  dateCreated: number;
}

export interface MessageRecord {
  /** Creation order: lists page by it (newest first). */
  seq: number;
  sid: string;
  direction: MessageDirection;
  from: string | null;
  to: string;
  body: string;
  status: MessageStatus;
  errorCode: number | null;
  errorMessage: string | null;
  messagingServiceSid: string | null;
  numSegments: number;
  media: MediaRecord[];
  statusCallback: string | null;
  dateCreated: number;
  dateUpdated: number;
  dateSent: number | null;
}

export type NewMessage = Omit<MessageRecord, 'seq'>;

/** Statuses in which Twilio still works on a message: it can be neither deleted nor redacted. */
export const IN_PROGRESS_STATUSES: ReadonlySet<MessageStatus> = new Set([
  'accepted', 'scheduled', 'queued', 'sending', 'receiving',
]);

/** Twilio's texts for the delivery error codes the emulator can be told to produce. */
const ERROR_MESSAGES: Readonly<Record<number, string>> = {
  30001: 'Queue overflow',
  30002: 'Account suspended',
  30003: 'Unreachable destination handset',
  30004: 'Message blocked',
  30005: 'Unknown destination handset',
  30006: 'Landline or unreachable carrier',
  30007: 'Carrier violation',
  30008: 'Unknown error',
  30034: 'Message from an unregistered number',
  21704: 'The Messaging Service contains no phone numbers',
  ...WHATSAPP_ERRORS,
};

export function deliveryErrorMessage(code: number): string {
  return ERROR_MESSAGES[code] ?? 'Unknown error';
}

/** Content type from a media URL's extension (Twilio learns it by fetching the URL). */
export function guessContentType(url: string): string {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const types: Readonly<Record<string, string>> = {
    jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp',
    mp4: 'video/mp4', mp3: 'audio/mpeg', pdf: 'application/pdf', vcf: 'text/vcard', txt: 'text/plain',
  };
  return (ext && types[ext]) || 'application/octet-stream';
}

export class MessageLog {
  private readonly bySid = new Map<string, MessageRecord>();
  private nextSeq = 0;

  constructor(private readonly ctx: EmulatorContext) {}

  insert(message: NewMessage): MessageRecord {
    const record: MessageRecord = { ...message, seq: this.nextSeq++ };
    this.bySid.set(record.sid, record);
    return record;
  }

  get(sid: string): MessageRecord | undefined {
    return this.bySid.get(sid);
  }

  delete(sid: string): boolean {
    return this.bySid.delete(sid);
  }

  /** Creation order. */
  all(): MessageRecord[] {
    return [...this.bySid.values()];
  }

  messagesPath(): string {
    return `/2010-04-01/Accounts/${this.ctx.options.accountSid}/Messages`;
  }

  /** Twilio's media content URL, the one webhooks carry in MediaUrl{i}. */
  mediaContentUrl(message: MessageRecord, media: MediaRecord): string {
    return `https://api.twilio.com${this.messagesPath()}/${message.sid}/Media/${media.sid}`;
  }

  /**
   * `created`: the answer to the create call, whose subresource_uris has `media` only; every
   * later answer (fetch, update, list) adds `feedback`, as Twilio's example answers do.
   */
  render(record: MessageRecord, options: { created?: boolean } = {}): MessageResource {
    const base = `${this.messagesPath()}/${record.sid}`;
    return {
      account_sid: this.ctx.options.accountSid,
      api_version: '2010-04-01',
      body: record.body,
      date_created: rfc2822(record.dateCreated),
      date_sent: record.dateSent === null ? null : rfc2822(record.dateSent),
      date_updated: rfc2822(record.dateUpdated),
      direction: record.direction,
      error_code: record.errorCode,
      error_message: record.errorMessage,
      from: record.from,
      messaging_service_sid: record.messagingServiceSid,
      num_media: String(record.media.length),
      num_segments: String(record.numSegments),
      price: null,
      price_unit: 'USD',
      sid: record.sid,
      status: record.status,
      subresource_uris: options.created ? { media: `${base}/Media.json` } : { media: `${base}/Media.json`, feedback: `${base}/Feedback.json` },
      to: record.to,
      uri: `${base}.json`,
    };
  }

  renderMedia(message: MessageRecord, media: MediaRecord): Record<string, unknown> {
    return {
      account_sid: this.ctx.options.accountSid,
      content_type: media.contentType,
      date_created: rfc2822(media.dateCreated),
      date_updated: rfc2822(media.dateCreated),
      parent_sid: message.sid,
      sid: media.sid,
      uri: `${this.messagesPath()}/${message.sid}/Media/${media.sid}.json`,
    };
  }
}
