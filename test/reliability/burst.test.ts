/**
 * Burst with faults (issue #6, part 3): 2,000 incoming messages over 100 conversations, through
 * the real `twilio-run start --no-fork-process`, while the emulator injects ~10% mixed faults
 * (seeded) into every Sync call, enforces Sync's per-object rate limits, and retries failed
 * webhooks the way Twilio does. Each conversation's messages are sent one after the other (a
 * handset waits for its message to be taken), the conversations all at once; receive_sms runs
 * through the bridge throughout. Afterwards every message is in its thread exactly once, in the
 * order sent, and receive_sms handed each over exactly once.
 */
import { conversationIdFor } from '../../lib/conversation-id';
import type { InboundResult } from '../../emulator';
import { MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';
import { FaultCounter, pool, reportFigures, sleep } from './support';

// Real processes, retries and timeouts: slower than jest's 5 s default (set here, since a
// project's testTimeout does not apply when jest.config.js runs it as one of its projects).
jest.setTimeout(120_000);

const CONVERSATIONS = 100;
const PER_CONVERSATION = 20;
const TOTAL = CONVERSATIONS * PER_CONVERSATION;
/** Conversations in flight at once (each sends its messages in order). */
const CONCURRENCY = 100;
const TIMEOUT_MS = 1000;

const counter = new FaultCounter();
let system: System;

beforeAll(async () => {
  system = await startSystem({
    // Sync's documented limits stay on (20 reads and 20 writes a second per object, 10 s burst).
    emulator: { seed: 20261124, log: counter.log, webhookTimeoutMs: 15_000 },
    functionsEnv: { TWILIO_TIMEOUT_MS: String(TIMEOUT_MS) },
    bridgeEnv: { TWILIO_TIMEOUT_MS: String(TIMEOUT_MS) },
  });
}, 60_000);

afterAll(async () => {
  await system?.close();
});

/** ~10% of Sync requests fail, every kind, before and after the request took effect. */
function injectMixedFaults(): void {
  const faults = [
    { kind: 429 as const, probability: 0.025 },
    { kind: 503 as const, probability: 0.02 },
    { kind: 500 as const, probability: 0.015, afterHandling: true },
    { kind: 500 as const, probability: 0.005 },
    { kind: 'reset' as const, probability: 0.012, afterHandling: true },
    { kind: 'reset' as const, probability: 0.008 },
    { kind: 'timeout' as const, probability: 0.01, afterHandling: true, delayMs: 2 * TIMEOUT_MS },
    { kind: 'timeout' as const, probability: 0.005, delayMs: 2 * TIMEOUT_MS },
  ];
  for (const fault of faults) system.emulator.injectFault({ product: 'sync', ...fault });
}

interface Sent {
  conversationId: string;
  sids: string[];
  bodies: string[];
  undelivered: number;
  attempts: number;
}

type Handed = { conversationId: string; sid: string; body: string };

test(`${TOTAL} messages over ${CONVERSATIONS} conversations with ~10% Sync faults: none lost, none twice, in order`, async () => {
  const handsets = Array.from({ length: CONVERSATIONS }, (_, i) => `+1415558${String(i).padStart(4, '0')}`);
  const handed: Handed[] = [];
  let receiveCalls = 0;
  let receiveErrors = 0;
  const receiveOnce = async (): Promise<number> => {
    receiveCalls += 1;
    const result = await system.bridge.call('receive_sms');
    if (result.isError) {
      receiveErrors += 1;
      return -1;
    }
    const messages = (result.structuredContent?.messages ?? []) as Handed[];
    handed.push(...messages.map(({ conversationId, sid, body }) => ({ conversationId, sid, body })));
    return messages.length;
  };

  injectMixedFaults();
  system.emulator.resetCounts();
  const started = Date.now();
  let sending = true;
  // The assistant polls receive_sms while the burst goes on.
  const receiver = (async () => {
    while (sending) {
      await receiveOnce();
      await sleep(250);
    }
  })();

  const sent: Sent[] = await pool(handsets, CONCURRENCY, async (from, c) => {
    const record: Sent = { conversationId: conversationIdFor(MAGIC_FROM_NUMBER, from), sids: [], bodies: [], undelivered: 0, attempts: 0 };
    for (let m = 0; m < PER_CONVERSATION; m++) {
      const body = `conversation ${c} message ${m}`;
      // Twilio retries a failed webhook with the same MessageSid and parameters.
      const result: InboundResult = await system.emulator.simulateInbound({ from, to: MAGIC_FROM_NUMBER, body, retries: 8, retryDelayMs: 250 });
      record.sids.push(result.messageSid);
      record.bodies.push(body);
      record.attempts += result.attempts.length;
      if (!result.delivered) record.undelivered += 1;
    }
    return record;
  });
  const burstSeconds = (Date.now() - started) / 1000;
  sending = false;
  await receiver;

  // Drain with the faults still on, then once more without them.
  for (let empty = 0, i = 0; empty < 3 && i < 200; i++) empty = (await receiveOnce()) === 0 ? empty + 1 : 0;
  const faultsInjected = { ...counter.byKind };
  const faultsAfterHandling = counter.afterHandling;
  system.emulator.clearFaults();
  for (let empty = 0, i = 0; empty < 2 && i < 50; i++) empty = (await receiveOnce()) === 0 ? empty + 1 : 0;

  // Every message is in its thread exactly once, in the order sent.
  const sync = system.twilio.sync.v1.services(system.syncServiceSid);
  let lost = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  const threads = new Map<string, { sid: string; body: string }[]>();
  for (const conversation of sent) {
    const items = await sync.syncLists(`thread_${conversation.conversationId}`).syncListItems.list({ pageSize: 100, order: 'asc' });
    const stored = items.map((item) => item.data as { sid: string; body: string });
    threads.set(conversation.conversationId, stored);
    const storedSids = stored.map((item) => item.sid);
    lost += conversation.sids.filter((sid) => !storedSids.includes(sid)).length;
    duplicates += storedSids.length - new Set(storedSids).size;
    if (JSON.stringify(storedSids) !== JSON.stringify(conversation.sids)) outOfOrder += 1;
  }

  // receive_sms handed each message over exactly once, and each conversation's in order.
  const handedSids = new Set(handed.map((message) => message.sid));
  const notHanded = sent.flatMap((conversation) => conversation.sids).filter((sid) => !handedSids.has(sid)).length;
  const handedTwice = handed.length - handedSids.size;
  const handedOutOfOrder = sent.filter((conversation) => {
    const order = handed.filter((message) => message.conversationId === conversation.conversationId).map((message) => message.sid);
    return JSON.stringify(order) !== JSON.stringify(conversation.sids);
  }).length;

  const webhookAttempts = sent.reduce((n, conversation) => n + conversation.attempts, 0);
  const undelivered = sent.reduce((n, conversation) => n + conversation.undelivered, 0);
  const syncRequests = system.emulator.count({ product: 'sync' });
  const rateLimited = system.emulator.requests().filter((r) => r.status === 429).length - faultsInjected[429];
  const throughput = Math.round((TOTAL / burstSeconds) * 10) / 10;
  reportFigures({
    suite: 'burst',
    casesTried: TOTAL,
    faults: faultsInjected,
    faultsAfterHandling,
    lost: lost + notHanded,
    duplicates: duplicates + handedTwice,
    throughputPerSecond: throughput,
    notes: [
      `${TOTAL} messages in ${burstSeconds.toFixed(1)} s (${throughput} msg/s), ${CONCURRENCY} conversations at once`,
      `${webhookAttempts} webhook attempts (${webhookAttempts - TOTAL} Twilio retries), ${undelivered} never acknowledged`,
      `${syncRequests} Sync requests, ${faultsInjected[429] + faultsInjected[500] + faultsInjected[503] + faultsInjected.timeout + faultsInjected.reset} injected faults, ${rateLimited} refused by Sync's own rate limit`,
      `receive_sms: ${receiveCalls} calls (${receiveErrors} answered with an error), ${handed.length} messages handed over`,
      `threads out of order: ${outOfOrder}; receive_sms: ${notHanded} never handed over, ${handedTwice} handed twice, ${handedOutOfOrder} conversations out of order`,
    ],
  });

  expect(undelivered).toBe(0);
  expect({ lost, duplicates, outOfOrder, notHanded, handedTwice, handedOutOfOrder }).toEqual({ lost: 0, duplicates: 0, outOfOrder: 0, notHanded: 0, handedTwice: 0, handedOutOfOrder: 0 });
  for (const conversation of sent) expect(threads.get(conversation.conversationId)?.map((item) => item.body)).toEqual(conversation.bodies);
  expect(handed).toHaveLength(TOTAL);
  // The faults really happened, at about the rate asked for.
  const injected = Object.values(faultsInjected).reduce((a, b) => a + b, 0);
  expect(injected / syncRequests).toBeGreaterThan(0.05);
  expect(Object.values(faultsInjected).every((n) => n > 0)).toBe(true);
}, 300_000);
