/**
 * sendMessage's ambiguous failures, in process. The create is made once and never retried: when its
 * answer is lost, the bridge looks the message up in Twilio's log (messages.list) and reports it
 * sent if it is there, else outcome unknown, and the send guard remembers it either way, so a
 * model's retry texts nobody twice. Recording in the thread failing after a create is a warning,
 * never a resend. First against the emulator with the real twilio client (the faults are the
 * emulator's), then with fakes for what the emulator cannot produce.
 */
import { conversationIdFor } from '../../../lib/conversation-id';
import { smartEncode } from '../../../lib/segments';
import { ProcessSendGuard, type SendGuard } from '../../../lib/guard/send-guard';
import { sendMessage } from '../../../mcp-bridge/src/server/send/send-message';
import { type FakeMessage, OUR, sendHarness, type SendHarnessOptions, TO } from '../support/send-harness';
import type { FaultKind } from '../../../emulator';
import { inboundRecord, ROUTES, useStoreHarness } from '../support/store-harness';

const h = useStoreHarness();
const CREATE = /\/Messages\.json$/;
const MESSAGE = { to: TO, body: 'Your table is ready.' };

/** sendMessage against the emulator: its Messages API, a fresh Sync service, no delivery wait. */
function emulated(options: Pick<SendHarnessOptions, 'env'> = {}) {
  const service = h.fresh();
  const store = service.store();
  // The bridge's clock must agree with the emulator's: the lookup takes messages created since the send began.
  const harness = sendHarness({ twilio: h.client, store, startAt: Date.now(), env: { SEND_WAIT_SECONDS: '0', ...options.env } });
  h.emulator.resetCounts();
  const creates = () => h.emulator.requests().filter((r) => r.product === 'api' && r.method === 'POST' && CREATE.test(r.path)).length;
  const sent = () => h.emulator.messages().filter((m) => m.direction === 'outbound-api');
  return { ...harness, service, store, creates, sent };
}

const kinds: [string, FaultKind][] = [['reset', 'reset'], ['timeout', 'timeout'], ['500', 500], ['503', 503]];

describe('the create answer is lost (against the emulator)', () => {
  beforeEach(() => {
    h.emulator.clearFaults();
  });

  test.each(kinds)('after Twilio created it (%s): found in the log, reported sent, recorded, and a retry is not sent', async (label, kind) => {
    const MESSAGE = { to: TO, body: `Your table is ready (created, ${label}).` };
    const before = h.emulator.messages().length;
    const e = emulated();
    h.emulator.injectFault({ product: 'api', method: 'POST', route: CREATE, kind, afterHandling: true, times: 1, delayMs: 5 });
    const result = await sendMessage(e.deps, MESSAGE);
    const created = h.emulator.messages().slice(before);
    expect(created).toHaveLength(1);
    expect(result).toMatchObject({ outcome: 'sent', sid: created[0]!.sid, conversationId: conversationIdFor(OUR, TO), warning: null });
    expect(e.creates()).toBe(1); // never retried
    expect((await e.service.thread(OUR, TO)).map((m) => [m.sid, m.direction, m.body])).toEqual([[created[0]!.sid, 'outbound', MESSAGE.body]]);
    expect(await sendMessage(e.deps, MESSAGE)).toMatchObject({ outcome: 'already_sent', sid: created[0]!.sid });
    expect(e.creates()).toBe(1);
  });

  test.each(kinds)('before Twilio created it (%s): outcome unknown, and the guard still holds back a retry', async (label, kind) => {
    // A body of its own: an identical text of an earlier test would be a candidate of the lookup.
    const MESSAGE = { to: TO, body: `Your table is ready (not created, ${label}).` };
    const before = h.emulator.messages().length;
    const e = emulated();
    h.emulator.injectFault({ product: 'api', method: 'POST', route: CREATE, kind, times: 1, delayMs: 5 });
    const result = await sendMessage(e.deps, MESSAGE);
    expect(result).toMatchObject({ outcome: 'unknown', sid: null });
    expect(result.reason).toMatch(/unknown whether the message went out/);
    expect(h.emulator.messages().length).toBe(before);
    expect(await sendMessage(e.deps, MESSAGE)).toMatchObject({ outcome: 'already_sent', sid: null });
    expect(e.creates()).toBe(1);
    expect(await e.service.thread(OUR, TO)).toEqual([]);
  });

  // Found by this layer (mcp-bridge/src/server/send/send-message.ts findSentMessage): the lookup took any outbound
  // message to `to` with the same body created since 5 s before this send began, including one an
  // earlier call had already sent, recorded and reported; with the duplicate window off, a create
  // that created nothing was reported "sent" with the earlier message's SID.
  test('an identical text sent a moment earlier is not mistaken for this one after a create that created nothing', async () => {
    const service = h.fresh();
    const guard = new ProcessSendGuard({ duplicateWindowMs: 0, perMinute: 0, perRecipientPerMinute: 0 });
    const e = sendHarness({ twilio: h.client, store: service.store(), guard, startAt: Date.now(), env: { SEND_WAIT_SECONDS: '0', DUPLICATE_WINDOW_SECONDS: '0' } });
    const message = { to: TO, body: 'OK, on my way.' };
    const first = await sendMessage(e.deps, message);
    expect(first.outcome).toBe('sent');
    e.advance(1000);
    h.emulator.injectFault({ product: 'api', method: 'POST', route: CREATE, kind: 'reset', times: 1 });
    const before = h.emulator.messages().length;
    const second = await sendMessage(e.deps, message);
    expect(h.emulator.messages().length).toBe(before); // Twilio created nothing the second time
    expect(second.sid).not.toBe(first.sid);
    expect(second.outcome).toBe('unknown');
  });

  test('a clear refusal (429) is a failure, releases the guard, and a later call may send', async () => {
    const e = emulated();
    h.emulator.injectFault({ product: 'api', method: 'POST', route: CREATE, kind: 429, times: 1 });
    expect(await sendMessage(e.deps, MESSAGE)).toMatchObject({ outcome: 'failed', errorCode: 20429, sid: null });
    expect(e.list).not.toHaveBeenCalled();
    expect(await sendMessage(e.deps, MESSAGE)).toMatchObject({ outcome: 'sent' });
    expect(e.creates()).toBe(2);
  });

  test('Twilio says the recipient opted out (21610): failed, remembered in the store, and the next send is refused before Twilio', async () => {
    const unsubscribed = '+15005550004';
    const e = emulated();
    expect(await sendMessage(e.deps, { to: unsubscribed, body: 'hello' })).toMatchObject({ outcome: 'failed', errorCode: 21610 });
    expect((await e.service.entry(OUR, unsubscribed))?.optedOut).toBe(true);
    const again = await sendMessage(e.deps, { to: unsubscribed, body: 'hello again' });
    expect(again).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('has opted out') });
    expect(e.creates()).toBe(1);
  });
});

describe('a first send Twilio refuses leaves no empty conversation behind', () => {
  /** The names of the service's Lists and Maps. */
  async function containers(serviceSid: string): Promise<string[]> {
    const service = h.client.sync.v1.services(serviceSid);
    const [lists, maps] = await Promise.all([service.syncLists.list(), service.syncMaps.list()]);
    return [...lists, ...maps].map((container) => container.uniqueName);
  }
  const thread = (to: string) => `thread_${conversationIdFor(OUR, to)}`;
  const sids = (to: string) => `sids_${conversationIdFor(OUR, to)}`;

  test.each([['+15005550001', 21211], ['+15005550002', 21612], ['+15005550004', 21610]])('to %s (%i): no thread List, no sid Map', async (to, code) => {
    const e = emulated();
    expect(await sendMessage(e.deps, { to, body: 'hello' })).toMatchObject({ outcome: 'failed', errorCode: code, sid: null });
    const names = await containers(e.service.gateway.serviceSid);
    expect(names).not.toContain(thread(to));
    expect(names).not.toContain(sids(to));
  });

  test('the opt-out 21610 reports is still remembered (its inbox entry), and a later first send makes the pair', async () => {
    const e = emulated();
    await sendMessage(e.deps, { to: '+15005550004', body: 'hello' });
    expect((await e.service.entry(OUR, '+15005550004'))?.optedOut).toBe(true);
    expect(await sendMessage(e.deps, MESSAGE)).toMatchObject({ outcome: 'sent' });
    expect(await containers(e.service.gateway.serviceSid)).toEqual(expect.arrayContaining([thread(TO), sids(TO)]));
  });

  test('a List or Map someone wrote to meanwhile is kept', async () => {
    const e = emulated();
    const to = '+15005550001';
    // An incoming text's claim, as if it landed while the create was refused.
    await e.service.putClaim(OUR, to, `SM${'0f'.repeat(16)}`, { owner: 'other', claimedAt: 1, index: null, done: false, counted: false });
    await sendMessage(e.deps, { to, body: 'hello' });
    expect(await containers(e.service.gateway.serviceSid)).toContain(sids(to));
  });
});

describe('recording in the thread fails after the create', () => {
  test('sent, with a warning; not resent, and the guard remembers it', async () => {
    const e = emulated();
    h.fault({ method: 'POST', route: ROUTES.append, kind: 500 });
    const result = await sendMessage(e.deps, MESSAGE);
    expect(result).toMatchObject({ outcome: 'sent', warning: 'The message was sent but could not be saved to the conversation history.' });
    expect(result.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(e.creates()).toBe(1);
    h.emulator.clearFaults();
    expect(await e.service.thread(OUR, TO)).toEqual([]);
    expect(await sendMessage(e.deps, MESSAGE)).toMatchObject({ outcome: 'already_sent', sid: result.sid });
    expect(e.creates()).toBe(1);
  });

  test("an append whose answer was lost is recorded once (the store's own search)", async () => {
    const e = emulated();
    await e.store.recordOutbound({ sid: `SM${'e'.repeat(32)}`, direction: 'outbound', from: OUR, to: TO, body: 'earlier', media: [], numSegments: 1, status: 'delivered', errorCode: null, createdAt: new Date().toISOString(), statusAt: new Date().toISOString(), processed: true });
    h.fault({ method: 'POST', route: ROUTES.append, kind: 'reset', afterHandling: true, times: 1 });
    const result = await sendMessage(e.deps, MESSAGE);
    expect(result).toMatchObject({ outcome: 'sent', warning: null });
    expect((await e.service.thread(OUR, TO)).map((m) => m.body)).toEqual(['earlier', MESSAGE.body]);
  });

  test("the opt-out check cannot read Sync: refused with Twilio's words, nothing created", async () => {
    const e = emulated();
    h.fault({ method: 'GET', route: ROUTES.inboxItem, kind: 503 });
    const result = await sendMessage(e.deps, MESSAGE);
    expect(result).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/^Could not check in Twilio Sync whether \+14155550100 has opted out\. Twilio answered HTTP 503|^Could not check in Twilio Sync whether \+14155550100 has opted out\. Twilio error 20503/) });
    expect(e.creates()).toBe(0);
  });
});

describe('which conversation a send through a Messaging Service is recorded in', () => {
  const MG = `MG${'5'.repeat(32)}`;
  const SERVICE_ONLY = { TWILIO_PHONE_NUMBER: '', TWILIO_MESSAGING_SERVICE_SID: MG };

  // Fixed (issue 22): a bridge with only a Messaging Service (no TWILIO_PHONE_NUMBER, no
  // SMS_USER_NUMBERS) filed every message, whose create Twilio answers 'accepted' with `from: null`,
  // in the conversation of the service SID ("MG…|+1415…"), while the status callbacks (From: the
  // number the service picked) and the recipient's reply went to that number's conversation: the
  // message stayed 'accepted' for good and the thread was split in two. The send now reads which
  // number Twilio picked before filing it.
  test('sent at once, then the status callback and the reply from the number the service picked: one conversation, the message moves on', async () => {
    const service = h.fresh();
    const store = service.store();
    const sid = `SM${'5d'.repeat(16)}`;
    const answer = (status: string, from: string | null): FakeMessage => ({ sid, status, errorCode: null, from, numSegments: '1', dateCreated: new Date(), body: MESSAGE.body, direction: 'outbound-api' });
    const harness = sendHarness({ env: { ...SERVICE_ONLY, SEND_WAIT_SECONDS: '0' }, store, create: async () => answer('accepted', null) });
    harness.fetch.mockImplementation(async () => answer('queued', OUR));
    const result = await sendMessage(harness.deps, MESSAGE);
    expect(result).toMatchObject({ outcome: 'sent', sid, conversationId: conversationIdFor(OUR, TO), warning: null });
    expect(harness.create).toHaveBeenCalledWith(expect.not.objectContaining({ from: expect.anything() }));
    expect(await store.applyStatus({ sid, from: OUR, to: TO, status: 'sent', errorCode: null, at: new Date().toISOString() })).toBe('updated');
    await store.recordInbound(inboundRecord(TO, 'Thanks!', { to: OUR }));
    expect((await service.thread(OUR, TO)).map((m) => [m.direction, m.body, m.status])).toEqual([['outbound', MESSAGE.body, 'sent'], ['inbound', 'Thanks!', 'received']]);
  });

  // Fixed (issue 22): a scheduled message has no sender until Twilio sends it at SendAt (the
  // create answers 'scheduled' with `from: null`), so a service-only bridge filed it under the
  // service, and the callbacks Twilio sends then from the number it picked were parked in that
  // number's conversation: the thread never showed its status. With one sender in the service's
  // pool (Messaging API /v1/Services/{Sid}/PhoneNumbers, read beside the create) it is filed under
  // that number; with several, the callback (which names the service) finds it under the service.
  const scheduled = (pool: string[], sid: string) => {
    const service = h.fresh();
    const store = service.store();
    const harness = sendHarness({
      env: SERVICE_ONLY,
      store,
      pool,
      create: async () => ({ sid, status: 'scheduled', errorCode: null, from: null, numSegments: '1', dateCreated: new Date(), body: MESSAGE.body, direction: 'outbound-api' }),
    });
    return { service, store, harness, sendAt: new Date(harness.now() + 3_600_000).toISOString() };
  };

  test('a scheduled send, then the status callback Twilio sends from the number it picked: the recorded message moves on', async () => {
    const sid = `SM${'5c'.repeat(16)}`;
    const { store, harness, sendAt } = scheduled([OUR], sid);
    const result = await sendMessage(harness.deps, { ...MESSAGE, sendAt });
    expect(result).toMatchObject({ outcome: 'scheduled', sid });
    // An hour later Twilio sends it from the service's number and calls back (handle-status.ts).
    expect(await store.applyStatus({ sid, from: OUR, to: TO, status: 'sent', errorCode: null, at: new Date().toISOString() })).toBe('updated');
    expect(result.conversationId).toBe(conversationIdFor(OUR, TO));
    expect(harness.poolList).toHaveBeenCalledTimes(1);
  });

  test('a scheduled send through a pool of several: filed under the service, and the callback from the picked number, naming the service, moves it there', async () => {
    const sid = `SM${'5e'.repeat(16)}`;
    const { service, store, harness, sendAt } = scheduled([OUR, '+15005550009'], sid);
    const result = await sendMessage(harness.deps, { ...MESSAGE, sendAt });
    expect(result).toMatchObject({ outcome: 'scheduled', sid, conversationId: conversationIdFor(MG, TO) });
    const callback = { sid, from: '+15005550009', to: TO, errorCode: null, messagingServiceSid: MG };
    expect(await store.applyStatus({ ...callback, status: 'sent', at: new Date().toISOString() })).toBe('updated');
    expect(await store.applyStatus({ ...callback, status: 'delivered', at: new Date().toISOString() })).toBe('updated');
    expect((await service.thread(MG, TO)).map((m) => [m.sid, m.status])).toEqual([[sid, 'delivered']]);
    // Nothing parked in the picked number's conversation.
    expect(await store.applyStatus({ ...callback, status: 'sent', at: new Date().toISOString() }, { park: false })).toBe('unchanged');
    expect(await service.thread('+15005550009', TO)).toEqual([]);
  });

  test('a callback naming a service for a message filed nowhere is parked in the picked number\'s conversation, as before', async () => {
    const service = h.fresh();
    const store = service.store();
    const sid = `SM${'5f'.repeat(16)}`;
    expect(await store.applyStatus({ sid, from: OUR, to: TO, status: 'sent', errorCode: null, at: new Date().toISOString(), messagingServiceSid: MG })).toBe('parked');
  });
});

describe('the lookup after an ambiguous create (fakes)', () => {
  const noAnswer = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  const listed = (overrides: Partial<FakeMessage>, at: number): FakeMessage => ({ sid: 'SMfound', status: 'sent', errorCode: null, from: OUR, numSegments: '1', dateCreated: new Date(at), body: MESSAGE.body, direction: 'outbound-api', ...overrides });

  function lookup(candidates: (start: number) => FakeMessage[], env: Record<string, string> = {}) {
    let start = 0;
    const harness = sendHarness({
      env: { SEND_WAIT_SECONDS: '0', ...env },
      create: async () => {
        throw noAnswer();
      },
      list: async () => candidates(start),
    });
    start = harness.now();
    return harness;
  }

  test.each<[string, string, (start: number) => FakeMessage[]]>([
    ['the same body, outbound, created since the send', 'sent', (t) => [listed({}, t + 1000)]],
    ['created up to 5 s before (clock skew)', 'sent', (t) => [listed({}, t - 4999)]],
    ['created earlier than that: an older identical text', 'unknown', (t) => [listed({}, t - 5001)]],
    ['an inbound message with the same body', 'unknown', (t) => [listed({ direction: 'inbound' }, t)]],
    ['another body', 'unknown', (t) => [listed({ body: 'Your table is ready!' }, t)]],
    ['nothing listed', 'unknown', () => []],
  ])('%s: %s', async (_label, outcome, candidates) => {
    const harness = lookup(candidates);
    const result = await sendMessage(harness.deps, MESSAGE);
    expect(result.outcome).toBe(outcome);
    if (outcome === 'sent') expect(result.sid).toBe('SMfound');
    expect(harness.create).toHaveBeenCalledTimes(1);
    expect(harness.list).toHaveBeenCalledWith(expect.objectContaining({ to: TO }));
  });

  test('the log cannot be read either: unknown, and the create is still not retried', async () => {
    const harness = sendHarness({
      env: { SEND_WAIT_SECONDS: '0' },
      create: async () => {
        throw noAnswer();
      },
      list: async () => {
        throw Object.assign(new Error('Bad request'), { status: 400, code: 20001 });
      },
    });
    expect((await sendMessage(harness.deps, MESSAGE)).outcome).toBe('unknown');
    expect(harness.create).toHaveBeenCalledTimes(1);
    expect(harness.list).toHaveBeenCalledTimes(1);
  });

  test('with SEND_SMART_ENCODING it looks for the body Twilio sent (look-alikes replaced)', async () => {
    const body = 'It’s “ready” — come in';
    const sentBody = smartEncode(body).body;
    expect(sentBody).not.toBe(body);
    const harness = lookup((t) => [listed({ body: sentBody }, t)], { SEND_SMART_ENCODING: 'true' });
    expect(await sendMessage(harness.deps, { to: TO, body })).toMatchObject({ outcome: 'sent', sid: 'SMfound' });
    expect(harness.create).toHaveBeenCalledWith(expect.objectContaining({ smartEncoded: true, body }));
  });

  test('an error with a status under 500 is not ambiguous: no lookup', async () => {
    const harness = sendHarness({
      create: async () => {
        throw Object.assign(new Error('Invalid To'), { status: 400, code: 21211 });
      },
    });
    expect(await sendMessage(harness.deps, MESSAGE)).toMatchObject({ outcome: 'failed', errorCode: 21211 });
    expect(harness.list).not.toHaveBeenCalled();
  });
});

describe('the send guard (fakes)', () => {
  test('a second identical call while the first is in flight is not sent', async () => {
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const harness = sendHarness({
      env: { SEND_WAIT_SECONDS: '0' },
      create: async () => {
        await gate;
        return { sid: 'SM0001', status: 'queued', errorCode: null, from: OUR, numSegments: '1', dateCreated: new Date(), body: MESSAGE.body, direction: 'outbound-api' };
      },
    });
    const first = sendMessage(harness.deps, MESSAGE);
    // Let the first call reach the create (its steps before it are microtasks and fakes: a few turns at most).
    for (let turn = 0; turn < 50 && harness.create.mock.calls.length === 0; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(harness.create).toHaveBeenCalledTimes(1);
    const second = await sendMessage(harness.deps, MESSAGE);
    expect(second).toMatchObject({ outcome: 'already_sent', sid: null, reason: expect.stringContaining('right now by an earlier call') });
    finish();
    expect((await first).outcome).toBe('sent');
    expect(await sendMessage(harness.deps, MESSAGE)).toMatchObject({ outcome: 'already_sent', sid: 'SM0001' });
    expect(harness.create).toHaveBeenCalledTimes(1);
  });

  test.each<[string, ReturnType<SendGuard['reserve']>, RegExp]>([
    ['rate-limited', { kind: 'rate-limited', scope: 'recipient', account: false, limit: 3, retryAfterSeconds: 20 }, /^Rate limit reached: at most 3 messages per minute to this number\. .* about 20 s\.$/],
    ['account rate-limited', { kind: 'rate-limited', scope: 'day', account: true, limit: 1000, retryAfterSeconds: 3600 }, /at most 1000 messages per day for the whole account/],
    ['unavailable (its Sync state unreadable)', { kind: 'unavailable', reason: 'The send guard could not read Twilio Sync.' }, /^The send guard could not read Twilio Sync\. Without it a second text cannot be ruled out/],
  ])('%s: refused, nothing created', async (_label, reservation, reason) => {
    const guard: SendGuard = { reserve: () => reservation, complete: () => undefined, updateStatus: () => undefined, release: () => undefined, withdraw: () => undefined };
    const harness = sendHarness({ guard });
    const result = await sendMessage(harness.deps, MESSAGE);
    expect(result.outcome).toBe('refused');
    expect(result.reason).toMatch(reason);
    expect(harness.create).not.toHaveBeenCalled();
  });
});
