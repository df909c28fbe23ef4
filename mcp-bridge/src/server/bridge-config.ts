/**
 * What the core runs on: the bridge's settings as values, whichever host read them (a process's
 * environment: hosts/env-config.ts, the only reader so far). Types only.
 */
import type { TwilioCredentials } from '../../../lib/env/credentials';
import type { QuietHours } from '../../../lib/outbound/quiet-hours';
import type { UserNumbers, UserScope } from '../../../lib/scope/user-scope';

/** The bridge-wide sender; neither is set when SMS_USER_NUMBERS gives each user their own numbers. */
export interface Sender { phoneNumber?: string; messagingServiceSid?: string; /** `whatsapp:+E.164` (TWILIO_WHATSAPP_NUMBER). */ whatsappNumber?: string }

export interface BridgeConfig {
  credentials: TwilioCredentials;
  sender: Sender;
  syncServiceSid: string | null;
  apiBaseUrl: string | undefined;
  statusCallbackUrl: string | undefined;
  sendWaitSeconds: number;
  /** The client's request timeout: every call answers safely before it (call-budget.ts). */
  clientTimeoutSeconds: number;
  /** Whose bridge this is and which of our numbers it may use (user-scope.ts). */
  scope: UserScope;
  /** SMS_USER_NUMBERS, for the HTTP bridge's per-token scopes; null when unset. */
  userNumbers: UserNumbers | null;
  duplicateWindowSeconds: number;
  sendLimitPerMinute: number;
  sendLimitPerRecipientPerMinute: number;
  sendLimitPerHour: number;
  sendLimitPerDay: number;
  /** Caps for all senders of the account together (every user, every bridge); 0 = none. */
  sendLimitAccountPerMinute: number;
  sendLimitAccountPerDay: number;
  /** E.164 numbers and ISO country codes allowed as recipients; empty allows all. */
  sendAllowlist: string[];
  /** A human approves each text: through the client (elicitation) when it can ask, else a preview and a token. */
  sendConfirmation: boolean;
  /** reply-only: only numbers that texted this number first (and have not opted out). */
  sendPolicy: 'open' | 'reply-only';
  /** Bodies over this many segments are refused before Twilio; 0 = no limit. */
  sendMaxSegments: number;
  /** Pass Twilio's SmartEncoded: look-alike Unicode characters are sent as GSM-7. */
  sendSmartEncoding: boolean;
  /** QUIET_HOURS (e.g. "21:00-08:00") with QUIET_HOURS_TIMEZONE, parsed once; null: no quiet hours. */
  quietHours: QuietHours | null;
  syncTtlSeconds: number;
  /** At most one Messages API list per source per this many seconds (lib/reconcile); 0 = off. */
  reconcileIntervalSeconds: number;
  /** get_media refuses larger items (image content goes into the model's context). */
  mediaMaxBytes: number;
  logPii: boolean;
  /** Per-request timeout of the Twilio client in ms (TWILIO_TIMEOUT_MS); unset: 15000. */
  twilioTimeoutMs?: number;
}
