/**
 * Quiet hours (QUIET_HOURS, QUIET_HOURS_TIMEZONE) through the real processes: the emulator,
 * twilio-run and the built bridge over stdio. The bridge reads the real clock, so every window
 * is placed around the current time on the recipient's clock (Intl, as the bridge computes it).
 */
import { textOf, type BridgeProcess } from '../../scripts/system/bridge-process';
import { expectStartRefused } from '../support/start-refusal';
import { MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';

const MESSAGING_SERVICE = `MG${'7'.repeat(32)}`;
const LOS_ANGELES = '+14155550140'; // area code 415: America/Los_Angeles
const LONDON = '+442079460140'; // Europe/London
const TOLL_FREE = '+18005550140'; // +1 800: any NANP zone, Guam to Newfoundland

let system: System;

const creates = () => system.messageCreates();

const withBridge = (env: Record<string, string>, run: (bridge: BridgeProcess) => Promise<void>) => system.withBridge({ SEND_WAIT_SECONDS: '0', TWILIO_MESSAGING_SERVICE_SID: MESSAGING_SERVICE, ...env }, run);

/** Minutes after midnight on the zone's clock at `at`. */
function localMinutes(zone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric' }).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return part('hour') * 60 + part('minute');
}

const hhmm = (minutes: number) => {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};

/**
 * A QUIET_HOURS value from `before` minutes ago to `after` minutes ahead on the zone's clock now;
 * `end` is the instant it ends (to the minute), for checking the suggested sendAt.
 */
function windowAroundNow(zone: string, before: number, after: number): { quietHours: string; end: number } {
  const now = Date.now();
  const local = localMinutes(zone, now);
  const end = Math.floor(now / 60_000) * 60_000 + after * 60_000;
  return { quietHours: `${hhmm(local - before)}-${hhmm(local + after)}`, end };
}

/** The next whole minute, from `from` on, at which the zone's clock shows `minutes`. */
function nextLocal(zone: string, minutes: number, from: number): number {
  let t = Math.ceil(from / 60_000) * 60_000;
  while (localMinutes(zone, t) !== minutes % 1440) t += 60_000;
  return t;
}

beforeAll(async () => {
  system = await startSystem({ emulator: { messagingServices: [{ sid: MESSAGING_SERVICE, phoneNumbers: [MAGIC_FROM_NUMBER] }] } });
});

afterAll(async () => {
  await system?.close();
});

beforeEach(() => system.emulator.resetCounts());

describe('quiet hours on the recipient\'s clock, from their number', () => {
  test('night for the recipient: refused before Twilio, says when it could go; that sendAt schedules it; others are sent', async () => {
    // Quiet from an hour ago to two hours ahead in Los Angeles; London is 7-8 hours later: daytime there.
    const { quietHours, end } = windowAroundNow('America/Los_Angeles', 60, 120);
    await withBridge({ QUIET_HOURS: quietHours }, async (bridge) => {
      const refused = await bridge.call('send_sms', { to: LOS_ANGELES, body: 'Your order has shipped.' });
      const text = textOf(refused);
      expect(text).toMatch(/^\[FINAL\] Not sent: It is \d\d:\d\d \(America\/Los_Angeles\) for the recipient, inside the quiet hours \d\d:\d\d–\d\d:\d\d \(QUIET_HOURS\)\. It could go at \d\d:\d\d their time \(\d{4}-\d\d-\d\dT\d\d:\d\d:00Z\)\./);
      expect(text).toContain(`inside the quiet hours ${quietHours.replace('-', '–')}`);
      expect(refused.structuredContent).toMatchObject({ outcome: 'refused', sid: null });
      expect(creates()).toBe(0);

      const suggested = /call send_sms with sendAt (\S+) to schedule it/.exec(text)?.[1];
      expect(suggested).toBeDefined();
      expect(new Date(suggested!).getTime()).toBe(end);

      const scheduled = await bridge.call('send_sms', { to: LOS_ANGELES, body: 'Your order has shipped.', sendAt: suggested });
      expect(scheduled.structuredContent).toMatchObject({ outcome: 'scheduled', sendAt: new Date(end).toISOString() });
      expect(creates()).toBe(1);

      const sent = await bridge.call('send_sms', { to: LONDON, body: 'Your parcel is on its way.' });
      expect(sent.structuredContent).toMatchObject({ outcome: 'sent' });
      expect(creates()).toBe(2);
    });
  });

  test('a scheduled send is checked at its sendAt: night in London then is refused, daytime then is scheduled', async () => {
    const { quietHours } = windowAroundNow('America/Los_Angeles', 60, 120);
    const start = localMinutes('America/Los_Angeles', Date.now()) - 60;
    // The next time London's clock is half an hour into the window: hours from now, so in range.
    const londonNight = nextLocal('Europe/London', ((start + 30) % 1440 + 1440) % 1440, Date.now() + 20 * 60_000);
    await withBridge({ QUIET_HOURS: quietHours }, async (bridge) => {
      const refused = await bridge.call('send_sms', { to: LONDON, body: 'Reminder for later', sendAt: new Date(londonNight).toISOString() });
      expect(textOf(refused)).toMatch(/^\[FINAL\] Not sent: At the requested sendAt it would be \d\d:\d\d \(Europe\/London\) for the recipient, inside the quiet hours/);
      expect(creates()).toBe(0);

      const later = await bridge.call('send_sms', { to: LONDON, body: 'Reminder for later', sendAt: new Date(londonNight + 4 * 3_600_000).toISOString() });
      expect(later.structuredContent).toMatchObject({ outcome: 'scheduled' });
      expect(creates()).toBe(1);
    });
  });

  test('without a Messaging Service it says when, without suggesting sendAt', async () => {
    const { quietHours } = windowAroundNow('America/Los_Angeles', 60, 120);
    await withBridge({ QUIET_HOURS: quietHours, TWILIO_MESSAGING_SERVICE_SID: '' }, async (bridge) => {
      const text = textOf(await bridge.call('send_sms', { to: LOS_ANGELES, body: 'No service here' }));
      expect(text).toMatch(/^\[FINAL\] Not sent: It is .* It could go at .* Tell the user, and send it at or after that time \(scheduling with sendAt needs a Messaging Service/);
      expect(creates()).toBe(0);
    });
  });
});

describe('numbers that do not tell their zone', () => {
  test('without QUIET_HOURS_TIMEZONE: refused, telling the administrator what to set', async () => {
    const { quietHours } = windowAroundNow('America/Los_Angeles', 60, 120);
    await withBridge({ QUIET_HOURS: quietHours }, async (bridge) => {
      const text = textOf(await bridge.call('send_sms', { to: TOLL_FREE, body: 'Toll-free hello' }));
      expect(text).toMatch(/^\[FINAL\] Not sent: Quiet hours are on \(QUIET_HOURS\), but this number could be in any of \d+ time zones of its country .* The administrator must set QUIET_HOURS_TIMEZONE/);
      expect(creates()).toBe(0);
    });
  });

  test('with QUIET_HOURS_TIMEZONE: that zone decides', async () => {
    const { quietHours } = windowAroundNow('America/Los_Angeles', 60, 120);
    await withBridge({ QUIET_HOURS: quietHours, QUIET_HOURS_TIMEZONE: 'America/Los_Angeles' }, async (bridge) => {
      const text = textOf(await bridge.call('send_sms', { to: TOLL_FREE, body: 'Toll-free at night' }));
      expect(text).toMatch(/^\[FINAL\] Not sent: It is \d\d:\d\d \(America\/Los_Angeles\) for the recipient.*\(Their number does not tell their time zone; QUIET_HOURS_TIMEZONE says America\/Los_Angeles\.\)/);
      expect(creates()).toBe(0);
    });
    await withBridge({ QUIET_HOURS: quietHours, QUIET_HOURS_TIMEZONE: 'Asia/Tokyo' }, async (bridge) => {
      // Tokyo is 16-17 hours ahead of Los Angeles: outside a three-hour window around now there.
      expect((await bridge.call('send_sms', { to: TOLL_FREE, body: 'Toll-free by day' })).structuredContent).toMatchObject({ outcome: 'sent' });
      expect(creates()).toBe(1);
    });
  });
});

describe('malformed settings stop the start with one clear line', () => {
  const base = { TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'tok-SECRET-do-not-print', TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER };

  test.each([
    [{ QUIET_HOURS: '9pm-8am' }, /QUIET_HOURS must be a start and an end time in 24-hour HH:MM.*e\.g\. QUIET_HOURS=21:00-08:00/],
    [{ QUIET_HOURS: '25:00-08:00' }, /QUIET_HOURS has a time that does not exist/],
    [{ QUIET_HOURS: '08:00-08:00' }, /QUIET_HOURS starts and ends at the same time/],
    [{ QUIET_HOURS: '21:00-08:00', QUIET_HOURS_TIMEZONE: 'Mars/Olympus_Mons' }, /QUIET_HOURS_TIMEZONE must be an IANA time zone name such as America\/New_York/],
  ])('%p', (env, message) => {
    expectStartRefused({ ...base, ...env }, message, 'tok-SECRET-do-not-print');
  });
});
