import { startEmulator, type Emulator } from '../../emulator';
import { raw, restError, tokenClient } from './test-helpers';

describe('emulated Sync Lists', () => {
  let emulator: Emulator;
  let serviceSid: string;

  beforeAll(async () => {
    emulator = await startEmulator({ syncLimits: false });
    serviceSid = emulator.createSyncService('lists');
  });
  afterAll(() => emulator.close());

  const service = () => tokenClient(emulator).sync.v1.services(serviceSid);

  async function listWith(count: number, uniqueName?: string) {
    const list = await service().syncLists.create(uniqueName ? { uniqueName } : {});
    for (let i = 0; i < count; i++) await service().syncLists(list.sid).syncListItems.create({ data: { n: i } });
    return list;
  }

  it('creates a list with canonical urls and finds it by unique name', async () => {
    const list = await service().syncLists.create({ uniqueName: 'thread-1' });
    expect(list.sid).toMatch(/^ES[0-9a-f]{32}$/);
    expect(list).toMatchObject({
      uniqueName: 'thread-1',
      serviceSid,
      accountSid: emulator.accountSid,
      url: `https://sync.twilio.com/v1/Services/${serviceSid}/Lists/${list.sid}`,
      links: {
        items: `https://sync.twilio.com/v1/Services/${serviceSid}/Lists/${list.sid}/Items`,
        permissions: `https://sync.twilio.com/v1/Services/${serviceSid}/Lists/${list.sid}/Permissions`,
      },
      dateExpires: null,
      createdBy: 'system',
    });
    const byName = await service().syncLists('thread-1').fetch();
    expect(byName.sid).toBe(list.sid);
    const json = await raw(emulator, 'GET', `/sync/v1/Services/${serviceSid}/Lists/thread-1`, { auth: 'token' });
    expect((json.json as { date_created: string }).date_created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('refuses a duplicate unique name (54301) and one that looks like a SID (54302)', async () => {
    await service().syncLists.create({ uniqueName: 'dupe' });
    expect(await restError(service().syncLists.create({ uniqueName: 'dupe' }))).toMatchObject({ status: 409, code: 54301 });
    expect(await restError(service().syncLists.create({ uniqueName: `ES${'a'.repeat(32)}` }))).toMatchObject({
      status: 400,
      code: 54302,
    });
  });

  it('appends items with growing indexes that are never reused', async () => {
    const list = await listWith(3);
    const items = service().syncLists(list.sid).syncListItems;
    expect(await items(2).remove()).toBe(true);
    const next = await items.create({ data: { n: 'new' } });
    expect(next.index).toBe(3);
    expect(next.data).toEqual({ n: 'new' });
    expect(next.url).toBe(`https://sync.twilio.com/v1/Services/${serviceSid}/Lists/${list.sid}/Items/3`);
    expect((await items.list()).map((i) => i.index)).toEqual([0, 1, 3]);
    expect(await restError(items(2).fetch())).toMatchObject({ status: 404, code: 20404 });
  });

  it('reads with Order, From, Bounds and PageSize, paging through the client', async () => {
    const list = await listWith(10);
    const items = service().syncLists(list.sid).syncListItems;
    const indexes = async (options: Parameters<typeof items.list>[0]) => (await items.list(options)).map((i) => i.index);

    emulator.resetCounts();
    expect(await indexes({ pageSize: 3 })).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(emulator.count({ route: '/v1/Services/{ServiceSid}/Lists/{ListSid}/Items' })).toBe(4);

    expect(await indexes({ from: '6', pageSize: 2 })).toEqual([6, 7, 8, 9]);
    expect(await indexes({ from: '6', bounds: 'exclusive', pageSize: 2 })).toEqual([7, 8, 9]);
    expect(await indexes({ order: 'desc', from: '4', pageSize: 2 })).toEqual([4, 3, 2, 1, 0]);
    expect(await indexes({ order: 'desc', from: '4', bounds: 'exclusive', pageSize: 3 })).toEqual([3, 2, 1, 0]);
    expect(await indexes({ order: 'desc', limit: 2 })).toEqual([9, 8]);

    const page = await items.page({ from: '2', pageSize: 3 });
    expect(page.instances.map((i) => i.index)).toEqual([2, 3, 4]);
    const second = await page.nextPage();
    expect(second?.instances.map((i) => i.index)).toEqual([5, 6, 7]);
    const back = await second?.previousPage();
    expect(back?.instances.map((i) => i.index)).toEqual([2, 3, 4]);
  });

  it('answers paging meta with canonical absolute urls and stable tokens', async () => {
    const list = await listWith(5);
    const base = `https://sync.twilio.com/v1/Services/${serviceSid}/Lists/${list.sid}/Items`;
    const first = await raw(emulator, 'GET', `/sync/v1/Services/${serviceSid}/Lists/${list.sid}/Items?From=1&Order=asc&PageSize=2`, {
      auth: 'token',
    });
    const body = first.json as { items: { index: number }[]; meta: Record<string, unknown> };
    expect(body.items.map((i) => i.index)).toEqual([1, 2]);
    expect(body.meta).toMatchObject({
      key: 'items',
      page: 0,
      page_size: 2,
      previous_page_url: null,
      first_page_url: `${base}?From=1&Order=asc&PageSize=2&Page=0`,
      url: `${base}?From=1&Order=asc&PageSize=2&Page=0`,
    });
    const next = String(body.meta.next_page_url);
    expect(next).toMatch(new RegExp(`^${base.replace(/[.?]/g, '\\$&')}\\?From=1&Order=asc&PageSize=2&Page=1&PageToken=PT`));

    // New items and a deletion before the cursor do not shift the next page.
    await service().syncLists(list.sid).syncListItems(0).remove();
    await service().syncLists(list.sid).syncListItems.create({ data: { n: 99 } });
    const again = await raw(emulator, 'GET', `/sync${new URL(next).pathname}${new URL(next).search}`, { auth: 'token' });
    expect((again.json as { items: { index: number }[] }).items.map((i) => i.index)).toEqual([3, 4]);
  });

  it('refuses a PageSize above 100 (54454)', async () => {
    const list = await listWith(1);
    const error = await restError(service().syncLists(list.sid).syncListItems.page({ pageSize: 101 }));
    expect(error).toMatchObject({ status: 400, code: 54454 });
  });

  it('honours If-Match with the item revision (412 / 54155) and changes revision on update', async () => {
    const list = await listWith(1);
    const item = service().syncLists(list.sid).syncListItems(0);
    const current = await item.fetch();
    const updated = await item.update({ data: { n: 'v2' }, ifMatch: current.revision });
    expect(updated.data).toEqual({ n: 'v2' });
    expect(updated.revision).not.toBe(current.revision);
    const stale = await restError(item.update({ data: { n: 'v3' }, ifMatch: current.revision }));
    expect(stale).toMatchObject({ status: 412, code: 54155 });
    expect((await item.fetch()).data).toEqual({ n: 'v2' });
  });

  it('limits item data to 16 KiB of JSON (54006) and requires valid JSON (54008)', async () => {
    const list = await listWith(0);
    const items = service().syncLists(list.sid).syncListItems;
    const atLimit = { s: 'x'.repeat(16384 - '{"s":""}'.length) };
    expect(Buffer.byteLength(JSON.stringify(atLimit))).toBe(16384);
    await expect(items.create({ data: atLimit })).resolves.toMatchObject({ index: 0 });
    const tooBig = { s: `${atLimit.s}x` };
    expect(await restError(items.create({ data: tooBig }))).toMatchObject({ status: 400, code: 54006 });
    const invalid = await raw(emulator, 'POST', `/sync/v1/Services/${serviceSid}/Lists/${list.sid}/Items`, {
      auth: 'token',
      form: { Data: '{not json' },
    });
    expect(invalid.json).toMatchObject({ status: 400, code: 54008 });
  });

  it('expires lists and items after their TTL', async () => {
    const list = await service().syncLists.create({ uniqueName: 'short-lived', ttl: 60 });
    expect(list.dateExpires).toBeInstanceOf(Date);
    const items = service().syncLists(list.sid).syncListItems;
    await items.create({ data: { keep: true } });
    await items.create({ data: { keep: false }, itemTtl: 5 });
    emulator.advanceTime(6_000);
    expect((await items.list()).map((i) => i.data)).toEqual([{ keep: true }]);
    emulator.advanceTime(60_000);
    expect(await restError(service().syncLists('short-lived').fetch())).toMatchObject({ status: 404, code: 20404 });
    // The unique name is free again once expired.
    await expect(service().syncLists.create({ uniqueName: 'short-lived' })).resolves.toMatchObject({ uniqueName: 'short-lived' });
    expect(await restError(service().syncLists.create({ ttl: 31_536_001 }))).toMatchObject({ code: 54011 });
  });

  it('manages services and deletes lists', async () => {
    const client = tokenClient(emulator);
    const created = await client.sync.v1.services.create({ friendlyName: 'extra' });
    expect(created.sid).toMatch(/^IS[0-9a-f]{32}$/);
    expect(created.links).toMatchObject({ lists: `https://sync.twilio.com/v1/Services/${created.sid}/Lists` });
    const all = await client.sync.v1.services.list();
    expect(all.map((s) => s.sid)).toEqual(expect.arrayContaining([serviceSid, created.sid]));
    const list = await client.sync.v1.services(created.sid).syncLists.create({});
    expect(await client.sync.v1.services(created.sid).syncLists(list.sid).remove()).toBe(true);
    expect(await client.sync.v1.services(created.sid).remove()).toBe(true);
    expect(await restError(client.sync.v1.services(created.sid).fetch())).toMatchObject({ status: 404, code: 20404 });
  });
});
