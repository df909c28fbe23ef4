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
  /** The window's messages, oldest first (Twilio lists newest first). */
  messages: LoggedMessage[];
  /** Messages API list calls made. */
  calls: number;
  /** Messages the list calls returned, in the window or not (what the reads carried). */
  listed: number;
  /** True when the read reached the window's start (or the log's end). */
  complete: boolean;
  /** When not complete: the next page's URL (Twilio's next_page_url, a stable PageToken cursor), to go on from there. */
  next: string | null;
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

/** When a logged message counts as sent: DateSent, or its creation when it has none. */
function sentAt(message: LoggedMessage): number {
  return (message.dateSent ?? message.dateCreated).getTime();
}

/**
 * The account's messages sent at or after `since`, newest first page by page, one call per 1,000
 * messages and at most `maxPages` calls; or, with `resume`, the walk of an earlier read that ran
 * out of pages, from the page it stopped at.
 *
 * Bounded whatever DateSent granularity Twilio applies: its docs give DateSent>= as a GMT date
 * `YYYY-MM-DD` ("Read multiple Message resources"; the OpenAPI schema says date-time), so the list
 * may hold the whole day. Twilio lists newest first, so the read stops at the first page whose
 * oldest message is older than the window, and keeps only the window's messages: its cost follows
 * the messages sent since `since`, not the day's. The stop compares DateSent and DateCreated both
 * (older than the window in both), in case the list is ordered by creation (an outbound message is
 * created before it is sent).
 */
export async function readMessageLog(
  client: TwilioClient,
  options: { since: Date; maxPages?: number; resume?: string; to?: string; from?: string; pageSize?: number },
): Promise<LogRead> {
  const maxPages = options.maxPages ?? 5;
  const since = options.since.getTime();
  const newestFirst: LoggedMessage[] = [];
  // Typed as twilio-node's base Page: nextPage() returns that, not MessagePage.
  type LogPage = { instances: Parameters<typeof toLogged>[0][]; nextPageUrl?: string; nextPage(): Promise<LogPage> | undefined };
  let page: LogPage = options.resume
    ? await client.messages.getPage(options.resume)
    : await client.messages.page({
        dateSentAfter: options.since,
        pageSize: options.pageSize ?? LOG_PAGE_SIZE,
        ...(options.to !== undefined ? { to: options.to } : {}),
        ...(options.from !== undefined ? { from: options.from } : {}),
      });
  let calls = 1;
  let listed = 0;
  for (;;) {
    const logged = page.instances.map(toLogged);
    listed += logged.length;
    newestFirst.push(...logged.filter((m) => sentAt(m) >= since));
    const oldest = logged.at(-1);
    const pastWindow = oldest !== undefined && sentAt(oldest) < since && oldest.dateCreated.getTime() < since;
    const done = (complete: boolean, next: string | null): LogRead => ({ messages: newestFirst.reverse(), calls, listed, complete, next });
    if (pastWindow || !page.nextPageUrl) return done(true, null);
    if (calls >= maxPages) return done(false, page.nextPageUrl);
    const next = page.nextPage();
    if (!next) return done(true, null);
    page = await next;
    calls += 1;
  }
}

/**
 * One number's part of the log: what was sent to it and what it sent, read as two lists filtered
 * by `To` and `From` (both documented filters of "Read multiple Message resources"), merged oldest
 * first. A bridge reads its own numbers so, and not the whole account's traffic: the capacity
 * bench's 200 users each listed about 1,300 messages (two pages, ~1 MB) per turn to find the
 * few of theirs. Each list starts with a small page (DateSent>= may hold the whole day, and a read
 * takes at least its first page); a window that holds more is read again in pages of 1,000, up to
 * `maxPages`. Beyond that the read comes back incomplete, and the caller reads the account's log
 * instead, which can walk a large window over several turns.
 */
export const NUMBER_PAGE_SIZE = 50;

export async function readNumberLog(client: TwilioClient, numbers: readonly string[], since: Date, maxPages = 5): Promise<LogRead> {
  const reads = await Promise.all(numbers.flatMap((number) => [readFiltered(client, { to: number }, since, maxPages), readFiltered(client, { from: number }, since, maxPages)]));
  // A message from one of ours to another is in two lists: kept once.
  const bySid = new Map(reads.flatMap((read) => read.messages).map((message): [string, LoggedMessage] => [message.sid, message]));
  // Oldest first, as one read of the whole log gives them (a stable sort: ties keep each list's order).
  const messages = [...bySid.values()].sort((a, b) => sentAt(a) - sentAt(b));
  return {
    messages,
    calls: reads.reduce((n, read) => n + read.calls, 0),
    listed: reads.reduce((n, read) => n + read.listed, 0),
    complete: reads.every((read) => read.complete),
    next: null,
  };
}

/** One filtered list: a small page, and when the window holds more, pages of 1,000 from the top. */
async function readFiltered(client: TwilioClient, filter: { to: string } | { from: string }, since: Date, maxPages: number): Promise<LogRead> {
  const small = await readMessageLog(client, { since, ...filter, pageSize: NUMBER_PAGE_SIZE, maxPages: 1 });
  if (small.complete) return small;
  const large = await readMessageLog(client, { since, ...filter, maxPages });
  return { ...large, calls: small.calls + large.calls, listed: small.listed + large.listed };
}

/** What a Message fetch tells of one message (GET Messages/{sid}): its status now, or null when Twilio no longer has it. */
export async function fetchLogged(client: TwilioClient, sid: string): Promise<LoggedMessage | null> {
  try {
    return toLogged(await client.messages(sid).fetch());
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
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
