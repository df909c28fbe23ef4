import type { PhoneNumber } from 'libphonenumber-js';
import {
  checkQuietHoursSettings,
  checkTimezone,
  nextOutsideQuietHours,
  parseQuietHours,
  quietHoursCheck,
  quietHoursRefusal,
  recipientZones,
  type QuietHours,
  type QuietWindow,
  type ZoneLookup,
} from '../../lib/outbound/quiet-hours';

const NIGHT: QuietWindow = { start: 21 * 60, end: 8 * 60 }; // 21:00-08:00
const MESSAGING_SERVICE = `MG${'5'.repeat(32)}`;
const at = (iso: string) => new Date(iso);

describe('parseQuietHours', () => {
  test.each<[string, QuietWindow]>([
    ['21:00-08:00', { start: 1260, end: 480 }],
    [' 9:30 – 17:00 ', { start: 570, end: 1020 }],
    ['22:00 - 24:00', { start: 1320, end: 0 }],
    ['00:00-06:30', { start: 0, end: 390 }],
  ])('%p', (raw, window) => {
    expect(parseQuietHours(raw)).toEqual({ ok: true, window });
  });

  test.each(['', '21-08', '21:00', '21:00-08:00-09:00', 'nine to five', '21h00-08h00', '21:00/08:00'])('rejects %p, naming QUIET_HOURS and an example', (raw) => {
    const parsed = parseQuietHours(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/^QUIET_HOURS must be a start and an end time in 24-hour HH:MM.*e\.g\. QUIET_HOURS=21:00-08:00.*Fix QUIET_HOURS in the MCP server env\.$/);
  });

  test.each(['25:00-08:00', '21:60-08:00', '24:00-08:00', '21:00-24:30'])('rejects the impossible time in %p', (raw) => {
    expect(parseQuietHours(raw)).toEqual({ ok: false, error: expect.stringMatching(/^QUIET_HOURS has a time that does not exist: hours go from 00 to 23/) });
  });

  test.each(['08:00-08:00', '00:00-24:00'])('start == end (%p) is refused: "never" and "always" are both unsafe guesses', (raw) => {
    expect(parseQuietHours(raw)).toEqual({ ok: false, error: expect.stringMatching(/^QUIET_HOURS starts and ends at the same time, which could mean no quiet hours or the whole day/) });
  });
});

describe('checkTimezone', () => {
  test.each([
    ['Europe/London', 'Europe/London'],
    [' America/New_York ', 'America/New_York'],
    ['europe/berlin', 'Europe/Berlin'],
    ['UTC', 'UTC'],
  ])('%p is %p', (raw, zone) => {
    expect(checkTimezone(raw)).toEqual({ ok: true, zone });
  });

  test.each(['Europe/Londn', 'Mars/Olympus', 'PST8PDT7', 'New York'])('rejects %p with a clear line', (raw) => {
    expect(checkTimezone(raw)).toEqual({ ok: false, error: expect.stringMatching(/^QUIET_HOURS_TIMEZONE must be an IANA time zone name such as America\/New_York.*Fix QUIET_HOURS_TIMEZONE in the MCP server env\.$/) });
  });
});

describe('checkQuietHoursSettings (start-up)', () => {
  test.each<[string | undefined, string | undefined, RegExp | null]>([
    [undefined, undefined, null],
    ['21:00-08:00', undefined, null],
    ['21:00-08:00', 'Europe/Paris', null],
    [undefined, 'Europe/Paris', null],
    ['9pm-8am', 'Europe/Paris', /^QUIET_HOURS must be/],
    ['21:00-08:00', 'Paris', /^QUIET_HOURS_TIMEZONE must be an IANA time zone/],
    [undefined, 'Paris', /^QUIET_HOURS_TIMEZONE must be/],
  ])('QUIET_HOURS=%p QUIET_HOURS_TIMEZONE=%p', (quietHours, quietHoursTimezone, error) => {
    expect(checkQuietHoursSettings({ quietHours, quietHoursTimezone })).toEqual(error ? { ok: false, error: expect.stringMatching(error) } : { ok: true, quietHours: quietHours === undefined ? null : { window: expect.any(Object), setting: quietHours, fallbackZone: quietHoursTimezone } });
  });
});

describe('recipientZones: from the number (libphonenumber), else QUIET_HOURS_TIMEZONE', () => {
  const when = at('2026-12-01T12:00:00Z');

  test.each<[string, string[]]>([
    ['+442079460000', ['Europe/London']],
    ['+493012345678', ['Europe/Berlin']],
    ['+4915123456789', ['Europe/Berlin']], // a mobile: single-zone country
    ['+81312345678', ['Asia/Tokyo']],
    ['+819012345678', ['Asia/Tokyo']],
    ['+12125550100', ['America/New_York']], // area code 212
    ['+14155550100', ['America/Los_Angeles']], // area code 415
    ['+16135550123', ['America/Toronto']], // Canada shares +1
    ['+19075550100', ['America/Adak', 'America/Anchorage']], // Alaska: two zones, the strictest applies
  ])('%s → %p', async (e164, zones) => {
    expect(await recipientZones(e164, undefined, when)).toEqual({ ok: true, zones, source: 'number' });
    // The number wins over QUIET_HOURS_TIMEZONE.
    expect(await recipientZones(e164, 'Asia/Tokyo', when)).toEqual({ ok: true, zones, source: 'number' });
  });

  test('a number with no zone (+800 freephone) takes QUIET_HOURS_TIMEZONE, else is refused', async () => {
    expect(await recipientZones('+80012345678', 'Europe/Paris', when)).toEqual({ ok: true, zones: ['Europe/Paris'], source: 'QUIET_HOURS_TIMEZONE' });
    expect(await recipientZones('+80012345678', undefined, when)).toEqual({
      ok: false,
      reason: expect.stringMatching(/^Quiet hours are on \(QUIET_HOURS\), but this number does not tell its time zone.*The administrator must set QUIET_HOURS_TIMEZONE/),
    });
  });

  test("a country-wide answer whose zones differ (+1 800 toll-free: every NANP zone) is ambiguous", async () => {
    expect(await recipientZones('+18005550100', 'America/Chicago', when)).toEqual({ ok: true, zones: ['America/Chicago'], source: 'QUIET_HOURS_TIMEZONE' });
    expect(await recipientZones('+18005550100', undefined, when)).toEqual({
      ok: false,
      reason: expect.stringMatching(/this number could be in any of \d+ time zones of its country \(America\/Adak … Pacific\/Saipan\).*set QUIET_HOURS_TIMEZONE/),
    });
  });

  test('a country-wide answer showing one clock is exact enough; unknown zone names count as none', async () => {
    const lookup: ZoneLookup = async (number: PhoneNumber) => {
      if (number.number === '+44') return ['Europe/London', 'Europe/Jersey'];
      if (number.number.startsWith('+44')) return ['Europe/London', 'Europe/Jersey'];
      return ['Etc/Unknown'];
    };
    expect(await recipientZones('+447400123456', undefined, when, lookup)).toEqual({ ok: true, zones: ['Europe/London', 'Europe/Jersey'], source: 'number' });
    expect(await recipientZones('+493012345678', 'Asia/Tokyo', when, lookup)).toEqual({ ok: true, zones: ['Asia/Tokyo'], source: 'QUIET_HOURS_TIMEZONE' });
    expect((await recipientZones('+493012345678', undefined, when, lookup)).ok).toBe(false);
  });

  test('a lookup that fails counts as no zone (fail closed: fallback or refusal)', async () => {
    const failing: ZoneLookup = async () => {
      throw new Error('data file missing');
    };
    expect(await recipientZones('+14155550100', 'America/Denver', when, failing)).toEqual({ ok: true, zones: ['America/Denver'], source: 'QUIET_HOURS_TIMEZONE' });
    expect((await recipientZones('+14155550100', undefined, when, failing)).ok).toBe(false);
  });
});

describe('quietHoursCheck', () => {
  test('inside quiet hours: the local time, when it could go, and why', () => {
    // 07:14Z on 2 December is 23:14 on 1 December in Los Angeles (UTC-8).
    const check = quietHoursCheck(NIGHT, ['America/Los_Angeles'], at('2026-12-02T07:14:00Z'));
    expect(check).toEqual({
      ok: false,
      quiet: [{ zone: 'America/Los_Angeles', time: '23:14' }],
      opensAt: at('2026-12-02T16:00:00Z'),
      opensLocal: [{ zone: 'America/Los_Angeles', time: '08:00' }],
      reason: 'It is 23:14 (America/Los_Angeles) for the recipient, inside the quiet hours 21:00–08:00 (QUIET_HOURS). It could go at 08:00 their time (2026-12-02T16:00:00Z).',
    });
  });

  test.each<[string, boolean]>([
    ['2026-12-02T20:00:00Z', true], // 12:00
    ['2026-12-02T04:59:59Z', true], // 20:59:59
    ['2026-12-02T05:00:00Z', false], // 21:00: quiet hours begin
    ['2026-12-02T08:00:00Z', false], // 00:00
    ['2026-12-02T15:59:59Z', false], // 07:59:59
    ['2026-12-02T16:00:00Z', true], // 08:00: quiet hours are over
  ])('a window across midnight, Los Angeles at %s → allowed %p', (iso, allowed) => {
    expect(quietHoursCheck(NIGHT, ['America/Los_Angeles'], at(iso)).ok).toBe(allowed);
  });

  test.each<[string, boolean, string | null]>([
    ['2026-12-02T12:59:00Z', true, null],
    ['2026-12-02T13:00:00Z', false, '2026-12-02T14:00:00.000Z'],
    ['2026-12-02T13:30:00Z', false, '2026-12-02T14:00:00.000Z'],
    ['2026-12-02T14:00:00Z', true, null],
  ])('a window within the day (13:00-14:00 UTC) at %s → allowed %p', (iso, allowed, opens) => {
    const check = quietHoursCheck({ start: 13 * 60, end: 14 * 60 }, ['UTC'], at(iso));
    expect(check.ok).toBe(allowed);
    if (!check.ok) expect(check.opensAt?.toISOString()).toBe(opens);
  });

  test('a window ending at 24:00 is over at midnight', () => {
    const lateEvening = { start: 22 * 60, end: 0 };
    expect(quietHoursCheck(lateEvening, ['Europe/Berlin'], at('2026-12-01T22:59:00Z')).ok).toBe(false); // 23:59
    expect(quietHoursCheck(lateEvening, ['Europe/Berlin'], at('2026-12-01T23:00:00Z')).ok).toBe(true); // 00:00
    expect(quietHoursCheck(lateEvening, ['Europe/Berlin'], at('2026-12-01T21:30:00Z'))).toMatchObject({ opensAt: at('2026-12-01T23:00:00Z') });
  });

  test('the same instant is night in Tokyo and daytime in Berlin and New York', () => {
    const instant = at('2026-12-01T14:00:00Z'); // 23:00 Tokyo, 15:00 Berlin, 09:00 New York
    expect(quietHoursCheck(NIGHT, ['Asia/Tokyo'], instant)).toMatchObject({ ok: false, quiet: [{ time: '23:00' }], opensAt: at('2026-12-01T23:00:00Z') });
    expect(quietHoursCheck(NIGHT, ['Europe/Berlin'], instant).ok).toBe(true);
    expect(quietHoursCheck(NIGHT, ['America/New_York'], instant).ok).toBe(true);
  });

  describe('several zones: the strictest', () => {
    const ALASKA = ['America/Adak', 'America/Anchorage']; // UTC-10 and UTC-9 in December

    test('08:30 in Anchorage is still 07:30 in Adak: refused until 08:00 in Adak', () => {
      const check = quietHoursCheck(NIGHT, ALASKA, at('2026-12-02T17:30:00Z'));
      expect(check).toMatchObject({ ok: false, quiet: [{ zone: 'America/Adak', time: '07:30' }], opensAt: at('2026-12-02T18:00:00Z') });
      if (!check.ok) {
        expect(check.opensLocal).toEqual([{ zone: 'America/Adak', time: '08:00' }, { zone: 'America/Anchorage', time: '09:00' }]);
        expect(check.reason).toBe(
          'It is 07:30 (America/Adak) for the recipient, inside the quiet hours 21:00–08:00 (QUIET_HOURS). Their number spans 2 time zones (America/Adak, America/Anchorage); a text goes only when it is outside quiet hours in every one. It could go at 08:00 (America/Adak), 09:00 (America/Anchorage) (2026-12-02T18:00:00Z).',
        );
      }
    });

    test('21:30 in Anchorage is 20:30 in Adak: refused until the next morning in Adak', () => {
      expect(quietHoursCheck(NIGHT, ALASKA, at('2026-12-03T06:30:00Z'))).toMatchObject({ ok: false, quiet: [{ zone: 'America/Anchorage', time: '21:30' }], opensAt: at('2026-12-03T18:00:00Z') });
    });

    test('allowed only when every zone is outside quiet hours', () => {
      expect(quietHoursCheck(NIGHT, ALASKA, at('2026-12-02T18:00:00Z')).ok).toBe(true); // 08:00 and 09:00
      expect(quietHoursCheck(NIGHT, ALASKA, at('2026-12-03T05:59:00Z')).ok).toBe(true); // 19:59 and 20:59
      expect(quietHoursCheck(NIGHT, ALASKA, at('2026-12-03T06:00:00Z')).ok).toBe(false); // 20:00 and 21:00
    });

    test('zones too far apart for the window: no time, and says so', () => {
      // Quiet 08:00-07:00 leaves one hour a day: 12:00Z in New York, 15:00Z in Los Angeles.
      const check = quietHoursCheck({ start: 8 * 60, end: 7 * 60 }, ['America/New_York', 'America/Los_Angeles'], at('2026-12-02T12:00:00Z'));
      expect(check).toMatchObject({ ok: false, opensAt: null, reason: expect.stringMatching(/No moment in the next three days is outside quiet hours in all of them; the administrator would have to shorten QUIET_HOURS\.$/) });
    });
  });

  test("scheduled: the instant checked is the send's sendAt, and the reason says so", () => {
    expect(quietHoursCheck(NIGHT, ['America/Los_Angeles'], at('2026-12-02T07:14:00Z'), true)).toMatchObject({ reason: expect.stringMatching(/^At the requested sendAt it would be 23:14 \(America\/Los_Angeles\) for the recipient/) });
  });

  describe('daylight-saving days (Intl knows the rules)', () => {
    test('New York springs forward (2026-03-08 02:00 EST → 03:00 EDT): quiet hours end at 08:00 EDT, 12:00Z', () => {
      // 22:00 EST on 7 March; nine wall-clock hours, eight real ones.
      expect(nextOutsideQuietHours(NIGHT, ['America/New_York'], at('2026-03-08T03:00:00Z'))).toEqual(at('2026-03-08T12:00:00Z'));
    });

    test('New York falls back (2026-11-01 02:00 EDT → 01:00 EST): quiet hours end at 08:00 EST, 13:00Z', () => {
      expect(nextOutsideQuietHours(NIGHT, ['America/New_York'], at('2026-11-01T02:00:00Z'))).toEqual(at('2026-11-01T13:00:00Z'));
    });

    test('London springs forward (2026-03-29 01:00Z): 08:00 BST is 07:00Z', () => {
      expect(quietHoursCheck(NIGHT, ['Europe/London'], at('2026-03-28T22:00:00Z'))).toMatchObject({ ok: false, opensAt: at('2026-03-29T07:00:00Z'), opensLocal: [{ time: '08:00' }] });
    });

    test('an end inside the skipped hour (02:30 on 2026-03-08 in New York) ends quiet hours at 03:00 EDT', () => {
      const check = quietHoursCheck({ start: 21 * 60, end: 2 * 60 + 30 }, ['America/New_York'], at('2026-03-08T05:00:00Z')); // 00:00 EST
      expect(check).toMatchObject({ ok: false, opensAt: at('2026-03-08T07:00:00Z'), opensLocal: [{ time: '03:00' }] });
    });

    test("Lord Howe Island's half-hour shift (2026-10-04 02:00 → 02:30)", () => {
      // 21:00 on 3 October (UTC+10:30) is 10:30Z; after the shift 08:00 is UTC+11, i.e. 21:00Z.
      expect(nextOutsideQuietHours(NIGHT, ['Australia/Lord_Howe'], at('2026-10-03T10:30:00Z'))).toEqual(at('2026-10-03T21:00:00Z'));
    });

    test('a zone in daylight time and one not (Phoenix stays on MST): each on its own clock', () => {
      // 2026-07-01T04:30Z: 21:30 in Phoenix (UTC-7), 21:30 in Los Angeles (PDT, UTC-7): both quiet.
      expect(quietHoursCheck(NIGHT, ['America/Phoenix', 'America/Los_Angeles'], at('2026-07-01T04:30:00Z'))).toMatchObject({ ok: false, opensAt: at('2026-07-01T15:00:00Z') });
      // In January Los Angeles is UTC-8: 08:00 there is 16:00Z, an hour after Phoenix's.
      expect(quietHoursCheck(NIGHT, ['America/Phoenix', 'America/Los_Angeles'], at('2026-01-15T04:30:00Z'))).toMatchObject({ ok: false, opensAt: at('2026-01-15T16:00:00Z') });
    });
  });
});

describe('quietHoursRefusal: the send path\'s call', () => {
  const quietHours = (setting: string, fallbackZone?: string): QuietHours => {
    const checked = checkQuietHoursSettings({ quietHours: setting, quietHoursTimezone: fallbackZone });
    if (!checked.ok || !checked.quietHours) throw new Error(`not a quiet-hours setting: ${setting}`);
    return checked.quietHours;
  };
  const config = { quietHours: quietHours('21:00-08:00'), sender: { phoneNumber: '+15005550006', messagingServiceSid: MESSAGING_SERVICE } };
  const night = at('2026-12-02T07:14:00Z'); // 23:14 in Los Angeles
  const noon = at('2026-12-02T20:00:00Z'); // 12:00 in Los Angeles

  test('off unless QUIET_HOURS is set', async () => {
    expect(await quietHoursRefusal({ ...config, quietHours: null }, '+14155550100', night)).toBeNull();
  });

  test('outside quiet hours: no refusal', async () => {
    expect(await quietHoursRefusal(config, '+14155550100', noon)).toBeNull();
    expect(await quietHoursRefusal(config, '+442079460000', noon)).toBeNull(); // 20:00 in London
    expect(await quietHoursRefusal(config, '+81312345678', night)).toBeNull(); // 16:14 in Tokyo
  });

  test('inside: says when it could go and the sendAt to pass', async () => {
    expect(await quietHoursRefusal(config, '+14155550100', night)).toBe(
      'It is 23:14 (America/Los_Angeles) for the recipient, inside the quiet hours 21:00–08:00 (QUIET_HOURS). It could go at 08:00 their time (2026-12-02T16:00:00Z). Tell the user; if they want it sent then, call send_sms with sendAt 2026-12-02T16:00:00Z to schedule it, or send it at or after that time.',
    );
  });

  test('without a Messaging Service it cannot suggest sendAt', async () => {
    expect(await quietHoursRefusal({ ...config, sender: { phoneNumber: '+15005550006' } }, '+14155550100', night)).toMatch(/It could go at 08:00 their time \(2026-12-02T16:00:00Z\)\. Tell the user, and send it at or after that time \(scheduling with sendAt needs a Messaging Service/);
  });

  test('quiet hours ending in under 15 minutes: too soon to schedule', async () => {
    expect(await quietHoursRefusal(config, '+14155550100', at('2026-12-02T15:50:00Z'))).toMatch(/too soon to schedule: sendAt must be at least 15 minutes ahead/);
  });

  test('a scheduled send is checked at its sendAt, not now', async () => {
    // Now is noon in Los Angeles; 22:00 there is 06:00Z the next day.
    expect(await quietHoursRefusal(config, '+14155550100', noon, '2026-12-03T06:00:00Z')).toMatch(/^At the requested sendAt it would be 22:00 \(America\/Los_Angeles\) for the recipient.*call send_sms with sendAt 2026-12-03T16:00:00Z to schedule it/);
    // Now is night there, but 08:30 is fine.
    expect(await quietHoursRefusal(config, '+14155550100', night, '2026-12-02T16:30:00Z')).toBeNull();
  });

  test('a number that does not tell its zone uses QUIET_HOURS_TIMEZONE, and says so', async () => {
    const chicago = { ...config, quietHours: quietHours('21:00-08:00', 'America/Chicago') };
    // 07:14Z is 01:14 in Chicago.
    expect(await quietHoursRefusal(chicago, '+18005550100', night)).toMatch(/^It is 01:14 \(America\/Chicago\).*\(Their number does not tell their time zone; QUIET_HOURS_TIMEZONE says America\/Chicago\.\)/);
    expect(await quietHoursRefusal(chicago, '+18005550100', noon)).toBeNull(); // 14:00 in Chicago
  });

  test('without QUIET_HOURS_TIMEZONE such a number is refused, telling the administrator what to set', async () => {
    expect(await quietHoursRefusal(config, '+18005550100', noon)).toMatch(/The administrator must set QUIET_HOURS_TIMEZONE/);
  });
});
