/**
 * MessageStore.recordInbound's exactly-once protocol, branch by branch, in process: the claim (sid
 * map create), the append, the count (inbox entry), the done mark, and what a retry of each
 * interrupted step finds. The emulator fails single steps (faults on one route, `times`-bounded);
 * the store's clock is the harness's, so a stale claim is a clock move, not a 20 s wait.
 */
import { StoreInProgressError } from '../../../lib/store/message-store';
import { unreadCount } from '../../../lib/store/read-cursor';
import type { FaultKind } from '../../../emulator';
import { conversationIdFor } from '../../../lib/conversation-id';
import { readNews } from '../../../lib/store/news';
import { DEFAULT_STALE_CLAIM_MS, recordInbound } from '../../../lib/store/inbound-claim';
import { Inbox } from '../../../lib/store/inbox';
import { WHOLE_SERVICE } from '../../../lib/store/read-cursor';
import type { SyncGateway } from '../../../lib/store/sync-gateway';
import { inboundRecord, NO_RETRY, OURS, QUICK_RETRY, ROUTES, THEM, useStoreHarness } from '../support/store-harness';

const h = useStoreHarness();
let from = 0;
/** A sender of its own per test: a conversation no other test touches. */
const nextSender = () => `+1415555${(1000 + from++).toString().padStart(4, '0')}`;

/** A first attempt that appended and counted the message, then failed on its done mark and release. */
async function countedNotMarked(body: string) {
  const service = h.fresh(NO_RETRY);
  const them = nextSender();
  const record = inboundRecord(them, body);
  h.fault({ method: 'POST', route: ROUTES.claimUpdate(record.sid), kind: 500, times: 2 });
  await expect(service.store().recordInbound(record)).rejects.toThrow();
  h.emulator.clearFaults();
  return { service, them, record };
}

describe('a fresh claim', () => {
  test('stores the message once: appended, counted, claim marked done', async () => {
    const service = h.fresh();
    const record = inboundRecord(THEM, 'hello');
    expect(await service.store().recordInbound(record)).toBe('stored');
    expect((await service.thread(OURS, THEM)).map((m) => m.sid)).toEqual([record.sid]);
    expect(await service.sidEntry(OURS, THEM, record.sid)).toMatchObject({ owner: null, index: 0, done: true, counted: true });
    const entry = await service.entry(OURS, THEM);
    expect(entry).toMatchObject({ inboundCount: 1, messageCount: 1, lastInboundIndex: 0, recentSids: [record.sid], optedOut: false });
    expect(unreadCount(entry!, null)).toBe(1);
  });
});

describe('a replay', () => {
  test('of a done message is a duplicate and writes nothing', async () => {
    const service = h.fresh();
    const record = inboundRecord(THEM, 'once');
    await service.store().recordInbound(record);
    h.emulator.resetCounts();
    expect(await service.store().recordInbound(record)).toBe('duplicate');
    // The claim create (refused: the key exists) and one read of it; no append, no count.
    expect(h.calls('POST', /./)).toBe(1);
    expect(h.calls('GET', /./)).toBe(1);
    expect(await service.thread(OURS, THEM)).toHaveLength(1);
    expect((await service.entry(OURS, THEM))?.inboundCount).toBe(1);
  });
});

describe('a claim held by another request', () => {
  /** A claim left held and fresh: the append failed, and so did the release. */
  async function heldUncounted(service: ReturnType<typeof h.fresh>, them: string) {
    const record = inboundRecord(them, 'held');
    h.fault({ method: 'POST', route: ROUTES.append, kind: 500, times: 1 });
    h.fault({ method: 'POST', route: ROUTES.claimUpdate(record.sid), kind: 500, times: 1 });
    await expect(service.store().recordInbound(record)).rejects.toThrow();
    h.emulator.clearFaults();
    return record;
  }

  test('while live, and not counted: StoreInProgressError, nothing appended', async () => {
    const service = h.fresh(NO_RETRY);
    const them = nextSender();
    const record = await heldUncounted(service, them);
    expect(await service.sidEntry(OURS, them, record.sid)).toMatchObject({ done: false, index: null, counted: null });
    expect((await service.sidEntry(OURS, them, record.sid))?.owner).toEqual(expect.any(String));
    const error = await service.store().recordInbound(record).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreInProgressError);
    expect((error as StoreInProgressError).sid).toBe(record.sid);
    expect(await service.thread(OURS, them)).toHaveLength(0);
  });

  test('held but counted (only its done mark and release failed): a duplicate, not 503', async () => {
    const { service, them, record } = await countedNotMarked('counted, not marked');
    expect(await service.sidEntry(OURS, them, record.sid)).toMatchObject({ done: false });
    expect(await service.store().recordInbound(record)).toBe('duplicate');
    expect(await service.thread(OURS, them)).toHaveLength(1);
    expect((await service.entry(OURS, them))?.inboundCount).toBe(1);
  });

  test('a held claim that says counted: true is a duplicate without reading the inbox', async () => {
    const service = h.fresh();
    const record = inboundRecord(THEM, 'x');
    await service.putClaim(OURS, THEM, record.sid, { owner: 'another-request', claimedAt: h.clock, index: 0, done: false, counted: true });
    h.emulator.resetCounts();
    expect(await service.store().recordInbound(record)).toBe('duplicate');
    expect(h.calls('GET', ROUTES.inboxItem)).toBe(0);
  });

  test('a held claim that says counted: false is in progress, whatever the inbox says', async () => {
    const service = h.fresh();
    const record = inboundRecord(THEM, 'x');
    await service.putClaim(OURS, THEM, record.sid, { owner: 'another-request', claimedAt: h.clock, index: null, done: false, counted: false });
    const error = await service.store().recordInbound(record).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreInProgressError);
    expect((error as StoreInProgressError).counted).toBe(false);
  });
});

describe('a stale claim (injected clock, staleClaimMs)', () => {
  /** A claim left behind by a request that died before appending (its release failed too). */
  async function orphanedClaim(options: { staleClaimMs?: number }) {
    const service = h.fresh(NO_RETRY);
    const them = nextSender();
    const record = inboundRecord(them, 'orphaned');
    h.fault({ method: 'POST', route: ROUTES.append, kind: 500, times: 1 });
    h.fault({ method: 'POST', route: ROUTES.claimUpdate(record.sid), kind: 500, times: 1 });
    const claimedAt = h.clock;
    await expect(service.store(options).recordInbound(record)).rejects.toThrow();
    h.emulator.clearFaults();
    return { service, them, record, claimedAt };
  }

  test('is in progress up to staleClaimMs, then taken over and stored once', async () => {
    const { service, them, record, claimedAt } = await orphanedClaim({ staleClaimMs: 5000 });
    h.clock = claimedAt + 4999;
    await expect(service.store({ staleClaimMs: 5000 }).recordInbound(record)).rejects.toBeInstanceOf(StoreInProgressError);
    h.clock = claimedAt + 5000;
    expect(await service.store({ staleClaimMs: 5000 }).recordInbound(record)).toBe('stored');
    expect((await service.thread(OURS, them)).map((m) => m.sid)).toEqual([record.sid]);
    expect(await service.sidEntry(OURS, them, record.sid)).toMatchObject({ owner: null, done: true, counted: true, claimedAt: claimedAt + 5000 });
    expect((await service.entry(OURS, them))?.inboundCount).toBe(1);
    expect(await service.store().recordInbound(record)).toBe('duplicate');
  });

  test('the default staleClaimMs is 20 s', async () => {
    const { service, record, claimedAt } = await orphanedClaim({});
    h.clock = claimedAt + 19_999;
    await expect(service.store().recordInbound(record)).rejects.toBeInstanceOf(StoreInProgressError);
    h.clock = claimedAt + 20_000;
    expect(await service.store().recordInbound(record)).toBe('stored');
  });

  test('taken over from an owner that appended and counted (counted: null): found in the thread, not counted twice', async () => {
    const { service, them, record } = await countedNotMarked('appended and counted, then died');
    expect(await service.sidEntry(OURS, them, record.sid)).toMatchObject({ counted: null, done: false });
    // 33 later messages push it out of recentSids (the newest 32): only a recount can tell.
    for (let i = 0; i < 33; i++) expect(await service.store().recordInbound(inboundRecord(them, `later ${i}`))).toBe('stored');
    h.clock += 20_000;
    h.emulator.resetCounts();
    expect(await service.store().recordInbound(record)).toBe('stored');
    expect(h.calls('POST', ROUTES.append)).toBe(0); // found in the thread, not appended again
    const thread = await service.thread(OURS, them);
    expect(thread).toHaveLength(34);
    expect(thread.filter((m) => m.sid === record.sid)).toHaveLength(1);
    expect(await service.entry(OURS, them)).toMatchObject({ inboundCount: 34, messageCount: 34 });
    expect(await service.store().recordInbound(record)).toBe('duplicate');
  });

  test('taken over from an owner that appended but did not count: counted once by the recount', async () => {
    const service = h.fresh(NO_RETRY);
    const them = nextSender();
    await service.store().recordInbound(inboundRecord(them, 'first')); // the inbox entry exists
    const record = inboundRecord(them, 'appended, count failed');
    h.fault({ method: 'POST', route: ROUTES.inboxItem, kind: 500, times: 1 });
    h.fault({ method: 'POST', route: ROUTES.claimUpdate(record.sid), kind: 500, times: 1 });
    await expect(service.store().recordInbound(record)).rejects.toThrow();
    h.emulator.clearFaults();
    expect((await service.entry(OURS, them))?.inboundCount).toBe(1);
    h.clock += 20_000;
    expect(await service.store().recordInbound(record)).toBe('stored');
    expect(await service.thread(OURS, them)).toHaveLength(2);
    expect(await service.entry(OURS, them)).toMatchObject({ inboundCount: 2, messageCount: 2, lastInboundIndex: 1 });
  });
});

describe('a failed attempt releases its claim', () => {
  test('after the append: keeps the list index, and the retry resumes there (no second append)', async () => {
    const service = h.fresh(NO_RETRY);
    const them = nextSender();
    const record = inboundRecord(them, 'count failed');
    h.fault({ method: 'POST', route: ROUTES.inboxCreate, kind: 500, times: 1 });
    await expect(service.store().recordInbound(record)).rejects.toThrow();
    h.emulator.clearFaults();
    expect(await service.sidEntry(OURS, them, record.sid)).toMatchObject({ owner: null, claimedAt: 0, index: 0, done: false });
    h.emulator.resetCounts();
    // Released, so no wait for staleness: the immediate retry stores it.
    expect(await service.store().recordInbound(record)).toBe('stored');
    expect(h.calls('POST', ROUTES.append)).toBe(0);
    expect(await service.thread(OURS, them)).toHaveLength(1);
    expect(await service.entry(OURS, them)).toMatchObject({ inboundCount: 1, messageCount: 1 });
    expect(await service.sidEntry(OURS, them, record.sid)).toMatchObject({ done: true, counted: true, index: 0 });
  });

  test('before the append: index null, and the retry appends it once', async () => {
    const service = h.fresh(NO_RETRY);
    const them = nextSender();
    const record = inboundRecord(them, 'append failed');
    h.fault({ method: 'POST', route: ROUTES.append, kind: 503, times: 1 });
    await expect(service.store().recordInbound(record)).rejects.toThrow();
    h.emulator.clearFaults();
    expect(await service.sidEntry(OURS, them, record.sid)).toMatchObject({ owner: null, index: null, done: false });
    expect(await service.store().recordInbound(record)).toBe('stored');
    expect(await service.thread(OURS, them)).toHaveLength(1);
    expect((await service.entry(OURS, them))?.inboundCount).toBe(1);
  });

  test('whose inbox read failed while its append was still under way: the release waits for the append and keeps its index, so no copy lands beside the retry\'s', async () => {
    // The inbound bench's one busy conversation stored a message twice this way: the inbox read,
    // made beside the append, gave up on 429s; the claim was released with index null while the
    // append went on; Twilio's retry appended again, and the first append landed after it.
    const service = h.fresh(NO_RETRY);
    const them = nextSender();
    await service.store().recordInbound(inboundRecord(them, 'first')); // the inbox entry exists
    const record = inboundRecord(them, 'inbox read failed');
    const slowAppend = Object.create(service.gateway) as SyncGateway;
    let appendLanded: Promise<unknown> = Promise.resolve();
    slowAppend.appendOnce = (list, data, isSame, mayHaveLandedBefore) => {
      const landed = new Promise((resolve) => setTimeout(resolve, 150)).then(() => service.gateway.appendOnce(list, data, isSame, mayHaveLandedBefore));
      appendLanded = landed;
      return landed;
    };
    const failingInbox = new Inbox(service.gateway);
    failingInbox.get = () => Promise.reject(new Error('inbox read refused (429, retries spent)'));
    const ctx = { sync: slowAppend, inbox: failingInbox, scope: WHOLE_SERVICE, now: () => new Date(), newToken: () => 'first-attempt' };
    await expect(recordInbound(ctx, DEFAULT_STALE_CLAIM_MS, record)).rejects.toThrow('inbox read refused');
    // Twilio's retry comes at once.
    expect(await service.store().recordInbound(record)).toBe('stored');
    await appendLanded;
    expect((await service.thread(OURS, them)).map((m) => m.sid)).toEqual([expect.any(String), record.sid]);
    expect(await service.entry(OURS, them)).toMatchObject({ inboundCount: 2, messageCount: 2 });
  });

  test('after an append whose answer was lost, and 60 messages since: the retry finds that copy (a deep search), no second one', async () => {
    const service = h.fresh(NO_RETRY);
    const them = nextSender();
    await service.store().recordInbound(inboundRecord(them, 'before'));
    const record = inboundRecord(them, 'answer lost');
    h.fault({ method: 'POST', route: ROUTES.append, kind: 'timeout', afterHandling: true, delayMs: 20, times: 1 });
    await expect(service.store().recordInbound(record)).rejects.toThrow();
    h.emulator.clearFaults();
    expect(await service.sidEntry(OURS, them, record.sid)).toMatchObject({ owner: null, index: null, done: false, appendUnsure: true });
    // A busy conversation: more messages since than one page of the newest.
    for (let i = 0; i < 60; i++) await service.store().recordInbound(inboundRecord(them, `since ${i}`));
    expect(await service.store().recordInbound(record)).toBe('stored');
    const thread = await service.thread(OURS, them);
    expect(thread.filter((m) => m.sid === record.sid)).toHaveLength(1);
    expect(thread).toHaveLength(62);
    expect(await service.entry(OURS, them)).toMatchObject({ inboundCount: 62, messageCount: 62 });
    expect(await service.sidEntry(OURS, them, record.sid)).toMatchObject({ done: true, index: 1 });
  });

  test('a claim create that landed without an answer is released, so the retry at once is not refused', async () => {
    const service = h.fresh(NO_RETRY);
    const them = nextSender();
    await service.store().recordInbound(inboundRecord(them, 'first')); // the sid map exists
    const record = inboundRecord(them, 'claim answer lost');
    h.fault({ method: 'POST', route: ROUTES.claimCreate, kind: 'reset', afterHandling: true, times: 1 });
    const error = await service.store().recordInbound(record).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(StoreInProgressError);
    expect(await service.sidEntry(OURS, them, record.sid)).toMatchObject({ owner: null, claimedAt: 0, done: false });
    expect(await service.store().recordInbound(record)).toBe('stored');
    expect(await service.thread(OURS, them)).toHaveLength(2);
  });
});

describe('an answer lost after Sync applied the write (afterHandling): retried without a duplicate', () => {
  const kinds: [string, FaultKind][] = [['reset', 'reset'], ['timeout', 'timeout'], ['500', 500], ['503', 503]];

  test.each(kinds)('the append (%s)', async (_label, kind) => {
    const service = h.fresh(QUICK_RETRY);
    const them = nextSender();
    await service.store().recordInbound(inboundRecord(them, 'first')); // the thread exists
    const record = inboundRecord(them, 'append answer lost');
    h.fault({ method: 'POST', route: ROUTES.append, kind, afterHandling: true, times: 1, delayMs: 5 });
    h.emulator.resetCounts();
    expect(await service.store().recordInbound(record)).toBe('stored');
    expect(h.calls('POST', ROUTES.append)).toBe(1); // the one that landed; the retry searched first
    expect((await service.thread(OURS, them)).map((m) => m.body)).toEqual(['first', 'append answer lost']);
    expect(await service.entry(OURS, them)).toMatchObject({ inboundCount: 2, lastInboundIndex: 1 });
  });

  test.each(kinds)('the claim create (%s)', async (_label, kind) => {
    const service = h.fresh(QUICK_RETRY);
    const them = nextSender();
    await service.store().recordInbound(inboundRecord(them, 'first')); // the sid map exists
    const record = inboundRecord(them, 'claim answer lost');
    h.fault({ method: 'POST', route: ROUTES.claimCreate, kind, afterHandling: true, times: 1, delayMs: 5 });
    expect(await service.store().recordInbound(record)).toBe('stored');
    expect(await service.thread(OURS, them)).toHaveLength(2);
    expect((await service.entry(OURS, them))?.inboundCount).toBe(2);
  });

  test.each(kinds)('the count (%s): counted once', async (_label, kind) => {
    const service = h.fresh(QUICK_RETRY);
    const them = nextSender();
    await service.store().recordInbound(inboundRecord(them, 'first'));
    const record = inboundRecord(them, 'count answer lost');
    h.fault({ method: 'POST', route: ROUTES.inboxItem, kind, afterHandling: true, times: 1, delayMs: 5 });
    expect(await service.store().recordInbound(record)).toBe('stored');
    expect(await service.entry(OURS, them)).toMatchObject({ inboundCount: 2, messageCount: 2 });
  });

  test('random ambiguous failures on every Sync write (seeded): each message stored and counted exactly once', async () => {
    const service = h.fresh({ attempts: 6, baseDelayMs: 1, maxDelayMs: 2, budgetMs: 5000 });
    const them = nextSender();
    const records = Array.from({ length: 12 }, (_, i) => inboundRecord(them, `m${i}`));
    h.emulator.resetCounts();
    h.fault({ method: 'POST', kind: 'reset', afterHandling: true, probability: 0.25 });
    for (const record of records) {
      // A webhook Twilio redelivers until it gets a 2xx; a 503 (in progress) only after the claim goes stale.
      let outcome: string | undefined;
      for (let attempt = 0; attempt < 10 && outcome === undefined; attempt++) {
        outcome = await service.store().recordInbound(record).catch(() => {
          h.clock += 20_000;
          return undefined;
        });
      }
      expect(outcome).toBe('stored');
    }
    h.emulator.clearFaults();
    expect(h.emulator.requests().filter((r) => r.status === 0).length).toBeGreaterThan(5); // the faults did fire
    const thread = await service.thread(OURS, them);
    expect(thread.map((m) => m.body)).toEqual(records.map((r) => r.body));
    expect(await service.entry(OURS, them)).toMatchObject({ inboundCount: 12, messageCount: 12 });
    for (const record of records) expect(await service.store().recordInbound(record)).toBe('duplicate');
  });
});

describe('opt-out keywords', () => {
  test.each<[string, string, boolean]>([
    ['STOP', 'STOP', true],
    ['lower case with punctuation', ' stop. ', true],
    ['UNSUBSCRIBE', 'UNSUBSCRIBE', true],
    ['a sentence is not a keyword', 'stop please', false],
    ['HELP changes nothing', 'HELP', false],
  ])('%s', async (_label, body, optedOut) => {
    const service = h.fresh();
    await service.store().recordInbound(inboundRecord(THEM, body));
    expect((await service.entry(OURS, THEM))?.optedOut).toBe(optedOut);
  });

  test('START opts back in; a replayed STOP (a duplicate) does not opt out again', async () => {
    const service = h.fresh();
    const stop = inboundRecord(THEM, 'STOP');
    await service.store().recordInbound(stop);
    expect((await service.entry(OURS, THEM))?.optedOut).toBe(true);
    await service.store().recordInbound(inboundRecord(THEM, 'start'));
    expect((await service.entry(OURS, THEM))?.optedOut).toBe(false);
    expect(await service.store().recordInbound(stop)).toBe('duplicate');
    expect((await service.entry(OURS, THEM))?.optedOut).toBe(false);
  });

  test("Advanced Opt-Out's OptOutType decides over the body", async () => {
    const service = h.fresh();
    await service.store().recordInbound(inboundRecord(THEM, 'arrête'), { optOutType: 'STOP' });
    expect((await service.entry(OURS, THEM))?.optedOut).toBe(true);
    await service.store().recordInbound(inboundRecord(THEM, 'STOP'), { optOutType: 'START' });
    expect((await service.entry(OURS, THEM))?.optedOut).toBe(false);
    await service.store().recordInbound(inboundRecord(THEM, 'STOP'), { optOutType: 'HELP' });
    expect((await service.entry(OURS, THEM))?.optedOut).toBe(false);
  });
});

describe("the conversation's news mark (lib/store/news.ts)", () => {
  /** Writes of a mark: POST marks_<hash>_<n>/Items/<conversation> (update) or marks_<hash>_<n>/Items (create). */
  const NEWS = /\/Maps\/marks_[0-9a-f]+_\d\/Items/;
  const markOf = async (service: ReturnType<typeof h.fresh>, them: string) => (await readNews(service.gateway, [OURS])).get(OURS)?.get(conversationIdFor(OURS, them));

  test('a mark that fails fails the request, and the retry writes it: no reader waits for its periodic read', async () => {
    const service = h.fresh(NO_RETRY);
    const them = nextSender();
    const record = inboundRecord(them, 'marked late');
    const before = await markOf(service, them);
    h.fault({ method: 'POST', route: NEWS, kind: 500, times: 1 });
    await expect(service.store().recordInbound(record)).rejects.toThrow();
    // Stored and counted, but released, not done: Twilio's retry is not a replay.
    expect(await service.sidEntry(OURS, them, record.sid)).toMatchObject({ owner: null, done: false, counted: true, index: 0 });
    expect(await markOf(service, them)).toBe(before);
    expect(await service.store().recordInbound(record)).toBe('stored');
    expect(await markOf(service, them)).not.toBe(before);
    expect(await service.sidEntry(OURS, them, record.sid)).toMatchObject({ done: true, counted: true });
    expect((await service.thread(OURS, them)).map((m) => m.sid)).toEqual([record.sid]);
    expect((await service.entry(OURS, them))?.inboundCount).toBe(1);
    expect(await service.store().recordInbound(record)).toBe('duplicate');
  });

  test('a claim held but counted, whose mark failed too: the duplicate answer writes the mark', async () => {
    const service = h.fresh(NO_RETRY);
    const them = nextSender();
    const record = inboundRecord(them, 'held, counted, unmarked');
    const before = await markOf(service, them);
    h.fault({ method: 'POST', route: NEWS, kind: 500, times: 1 });
    h.fault({ method: 'POST', route: ROUTES.claimUpdate(record.sid), kind: 500, times: 2 });
    await expect(service.store().recordInbound(record)).rejects.toThrow();
    h.emulator.clearFaults();
    expect(await markOf(service, them)).toBe(before);
    expect(await service.store().recordInbound(record)).toBe('duplicate');
    expect(await markOf(service, them)).not.toBe(before);
  });
});
