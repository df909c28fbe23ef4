/**
 * SyncSendGuard and SyncConfirmations against the emulator, in process: the claim and the ledgers
 * under lost answers, expiry and concurrent writers, with every Sync limit of the emulator on.
 */
import { SyncGateway } from '../../../lib/store/sync-gateway';
import { createTwilioClient, type TwilioClient } from '../../../lib/twilio-client';
import { SyncConfirmations } from '../../../lib/guard/sync-confirmations';
import type { GuardLimits, Reservation } from '../../../lib/guard/send-guard';
import { SyncSendGuard } from '../../../lib/guard/sync-send-guard';
import { roundTripsOf, startEmulator, type Emulator } from '../../../emulator';
import { GUARD_LEDGERS_MAP } from '../../../lib/sync-names';
import { decodeLedger } from '../../../lib/guard/ledger-codec';

const TO = '+14155550100';
// The guards' clock moves with the emulator's (advanceTime), which decides Sync TTL expiry.
let skew = 0;
const clock = () => Date.now() + skew;
function advance(ms: number): void {
  emulator.advanceTime(ms);
  skew += ms;
}
let emulator: Emulator;
let client: TwilioClient;

beforeAll(async () => {
  emulator = await startEmulator({ phoneNumbers: ['+15005550006'] });
  client = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url, timeoutMs: 1000 });
});

afterEach(() => emulator.clearFaults());

afterAll(async () => {
  await emulator?.close();
});

const uncapped: GuardLimits = { duplicateWindowMs: 600_000, perMinute: 0, perRecipientPerMinute: 0 };

/** Guards of several bridges on one fresh service; `warnings` collects what they log. */
function bridges(limits: GuardLimits = uncapped, owner = 'shared') {
  const gateway = new SyncGateway(client, emulator.createSyncService(), { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, budgetMs: 2000 } });
  const warnings: string[] = [];
  const guard = () => new SyncSendGuard({ sync: async () => gateway, owner, limits, warn: (line) => warnings.push(line), now: clock });
  return { gateway, guard, warnings, confirmations: () => new SyncConfirmations(async () => gateway, owner, clock) };
}

function ticketOf(reservation: Reservation): string {
  if (reservation.kind !== 'go') throw new Error(`expected go, got ${JSON.stringify(reservation)}`);
  return reservation.ticket;
}

test('a claim whose create landed without an answer is still this send\'s, and only this send\'s', async () => {
  const { guard } = bridges();
  const [first, second] = [guard(), guard()];
  emulator.injectFault({ product: 'sync', method: 'POST', route: /\/Maps\/sent_[0-9a-f]{16}\/Items$/, kind: 'reset', afterHandling: true, times: 1 });
  const ticket = ticketOf(await first.reserve(TO, 'Hello'));
  expect(await second.reserve(TO, 'Hello')).toEqual({ kind: 'in-flight' });
  await first.complete(ticket, { sid: 'SM1', status: 'queued' });
  await first.updateStatus(ticket, 'delivered');
  expect(await second.reserve(TO, ' Hello ')).toEqual({ kind: 'duplicate', prior: { sid: 'SM1', status: 'delivered', at: expect.any(Number) } });
});

test('after the duplicate window (the claim expired) the same message may go again', async () => {
  const { guard } = bridges({ ...uncapped, duplicateWindowMs: 60_000 });
  const bridge = guard();
  await bridge.complete(ticketOf(await bridge.reserve(TO, 'Hello')), { sid: 'SM1', status: 'sent' });
  advance(61_000);
  expect((await guard().reserve(TO, 'Hello')).kind).toBe('go');
});

test('released (Twilio refused it): the claim is gone, so the message may be sent again', async () => {
  const { guard } = bridges();
  const bridge = guard();
  await bridge.release(ticketOf(await bridge.reserve(TO, 'Hello')));
  expect((await guard().reserve(TO, 'Hello')).kind).toBe('go');
});

test('concurrent bridges never exceed a cap: of 6 different sends at once with room for 2, 2 go', async () => {
  const { guard } = bridges({ duplicateWindowMs: 600_000, perMinute: 2, perRecipientPerMinute: 0 });
  const results = await Promise.all(Array.from({ length: 6 }, (_, i) => guard().reserve(`+1415555020${i}`, `message ${i}`)));
  expect(results.filter((result) => result.kind === 'go')).toHaveLength(2);
  expect(results.filter((result) => result.kind === 'rate-limited')).toHaveLength(4);
});

test('the account ledger is shared by owners; each owner has its own', async () => {
  const limits: GuardLimits = { duplicateWindowMs: 600_000, perMinute: 1, perRecipientPerMinute: 0, accountPerMinute: 2 };
  const { gateway } = bridges(limits);
  const make = (owner: string) => new SyncSendGuard({ sync: async () => gateway, owner, limits, warn: () => undefined, now: clock });
  expect((await make('u_a').reserve('+14155550210', 'a')).kind).toBe('go');
  expect(await make('u_a').reserve('+14155550211', 'b')).toMatchObject({ kind: 'rate-limited', account: false, scope: 'overall', limit: 1 });
  expect((await make('u_b').reserve('+14155550212', 'c')).kind).toBe('go');
  expect(await make('u_c').reserve('+14155550213', 'd')).toMatchObject({ kind: 'rate-limited', account: true, scope: 'overall', limit: 2 });
});

describe('the count beside the claim and the read', () => {
  const capped: GuardLimits = { duplicateWindowMs: 600_000, perMinute: 3, perRecipientPerMinute: 0, accountPerMinute: 10 };

  function traced(limits: GuardLimits = capped) {
    const { gateway } = bridges(limits);
    const make = (owner = 'u_a') => new SyncSendGuard({ sync: async () => gateway, owner, limits, warn: () => undefined, now: clock });
    const sends = async (owner = 'u_a') => (decodeLedger((await gateway.mapGet(GUARD_LEDGERS_MAP, owner))?.data)?.minute ?? []).length;
    return { make, sends };
  }

  /** The Sync calls `run` makes (with any error status), by round trip (emulator roundTripsOf), each answer held 100 ms. */
  async function roundTrips(run: () => Promise<unknown>): Promise<string[][]> {
    const before = emulator.requests().length;
    emulator.setLatency({ sync: 100 });
    try {
      await run();
    } finally {
      emulator.setLatency(undefined);
    }
    return roundTripsOf(emulator.requests().slice(before)).map((trip) => trip.map((request) => `${request.method} ${request.route.replace(/^\/v1\/Services\/\{ServiceSid\}/, '')}${request.status >= 400 ? ` ${request.status}` : ''}`).sort());
  }

  test('a process\'s later sends reserve in one round trip; its first, or after another bridge counted, in two', async () => {
    const { make, sends } = traced();
    const [bridge, other] = [make(), make()];
    await bridge.reserve('+14155550220', 'first');
    // The claim, the ledgers' read and the count against the revision this process wrote last.
    expect(await roundTrips(async () => expect((await bridge.reserve('+14155550221', 'second')).kind).toBe('go'))).toEqual([
      ['GET /Maps/{MapSid}/Items', 'POST /Maps/{MapSid}/Items', 'POST /Maps/{MapSid}/Items/{Key}'],
    ]);
    expect((await other.reserve('+14155550222', 'third')).kind).toBe('go');
    // Its last write is stale now: the If-Match fails (412), the count decided on the read refuses
    // (3 a minute, exactly), and the claim is given up.
    expect(await roundTrips(async () => expect(await bridge.reserve('+14155550223', 'fourth')).toMatchObject({ kind: 'rate-limited', account: false, limit: 3 }))).toEqual([
      ['GET /Maps/{MapSid}/Items', 'POST /Maps/{MapSid}/Items', 'POST /Maps/{MapSid}/Items/{Key} 412'],
      ['DELETE /Maps/{MapSid}/Items/{Key}'],
    ]);
    expect(await sends()).toBe(3);
  });

  test('one process, six sends at once with room for two more: two go, and the ledger counts three', async () => {
    const { make, sends } = traced();
    const bridge = make();
    await bridge.reserve('+14155550230', 'warm');
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => bridge.reserve(`+1415555024${i}`, `message ${i}`)));
    expect(results.filter((result) => result.kind === 'go')).toHaveLength(2);
    expect(await sends()).toBe(3);
  });

  test('refused by the account\'s cap after counting: the count is taken back', async () => {
    const { make, sends } = traced({ ...capped, accountPerMinute: 2 });
    const bridge = make('u_a');
    expect((await bridge.reserve('+14155550250', 'a')).kind).toBe('go');
    expect((await make('u_b').reserve('+14155550251', 'b')).kind).toBe('go');
    expect(await bridge.reserve('+14155550252', 'c')).toMatchObject({ kind: 'rate-limited', account: true, limit: 2 });
    expect(await sends('u_a')).toBe(1);
  });

  test('a duplicate found beside the count: the count is taken back', async () => {
    const { make, sends } = traced();
    const bridge = make();
    await bridge.complete(ticketOf(await bridge.reserve(TO, 'Hello')), { sid: 'SM1', status: 'sent' });
    expect(await bridge.reserve(TO, 'Hello')).toMatchObject({ kind: 'duplicate' });
    expect(await sends()).toBe(1);
  });

  test('Sync failing on the claims: unavailable, and the count made beside them taken back', async () => {
    const { make, sends } = traced();
    const bridge = make();
    await bridge.reserve('+14155550270', 'warm');
    emulator.injectFault({ product: 'sync', method: 'POST', route: /\/Maps\/sent_[0-9a-f]{16}\/Items$/, kind: 503, times: Infinity });
    expect(await bridge.reserve(TO, 'Hello')).toMatchObject({ kind: 'unavailable' });
    emulator.clearFaults();
    expect(await sends()).toBe(1);
  });

  test('withdrawn (the policy beside it refused): no claim and no count left', async () => {
    const { make, sends } = traced();
    const bridge = make();
    await bridge.reserve('+14155550260', 'warm');
    await bridge.withdraw(ticketOf(await bridge.reserve(TO, 'Hello')));
    expect(await sends()).toBe(1);
    expect((await make().reserve(TO, 'Hello')).kind).toBe('go');
    expect(await sends()).toBe(2);
  });
});

test('Sync failing on the ledgers: unavailable, and the claim taken is given up', async () => {
  const { guard } = bridges({ ...uncapped, perMinute: 5 });
  emulator.injectFault({ product: 'sync', route: /\/Maps\/guard_/, kind: 503, times: Infinity });
  expect(await guard().reserve(TO, 'Hello')).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/^The send guard's state in Twilio Sync could not be checked: .*503/) });
  emulator.clearFaults();
  expect((await guard().reserve(TO, 'Hello')).kind).toBe('go');
});

test('a write after the create that fails leaves the claim "sending" (safe) and is logged', async () => {
  const { guard, warnings } = bridges();
  const bridge = guard();
  const ticket = ticketOf(await bridge.reserve(TO, 'Hello'));
  emulator.injectFault({ product: 'sync', method: 'POST', route: /\/Maps\/sent_[0-9a-f]{16}\/Items\/m_/, kind: 503, times: Infinity });
  await bridge.complete(ticket, { sid: 'SM1', status: 'queued' });
  expect(warnings).toEqual([expect.stringMatching(/^the send guard could not record the sent message in Twilio Sync: /)]);
  emulator.clearFaults();
  expect(await guard().reserve(TO, 'Hello')).toEqual({ kind: 'in-flight' });
});

describe('SyncConfirmations', () => {
  test('a token is bound to its message, redeemed once by whichever bridge comes first', async () => {
    const { confirmations } = bridges();
    const token = await confirmations().issue(TO, 'Hello', [], undefined);
    expect(await confirmations().redeem(token, TO, 'Hello there', [], undefined)).toBe(false);
    const racers = await Promise.all([confirmations().redeem(token, TO, 'Hello', [], undefined), confirmations().redeem(token, TO, 'Hello', [], undefined)]);
    expect(racers.sort()).toEqual([false, true]);
    expect(await confirmations().redeem(token, TO, 'Hello', [], undefined)).toBe(false);
  });

  test('expired after 10 minutes; a malformed token is not looked up', async () => {
    const { confirmations } = bridges();
    const token = await confirmations().issue(TO, 'Hello', [], undefined);
    advance(10 * 60_000 + 1000);
    expect(await confirmations().redeem(token, TO, 'Hello', [], undefined)).toBe(false);
    const before = emulator.count({ product: 'sync' });
    expect(await confirmations().redeem('../../x', TO, 'Hello', [], undefined)).toBe(false);
    expect(emulator.count({ product: 'sync' })).toBe(before);
  });
});

describe('the ledger item stays under Sync\'s 16 KiB whatever the send rate (issue 22)', () => {
  /** The owner's ledger item as stored, in bytes of JSON (what Sync measures for 54006). */
  async function ledgerBytes(gateway: SyncGateway, owner = 'shared'): Promise<number> {
    const item = await gateway.mapGet(GUARD_LEDGERS_MAP, owner);
    return Buffer.byteLength(JSON.stringify(item?.data ?? {}));
  }

  test('a per-recipient cap and no per-minute cap: 1,200 sends a minute to different people all go (Sync\'s own write limit), and the cap still holds', async () => {
    const limits: GuardLimits = { duplicateWindowMs: 0, perMinute: 0, perRecipientPerMinute: 2, perHour: 5000, perDay: 5000 };
    const { gateway, guard } = bridges(limits);
    const bridge = guard();
    // 20 a second, Sync's write limit on the ledgers Map: the most any minute can count.
    for (let i = 0; i < 1200; i++) {
      const reservation = await bridge.reserve(`+1415${String(5_000_000 + i)}`, 'Hello');
      if (reservation.kind !== 'go') throw new Error(`send ${i}: ${JSON.stringify(reservation)}`);
      advance(50);
    }
    expect(await ledgerBytes(gateway)).toBeLessThan(16 * 1024);
    // The per-recipient cap still counts exactly: two to one person go, the third is refused.
    const again = '+14155009999';
    expect((await bridge.reserve(again, 'a')).kind).toBe('go');
    expect((await guard().reserve(again, 'b')).kind).toBe('go');
    expect(await guard().reserve(again, 'c')).toMatchObject({ kind: 'rate-limited', scope: 'recipient', limit: 2 });
    expect(await ledgerBytes(gateway)).toBeLessThan(16 * 1024);
  }, 120_000);
});

describe('the account\'s caps across users (issue 25)', () => {
  const limits = (accountPerMinute: number): GuardLimits => ({ duplicateWindowMs: 600_000, perMinute: 100, perRecipientPerMinute: 0, accountPerMinute });
  function users(cap: number) {
    const { gateway } = bridges(limits(cap));
    const make = (owner: string) => new SyncSendGuard({ sync: async () => gateway, owner, limits: limits(cap), warn: () => undefined, now: clock });
    const counted = async () => {
      let total = 0;
      let token: string | null = null;
      do {
        const page: Awaited<ReturnType<SyncGateway['mapPage']>> = await gateway.mapPage(GUARD_LEDGERS_MAP, token);
        for (const item of page.items) total += decodeLedger(item.data)?.minute.length ?? 0;
        token = page.nextPageToken;
      } while (token);
      return total;
    };
    return { make, counted };
  }

  test('near the cap, twelve users sending at the same instant never pass it: exact, and the ledgers agree', async () => {
    const { make, counted } = users(8);
    // Four sends already this minute: the read shows the account within its margin (4 of 8).
    for (let i = 0; i < 4; i++) expect((await make(`u_early${i}`).reserve(`+1415555030${i}`, 'early')).kind).toBe('go');
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => make(`u_race${i}`).reserve(`+141555504${String(i).padStart(2, '0')}`, `race ${i}`)));
    const went = results.filter((result) => result.kind === 'go').length;
    expect(4 + went).toBeLessThanOrEqual(8);
    expect(results.filter((result) => result.kind === 'rate-limited' && result.account)).toHaveLength(12 - went);
    expect(await counted()).toBe(4 + went);
    // What the race left free is still there for the next send, and the cap then holds.
    for (let i = 4 + went; i < 8; i++) expect((await make(`u_after${i}`).reserve(`+1415555050${i}`, 'after')).kind).toBe('go');
    expect(await make('u_last').reserve('+14155550599', 'last')).toMatchObject({ kind: 'rate-limited', account: true, limit: 8 });
  });

  test('far from the cap a race is bounded: never more than the cap plus the sends beyond the margin that raced in one round trip', async () => {
    const cap = 10;
    const racers = 20;
    const { make, counted } = users(cap);
    const results = await Promise.all(Array.from({ length: racers }, (_, i) => make(`u_far${i}`).reserve(`+141555506${String(i).padStart(2, '0')}`, `far ${i}`)));
    const went = results.filter((result) => result.kind === 'go').length;
    // accountVerifyMargin(10) = 5: all twenty read an empty account, none was within the margin.
    expect(went).toBeLessThanOrEqual(cap + racers - 5);
    expect(await counted()).toBe(went);
    // Once the read shows the account at or past the margin, every later send verifies: none goes now.
    expect(await make('u_next').reserve('+14155550698', 'next')).toMatchObject({ kind: 'rate-limited', account: true });
  });
});
