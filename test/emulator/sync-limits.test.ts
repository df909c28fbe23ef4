/**
 * Sync's size and key limits as Twilio states them, for every kind of item: data ≤ 16 KiB of
 * serialized JSON in UTF-8 bytes (400 / 54006, https://www.twilio.com/docs/api/errors/54006) on
 * create and update of List items, Map items and Documents; Map item keys of 1–256 characters
 * (400 / 54209, https://www.twilio.com/docs/api/errors/54209; the API reference's 320 is not
 * relied on). Errors in Twilio's REST shape: code, message, more_info, status.
 */
import { startEmulator, type Emulator } from '../../emulator';
import { raw, restError, tokenClient } from './test-helpers';

const LIMIT = 16 * 1024;
/** `{"s":"<fill>"}` of exactly `bytes` UTF-8 bytes, filled with `unit` (whose byte length divides the room). */
function dataOf(bytes: number, unit = 'x'): { s: string } {
  const room = bytes - '{"s":""}'.length;
  const unitBytes = Buffer.byteLength(unit);
  const data = { s: unit.repeat(Math.floor(room / unitBytes)) + 'x'.repeat(room % unitBytes) };
  expect(Buffer.byteLength(JSON.stringify(data))).toBe(bytes);
  return data;
}

describe('emulated Sync limits', () => {
  let emulator: Emulator;
  const serviceSid = `IS${'2'.repeat(32)}`;
  beforeAll(async () => {
    emulator = await startEmulator({ syncServices: [serviceSid], syncLimits: false });
  });
  afterAll(() => emulator.close());
  const service = () => tokenClient(emulator).sync.v1.services(serviceSid);

  it.each(['x', '😀', 'é'])('accepts data of exactly 16 KiB and refuses one byte more (54006) in every kind of item, counting %s in UTF-8 bytes', async (unit) => {
    const atLimit = dataOf(LIMIT, unit);
    const over = dataOf(LIMIT + 1, unit);
    const list = await service().syncLists.create({});
    const map = await service().syncMaps.create({});
    const listItems = service().syncLists(list.sid).syncListItems;
    const mapItems = service().syncMaps(map.sid).syncMapItems;

    await expect(listItems.create({ data: atLimit })).resolves.toMatchObject({ index: 0 });
    await expect(mapItems.create({ key: 'k', data: atLimit })).resolves.toMatchObject({ key: 'k' });
    const document = await service().documents.create({ data: atLimit });
    const refusals = [
      listItems.create({ data: over }),
      listItems(0).update({ data: over }),
      mapItems.create({ key: 'k2', data: over }),
      mapItems('k').update({ data: over }),
      service().documents.create({ data: over }),
      service().documents(document.sid).update({ data: over }),
    ];
    for (const refused of refusals) {
      expect(await restError(refused)).toEqual({
        status: 400,
        code: 54006,
        message: expect.stringMatching(/^Request entity too large/),
        moreInfo: 'https://www.twilio.com/docs/errors/54006',
      });
    }
    // Nothing refused was stored or changed.
    expect((await listItems.list()).length).toBe(1);
    expect((await mapItems.list()).map((item) => item.key)).toEqual(['k']);
    expect((await listItems(0).fetch()).data).toEqual(atLimit);
  });

  it('counts the Data as sent when it is larger than its re-serialization (escapes, whitespace)', async () => {
    const list = await service().syncLists.create({});
    // 16,384 bytes once parsed, more as sent: "\u00e9" is six bytes on the wire, é two.
    const parsed = dataOf(LIMIT, 'é');
    const sent = JSON.stringify(parsed).replace('é', '\\u00e9');
    const answer = await raw(emulator, 'POST', `/sync/v1/Services/${serviceSid}/Lists/${list.sid}/Items`, { auth: 'token', form: { Data: sent } });
    expect(answer.json).toMatchObject({ status: 400, code: 54006 });
  });

  it('takes map keys of 1 to 256 characters and refuses others with 54209', async () => {
    const map = await service().syncMaps.create({});
    const items = service().syncMaps(map.sid).syncMapItems;
    await expect(items.create({ key: 'k'.repeat(256), data: {} })).resolves.toMatchObject({ key: 'k'.repeat(256) });
    await expect(items.create({ key: 'a', data: {} })).resolves.toMatchObject({ key: 'a' });
    for (const key of ['k'.repeat(257), 'k'.repeat(320)]) {
      expect(await restError(items.create({ key, data: {} }))).toEqual({
        status: 400,
        code: 54209,
        message: 'Invalid Map Item key: the Map Item key must be a string with length 1-256',
        moreInfo: 'https://www.twilio.com/docs/errors/54209',
      });
    }
    const empty = await raw(emulator, 'POST', `/sync/v1/Services/${serviceSid}/Maps/${map.sid}/Items`, { auth: 'token', form: { Key: '', Data: '{}' } });
    expect(empty.json).toMatchObject({ status: 400, code: 54209 });
    const missing = await raw(emulator, 'POST', `/sync/v1/Services/${serviceSid}/Maps/${map.sid}/Items`, { auth: 'token', form: { Data: '{}' } });
    expect(missing.json).toMatchObject({ status: 400, code: 20001 });
  });
});
