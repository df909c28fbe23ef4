import { startEmulator, type Emulator } from '../../emulator';
import { SyncRateLimiter } from '../../emulator/rate-limit';
import { restError, tokenClient } from './test-helpers';

describe('SyncRateLimiter', () => {
  it('allows perObjectPerSecond × windowSeconds per trailing window, reads and writes apart', () => {
    let now = 1_000_000;
    const limiter = new SyncRateLimiter({ perObjectPerSecond: 2, windowSeconds: 3 }, () => now);
    const writes = Array.from({ length: 7 }, () => limiter.tryConsume('ES1', 'write'));
    expect(writes).toEqual([true, true, true, true, true, true, false]);
    expect(limiter.tryConsume('ES1', 'read')).toBe(true);
    expect(limiter.tryConsume('ES2', 'write')).toBe(true);
    now += 2_000; // the burst is still inside the 3 s window
    expect(limiter.tryConsume('ES1', 'write')).toBe(false);
    now += 1_000; // the second that held the burst has left the window
    expect(limiter.tryConsume('ES1', 'write')).toBe(true);
  });

  it('spreads load across buckets: steady traffic under the rate never trips', () => {
    let now = 0;
    const limiter = new SyncRateLimiter({ perObjectPerSecond: 5, windowSeconds: 2 }, () => now);
    for (let second = 0; second < 20; second++) {
      for (let i = 0; i < 5; i++) expect(limiter.tryConsume('MP1', 'read')).toBe(true);
      now += 1000;
    }
  });

  it('is off when limits are false, and forgets deleted objects', () => {
    const off = new SyncRateLimiter(false, () => 0);
    for (let i = 0; i < 1000; i++) expect(off.tryConsume('ET1', 'write')).toBe(true);
    const limiter = new SyncRateLimiter({ perObjectPerSecond: 1, windowSeconds: 1 }, () => 0);
    expect(limiter.tryConsume('ET1', 'write')).toBe(true);
    expect(limiter.tryConsume('ET1', 'write')).toBe(false);
    limiter.forget('ET1');
    expect(limiter.tryConsume('ET1', 'write')).toBe(true);
  });
});

describe('Sync rate limit through the API', () => {
  let emulator: Emulator;
  let serviceSid: string;

  beforeAll(async () => {
    emulator = await startEmulator({ syncLimits: { perObjectPerSecond: 3, windowSeconds: 1 } });
    serviceSid = emulator.createSyncService();
  });
  afterAll(() => emulator.close());

  it('answers 429 / 54009 per object (the list with all its items), counting reads and writes apart', async () => {
    const sync = tokenClient(emulator).sync.v1.services(serviceSid);
    const list = await sync.syncLists.create({}); // one write
    const items = sync.syncLists(list.sid).syncListItems;
    await items.create({ data: { n: 1 } });
    await items.create({ data: { n: 2 } });
    const error = await restError(items.create({ data: { n: 3 } }));
    expect(error).toEqual({
      status: 429,
      code: 54009,
      message: 'Rate limit exceeded',
      moreInfo: 'https://www.twilio.com/docs/errors/54009',
    });
    // Writes to other items of the same list count against the same object.
    expect(await restError(items(0).update({ data: { n: 0 } }))).toMatchObject({ code: 54009 });
    // Reads have their own budget; another object has its own too.
    await expect(items(0).fetch()).resolves.toMatchObject({ data: { n: 1 } });
    const other = await sync.syncLists.create({});
    await expect(sync.syncLists(other.sid).syncListItems.create({ data: {} })).resolves.toMatchObject({ index: 0 });
    // The refused write was not applied.
    expect((await items.list()).map((i) => i.data)).toEqual([{ n: 1 }, { n: 2 }]);
    emulator.advanceTime(1_000);
    await expect(items.create({ data: { n: 3 } })).resolves.toMatchObject({ index: 2 });
  });
});
