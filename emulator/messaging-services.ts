/**
 * Messaging Services configured at start (the emulator has no API to create them), and the one
 * route of Twilio's Messaging API the product reads: a service's sender pool,
 * GET https://messaging.twilio.com/v1/Services/{ServiceSid}/PhoneNumbers (twilio_messaging_v1.json,
 * `ListPhoneNumberResponse`: `phone_numbers` plus the v1 `meta` block Sync's lists share).
 */
import { iso8601 } from './dates';
import { notFound } from './errors';
import { parsePaging, slicePage, syncPage, V2010_PAGING } from './paging';
import type { PhoneNumberStore } from './phone-numbers';
import type { RequestContext, RouteDef, RouteResponse } from './router';
import type { EmulatorContext } from './state';
import type { MessagingServiceSpec } from './types';

export const MESSAGING_BASE_URL = 'https://messaging.twilio.com/v1';

export class MessagingServiceRegistry {
  private readonly bySid = new Map<string, MessagingServiceSpec>();

  constructor(services: readonly MessagingServiceSpec[]) {
    for (const service of services) {
      if (!/^MG[0-9a-f]{32}$/.test(service.sid)) throw new Error(`Messaging Service SID must be 'MG' + 32 hex, got ${service.sid}`);
      this.bySid.set(service.sid, { ...service, phoneNumbers: [...service.phoneNumbers] });
    }
  }

  get(sid: string): MessagingServiceSpec | undefined {
    return this.bySid.get(sid);
  }

  /** The service whose sender pool holds this number, if any. */
  forNumber(phoneNumber: string): MessagingServiceSpec | undefined {
    for (const service of this.bySid.values()) if (service.phoneNumbers.includes(phoneNumber)) return service;
    return undefined;
  }

  /**
   * Whose opt-outs a number's inbound STOP, and a send from it, fall under: its service, whose
   * whole pool a STOP covers, else the number alone (opt-outs.ts).
   */
  optOutScope(phoneNumber: string): string {
    return this.forNumber(phoneNumber)?.sid ?? phoneNumber;
  }

  allNumbers(): string[] {
    return [...this.bySid.values()].flatMap((s) => s.phoneNumbers);
  }
}

/**
 * The sender pool, in the order the numbers were given (the first is the one the emulator picks).
 * Each number is also one of the account's IncomingPhoneNumbers (index.ts), whose PN SID the
 * pool's resource shares, as in Twilio. PageSize is 1 to 1000, default 50 (the description's).
 */
export function messagingServiceRoutes(ctx: EmulatorContext, services: MessagingServiceRegistry, numbers: PhoneNumberStore): RouteDef[] {
  const list = (req: RequestContext): RouteResponse => {
    const serviceSid = req.params.ServiceSid ?? '';
    const service = services.get(serviceSid);
    if (!service) throw notFound(req.path);
    const paging = parsePaging(req.query, V2010_PAGING);
    const pool = service.phoneNumbers.flatMap((number, seq) => {
      const record = numbers.byNumber(number);
      return record ? [{ seq, record }] : [];
    });
    const slice = slicePage(pool, (p) => p.seq, (a, b) => a - b, paging);
    const base = `${MESSAGING_BASE_URL}/Services/${serviceSid}/PhoneNumbers`;
    return {
      status: 200,
      body: syncPage({
        key: 'phone_numbers',
        base,
        filters: [],
        request: paging,
        slice,
        render: ({ record }) => ({
          sid: record.sid,
          account_sid: ctx.options.accountSid,
          service_sid: serviceSid,
          date_created: iso8601(record.dateCreated),
          date_updated: iso8601(record.dateUpdated),
          phone_number: record.phoneNumber,
          country_code: record.phoneNumber.startsWith('+1') ? 'US' : null,
          capabilities: ['SMS', 'MMS'],
          url: `${base}/${record.sid}`,
        }),
      }),
    };
  };
  return [{ product: 'messaging', template: '/v1/Services/{ServiceSid}/PhoneNumbers', handlers: { GET: list } }];
}
