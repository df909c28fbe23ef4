/**
 * A simulated handset message: it becomes an inbound Message resource and, when the receiving
 * number has an SmsUrl, Twilio's signed incoming-message webhook. Failed attempts (5xx, timeout,
 * connection error) are retried with the same MessageSid, parameters and idempotency token; when
 * every attempt fails, the SmsFallbackUrl (if any) gets one request.
 */
import type { MessageRecord, MessageLog } from './messages';
import type { MessagingServiceRegistry } from './messaging-services';
import type { PhoneNumberStore } from './phone-numbers';
import { isSid, randomHex } from './random';
import { countSegments } from './segments';
import type { EmulatorContext } from './state';
import type { InboundAttempt, InboundResult, InboundSpec } from './types';
import { bare, isWhatsApp, SANDBOX_NUMBER } from './whatsapp';

/** Twilio fills the geographic fields from its number database; the country is enough here. */
const COUNTRY_PREFIXES: readonly [string, string][] = [
  ['+1', 'US'], ['+44', 'GB'], ['+61', 'AU'], ['+49', 'DE'], ['+33', 'FR'], ['+34', 'ES'],
  ['+39', 'IT'], ['+31', 'NL'], ['+46', 'SE'], ['+353', 'IE'], ['+64', 'NZ'], ['+91', 'IN'],
];

function country(phoneNumber: string): string {
  return COUNTRY_PREFIXES.find(([prefix]) => phoneNumber.startsWith(prefix))?.[1] ?? '';
}

function succeeded(attempt: InboundAttempt): boolean {
  return attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
}

/** Twilio retries only what might succeed later: server errors, timeouts, connection failures. */
function retryable(attempt: InboundAttempt): boolean {
  return attempt.status === null || attempt.status >= 500;
}

export class InboundSimulator {
  constructor(
    private readonly ctx: EmulatorContext,
    private readonly numbers: PhoneNumberStore,
    private readonly store: MessageLog,
    private readonly services: MessagingServiceRegistry,
  ) {}

  async simulate(spec: InboundSpec): Promise<InboundResult> {
    // A WhatsApp message comes to one of our numbers' WhatsApp sender, or to the shared Sandbox,
    // whose inbound URL (set in the Console) is, here, the account's first number's SmsUrl.
    const whatsapp = isWhatsApp(spec.to);
    const number = whatsapp && bare(spec.to) === SANDBOX_NUMBER ? this.numbers.all()[0] : this.numbers.byNumber(bare(spec.to));
    if (whatsapp !== isWhatsApp(spec.from)) throw new Error('simulateInbound: from and to must both be whatsapp: addresses, or neither');
    if (!number) {
      const owned = this.numbers.all().map((n) => n.phoneNumber).join(', ');
      throw new Error(`simulateInbound: ${spec.to} is not a phone number of this account (owned: ${owned})`);
    }
    if (!spec.from) throw new Error('simulateInbound: from is required');
    if (spec.messageSid !== undefined && !isSid(spec.messageSid, 'SM') && !isSid(spec.messageSid, 'MM')) {
      throw new Error(`simulateInbound: messageSid must be 'SM' + 32 hex, got ${spec.messageSid}`);
    }
    const record = this.record(spec);
    if (whatsapp) {
      // It opens the 24-hour window; "join <code>" to the Sandbox joins it (whatsapp.ts). No SMS STOP filtering.
      if (this.ctx.whatsapp.inbound(record.to, spec.from, record.body, this.ctx.clock.now()) === 'joined') this.ctx.log(`inbound ${record.sid}: ${spec.from} joined the WhatsApp Sandbox`);
    } else {
      // Twilio blocks (or unblocks) the pair before, and whatever, the webhook (opt-outs.ts).
      const change = this.ctx.optOuts.apply(this.services.optOutScope(record.to), spec.from, record.body);
      if (change) this.ctx.log(`inbound ${record.sid}: ${spec.from} opted ${change} of ${this.services.optOutScope(record.to)}`);
    }
    const params = this.webhookParams(record);
    const token = `${randomHex(this.ctx.random, 8)}-${randomHex(this.ctx.random, 4)}-${randomHex(this.ctx.random, 4)}-${randomHex(this.ctx.random, 12)}`;
    const headers = { 'I-Twilio-Idempotency-Token': token };
    const attempts: InboundAttempt[] = [];
    if (!number.smsUrl) {
      this.ctx.log(`inbound ${record.sid} to ${number.phoneNumber}: no SmsUrl, stored only`);
      return { messageSid: record.sid, attempts, delivered: false };
    }

    const retries = Math.max(0, Math.floor(spec.retries ?? 0));
    for (let i = 0; i <= retries; i++) {
      if (i > 0) await this.ctx.timers.delay(spec.retryDelayMs ?? 100);
      const attempt = await this.ctx.webhooks.send({ url: number.smsUrl, method: number.smsMethod, params, headers });
      attempts.push(attempt);
      this.ctx.log(`inbound ${record.sid} → ${number.smsUrl}: ${attempt.status ?? attempt.error ?? 'failed'}`);
      if (succeeded(attempt) || !retryable(attempt)) break;
    }
    let delivered = attempts.some(succeeded);
    if (!delivered && number.smsFallbackUrl) {
      // 11200: HTTP retrieval failure, the error Twilio reports to the fallback.
      const fallbackParams = { ...params, ErrorCode: '11200', ErrorUrl: number.smsUrl };
      const attempt = await this.ctx.webhooks.send({
        url: number.smsFallbackUrl,
        method: number.smsFallbackMethod,
        params: fallbackParams,
        headers,
      });
      attempts.push(attempt);
      delivered = succeeded(attempt);
      this.ctx.log(`inbound ${record.sid} fallback → ${number.smsFallbackUrl}: ${attempt.status ?? attempt.error ?? 'failed'}`);
    }
    return { messageSid: record.sid, attempts, delivered };
  }

  /** A replay with a known messageSid reuses the stored message: Twilio has one per MessageSid. */
  private record(spec: InboundSpec): MessageRecord {
    const existing = spec.messageSid ? this.store.get(spec.messageSid) : undefined;
    if (existing) return existing;
    const now = this.ctx.clock.now();
    return this.store.insert({
      sid: spec.messageSid ?? this.ctx.newSid('SM'),
      direction: 'inbound',
      from: spec.from,
      to: spec.to,
      body: spec.body,
      status: 'received',
      errorCode: null,
      errorMessage: null,
      messagingServiceSid: this.services.forNumber(bare(spec.to))?.sid ?? null,
      numSegments: isWhatsApp(spec.to) ? 1 : countSegments(spec.body).segments,
      media: (spec.media ?? []).map((m, seq) => ({
        seq,
        sid: this.ctx.newSid('ME'),
        contentType: m.contentType,
        sourceUrl: m.url,
        dateCreated: now,
      })),
      statusCallback: null,
      dateCreated: now,
      dateUpdated: now,
      dateSent: now,
    });
  }

  /** The parameters Twilio posts to the SmsUrl, in Twilio's order. */
  private webhookParams(record: MessageRecord): Record<string, string> {
    const from = record.from ?? '';
    const params: Record<string, string> = {
      ToCountry: country(bare(record.to)),
      ToState: '',
      SmsMessageSid: record.sid,
      NumMedia: String(record.media.length),
      ToCity: '',
      FromZip: '',
      SmsSid: record.sid,
      FromState: '',
      SmsStatus: 'received',
      FromCity: '',
      Body: record.body,
      FromCountry: country(bare(from)),
      To: record.to,
      ToZip: '',
      NumSegments: String(record.numSegments),
      MessageSid: record.sid,
      AccountSid: this.ctx.options.accountSid,
      From: from,
      ApiVersion: '2010-04-01',
    };
    record.media.forEach((media, i) => {
      params[`MediaContentType${i}`] = media.contentType;
      params[`MediaUrl${i}`] = this.store.mediaContentUrl(record, media);
    });
    if (record.messagingServiceSid) params.MessagingServiceSid = record.messagingServiceSid;
    if (isWhatsApp(from)) {
      // WhatsApp's own fields: the user's profile name and WhatsApp id (their number's digits today).
      params.ProfileName = 'WhatsApp user';
      params.WaId = bare(from).replace(/^\+/, '');
    }
    return params;
  }
}
