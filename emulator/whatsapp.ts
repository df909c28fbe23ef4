/**
 * Twilio's WhatsApp rules, as far as the product meets them, with Twilio's codes and texts. The
 * emulator keeps its own copy of each rule, apart from the product's (lib/whatsapp.ts), so that it
 * can catch the product out. Where the docs can be read two ways, the reading least favourable to
 * the product is taken.
 *
 * - Addresses are `whatsapp:` + E.164 in To and From; both sides of a message are the same channel
 *   (21910 otherwise, https://twilio.com/docs/api/errors/21910). A sender is one of the account's numbers (a WhatsApp sender registered on it)
 *   or the Sandbox number +14155238886, shared by every account.
 * - The 24-hour customer service window (https://www.twilio.com/docs/api/errors/63016): a free-form
 *   message (Body, MediaUrl) more than 24 hours after the user's last inbound message to that sender
 *   fails with 63016, after the create (the create answers queued; the failure comes with the status,
 *   as in Twilio's logs). A template (ContentSid) may go at any time. "Since April 1, 2025, sending
 *   a WhatsApp template in Body outside the customer service window fails with this error": a body
 *   equal to a template's text is free-form too.
 * - Templates (https://www.twilio.com/docs/content-api/using-variables-with-content-api): ContentSid
 *   HX…; ContentVariables a JSON object string, at most 100 variables, keys ≤ 16 characters, values
 *   ≤ 255; ContentVariables without ContentSid is 400 / 21654; not a JSON object, 400 / 21656; Body
 *   and ContentVariables together, 400 / 35127; a ContentSid the account does not have, 400 / 21655
 *   (https://www.twilio.com/docs/api/errors/<code>). Twilio stores the rendered text as the message body.
 *   A rendered text over 1,024 characters fails with 63021 (WhatsApp's template rules; Twilio's
 *   error-code mapping, https://twilio.com/docs/whatsapp/api/error-code-mapping, maps WhatsApp's
 *   1001 "message too long" to it).
 * - The Sandbox (https://www.twilio.com/docs/api/errors/63015): it sends only to handsets that
 *   texted "join <code>" to it within the last three days, else 63015; and about one message every
 *   3 s (the figure; no Twilio page found here states it, so it is applied as the least
 *   favourable reading): a send sooner than that after the previous one fails with 63018 (rate limit,
 *   https://www.twilio.com/docs/api/errors/63018).
 * - Media: one per message (WhatsApp), 400 / 21623 beyond.
 * - Statuses: after delivered comes read (the user opened it), with its own callback.
 * - STOP: Twilio's default STOP filtering is documented for long codes and toll-free numbers
 *   (help.twilio.com/articles/223134027); WhatsApp is not blocked by it here, so a product that
 *   honours a WhatsApp STOP must do so itself (the least favourable reading for the product).
 */
import { badRequest } from './errors';

export const WHATSAPP_PREFIX = 'whatsapp:';
/** Twilio's WhatsApp Sandbox number, shared by every account (Console → Messaging → Try WhatsApp). */
export const SANDBOX_NUMBER = '+14155238886';
export const WINDOW_MS = 24 * 3600_000;
export const SANDBOX_JOIN_MS = 3 * 24 * 3600_000;
export const SANDBOX_PACE_MS = 3000;
export const TEMPLATE_MAX_CHARS = 1024;
export const MAX_VARIABLES = 100;

export const WHATSAPP_ERRORS: Readonly<Record<number, string>> = {
  63014: 'Channel message blocked by user action',
  63015: 'Channel Sandbox can only send messages to phone numbers that have joined the Sandbox',
  63016: 'Outside messaging window. For WhatsApp, use a Message Template instead',
  63018: 'Rate limit exceeded for Channel',
  63021: 'Channel invalid content error',
  63024: 'Invalid message recipient',
};

export function isWhatsApp(address: string | null): boolean {
  return address !== null && address.startsWith(WHATSAPP_PREFIX);
}

export function bare(address: string): string {
  return isWhatsApp(address) ? address.slice(WHATSAPP_PREFIX.length) : address;
}

/** A Content resource of the account, as the Content API returns it. */
export interface ContentTemplate {
  sid: string;
  friendlyName: string;
  language: string;
  /** The twilio/text body, with {{1}}-style placeholders. */
  body: string;
  /** Default variable values. */
  variables: Record<string, string>;
  /** WhatsApp approval: approved, pending, rejected, unsubmitted. */
  approval: 'approved' | 'pending' | 'rejected' | 'unsubmitted';
  dateCreated: number;
}

export type TemplateSpec = Omit<ContentTemplate, 'dateCreated' | 'variables' | 'language'> & { variables?: Record<string, string>; language?: string };

/** A few Content resources every emulated account has: two approved, one pending. */
export const DEFAULT_TEMPLATES: readonly TemplateSpec[] = [
  { sid: `HX${'a1'.repeat(16)}`, friendlyName: 'appointment_reminder', body: 'Hi {{1}}, this is a reminder of your appointment on {{2}}. Reply to confirm.', variables: { '1': 'there', '2': 'Monday' }, approval: 'approved' },
  { sid: `HX${'b2'.repeat(16)}`, friendlyName: 'order_update', body: 'Your order {{1}} has an update. Reply to this message to hear more.', variables: { '1': '0000' }, approval: 'approved' },
  { sid: `HX${'c3'.repeat(16)}`, friendlyName: 'spring_sale', body: 'Our spring sale starts {{1}}!', variables: { '1': 'today' }, approval: 'pending' },
];

export function renderTemplate(template: ContentTemplate, variables: Record<string, string>): string {
  return template.body.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_, key: string) => variables[key] ?? template.variables[key] ?? '');
}

/** ContentVariables as Twilio checks it at create time. */
export function parseContentVariables(raw: string | null): Record<string, string> {
  if (raw === null || raw === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(21656, 'The ContentVariables Parameter is invalid.');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_VARIABLES || entries.some(([key, v]) => key.length > 16 || typeof v !== 'string' || v === '' || v.length > 255)) {
    throw badRequest(21656, 'The ContentVariables Parameter is invalid.');
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** What the emulator remembers of WhatsApp conversations: windows, Sandbox joins and pace, templates. */
export class WhatsAppState {
  private readonly lastInbound = new Map<string, number>();
  private readonly joined = new Map<string, number>();
  private lastSandboxSend = Number.NEGATIVE_INFINITY;
  readonly templates: ContentTemplate[];

  constructor(templates: readonly TemplateSpec[], now: number) {
    this.templates = templates.map((t) => ({ language: 'en', variables: {}, ...t, dateCreated: now }));
  }

  template(sid: string): ContentTemplate | undefined {
    return this.templates.find((t) => t.sid === sid);
  }

  /** An inbound WhatsApp message opens (or renews) the window; "join <code>" to the Sandbox joins it. */
  inbound(sender: string, handset: string, body: string, now: number): 'joined' | null {
    this.lastInbound.set(`${sender}|${handset}`, now);
    if (bare(sender) === SANDBOX_NUMBER && /^join\s+\S+/i.test(body.trim())) {
      this.joined.set(handset, now);
      return 'joined';
    }
    return null;
  }

  /**
   * The failure Twilio reports for an outbound WhatsApp message after its create, or null: the
   * Sandbox's join and pace first, then the window for a free-form message.
   */
  failureOf(sender: string, handset: string, freeForm: boolean, body: string, now: number): number | null {
    if (bare(sender) === SANDBOX_NUMBER) {
      const joinedAt = this.joined.get(handset);
      if (joinedAt === undefined || now - joinedAt > SANDBOX_JOIN_MS) return 63015;
      const tooSoon = now - this.lastSandboxSend < SANDBOX_PACE_MS;
      this.lastSandboxSend = now;
      if (tooSoon) return 63018;
    }
    if (!freeForm) return body.length > TEMPLATE_MAX_CHARS ? 63021 : null;
    const last = this.lastInbound.get(`${sender}|${handset}`);
    return last === undefined || now - last > WINDOW_MS ? 63016 : null;
  }
}
