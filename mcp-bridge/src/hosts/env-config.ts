/**
 * The bridge's configuration, from its environment only (LibreChat fills `env` in librechat.yaml
 * from its own `.env`; Claude Desktop from its JSON). Never from argv: argv shows in `ps`.
 * A missing or malformed variable is one line naming it and how to fix it, never its value.
 */
import * as z from 'zod';
import { CREDENTIAL_SETTINGS, readCredentials } from '../../../lib/env/credentials';
import { flagEnabled } from '../../../lib/env/flag';
import { MIN_CLIENT_TIMEOUT_SECONDS, shortTimeoutNote } from '../server/call-budget';
import { count, firstIssue, httpUrl, milliseconds, seconds, sid, syncTtlSeconds, twilioApiBaseUrl } from '../../../lib/env/schema';
import { setValues } from '../../../lib/env/set-values';
import { logPiiFrom } from '../../../lib/mask';
import { checkE164 } from '../../../lib/phone';
import { channelOf, checkRecipientAddress } from '../../../lib/whatsapp';
import { checkQuietHoursSettings } from '../../../lib/outbound/quiet-hours';
import { parseAllowlist } from '../../../lib/outbound/send-policy';
import { parseUserNumbers, resolveScope } from '../../../lib/scope/user-scope';
import type { BridgeConfig, Sender } from '../server/bridge-config';

export type { BridgeConfig, Sender } from '../server/bridge-config';

const EnvSchema = z.object({
  ...CREDENTIAL_SETTINGS,
  TWILIO_PHONE_NUMBER: z.string().trim().optional(),
  TWILIO_MESSAGING_SERVICE_SID: sid('MG', 'TWILIO_MESSAGING_SERVICE_SID').optional(),
  // The WhatsApp sender (+E.164, or whatsapp:+E.164): Twilio's Sandbox +14155238886 or your own.
  TWILIO_WHATSAPP_NUMBER: z.string().trim().optional(),
  TWILIO_SYNC_SERVICE_SID: sid('IS', 'TWILIO_SYNC_SERVICE_SID').optional(),
  TWILIO_API_BASE_URL: twilioApiBaseUrl().optional(),
  STATUS_CALLBACK_BASE_URL: httpUrl('STATUS_CALLBACK_BASE_URL must be the http(s) URL of your Functions, e.g. https://twilio-sms-mcp-1234-dev.twil.io').optional(),
  SEND_WAIT_SECONDS: seconds('SEND_WAIT_SECONDS', 0, 120, 20),
  // The client's request timeout (LibreChat: the entry's `timeout`, 60 s when unset). No call may
  // outlive it: LibreChat sends no progress token, so progress cannot extend it. Under 15 s the
  // waits are shortened to fit; under MIN_CLIENT_TIMEOUT_SECONDS loadConfig refuses it (call-budget.ts).
  CLIENT_TIMEOUT_SECONDS: seconds('CLIENT_TIMEOUT_SECONDS', 0, 3600, 60),
  SMS_USER: z.string().trim().max(256, 'SMS_USER must be at most 256 characters').optional(),
  SMS_USER_NUMBERS: z.string().optional(),
  DUPLICATE_WINDOW_SECONDS: seconds('DUPLICATE_WINDOW_SECONDS', 0, 86_400, 600),
  SEND_LIMIT_PER_MINUTE: count('SEND_LIMIT_PER_MINUTE', 10),
  SEND_LIMIT_PER_RECIPIENT_PER_MINUTE: count('SEND_LIMIT_PER_RECIPIENT_PER_MINUTE', 3),
  SEND_LIMIT_PER_HOUR: count('SEND_LIMIT_PER_HOUR', 60),
  SEND_LIMIT_PER_DAY: count('SEND_LIMIT_PER_DAY', 200),
  SEND_LIMIT_ACCOUNT_PER_MINUTE: count('SEND_LIMIT_ACCOUNT_PER_MINUTE', 30),
  SEND_LIMIT_ACCOUNT_PER_DAY: count('SEND_LIMIT_ACCOUNT_PER_DAY', 1000),
  SEND_ALLOWLIST: z.string().optional(),
  SEND_CONFIRMATION: z.string().optional(),
  SEND_POLICY: z.enum(['open', 'reply-only'], { error: 'SEND_POLICY must be "open" (anyone the other rules allow) or "reply-only" (only numbers that texted first)' }).default('open'),
  SEND_MAX_SEGMENTS: count('SEND_MAX_SEGMENTS', 10),
  SEND_SMART_ENCODING: z.string().optional(),
  QUIET_HOURS: z.string().trim().optional(),
  QUIET_HOURS_TIMEZONE: z.string().trim().optional(),
  SYNC_TTL_SECONDS: syncTtlSeconds(),
  // How often the read tools catch up from Twilio's message log what the webhooks missed.
  RECONCILE_INTERVAL_SECONDS: seconds('RECONCILE_INTERVAL_SECONDS', 0, 86_400, 60),
  MEDIA_MAX_BYTES: count('MEDIA_MAX_BYTES', 5_000_000),
  LOG_PII: z.string().optional(),
  // How long one Twilio request may go unanswered before it counts as "no answer" (reads are then
  // retried; a message create is reported as outcome unknown, never repeated). 15 s suits
  // production; tests of timeouts set it lower so they need not wait 15 s per fault.
  TWILIO_TIMEOUT_MS: milliseconds('TWILIO_TIMEOUT_MS', 100, 120_000),
});

/**
 * A one-person bridge's own numbers, which its reads are limited to: its SMS number and WhatsApp
 * sender; none (null: every conversation of the service) when a Messaging Service sends SMS.
 */
export function ownNumbers(sender: Sender): string[] | undefined {
  if (sender.phoneNumber) return [sender.phoneNumber, ...(sender.whatsappNumber ? [sender.whatsappNumber] : [])];
  return sender.messagingServiceSid || !sender.whatsappNumber ? undefined : [sender.whatsappNumber];
}

/** `notes`: one line for each setting left off because its value was an unfilled placeholder, and one when a short CLIENT_TIMEOUT_SECONDS shortens the waits. */
export type ConfigResult = { ok: true; config: BridgeConfig; notes: string[] } | { ok: false; error: string };

export type SettingName = keyof typeof EnvSchema.shape;

/** Every variable the bridge reads. */
export const SETTING_NAMES = Object.keys(EnvSchema.shape) as SettingName[];

const SETTINGS: ReadonlySet<string> = new Set(SETTING_NAMES);

/**
 * The settings a LibreChat administrator may want, in the order the printed and documented
 * librechat.yaml entries list them (client-config.ts). LibreChat passes the bridge only what the
 * entry's `env` names, so an entry that lists them all lets every one be set in LibreChat's .env
 * alone; an unset one stays a placeholder, which counts as unset. Grouped for the comments there.
 */
export const ADMIN_SETTINGS: readonly { group: string; names: readonly SettingName[] }[] = [
  { group: 'Twilio account and sender', names: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_PHONE_NUMBER', 'TWILIO_API_KEY', 'TWILIO_API_SECRET', 'TWILIO_MESSAGING_SERVICE_SID', 'TWILIO_WHATSAPP_NUMBER'] },
  { group: 'Replies and delivery receipts (after the deploy: printed by npm run setup)', names: ['TWILIO_SYNC_SERVICE_SID', 'STATUS_CALLBACK_BASE_URL'] },
  { group: 'Safety', names: ['SEND_ALLOWLIST', 'SEND_CONFIRMATION', 'SEND_POLICY', 'QUIET_HOURS', 'QUIET_HOURS_TIMEZONE', 'SEND_MAX_SEGMENTS', 'SEND_SMART_ENCODING', 'DUPLICATE_WINDOW_SECONDS', 'SEND_LIMIT_PER_MINUTE', 'SEND_LIMIT_PER_RECIPIENT_PER_MINUTE', 'SEND_LIMIT_PER_HOUR', 'SEND_LIMIT_PER_DAY', 'SEND_LIMIT_ACCOUNT_PER_MINUTE', 'SEND_LIMIT_ACCOUNT_PER_DAY'] },
  { group: 'Waiting, media, retention, recovery, logs', names: ['SEND_WAIT_SECONDS', 'MEDIA_MAX_BYTES', 'SYNC_TTL_SECONDS', 'RECONCILE_INTERVAL_SECONDS', 'LOG_PII', 'TWILIO_TIMEOUT_MS'] },
];

/** Set in the entry itself rather than in .env: the request timeout, and the per-user pair. */
export const ENTRY_SETTINGS: readonly SettingName[] = ['CLIENT_TIMEOUT_SECONDS', 'SMS_USER', 'SMS_USER_NUMBERS'];

/** Only for running against the local emulator, never in a LibreChat entry for real use. */
export const DEVELOPMENT_SETTINGS: readonly SettingName[] = ['TWILIO_API_BASE_URL'];

/** "is not set", or, when LibreChat passed its placeholder unfilled, where to set it. */
function unset(name: string, placeholders: Record<string, string>): string {
  const placeholder = placeholders[name];
  if (placeholder === undefined) return 'is not set';
  // {{…}} is filled per user: the process LibreChat starts to list tools has none.
  if (placeholder.startsWith('{{')) return `was left as "${placeholder}" (LibreChat fills it only for a signed-in user)`;
  return `is missing from LibreChat's .env (librechat.yaml passes "${placeholder}" unfilled)`;
}

export function loadConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const { values, placeholders } = setValues(env);
  const missing = (name: string) => unset(name, placeholders);
  const read = readCredentials(values, missing);
  if (!read.ok) {
    const problem = read.problems[0]!;
    const fix = problem.unset ? ' in the MCP server env (LibreChat: its .env, passed by librechat.yaml), then restart.' : `. Fix ${problem.name} in the MCP server env.`;
    return { ok: false, error: `${problem.message}${fix}` };
  }
  const { credentials } = read;
  const parsed = EnvSchema.safeParse(values);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error);
    return { ok: false, error: `${issue.message}. Fix ${issue.name} in the MCP server env.` };
  }
  const e = parsed.data;
  if (e.CLIENT_TIMEOUT_SECONDS < MIN_CLIENT_TIMEOUT_SECONDS) {
    return {
      ok: false,
      error: `CLIENT_TIMEOUT_SECONDS is ${e.CLIENT_TIMEOUT_SECONDS}: no call can answer that fast (a send's Twilio calls, or a wait's first look for a reply, take up to 3 s). Set CLIENT_TIMEOUT_SECONDS to ${MIN_CLIENT_TIMEOUT_SECONDS} or more, and the client's timeout to the same (LibreChat: the entry's \`timeout\`, in ms, e.g. ${MIN_CLIENT_TIMEOUT_SECONDS}000; unset, it is 60 s).`,
    };
  }
  let userNumbers: ReturnType<typeof parseUserNumbers> | undefined;
  if (e.SMS_USER_NUMBERS !== undefined) {
    userNumbers = parseUserNumbers(e.SMS_USER_NUMBERS);
    if (!userNumbers.ok) return { ok: false, error: userNumbers.error };
  }
  let whatsappNumber: string | undefined;
  if (e.TWILIO_WHATSAPP_NUMBER) {
    const given = e.TWILIO_WHATSAPP_NUMBER;
    const wa = checkRecipientAddress(channelOf(given) === 'whatsapp' ? given : `whatsapp:${given}`);
    if (!wa.ok) return { ok: false, error: 'TWILIO_WHATSAPP_NUMBER is not usable: it must be your WhatsApp sender in E.164 format, with or without the whatsapp: prefix, e.g. whatsapp:+14155238886 (the Sandbox).' };
    whatsappNumber = wa.address;
  }
  let sender: Sender;
  if (e.TWILIO_PHONE_NUMBER) {
    const phone = checkE164(e.TWILIO_PHONE_NUMBER);
    // The reason quotes the value; a misplaced secret must not reach the log, so it is left out.
    if (!phone.ok) return { ok: false, error: 'TWILIO_PHONE_NUMBER is not usable: it must be your Twilio number in E.164 format (+ country code and number, no spaces), e.g. +14155550100.' };
    sender = { phoneNumber: phone.e164, ...(e.TWILIO_MESSAGING_SERVICE_SID ? { messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID } : {}) };
  } else if (e.TWILIO_MESSAGING_SERVICE_SID) {
    sender = { messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID };
  } else if (userNumbers || whatsappNumber) {
    // Each user sends from their own numbers, or the bridge texts on WhatsApp only.
    sender = {};
  } else {
    return { ok: false, error: `TWILIO_PHONE_NUMBER ${missing('TWILIO_PHONE_NUMBER')}. Set your Twilio number in E.164 format (e.g. +14155550100), or set TWILIO_MESSAGING_SERVICE_SID (MG…).` };
  }
  if (whatsappNumber) sender = { ...sender, whatsappNumber };
  const allowlist = parseAllowlist(e.SEND_ALLOWLIST);
  if (!allowlist.ok) {
    return { ok: false, error: `SEND_ALLOWLIST has an entry that is neither an E.164 number nor a two-letter country code: "${allowlist.entry.slice(0, 20)}". Use e.g. SEND_ALLOWLIST=US,CA,+447911123456.` };
  }
  const quiet = checkQuietHoursSettings({ quietHours: e.QUIET_HOURS, quietHoursTimezone: e.QUIET_HOURS_TIMEZONE });
  if (!quiet.ok) return { ok: false, error: quiet.error };
  return {
    ok: true,
    config: {
      credentials,
      sender,
      syncServiceSid: e.TWILIO_SYNC_SERVICE_SID ?? null,
      apiBaseUrl: e.TWILIO_API_BASE_URL,
      statusCallbackUrl: e.STATUS_CALLBACK_BASE_URL ? `${e.STATUS_CALLBACK_BASE_URL.replace(/\/+$/, '')}/sms/status` : undefined,
      sendWaitSeconds: e.SEND_WAIT_SECONDS,
      clientTimeoutSeconds: e.CLIENT_TIMEOUT_SECONDS,
      scope: resolveScope(e.SMS_USER, userNumbers?.ok ? userNumbers.map : undefined, ownNumbers(sender)),
      userNumbers: userNumbers?.ok ? userNumbers.map : null,
      duplicateWindowSeconds: e.DUPLICATE_WINDOW_SECONDS,
      sendLimitPerMinute: e.SEND_LIMIT_PER_MINUTE,
      sendLimitPerRecipientPerMinute: e.SEND_LIMIT_PER_RECIPIENT_PER_MINUTE,
      sendLimitPerHour: e.SEND_LIMIT_PER_HOUR,
      sendLimitPerDay: e.SEND_LIMIT_PER_DAY,
      sendLimitAccountPerMinute: e.SEND_LIMIT_ACCOUNT_PER_MINUTE,
      sendLimitAccountPerDay: e.SEND_LIMIT_ACCOUNT_PER_DAY,
      sendAllowlist: allowlist.allowlist,
      sendConfirmation: flagEnabled(e.SEND_CONFIRMATION),
      sendPolicy: e.SEND_POLICY,
      sendMaxSegments: e.SEND_MAX_SEGMENTS,
      sendSmartEncoding: flagEnabled(e.SEND_SMART_ENCODING),
      quietHours: quiet.quietHours,
      syncTtlSeconds: e.SYNC_TTL_SECONDS,
      reconcileIntervalSeconds: e.RECONCILE_INTERVAL_SECONDS,
      mediaMaxBytes: e.MEDIA_MAX_BYTES,
      logPii: logPiiFrom(e.LOG_PII),
      ...(e.TWILIO_TIMEOUT_MS !== undefined ? { twilioTimeoutMs: e.TWILIO_TIMEOUT_MS } : {}),
    },
    notes: [
      ...Object.keys(placeholders)
        .filter((name) => SETTINGS.has(name))
        .sort()
        .map((name) => `${name} is off: it ${missing(name)}.${placeholders[name]?.startsWith('$') ? " Set it in LibreChat's .env to use it." : ''}`),
      // A short client timeout is served with shorter waits; one line says what they became.
      ...[shortTimeoutNote(e.CLIENT_TIMEOUT_SECONDS, e.SEND_WAIT_SECONDS, flagEnabled(e.SEND_CONFIRMATION))].filter((note) => note !== null),
    ],
  };
}

/** One line for the start-up log: what is configured, never a secret. */
export function describeConfig(config: BridgeConfig): string {
  const auth = 'apiKey' in config.credentials ? `API key ${config.credentials.apiKey.slice(0, 6)}…` : 'auth token';
  const sender = `${config.sender.messagingServiceSid ? `messaging service ${config.sender.messagingServiceSid}` : config.sender.phoneNumber ? 'phone number' : config.sender.whatsappNumber ? 'none for SMS' : 'per user (SMS_USER_NUMBERS)'}${config.sender.whatsappNumber ? ', WhatsApp sender' : ''}`;
  const { scope } = config;
  const user = !scope.ok ? 'user: none assigned (reads and sends are refused)' : scope.identity ? `user: own inbox, ${scope.numbers?.length ?? 'any'} number(s)` : null;
  return [
    `account ${config.credentials.accountSid}`,
    `auth: ${auth}`,
    `sender: ${sender}`,
    config.syncServiceSid ? `sync: ${config.syncServiceSid}` : 'sync: off (send only; set TWILIO_SYNC_SERVICE_SID to read replies)',
    config.apiBaseUrl ? `api: ${config.apiBaseUrl}` : null,
    config.statusCallbackUrl ? 'status callbacks: on' : 'status callbacks: off',
    `limits: ${config.sendLimitPerMinute}/min, ${config.sendLimitPerRecipientPerMinute}/min per number, ${config.sendLimitPerHour}/h, ${config.sendLimitPerDay}/day; account ${config.sendLimitAccountPerMinute}/min, ${config.sendLimitAccountPerDay}/day (0 = none)`,
    `guard: ${config.syncServiceSid ? 'in Sync, shared by every bridge' : 'in this process only'}`,
    config.sendAllowlist.length ? `allowlist: ${config.sendAllowlist.length} entr${config.sendAllowlist.length === 1 ? 'y' : 'ies'}` : null,
    config.sendConfirmation ? 'confirmation: on' : null,
    config.sendPolicy === 'reply-only' ? 'policy: reply-only' : null,
    config.quietHours ? `quiet hours: ${config.quietHours.setting}` : null,
    `client timeout: ${config.clientTimeoutSeconds} s`,
    config.syncServiceSid ? (config.reconcileIntervalSeconds ? `reconcile: every ${config.reconcileIntervalSeconds} s at most` : 'reconcile: off') : null,
    user,
  ].filter(Boolean).join(', ');
}
