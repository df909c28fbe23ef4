/**
 * The zod pieces every environment reader checks its settings with: the bridge
 * (mcp-bridge/src/hosts/env-config.ts), the Functions (lib/webhooks/function-env.ts) and the scripts
 * (scripts/setup.ts, scripts/deploy.ts). One copy of each rule, so that they cannot disagree
 * again, as they once did on the letter case of SIDs. A message names the setting and says what
 * to put there and where to find it, never the value: a secret pasted into the wrong setting must
 * not reach a log. The readers drop unset values first (set-values.ts).
 */
// A namespace import lets esbuild keep only the zod parts in use: the Functions bundle these
// pieces, and through zod's `z` re-export a bundle carried every locale zod ships.
import * as z from 'zod';

/** The SIDs the project's settings hold, each with where its value comes from. */
export const SID_SOURCES = {
  AC: 'your Account SID, from Twilio Console → Account info',
  SK: "the API key's SID, not its secret: Twilio Console → Account → API keys & tokens",
  MG: 'a Messaging Service SID, from Twilio Console → Messaging → Services',
  IS: 'the Sync service SID npm run setup prints, or Twilio Console → Sync → Services',
} as const;

export type SidPrefix = keyof typeof SID_SOURCES;

/**
 * A SID of the given prefix, in the form Twilio issues it: the prefix and 32 lowercase hex digits.
 *
 * Letter case: Twilio's own API description (twilio-oai) patterns every SID as
 * `^AC[0-9a-fA-F]{32}$`, so a copy whose digits were upper-cased (by a form, a spreadsheet, a
 * shell's `tr`) is one Twilio's spec admits; refusing it would make the user retype the same SID.
 * But every SID Twilio issues and returns has lowercase digits, and the project compares SIDs with
 * those as plain strings: get_media would refuse every media URL as another account's if the
 * bridge kept an upper-cased TWILIO_ACCOUNT_SID (media.ts), and the Functions refused what the
 * bridge took. So the digits are accepted in either case and lowercased here, once, for every
 * reader; the prefix must be the upper-case one the spec names (a lowercase `ac…` is refused with
 * the message below, which says what a SID looks like and where to copy it from).
 */
export function sid(prefix: SidPrefix, name: string, source: string = SID_SOURCES[prefix]) {
  const message = `${name} must be "${prefix}" followed by 32 hex characters (${source})`;
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${name} is not set (${source})` : message) })
    .trim()
    .regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), message)
    .transform((value) => `${prefix}${value.slice(prefix.length).toLowerCase()}`);
}

/** `value` as a SID of `prefix` by the rule above (lowercased), or undefined when it is none. */
export function asSid(prefix: SidPrefix, value: string | undefined): string | undefined {
  const parsed = sid(prefix, prefix).safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** A secret (auth token, API secret): any text; `source` says where to find it. */
export function secret(name: string, source: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${name} is not set (${source})` : `${name} must be text (${source})`) })
    .trim()
    .min(1, `${name} is empty (${source})`);
}

/** Only http(s): `localhost:4010` parses as a URL with scheme "localhost:", which is never meant. */
export function httpUrl(message: string) {
  return z.url({ protocol: /^https?$/, error: message });
}

/** TWILIO_API_BASE_URL, read by all three: the local emulator instead of Twilio. */
export function twilioApiBaseUrl() {
  return httpUrl('TWILIO_API_BASE_URL must be an http(s) URL such as http://127.0.0.1:4010 (the local emulator), or unset for real Twilio');
}

/** A whole number from `min` to `max`; `unit` names what it counts in the messages. */
function wholeNumber(name: string, unit: string, min: number, max: number) {
  return z.coerce
    .number({ error: `${name} must be a number of ${unit}` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);
}

export function seconds(name: string, min: number, max: number, fallback: number) {
  return wholeNumber(name, 'seconds', min, max).default(fallback);
}

/** A timeout in milliseconds; unset means the reader's own default. */
export function milliseconds(name: string, min: number, max: number) {
  return wholeNumber(name, 'milliseconds', min, max).optional();
}

/** A limit or size: 0 or more, where 0 means no limit. */
export function count(name: string, fallback: number) {
  return z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must be 0 (no limit) or more`)
    .default(fallback);
}

/** SYNC_TTL_SECONDS, read by the bridge and the Functions: 0 keeps items; Sync's TTL is at most a year. */
export function syncTtlSeconds() {
  return seconds('SYNC_TTL_SECONDS', 0, 31_536_000, 0);
}

/** The first issue of a failed parse: the setting it is about, and the message. */
export function firstIssue(error: z.ZodError): { name: string; message: string } {
  const issue = error.issues[0];
  return { name: String(issue?.path[0] ?? ''), message: issue?.message ?? 'invalid setting' };
}
