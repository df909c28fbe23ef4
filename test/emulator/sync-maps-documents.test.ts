import { startEmulator, type Emulator } from '../../emulator';
import { raw, restError, tokenClient } from './test-helpers';

describe('emulated Sync Maps and Documents', () => {
  let emulator: Emulator;
  const serviceSid = `IS${'1'.repeat(32)}`;

  beforeAll(async () => {
    emulator = await startEmulator({ syncServices: [serviceSid], syncLimits: false });
  });
  afterAll(() => emulator.close());

  const service = () => tokenClient(emulator).sync.v1.services(serviceSid);

  it('adds map items, refuses a duplicate key (409 / 54208) and keys outside 1-256 chars (54209)', async () => {
    const map = await service().syncMaps.create({ uniqueName: 'index' });
    expect(map.sid).toMatch(/^MP[0-9a-f]{32}$/);
    const items = service().syncMaps('index').syncMapItems;
    const item = await items.create({ key: 'conv:+15551234567', data: { unread: 1 } });
    expect(item).toMatchObject({
      key: 'conv:+15551234567',
      data: { unread: 1 },
      mapSid: map.sid,
      url: `https://sync.twilio.com/v1/Services/${serviceSid}/Maps/${map.sid}/Items/conv%3A%2B15551234567`,
    });
    expect(await restError(items.create({ key: 'conv:+15551234567', data: {} }))).toMatchObject({ status: 409, code: 54208 });
    expect(await restError(items.create({ key: 'k'.repeat(257), data: {} }))).toMatchObject({ status: 400, code: 54209 });
    expect((await items('conv:+15551234567').fetch()).data).toEqual({ unread: 1 });
  });

  it('lists map items in key order with From, Bounds and paging', async () => {
    const map = await service().syncMaps.create({});
    const items = service().syncMaps(map.sid).syncMapItems;
    for (const key of ['d', 'a', 'c', 'e', 'b']) await items.create({ key, data: { key } });
    const keys = async (options: Parameters<typeof items.list>[0]) => (await items.list(options)).map((i) => i.key);
    expect(await keys({ pageSize: 2 })).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(await keys({ order: 'desc', pageSize: 2 })).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(await keys({ from: 'c' })).toEqual(['c', 'd', 'e']);
    expect(await keys({ from: 'c', bounds: 'exclusive', order: 'desc' })).toEqual(['b', 'a']);
  });

  it('updates map items under If-Match (412 / 54205) and deletes them', async () => {
    const map = await service().syncMaps.create({});
    const item = service().syncMaps(map.sid).syncMapItems;
    const created = await item.create({ key: 'k', data: { v: 1 } });
    const updated = await item('k').update({ data: { v: 2 }, ifMatch: created.revision });
    expect(updated.data).toEqual({ v: 2 });
    expect(await restError(item('k').update({ data: { v: 3 }, ifMatch: created.revision }))).toMatchObject({
      status: 412,
      code: 54205,
    });
    expect(await restError(item('k').remove({ ifMatch: created.revision }))).toMatchObject({ status: 412 });
    expect(await item('k').remove({ ifMatch: updated.revision })).toBe(true);
    expect(await restError(item('k').fetch())).toMatchObject({ status: 404, code: 20404 });
  });

  it('creates, updates (If-Match 54103) and deletes documents', async () => {
    const documents = service().documents;
    const created = await documents.create({ uniqueName: 'settings', data: { mode: 'a' } });
    expect(created.sid).toMatch(/^ET[0-9a-f]{32}$/);
    expect(created).toMatchObject({
      uniqueName: 'settings',
      data: { mode: 'a' },
      url: `https://sync.twilio.com/v1/Services/${serviceSid}/Documents/${created.sid}`,
    });
    const updated = await documents('settings').update({ data: { mode: 'b' }, ifMatch: created.revision });
    expect(updated.revision).not.toBe(created.revision);
    expect(await restError(documents('settings').update({ data: { mode: 'c' }, ifMatch: created.revision }))).toMatchObject({
      status: 412,
      code: 54103,
    });
    const fetched = await raw(emulator, 'GET', `/sync/v1/Services/${serviceSid}/Documents/settings`, { auth: 'token' });
    expect(fetched.json).toMatchObject({ data: { mode: 'b' }, revision: updated.revision });
    expect(fetched.headers.get('etag')).toBe(updated.revision);
    expect((await documents.list()).map((d) => d.uniqueName)).toContain('settings');
    expect(await documents('settings').remove()).toBe(true);
    expect(await restError(documents('settings').fetch())).toMatchObject({ status: 404 });
    expect(await restError(documents.create({ uniqueName: 'big', data: { s: 'x'.repeat(17_000) } }))).toMatchObject({ code: 54006 });
  });

  it('expires documents and map items after their TTL', async () => {
    const doc = await service().documents.create({ uniqueName: 'temp', data: {}, ttl: 10 });
    expect(doc.dateExpires).toBeInstanceOf(Date);
    const map = await service().syncMaps.create({});
    await service().syncMaps(map.sid).syncMapItems.create({ key: 'soon', data: {}, itemTtl: 1 });
    emulator.advanceTime(11_000);
    expect(await restError(service().documents('temp').fetch())).toMatchObject({ status: 404 });
    expect(await service().syncMaps(map.sid).syncMapItems.list()).toEqual([]);
  });
});
