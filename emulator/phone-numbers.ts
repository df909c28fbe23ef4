/**
 * IncomingPhoneNumbers: the numbers the account owns, with the SMS webhook configuration that
 * inbound messages are posted to. Numbers are given at start; the API reads and updates them.
 */
import { rfc2822 } from './dates';
import { badRequest, notFound } from './errors';
import { parsePaging, slicePage, V2010_PAGING, v2010Page } from './paging';
import type { RequestContext, RouteDef, RouteResponse } from './router';
import type { EmulatorContext } from './state';

export const E164 = /^\+[1-9]\d{1,14}$/;

export interface PhoneNumberRecord {
  seq: number;
  sid: string;
  phoneNumber: string;
  friendlyName: string;
  smsUrl: string;
  smsMethod: 'GET' | 'POST';
  smsFallbackUrl: string;
  smsFallbackMethod: 'GET' | 'POST';
  statusCallback: string;
  statusCallbackMethod: 'GET' | 'POST';
  dateCreated: number;
  dateUpdated: number;
}

/** Twilio's friendly name for a NANP number: '(500) 555-0006'. */
function friendlyName(phoneNumber: string): string {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(phoneNumber);
  return nanp ? `(${nanp[1]}) ${nanp[2]}-${nanp[3]}` : phoneNumber;
}

export class PhoneNumberStore {
  private readonly bySid = new Map<string, PhoneNumberRecord>();

  constructor(
    private readonly ctx: EmulatorContext,
    phoneNumbers: readonly string[],
  ) {
    for (const number of new Set(phoneNumbers)) {
      if (!E164.test(number)) throw new Error(`Phone number must be E.164 (+15005550006), got ${number}`);
      const now = ctx.clock.now();
      const sid = ctx.newSid('PN');
      this.bySid.set(sid, {
        seq: this.bySid.size,
        sid,
        phoneNumber: number,
        friendlyName: friendlyName(number),
        smsUrl: '',
        smsMethod: 'POST',
        smsFallbackUrl: '',
        smsFallbackMethod: 'POST',
        statusCallback: '',
        statusCallbackMethod: 'POST',
        dateCreated: now,
        dateUpdated: now,
      });
    }
  }

  all(): PhoneNumberRecord[] {
    return [...this.bySid.values()];
  }

  bySidOrUndefined(sid: string): PhoneNumberRecord | undefined {
    return this.bySid.get(sid);
  }

  byNumber(phoneNumber: string): PhoneNumberRecord | undefined {
    for (const record of this.bySid.values()) if (record.phoneNumber === phoneNumber) return record;
    return undefined;
  }

  render(record: PhoneNumberRecord): Record<string, unknown> {
    const { accountSid } = this.ctx.options;
    const uri = `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${record.sid}.json`;
    return {
      account_sid: accountSid,
      address_requirements: 'none',
      address_sid: null,
      api_version: '2010-04-01',
      beta: false,
      bundle_sid: null,
      capabilities: { voice: true, sms: true, mms: true, fax: false },
      date_created: rfc2822(record.dateCreated),
      date_updated: rfc2822(record.dateUpdated),
      emergency_address_sid: null,
      emergency_address_status: 'unregistered',
      emergency_status: 'Inactive',
      friendly_name: record.friendlyName,
      identity_sid: null,
      origin: 'twilio',
      phone_number: record.phoneNumber,
      sid: record.sid,
      sms_application_sid: '',
      sms_fallback_method: record.smsFallbackMethod,
      sms_fallback_url: record.smsFallbackUrl,
      sms_method: record.smsMethod,
      sms_url: record.smsUrl,
      status: 'in-use',
      status_callback: record.statusCallback,
      status_callback_method: record.statusCallbackMethod,
      subresource_uris: {
        assigned_add_ons: `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${record.sid}/AssignedAddOns.json`,
      },
      trunk_sid: null,
      type: 'local',
      uri,
      voice_application_sid: '',
      voice_caller_id_lookup: false,
      voice_fallback_method: 'POST',
      voice_fallback_url: null,
      voice_method: 'POST',
      voice_receive_mode: 'voice',
      voice_url: null,
    };
  }
}

/** '' clears a URL, like in the Console; anything else must be an http(s) URL (21502). */
function urlParam(form: URLSearchParams, name: string): string | undefined {
  const value = form.get(name);
  if (value === null) return undefined;
  if (value === '') return '';
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // fall through to the error
  }
  throw badRequest(21502, `${name} is not a valid URL: ${value}`);
}

function methodParam(form: URLSearchParams, name: string): 'GET' | 'POST' | undefined {
  const value = form.get(name);
  if (value === null) return undefined;
  const upper = value.toUpperCase();
  if (upper === 'GET' || upper === 'POST') return upper;
  throw badRequest(20001, `${name} must be GET or POST, got ${value}`);
}

export function phoneNumberRoutes(ctx: EmulatorContext, store: PhoneNumberStore): RouteDef[] {
  const list = (req: RequestContext): RouteResponse => {
    const paging = parsePaging(req.query, V2010_PAGING);
    const filters: [string, string][] = [];
    const phoneFilter = req.query.get('PhoneNumber');
    const nameFilter = req.query.get('FriendlyName');
    if (phoneFilter !== null) filters.push(['PhoneNumber', phoneFilter]);
    if (nameFilter !== null) filters.push(['FriendlyName', nameFilter]);
    // Twilio matches PhoneNumber as a pattern: any number containing the given digits.
    const digits = phoneFilter?.replace(/[^\d]/g, '') ?? '';
    const matching = store
      .all()
      .filter((r) => phoneFilter === null || r.phoneNumber.replace('+', '').includes(digits))
      .filter((r) => nameFilter === null || r.friendlyName === nameFilter);
    const slice = slicePage(matching, (r) => r.seq, (a, b) => a - b, paging);
    const base = `/2010-04-01/Accounts/${ctx.options.accountSid}/IncomingPhoneNumbers.json`;
    return {
      status: 200,
      body: v2010Page({ key: 'incoming_phone_numbers', base, filters, request: paging, slice, render: (r) => store.render(r) }),
    };
  };

  const find = (req: RequestContext) => {
    const record = store.bySidOrUndefined(req.params.Sid ?? '');
    if (!record) throw notFound(req.path);
    return record;
  };

  const update = (req: RequestContext): RouteResponse => {
    const record = find(req);
    const { form } = req;
    const smsUrl = urlParam(form, 'SmsUrl');
    const smsFallbackUrl = urlParam(form, 'SmsFallbackUrl');
    const statusCallback = urlParam(form, 'StatusCallback');
    const smsMethod = methodParam(form, 'SmsMethod');
    const smsFallbackMethod = methodParam(form, 'SmsFallbackMethod');
    const statusCallbackMethod = methodParam(form, 'StatusCallbackMethod');
    const name = form.get('FriendlyName');
    // Validate everything before changing anything: a 400 leaves the number as it was.
    if (smsUrl !== undefined) record.smsUrl = smsUrl;
    if (smsFallbackUrl !== undefined) record.smsFallbackUrl = smsFallbackUrl;
    if (statusCallback !== undefined) record.statusCallback = statusCallback;
    if (smsMethod) record.smsMethod = smsMethod;
    if (smsFallbackMethod) record.smsFallbackMethod = smsFallbackMethod;
    if (statusCallbackMethod) record.statusCallbackMethod = statusCallbackMethod;
    if (name !== null) record.friendlyName = name;
    record.dateUpdated = ctx.clock.now();
    return { status: 200, body: store.render(record) };
  };

  return [
    { product: 'api', template: '/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json', handlers: { GET: list } },
    {
      product: 'api',
      template: '/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json',
      handlers: { GET: (req) => ({ status: 200, body: store.render(find(req)) }), POST: update },
    },
  ];
}
