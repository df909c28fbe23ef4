/**
 * POST …/Messages.json: validation in Twilio's order and with Twilio's error codes, then a new
 * outbound message whose lifecycle the DeliverySimulator runs.
 */
import type { DeliverySimulator } from './delivery';
import { badRequest, TwilioApiError } from './errors';
import { guessContentType, type MessageRecord, type MessageLog } from './messages';
import type { MessagingServiceRegistry } from './messaging-services';
import { E164, type PhoneNumberStore } from './phone-numbers';
import { countSegments, smartEncodeBody } from './segments';
import { UNSUBSCRIBED_CODE, UNSUBSCRIBED_MESSAGE } from './opt-outs';
import { MAGIC_FROM_NUMBER, type EmulatorContext } from './state';
import type { MessageStatus } from './types';
import { bare, isWhatsApp, parseContentVariables, renderTemplate, SANDBOX_NUMBER } from './whatsapp';

export const MAX_BODY_CHARS = 1600;
export const MAX_MEDIA = 10;
/** Scheduling window: Twilio's docs (error 35115) say more than 300 s and at most 35 days ahead. */
export const MIN_SCHEDULE_AHEAD_MS = 300_000;
export const MAX_SCHEDULE_AHEAD_MS = 35 * 24 * 3600_000;

/** Twilio's magic test numbers: these To numbers always fail the same way. */
const MAGIC_TO: Readonly<Record<string, (to: string, from: string) => TwilioApiError>> = {
  '+15005550001': (to) => badRequest(21211, `The 'To' number ${to} is not a valid phone number.`),
  '+15005550002': (to, from) =>
    badRequest(21612, `The 'To' phone number: ${to}, is not currently reachable using the 'From' phone number: ${from} via SMS.`),
  '+15005550003': (to) =>
    badRequest(21408, `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}.`),
  '+15005550004': () => badRequest(UNSUBSCRIBED_CODE, UNSUBSCRIBED_MESSAGE),
  '+15005550009': () => badRequest(21614, "'To' number is not a valid mobile number"),
};

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export interface OutboundDeps {
  ctx: EmulatorContext;
  store: MessageLog;
  numbers: PhoneNumberStore;
  services: MessagingServiceRegistry;
  delivery: DeliverySimulator;
}

export function createOutboundMessage(form: URLSearchParams, deps: OutboundDeps): MessageRecord {
  const { ctx, store, numbers, services, delivery } = deps;
  const to = form.get('To') ?? '';
  let from = form.get('From') || null;
  let serviceSid = form.get('MessagingServiceSid') || null;
  // Twilio accepts a Messaging Service SID in From as well.
  if (from?.startsWith('MG') && !serviceSid) {
    serviceSid = from;
    from = null;
  }

  if (!to) throw badRequest(21604, "A 'To' phone number is required.");
  if (!from && !serviceSid) throw badRequest(21603, "A 'From' phone number is required.");
  const whatsapp = isWhatsApp(to);
  if (!E164.test(bare(to))) throw badRequest(21211, `The 'To' number ${to} is not a valid phone number.`);
  const magic = MAGIC_TO[to];
  if (magic) throw magic(to, from ?? serviceSid ?? '');
  if (from === to) throw badRequest(21266, "'To' and 'From' number cannot be the same");
  // Both sides of a message are on one channel (whatsapp.ts).
  if (from && isWhatsApp(from) !== whatsapp) throw badRequest(21910, 'Invalid From and To pair. From and To should be of the same channel');

  const service = serviceSid ? services.get(serviceSid) : undefined;
  if (serviceSid && !service) throw badRequest(21701, `The Messaging Service Sid ${serviceSid} is invalid.`);
  const sandbox = from !== null && whatsapp && bare(from) === SANDBOX_NUMBER;
  if (from && !sandbox && bare(from) !== MAGIC_FROM_NUMBER && !numbers.byNumber(bare(from))) {
    throw badRequest(
      21606,
      `The 'From' phone number provided (${from}) is not a valid message-capable Twilio phone number for this destination/account.`,
    );
  }

  const given = form.get('Body') ?? '';
  const mediaUrls = form.getAll('MediaUrl').filter((u) => u !== '');
  // Content templates (whatsapp.ts): the rendered text becomes the body Twilio stores.
  const contentSid = form.get('ContentSid') || null;
  const contentVariables = form.get('ContentVariables');
  if (contentVariables !== null && !contentSid) throw badRequest(21654, 'A ContentSid must be specified if ContentVariables are provided in the request.');
  if (contentSid && given && contentVariables !== null) throw badRequest(35127, "'Messages' Body and ContentVariables cannot be provided together");
  const template = contentSid ? ctx.whatsapp.template(contentSid) : undefined;
  if (contentSid && !template) throw badRequest(21655, 'The ContentSid is Invalid.');
  const variables = template ? parseContentVariables(contentVariables) : {};
  if (!template && !given && mediaUrls.length === 0) throw badRequest(21602, 'Message body is required.');
  if (whatsapp && mediaUrls.length > 1) throw badRequest(21623, 'Too many media urls. WhatsApp takes one media item per message.');
  if ([...given].length > MAX_BODY_CHARS) {
    throw badRequest(21617, `The concatenated message body exceeds the ${MAX_BODY_CHARS} character limit.`);
  }
  if (mediaUrls.length > MAX_MEDIA) throw badRequest(21623, `Too many media urls. The maximum is ${MAX_MEDIA}.`);
  const badMedia = mediaUrls.find((u) => !isHttpUrl(u));
  if (badMedia !== undefined) throw badRequest(21620, `Invalid media URL(s): ${badMedia}`);
  // SmartEncoded=true: Twilio sends (and stores) look-alikes replaced when that makes it GSM-7.
  const body = template ? renderTemplate(template, variables) : form.get('SmartEncoded') === 'true' ? smartEncodeBody(given) : given;

  const statusCallback = form.get('StatusCallback') || null;
  if (statusCallback && !isHttpUrl(statusCallback)) throw badRequest(21609, `Invalid StatusCallback url: ${statusCallback}`);

  const now = ctx.clock.now();
  let sendAt: number | null = null;
  const scheduleType = form.get('ScheduleType');
  if (scheduleType !== null) {
    if (scheduleType !== 'fixed') throw badRequest(20001, `Invalid ScheduleType: ${scheduleType} (only 'fixed')`);
    if (!serviceSid) throw badRequest(35118, 'MessagingServiceSid is required to schedule a message');
    sendAt = Date.parse(form.get('SendAt') ?? '');
    if (Number.isNaN(sendAt) || sendAt - now <= MIN_SCHEDULE_AHEAD_MS || sendAt - now > MAX_SCHEDULE_AHEAD_MS) {
      throw badRequest(35115, 'SendAt must be more than 5 minutes and at most 35 days in the future.');
    }
  }

  // A handset that texted STOP to this sender (its service's pool, for a number in a service) is
  // refused at create time, 400 / 21610, and no message is made (opt-outs.ts has Twilio's words).
  const scopes = [serviceSid, from && services.optOutScope(from)].filter((scope): scope is string => Boolean(scope));
  // Twilio's SMS STOP filtering does not block WhatsApp here (whatsapp.ts).
  if (!whatsapp && ctx.optOuts.isBlocked(scopes, to)) throw badRequest(UNSUBSCRIBED_CODE, UNSUBSCRIBED_MESSAGE);

  // Through a Messaging Service without From, Twilio answers 'accepted' with from null and
  // picks the sender later.
  const status: MessageStatus = sendAt !== null ? 'scheduled' : serviceSid && !from ? 'accepted' : 'queued';
  const record = store.insert({
    sid: ctx.newSid('SM'),
    direction: 'outbound-api',
    from,
    to,
    body,
    status,
    errorCode: null,
    errorMessage: null,
    messagingServiceSid: serviceSid,
    // WhatsApp has no SMS segments; Twilio reports 1.
    numSegments: whatsapp ? 1 : countSegments(body).segments,
    media: mediaUrls.map((url, seq) => ({
      seq,
      sid: ctx.newSid('ME'),
      contentType: guessContentType(url),
      sourceUrl: url,
      dateCreated: now,
    })),
    statusCallback,
    dateCreated: now,
    dateUpdated: now,
    dateSent: null,
  });
  ctx.log(`message ${record.sid} created (${status}) to ${to}`);
  // A WhatsApp message Twilio will fail (window, Sandbox, template length) fails after the create.
  const sender = from ?? (service?.phoneNumbers[0] ? `whatsapp:${service.phoneNumbers[0]}` : null);
  const failure = whatsapp && sender ? ctx.whatsapp.failureOf(sender, to, template === undefined, body, sendAt ?? now) : null;
  if (sendAt !== null) delivery.scheduleSend(record, sendAt, failure);
  else delivery.start(record, failure);
  return record;
}
