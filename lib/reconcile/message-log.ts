/**
 * Twilio's message log (the Messages API), read for reconciliation: every inbound and outbound
 * message of the account, which Twilio keeps whether or not our webhooks ever saw it.
 */
import type { MediaRecord } from '../message-record';
import type { TwilioClient } from '../twilio-client';

/** The fields of a logged message reconciliation uses. */
export interface LoggedMessage {
  sid: string;
  /** Twilio's: inbound, outbound-api (sent through the REST API, as the bridge does), outbound-reply, outbound-call. */
  direction: string;
  from: string;
  to: string;
  body: string;
  numMedia: number;
  numSegments: number;
  status: string;
  errorCode: number | null;
  dateCreated: Date;
  /** When Twilio received it (inbound) or handed it to the carrier (outbound); null before. */
  dateSent: Date | null;
  messagingServiceSid: string | null;
}

/** Twilio's largest page of Messages: one call lists up to this many. */
export const LOG_PAGE_SIZE = 1000;

export interface LogRead {
  /** Oldest first (Twilio lists newest first). */
  messages: LoggedMessage[];
  /** Messages API list calls made. */
  calls: number;
  /** False when `maxPages` ended the read before the window's start. */
  complete: boolean;
}

function toLogged(m: {
  sid: string; direction: string; from: string; to: string; body: string | null; numMedia: string | null; numSegments: string | null;
  status: string; errorCode: number | null; dateCreated: Date; dateSent: Date | null; messagingServiceSid: string | null;
}): LoggedMessage {
  return {
    sid: m.sid,
    direction: m.direction,
    from: m.from,
    to: m.to,
    body: m.body ?? '',
    numMedia: Number(m.numMedia ?? 0) || 0,
    numSegments: Number(m.numSegments ?? 1) || 1,
    status: m.status,
    errorCode: m.errorCode ?? null,
    dateCreated: m.dateCreated,
    dateSent: m.dateSent ?? null,
    messagingServiceSid: m.messagingServiceSid ?? null,
  };
}

/**
 * The account's messages sent or received on or after `since` (Twilio's DateSent>= filter, to the
 * second), one list call per 1,000 messages and at most `maxPages` calls.
 */
export async function readMessageLog(client: TwilioClient, options: { since: Date; maxPages?: number }): Promise<LogRead> {
  const maxPages = options.maxPages ?? 5;
  const newestFirst: LoggedMessage[] = [];
  // Typed as twilio-node's base Page: nextPage() returns that, not MessagePage.
  let page: { instances: Parameters<typeof toLogged>[0][]; nextPageUrl?: string; nextPage(): Promise<typeof page> | undefined } =
    await client.messages.page({ dateSentAfter: options.since, pageSize: LOG_PAGE_SIZE });
  let calls = 1;
  for (;;) {
    newestFirst.push(...page.instances.map(toLogged));
    if (!page.nextPageUrl) return { messages: newestFirst.reverse(), calls, complete: true };
    if (calls >= maxPages) return { messages: newestFirst.reverse(), calls, complete: false };
    const next = page.nextPage();
    if (!next) return { messages: newestFirst.reverse(), calls, complete: true };
    page = await next;
    calls += 1;
  }
}

/**
 * A message's media as the incoming webhook names it (MediaUrl{i}: the media's URL without
 * `.json`), so a reconciled message is stored exactly as the webhook would have stored it.
 */
export async function readMedia(client: TwilioClient, messageSid: string): Promise<MediaRecord[]> {
  const items = await client.messages(messageSid).media.list({ pageSize: 10 });
  return items.map((item) => ({ url: `https://api.twilio.com${item.uri.replace(/\.json$/, '')}`, contentType: item.contentType }));
}
