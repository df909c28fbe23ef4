/**
 * Fault injection (issue #6, part 2) on every Twilio call the product makes: 429, 500, 503,
 * timeouts and connection resets, on the first try and on every try, before the request takes
 * effect and after it (an ambiguous failure: Twilio did it, the caller never heard).
 *
 * - The message create is never retried: an ambiguous failure is a [FINAL] "outcome unknown", or
 *   "sent" with the SID when the bridge finds the message; Twilio holds exactly one message.
 * - Sync reads and writes retry with bounded backoff, and nothing is handed over twice or lost.
 * - A webhook whose store fails answers 5xx (within Twilio's 15 s); Twilio's retry stores the
 *   message exactly once.
 */
import { conversationIdFor } from '../../lib/conversation-id';
import type { FaultKind } from '../../emulator';
import { MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';
import { startFunctions } from '../../scripts/system/functions-process';
import { CREATE_ROUTE, createdMessages, createRequests, FaultCounter, inboundParams, postWebhook, reportFigures, sleep, statusParams, textOf } from './support';

// Real processes, retries and timeouts: slower than jest's 5 s default (set here, since a
// project's testTimeout does not apply when jest.config.js runs it as one of its projects).
jest.setTimeout(120_000);

const MESSAGE_FETCH = '/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json';
const MESSAGE_LIST = CREATE_ROUTE; // GET on the same route
const MAP_ITEMS = '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items'; // POST: claim, inbox entry create; GET: inbox page
const MAP_ITEM = '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}'; // GET: read; POST: update (claim done, inbox, cursor)
const LIST_ITEMS = '/v1/Services/{ServiceSid}/Lists/{ListSid}/Items'; // POST: append; GET: page

/** Both sides time out after 0.6 s (TWILIO_TIMEOUT_MS), so a 'timeout' fault costs that, not 15 s or 5 s. */
const TIMEOUT_MS = 600;
const HOLD_MS = 1500; // a 'timeout' fault holds the request this long, then drops it

const counter = new FaultCounter();
let system: System;
let casesTried = 0;
let lost = 0;
let duplicates = 0;
let nextNumber = 1000;
/** A recipient or handset no other case uses. */
const freshNumber = () => `+1415556${String(nextNumber++).padStart(4, '0')}`;

beforeAll(async () => {
  system = await startSystem({
    emulator: { log: counter.log, seed: 6 },
    functionsEnv: { TWILIO_TIMEOUT_MS: String(TIMEOUT_MS) },
    bridgeEnv: {
      TWILIO_TIMEOUT_MS: String(TIMEOUT_MS),
      // Status callbacks would write to Sync in the background and take faults meant for a case.
      STATUS_CALLBACK_BASE_URL: '',
      SEND_WAIT_SECONDS: '2',
      SEND_LIMIT_PER_MINUTE: '0',
      SEND_LIMIT_PER_RECIPIENT_PER_MINUTE: '0',
      SEND_LIMIT_PER_HOUR: '0',
      SEND_LIMIT_PER_DAY: '0',
    },
  });
}, 60_000);

afterEach(() => system.emulator.clearFaults());

afterAll(async () => {
  reportFigures({ suite: 'faults', casesTried, faults: { ...counter.byKind }, faultsAfterHandling: counter.afterHandling, lost, duplicates });
  await system?.close();
});

const KINDS: FaultKind[] = [429, 500, 503, 'timeout', 'reset'];
const hold = (kind: FaultKind) => (kind === 'timeout' ? { delayMs: HOLD_MS } : {});
const sentTo = (to: string) => system.emulator.messages().filter((message) => message.to === to && message.direction !== 'inbound');

// ── The message create ──────────────────────────────────────────────────────────────────────────

describe('send_sms: the create is never repeated, whatever Twilio answers', () => {
  // A 429 means Twilio did not take the request; "429 after handling" does not happen.
  const cases: [FaultKind, boolean][] = [
    ...KINDS.map((kind): [FaultKind, boolean] => [kind, false]),
    ...KINDS.filter((kind) => kind !== 429).map((kind): [FaultKind, boolean] => [kind, true]),
  ];

  test.each(cases)('a %s on the create (after it took effect: %s)', async (kind, afterHandling) => {
    casesTried += 1;
    const to = freshNumber();
    const body = `fault ${kind} ${afterHandling}`;
    system.emulator.injectFault({ product: 'api', method: 'POST', route: CREATE_ROUTE, kind, times: 1, afterHandling, ...hold(kind) });
    const creates = createRequests(system.emulator);
    const result = await system.bridge.call('send_sms', { to, body });
    const text = textOf(result);
    expect(text).toMatch(/^\[FINAL\] /);
    expect(createRequests(system.emulator) - creates).toBe(1);
    const sent = sentTo(to);
    expect(sent).toHaveLength(afterHandling ? 1 : 0);
    if (afterHandling) {
      // The bridge looked for the message it could not confirm, and found it.
      expect(result.structuredContent).toMatchObject({ outcome: 'sent', sid: sent[0]!.sid });
      expect(text).toContain(sent[0]!.sid);
    } else if (kind === 429) {
      expect(result.structuredContent).toMatchObject({ outcome: 'failed', errorCode: 20429 });
      expect(text).toMatch(/Do not retry/);
    } else {
      expect(result.structuredContent).toMatchObject({ outcome: 'unknown', sid: null });
      expect(text).toMatch(/^\[FINAL\] Outcome unknown .* Do not resend: it may already have arrived\./s);
    }
    // The assistant calls again anyway: still one create at most.
    const again = await system.bridge.call('send_sms', { to, body });
    expect(textOf(again)).toMatch(/^\[FINAL\] /);
    if (kind !== 429) expect(again.structuredContent).toMatchObject({ outcome: 'already_sent' });
    expect(sentTo(to).length).toBe(afterHandling ? 1 : kind === 429 ? 1 : 0);
    duplicates += Math.max(0, sentTo(to).length - 1);
  });

  test.each(KINDS.filter((kind) => kind !== 429))('a %s on every Messages call after the create took effect: outcome unknown, one message', async (kind) => {
    casesTried += 1;
    const to = freshNumber();
    system.emulator.injectFault({ product: 'api', kind, afterHandling: true, ...hold(kind) });
    const started = Date.now();
    const result = await system.bridge.call('send_sms', { to, body: `every try ${kind}` });
    system.emulator.clearFaults();
    expect(textOf(result)).toMatch(/^\[FINAL\] Outcome unknown for the SMS to \+1415556\d{4}: .* Do not resend/s);
    expect(sentTo(to)).toHaveLength(1);
    // One create, and a bounded search for it (reads retry within their budget).
    expect(Date.now() - started).toBeLessThan(15_000);
    const again = await system.bridge.call('send_sms', { to, body: `every try ${kind}` });
    expect(again.structuredContent).toMatchObject({ outcome: 'already_sent' });
    expect(sentTo(to)).toHaveLength(1);
  });

  test('429 on every try: refused by Twilio, nothing sent, said in plain words', async () => {
    casesTried += 1;
    const to = freshNumber();
    system.emulator.injectFault({ product: 'api', method: 'POST', route: CREATE_ROUTE, kind: 429 });
    const result = await system.bridge.call('send_sms', { to, body: 'throttled' });
    expect(textOf(result)).toMatch(/^\[FINAL\] SMS to .* failed \(Twilio error 20429\): .*rate-limiting.* Do not retry; tell the user\./s);
    expect(sentTo(to)).toHaveLength(0);
  });

  test.each(KINDS)('a %s on every status read: sent once, last known status reported', async (kind) => {
    casesTried += 1;
    const to = freshNumber();
    system.emulator.injectFault({ product: 'api', method: 'GET', route: MESSAGE_FETCH, kind, ...hold(kind) });
    const result = await system.bridge.call('send_sms', { to, body: `status reads fail ${kind}` });
    expect(textOf(result)).toMatch(/^\[FINAL\] SMS sent to .*: queued; no delivery receipt yet\. Do not send it again\./);
    expect(sentTo(to)).toHaveLength(1);
  });

  test.each(KINDS)('a %s on the search after an ambiguous create (first try only): the message is found', async (kind) => {
    casesTried += 1;
    const to = freshNumber();
    system.emulator.injectFault({ product: 'api', method: 'POST', route: CREATE_ROUTE, kind: 500, times: 1, afterHandling: true });
    system.emulator.injectFault({ product: 'api', method: 'GET', route: MESSAGE_LIST, kind, times: 1, ...hold(kind) });
    const result = await system.bridge.call('send_sms', { to, body: `search retried ${kind}` });
    expect(result.structuredContent).toMatchObject({ outcome: 'sent', sid: sentTo(to)[0]?.sid });
    expect(sentTo(to)).toHaveLength(1);
  });
});

// ── The bridge's Sync reads and writes ──────────────────────────────────────────────────────────

/** Delivers one inbound message with no faults active; returns its sid and conversation. */
async function deliver(from: string, body: string): Promise<{ sid: string; conversationId: string }> {
  const result = await system.emulator.simulateInbound({ from, to: MAGIC_FROM_NUMBER, body });
  expect(result.delivered).toBe(true);
  return { sid: result.messageSid, conversationId: conversationIdFor(MAGIC_FROM_NUMBER, from) };
}

/** Calls receive_sms until it reports nothing new (errors count as "try again"); every sid handed over. */
async function drain(args: Record<string, unknown>, attempts = 6): Promise<string[]> {
  const handed: string[] = [];
  for (let i = 0; i < attempts; i++) {
    const result = await system.bridge.call('receive_sms', args);
    if (result.isError) continue;
    const messages = (result.structuredContent?.messages ?? []) as { sid: string }[];
    if (messages.length === 0) break;
    handed.push(...messages.map((message) => message.sid));
  }
  return handed;
}

describe('bridge reads and writes on Sync', () => {
  test.each(KINDS)('a %s on the first two reads is retried: list_conversations and get_conversation answer', async (kind) => {
    casesTried += 1;
    const { conversationId } = await deliver(freshNumber(), 'read me');
    system.emulator.injectFault({ product: 'sync', method: 'GET', kind, times: 2, ...hold(kind) });
    const listed = await system.bridge.call('list_conversations', { limit: 100 });
    expect(listed.isError).toBeFalsy();
    expect(JSON.stringify(listed.structuredContent)).toContain(conversationId);
    system.emulator.injectFault({ product: 'sync', method: 'GET', kind, times: 2, ...hold(kind) });
    const thread = await system.bridge.call('get_conversation', { conversationId });
    expect(thread.structuredContent).toMatchObject({ conversationId, messages: [{ body: 'read me' }] });
  });

  test.each(KINDS)('a %s on every read: a clear error within the retry budget, and the bridge answers after', async (kind) => {
    casesTried += 1;
    system.emulator.injectFault({ product: 'sync', method: 'GET', kind, ...hold(kind) });
    const started = Date.now();
    const result = await system.bridge.call('list_conversations');
    const elapsed = Date.now() - started;
    system.emulator.clearFaults();
    // The tool answers at the first shard that gives up; the others' retries run on in the
    // background and must not meet the next case's faults.
    await sleep(2500);
    expect(result.isError).toBe(true);
    expect(textOf(result).length).toBeGreaterThan(0);
    // Bounded backoff: at most 6 tries of each shard read, the first answer within the 9 s budget
    // plus one timeout.
    // (The other shards' reads may still be retrying when the tool answers; counting only the
    // faulted requests keeps earlier cases' background retries, now answered 200, out.)
    const tries = new Map<string, number>();
    for (const request of system.emulator.requests().filter((r) => r.at >= started && r.product === 'sync' && r.method === 'GET' && r.status !== 200)) {
      tries.set(request.path, (tries.get(request.path) ?? 0) + 1);
    }
    expect(tries.size).toBe(8);
    expect(Math.max(...tries.values())).toBeLessThanOrEqual(6);
    expect(elapsed).toBeLessThan(9000 + TIMEOUT_MS + 2000);
    const after = await system.bridge.call('list_conversations', { limit: 1 });
    expect(after.isError).toBeFalsy();
  });

  const writeCases: [FaultKind, boolean][] = [
    ...KINDS.map((kind): [FaultKind, boolean] => [kind, false]),
    ...KINDS.filter((kind) => kind !== 429).map((kind): [FaultKind, boolean] => [kind, true]),
  ];

  test.each(writeCases)('receive_sms with a %s on the cursor update (after it took effect: %s) hands each message over exactly once', async (kind, afterHandling) => {
    casesTried += 1;
    const from = freshNumber();
    const first = await deliver(from, 'one');
    const second = await deliver(from, 'two');
    system.emulator.injectFault({ product: 'sync', method: 'POST', route: MAP_ITEM, kind, times: 1, afterHandling, ...hold(kind) });
    const handed = await drain({ conversationId: first.conversationId });
    system.emulator.clearFaults();
    handed.push(...(await drain({ conversationId: first.conversationId })));
    expect(handed.sort()).toEqual([first.sid, second.sid].sort());
    lost += [first.sid, second.sid].filter((sid) => !handed.includes(sid)).length;
    duplicates += handed.length - new Set(handed).size;
  });

  const everyWriteCases: [FaultKind, boolean][] = [[503, false], [500, true], ['reset', true], ['timeout', true]];

  test.each(everyWriteCases)('receive_sms (all conversations) with a %s on every cursor update (after it took effect: %s) loses nothing', async (kind, afterHandling) => {
    casesTried += 1;
    await drain({}); // only this case's two conversations have news
    const a = await deliver(freshNumber(), 'from a');
    const b = await deliver(freshNumber(), 'from b');
    system.emulator.injectFault({ product: 'sync', method: 'POST', route: MAP_ITEM, kind, afterHandling, ...hold(kind) });
    const handed = await drain({}, 2);
    system.emulator.clearFaults();
    handed.push(...(await drain({})));
    for (const sid of [a.sid, b.sid]) {
      const times = handed.filter((handedSid) => handedSid === sid).length;
      if (times === 0) lost += 1;
      if (times > 1) duplicates += times - 1;
      expect(times).toBe(1);
    }
  });

  // The store's objects only: the send guard's (sent_, guard_) must work, or nothing is sent (below).
  const STORE_OBJECTS = /\/(Lists\/thread_|Maps\/(sids|inbox)_)/;

  test.each<FaultKind>([503, 'reset', 'timeout'])('a %s on every Sync write after a send: sent once, "could not be saved" noted', async (kind) => {
    casesTried += 1;
    const to = freshNumber();
    system.emulator.injectFault({ product: 'sync', method: 'POST', route: STORE_OBJECTS, kind, ...hold(kind) });
    const result = await system.bridge.call('send_sms', { to, body: `unsaved ${kind}` });
    system.emulator.clearFaults();
    expect(textOf(result)).toMatch(/^\[FINAL\] SMS sent to .* Do not send it again\. Conversation conv_[0-9a-f]{16} \(wait_for_reply takes it\)\. Note: The message was sent but could not be saved to the conversation history\./);
    expect(sentTo(to)).toHaveLength(1);
  });

  test.each<FaultKind>([503, 'reset', 'timeout'])('a %s on every write of the send guard: refused, nothing sent', async (kind) => {
    casesTried += 1;
    const to = freshNumber();
    system.emulator.injectFault({ product: 'sync', method: 'POST', route: /\/Maps\/(sent_|guard_ledgers)/, kind, ...hold(kind) });
    const result = await system.bridge.call('send_sms', { to, body: `unguarded ${kind}` });
    system.emulator.clearFaults();
    expect(textOf(result)).toMatch(/^\[FINAL\] Not sent: The send guard's state in Twilio Sync could not be checked: /);
    expect(sentTo(to)).toHaveLength(0);
  });

  test.each<FaultKind>([500, 'timeout'])('a %s on every Sync read before a send (opt-out check): [FINAL], nothing sent', async (kind) => {
    casesTried += 1;
    const to = freshNumber();
    system.emulator.injectFault({ product: 'sync', method: 'GET', kind, ...hold(kind) });
    const result = await system.bridge.call('send_sms', { to, body: `no opt-out check ${kind}` });
    system.emulator.clearFaults();
    expect(textOf(result)).toMatch(/^\[FINAL\] /);
    expect(sentTo(to).length).toBeLessThanOrEqual(1);
    const again = await system.bridge.call('send_sms', { to, body: `no opt-out check ${kind}` });
    expect(textOf(again)).toMatch(/^\[FINAL\] /);
    expect(sentTo(to)).toHaveLength(1);
  });
});

// ── The webhooks' store ─────────────────────────────────────────────────────────────────────────

const threadSids = async (conversationId: string) =>
  (await system.twilio.sync.v1.services(system.syncServiceSid).syncLists(`thread_${conversationId}`).syncListItems.list({ pageSize: 100 })).map(
    (item) => (item.data as { sid: string }).sid,
  );

/** Where a webhook's store can fail: claim create, append, inbox/claim update, any read. */
const STORE_STEPS: [step: string, method: 'GET' | 'POST', route: string][] = [
  ['claim create', 'POST', MAP_ITEMS],
  ['thread append', 'POST', LIST_ITEMS],
  ['inbox and claim update', 'POST', MAP_ITEM],
  ['reads', 'GET', MAP_ITEM],
];

/** Posts the signed webhook again every second, as Twilio's retries would, until it is taken. */
async function eventuallyStored(url: string, params: Record<string, string>): Promise<number> {
  let status = 0;
  for (let i = 0; i < 30 && status !== 200; i++) {
    if (i > 0) await sleep(1000);
    status = (await postWebhook(url, '/sms/incoming', { params, token: system.emulator.authToken })).status;
  }
  return status;
}

async function expectStoredOnce(from: string, sid: string): Promise<void> {
  const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, from);
  const sids = await threadSids(conversationId);
  const times = sids.filter((stored) => stored === sid).length;
  if (times === 0) lost += 1;
  if (times > 1) duplicates += times - 1;
  expect(sids).toEqual([sid]);
  const listed = await system.bridge.call('receive_sms', { conversationId });
  expect(listed.structuredContent).toMatchObject({ messages: [{ sid }] });
  const entry = await system.twilio.sync.v1.services(system.syncServiceSid).syncMaps.list({ pageSize: 100 });
  expect(entry.length).toBeGreaterThan(0);
}

describe('incoming webhook: a store failure answers 5xx, and Twilio’s retry stores the message exactly once', () => {
  const firstTry: [string, 'GET' | 'POST', string, FaultKind, boolean][] = [];
  for (const [step, method, route] of STORE_STEPS) {
    for (const kind of KINDS) {
      firstTry.push([step, method, route, kind, false]);
      if (kind !== 429 && method === 'POST') firstTry.push([step, method, route, kind, true]);
    }
  }

  test.each(firstTry)('%s: a %s %s … %s once (after it took effect: %s) is absorbed by the retries inside one webhook', async (_step, method, route, kind, afterHandling) => {
    casesTried += 1;
    const from = freshNumber();
    system.emulator.injectFault({ product: 'sync', method, route, kind, times: 1, afterHandling, ...hold(kind) });
    const delivery = await system.emulator.simulateInbound({ from, to: MAGIC_FROM_NUMBER, body: `first try ${kind}` });
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([200]);
    await expectStoredOnce(from, delivery.messageSid);
  });

  // Every kind on every step, before and after handling, without the full product (each failing
  // step spends the store's whole retry budget, up to 9 s).
  const everyTry: [string, 'GET' | 'POST', string, FaultKind, boolean][] = [
    ['claim create', 'POST', MAP_ITEMS, 429, false],
    ['claim create', 'POST', MAP_ITEMS, 500, true],
    ['claim create', 'POST', MAP_ITEMS, 'timeout', true],
    ['thread append', 'POST', LIST_ITEMS, 503, false],
    ['thread append', 'POST', LIST_ITEMS, 'reset', true],
    ['thread append', 'POST', LIST_ITEMS, 'timeout', false],
    ['thread append', 'POST', LIST_ITEMS, 500, true],
    ['inbox and claim update', 'POST', MAP_ITEM, 500, true],
    ['inbox and claim update', 'POST', MAP_ITEM, 'reset', false],
    ['inbox and claim update', 'POST', MAP_ITEM, 429, false],
    ['reads', 'GET', MAP_ITEM, 503, false],
    ['reads', 'GET', MAP_ITEM, 'timeout', false],
  ];

  test.each(everyTry)('%s: a %s %s … %s on every try (after it took effect: %s) answers 5xx in time; the retry stores it once', async (_step, method, route, kind, afterHandling) => {
    casesTried += 1;
    const from = freshNumber();
    system.emulator.injectFault({ product: 'sync', method, route, kind, afterHandling, ...hold(kind) });
    const started = Date.now();
    const failed = await system.emulator.simulateInbound({ from, to: MAGIC_FROM_NUMBER, body: `every try ${kind}` });
    const answeredIn = Date.now() - started;
    system.emulator.clearFaults();
    expect(failed.delivered).toBe(false);
    expect(failed.attempts[0]?.status).toBeGreaterThanOrEqual(500);
    expect(answeredIn).toBeLessThan(15_000);
    // Twilio retries the same MessageSid, parameters and signature once Sync is back.
    const retried = await system.emulator.simulateInbound({ from, to: MAGIC_FROM_NUMBER, body: `every try ${kind}`, messageSid: failed.messageSid, retries: 3, retryDelayMs: 200 });
    expect(retried.delivered).toBe(true);
    await expectStoredOnce(from, failed.messageSid);
  });

  test('with the production timeout (5 s), Sync timing out on every write: still 5xx within Twilio’s 15 s', async () => {
    casesTried += 1;
    // A second Functions process with TWILIO_TIMEOUT_MS unset, i.e. the 5 s a deployment uses.
    const production = await startFunctions({ ACCOUNT_SID: system.emulator.accountSid, AUTH_TOKEN: system.emulator.authToken, SYNC_SERVICE_SID: system.syncServiceSid, TWILIO_API_BASE_URL: system.emulator.url });
    try {
      const { sid, from, params } = (() => {
        const handset = freshNumber();
        const messageSidValue = `SM${'e'.repeat(24)}${String(nextNumber).padStart(8, '0')}`;
        return { sid: messageSidValue, from: handset, params: inboundParams({ sid: messageSidValue, accountSid: system.emulator.accountSid, from: handset, to: MAGIC_FROM_NUMBER, body: 'slow sync' }) };
      })();
      // An existing conversation: its List and Maps exist, so the claim write itself lands.
      await deliver(from, 'earlier message');
      system.emulator.injectFault({ product: 'sync', method: 'POST', kind: 'timeout', afterHandling: true, delayMs: 8000 });
      const started = Date.now();
      const answer = await postWebhook(production.url, '/sms/incoming', { params, token: system.emulator.authToken });
      const answeredIn = Date.now() - started;
      system.emulator.clearFaults();
      expect(answer.status).toBeGreaterThanOrEqual(500);
      expect(answeredIn).toBeLessThan(15_000);
      // Twilio's retry, once Sync answers again, stores it once (after a left claim goes stale).
      const retried = await eventuallyStored(production.url, params);
      expect(retried).toBe(200);
      const sids = await threadSids(conversationIdFor(MAGIC_FROM_NUMBER, from));
      expect(sids.filter((stored) => stored === sid)).toHaveLength(1);
      expect(sids).toHaveLength(2);
    } finally {
      await production.close();
    }
  }, 90_000);

  test('two deliveries of one message at the same moment, under faults, store it once', async () => {
    casesTried += 1;
    const from = freshNumber();
    system.emulator.injectFault({ product: 'sync', kind: 503, probability: 0.2 });
    const first = await system.emulator.simulateInbound({ from, to: MAGIC_FROM_NUMBER, body: 'twice at once', retries: 6, retryDelayMs: 100 });
    const replays = await Promise.all(
      [0, 1, 2].map(() => system.emulator.simulateInbound({ from, to: MAGIC_FROM_NUMBER, body: 'twice at once', messageSid: first.messageSid, retries: 6, retryDelayMs: 300 })),
    );
    system.emulator.clearFaults();
    expect([first, ...replays].some((delivery) => delivery.delivered)).toBe(true);
    await expectStoredOnce(from, first.messageSid);
  });
});

describe('status callback: a store failure answers 5xx and a retry applies it', () => {
  test.each<FaultKind>([429, 503, 'reset'])('a %s on every Sync call', async (kind) => {
    casesTried += 1;
    const to = freshNumber();
    const quiet = await system.bridge.call('send_sms', { to, body: `callback ${kind}` });
    const sid = String(quiet.structuredContent?.sid);
    const params = statusParams({ sid, accountSid: system.emulator.accountSid, from: MAGIC_FROM_NUMBER, to, status: 'read' });
    system.emulator.injectFault({ product: 'sync', kind, ...hold(kind) });
    const failed = await postWebhook(system.functions.url, '/sms/status', { params, token: system.emulator.authToken });
    system.emulator.clearFaults();
    expect(failed.status).toBeGreaterThanOrEqual(500);
    const retried = await postWebhook(system.functions.url, '/sms/status', { params, token: system.emulator.authToken });
    expect(retried.status).toBe(200);
    const thread = await system.bridge.call('get_conversation', { conversationId: conversationIdFor(MAGIC_FROM_NUMBER, to) });
    expect(thread.structuredContent).toMatchObject({ messages: [{ sid, status: 'read' }] });
  });
});

test('after all of it, Twilio holds exactly one outbound message per send that went out', () => {
  const outbound = system.emulator.messages().filter((message) => message.direction !== 'inbound');
  const keys = outbound.map((message) => `${message.to}|${message.body}`);
  const repeated = keys.length - new Set(keys).size;
  duplicates += repeated;
  expect(repeated).toBe(0);
  expect(createdMessages(system.emulator)).toBe(outbound.length);
});
