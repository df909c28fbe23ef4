/**
 * MessageStore.recordOutbound's order, in process: the inbox count goes out beside the append (it
 * needs no list index), the sid entry after the append. A gateway that logs (and can hold) its
 * calls shows the overlap; faults on one route show what a failed append or count leaves behind;
 * a recount that read the outbound item before its count landed shows recentSids keeping it once.
 */
import { conversationIdFor } from '../../../lib/conversation-id';
import type { RetryPolicy } from '../../../lib/retry';
import { MessageStore } from '../../../lib/store/message-store';
import { SyncGateway, type ItemOptions, type MapItem } from '../../../lib/store/sync-gateway';
import { sidMapName, threadListName } from '../../../lib/sync-names';
import { inboundRecord, NO_RETRY, OURS, outboundRecord, QUICK_RETRY, ROUTES, THEM, useStoreHarness } from '../support/store-harness';

const h = useStoreHarness();
const CONVERSATION = conversationIdFor(OURS, THEM);

type Call = 'get' | 'create' | 'update';
const kindOf = (map: string) => (map.startsWith('inbox_') ? 'inbox' : map.startsWith('sids_') ? 'sids' : 'other');

/** SyncGateway logging its map calls and appends, with hooks that may hold them. */
class WatchedGateway extends SyncGateway {
  readonly log: string[] = [];
  /** Before a map call goes out. */
  beforeMap: (call: Call, kind: string) => Promise<void> = async () => undefined;
  /** After an append answered (or failed), before its caller sees it. */
  afterAppend: () => Promise<void> = async () => undefined;

  override async appendOnceItem<T extends object>(list: string, data: T, isSame: (existing: unknown) => boolean, options: { searchBefore?: number } = {}): Promise<{ index: number; revision: string }> {
    this.log.push('append');
    try {
      return await super.appendOnceItem(list, data, isSame, options);
    } finally {
      await this.afterAppend();
      this.log.push('append answered');
    }
  }

  override async mapGet<T = unknown>(map: string, key: string): Promise<MapItem<T> | null> {
    await this.watch('get', map);
    return super.mapGet<T>(map, key);
  }

  override async mapCreate<T extends object>(map: string, key: string, data: T, options?: ItemOptions): Promise<MapItem<T>> {
    await this.watch('create', map);
    return super.mapCreate(map, key, data, options);
  }

  override async mapUpdate<T extends object>(map: string, key: string, data: T, ifMatch?: string, options?: ItemOptions): Promise<string> {
    await this.watch('update', map);
    return super.mapUpdate(map, key, data, ifMatch, options);
  }

  private async watch(call: Call, map: string): Promise<void> {
    const kind = kindOf(map);
    this.log.push(`${kind} ${call === 'get' ? 'read' : 'write'}`);
    await this.beforeMap(call, kind);
  }
}

/** Resolves once `condition` holds, or after `ms` (so a wrong order fails instead of hanging). */
async function until(condition: () => boolean, ms = 1000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 5));
}

function watched(retry: RetryPolicy = QUICK_RETRY) {
  const gateway = new WatchedGateway(h.client, h.emulator.createSyncService(), { retry });
  const store = new MessageStore(gateway, { now: () => new Date(h.clock) });
  const entry = async () => (await store.conversationEntry(OURS, THEM))?.entry ?? null;
  const thread = async () => (await gateway.listPage<{ sid: string }>(threadListName(CONVERSATION), { order: 'asc', pageSize: 100 })).items.map((item) => item.data.sid);
  return { gateway, store, entry, thread };
}

describe('recordOutbound', () => {
  test('sends the count before the append has answered, then the sid entry; counted once', async () => {
    const { gateway, store, entry, thread } = watched();
    // The append's answer waits for the count's write: the old order (count after the append) would
    // log that write only after this hold ran out.
    gateway.afterAppend = () => until(() => gateway.log.includes('inbox write'));
    const record = outboundRecord(THEM, 'hi');
    const stored = await store.recordOutbound(record);
    const { log } = gateway;
    expect(log.indexOf('inbox write')).toBeGreaterThan(-1);
    expect(log.indexOf('inbox write')).toBeLessThan(log.indexOf('append answered'));
    expect(log.indexOf('sids write')).toBeGreaterThan(log.indexOf('append answered'));
    expect(stored).toMatchObject({ sid: record.sid, index: 0, status: 'queued' });
    expect(await entry()).toMatchObject({ messageCount: 1, inboundCount: 0, lastDirection: 'outbound', lastInboundIndex: -1, recentSids: [record.sid] });
    expect(await thread()).toEqual([record.sid]);
  });

  test('with the inbox entry known, the count is a single write beside the append', async () => {
    const { gateway, store, entry } = watched();
    await store.recordOutbound(outboundRecord(THEM, 'first'));
    const known = await store.conversationEntry(OURS, THEM);
    gateway.log.length = 0;
    gateway.afterAppend = () => until(() => gateway.log.includes('inbox write'));
    await store.recordOutbound(outboundRecord(THEM, 'second'), known);
    expect(gateway.log).toEqual(['inbox write', 'append', 'append answered', 'sids write']);
    expect(await entry()).toMatchObject({ messageCount: 2 });
  });

  test('an append that fails after the count landed takes the count back and throws; the retry counts it once', async () => {
    const { gateway, store, entry, thread } = watched(NO_RETRY);
    const earlier = outboundRecord(THEM, 'earlier');
    await store.recordOutbound(earlier);
    const before = await entry();
    const record = outboundRecord(THEM, 'append fails');
    h.fault({ method: 'POST', route: ROUTES.append, kind: 500, times: 1 });
    gateway.afterAppend = () => until(() => gateway.log.includes('inbox write'));
    h.emulator.resetCounts();
    await expect(store.recordOutbound(record)).rejects.toThrow();
    expect(h.calls('POST', ROUTES.inboxItem)).toBe(2); // the count, and taking it back
    expect(await entry()).toMatchObject({ messageCount: before?.messageCount, recentSids: [earlier.sid] });
    expect(await thread()).toEqual([earlier.sid]);

    gateway.afterAppend = async () => undefined;
    await store.recordOutbound(record);
    expect(await entry()).toMatchObject({ messageCount: 2, recentSids: [earlier.sid, record.sid] });
    expect(await thread()).toEqual([earlier.sid, record.sid]);
  });

  test("an append whose answer was lost is found by the gateway's search and counted once", async () => {
    const { store, entry, thread } = watched(QUICK_RETRY);
    const record = outboundRecord(THEM, 'answer lost');
    h.fault({ method: 'POST', route: ROUTES.append, kind: 'reset', afterHandling: true, times: 1 });
    expect(await store.recordOutbound(record)).toMatchObject({ sid: record.sid, index: 0 });
    expect(await thread()).toEqual([record.sid]);
    expect(await entry()).toMatchObject({ messageCount: 1 });
  });

  test('a failed count with the append stored throws, but only after the sid entry is written', async () => {
    const { gateway, store, entry, thread } = watched(NO_RETRY);
    const earlier = outboundRecord(THEM, 'earlier');
    await store.recordOutbound(earlier);
    const record = outboundRecord(THEM, 'count fails');
    h.fault({ method: 'POST', route: ROUTES.inboxItem, kind: 500, times: 1 });
    // The sid entry is slow: a throw on the count's failure alone would come before it.
    gateway.beforeMap = async (call, kind) => {
      if (kind === 'sids' && call !== 'get') await new Promise((resolve) => setTimeout(resolve, 50));
    };
    await expect(store.recordOutbound(record)).rejects.toThrow();
    gateway.beforeMap = async () => undefined;
    expect(await thread()).toEqual([earlier.sid, record.sid]);
    expect(await gateway.mapGet(sidMapName(CONVERSATION), record.sid)).toMatchObject({ data: { index: 1, done: true } });
    expect(await entry()).toMatchObject({ messageCount: 1, recentSids: [earlier.sid] });
  });
});

describe('a recount and an outbound count without an index', () => {
  test("a recount whose thread read included the outbound item, then that item's count: counted once", async () => {
    const { gateway, store, entry, thread } = watched();
    expect(await store.recordInbound(inboundRecord(THEM, 'first'))).toBe('stored'); // the entry exists
    // An inbound message whose claim an owner that may have counted left behind: the next try recounts.
    const taken = inboundRecord(THEM, 'claim taken over');
    await gateway.mapCreate(sidMapName(CONVERSATION), taken.sid, { owner: 'dead', claimedAt: h.clock - 60_000, index: null, done: false, counted: null });

    // The outbound count's write is held until the recount has written.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    gateway.beforeMap = async (call, kind) => {
      if (kind !== 'inbox' || call === 'get' || holding) return;
      holding = true;
      await released;
    };
    const outbound = outboundRecord(THEM, 'counted after the recount');
    const sending = store.recordOutbound(outbound);
    await until(() => holding && gateway.log.includes('append answered'));
    expect(holding).toBe(true);

    expect(await store.recordInbound(taken)).toBe('stored'); // the recount reads the outbound item too
    expect(await entry()).toMatchObject({ messageCount: 3, inboundCount: 2 });
    release();
    await sending;

    expect(await thread()).toHaveLength(3);
    expect(await entry()).toMatchObject({ messageCount: 3, inboundCount: 2, lastInboundIndex: 2 });
    expect((await entry())?.recentSids).toEqual(expect.arrayContaining([outbound.sid, taken.sid]));
  });
});

describe('discardConversation (a refused first send takes back prepareConversation)', () => {
  const exists = async (gateway: SyncGateway, kind: 'list' | 'map', name: string) => {
    const service = h.client.sync.v1.services(gateway.serviceSid);
    return (kind === 'list' ? service.syncLists(name).fetch() : service.syncMaps(name).fetch()).then(() => true, () => false);
  };

  test('an empty pair is deleted; a second call, finding none, is harmless', async () => {
    const { gateway } = h.fresh();
    const messages = new MessageStore(gateway);
    await messages.prepareConversation(OURS, THEM);
    expect(await exists(gateway, 'list', threadListName(CONVERSATION))).toBe(true);
    expect(await messages.discardConversation(OURS, THEM)).toBe(true);
    expect(await exists(gateway, 'list', threadListName(CONVERSATION))).toBe(false);
    expect(await exists(gateway, 'map', sidMapName(CONVERSATION))).toBe(false);
    expect(await messages.discardConversation(OURS, THEM)).toBe(true);
  });

  test('a thread holding a message is kept, and its sid map with it', async () => {
    const service = h.fresh();
    const messages = service.store();
    await messages.prepareConversation(OURS, THEM);
    await service.gateway.appendOnce(threadListName(CONVERSATION), inboundRecord(THEM, 'hi'), () => false);
    expect(await messages.discardConversation(OURS, THEM)).toBe(false);
    expect(await exists(service.gateway, 'list', threadListName(CONVERSATION))).toBe(true);
    expect(await exists(service.gateway, 'map', sidMapName(CONVERSATION))).toBe(true);
  });
});
