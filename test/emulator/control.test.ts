import { startEmulator, type Emulator, type InboundResult, type MessageResource } from '../../emulator';
import { eventually, startReceiver, tokenClient, type WebhookReceiver } from './test-helpers';

describe('control routes and request counting', () => {
  let emulator: Emulator;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    emulator = await startEmulator({ deliveryStepMs: 10 });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await emulator.close();
    await receiver.close();
  });

  async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${emulator.url}/_emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : null };
  }

  it('reports health without auth and without being counted', async () => {
    emulator.resetCounts();
    const health = await control('GET', '/health');
    expect(health).toEqual({ status: 200, json: { status: 'ok', url: emulator.url, accountSid: emulator.accountSid } });
    expect(emulator.count()).toBe(0);
  });

  it('simulates an inbound message and lists messages by direction', async () => {
    const client = tokenClient(emulator);
    const [number] = await client.incomingPhoneNumbers.list();
    await client.incomingPhoneNumbers(number!.sid).update({ smsUrl: `${receiver.url}/in` });
    const inbound = await control('POST', '/inbound', { from: '+15553330001', to: '+15005550006', body: 'over http' });
    expect(inbound.status).toBe(200);
    const result = inbound.json as InboundResult;
    expect(result.delivered).toBe(true);
    expect(receiver.received.at(-1)?.params.MessageSid).toBe(result.messageSid);

    await client.messages.create({ to: '+15553330002', from: '+15005550006', body: 'out' });
    const onlyInbound = (await control('GET', '/messages?direction=inbound')).json as MessageResource[];
    expect(onlyInbound.map((m) => m.sid)).toEqual([result.messageSid]);
    const all = (await control('GET', '/messages')).json as MessageResource[];
    expect(all.map((m) => m.direction)).toEqual(['inbound', 'outbound-api']);

    const bad = await control('POST', '/inbound', { from: '+15553330001', to: '+19999999999', body: 'x' });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toMatch(/not a phone number of this account/);
  });

  it('injects and clears faults, and sets delivery outcomes', async () => {
    const client = tokenClient(emulator);
    expect((await control('POST', '/faults', { kind: 503, product: 'api', route: '/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json' })).status).toBe(201);
    await expect(client.incomingPhoneNumbers.list()).rejects.toMatchObject({ status: 503, code: 20503 });
    expect((await control('DELETE', '/faults')).status).toBe(204);
    await expect(client.incomingPhoneNumbers.list()).resolves.toHaveLength(1);
    expect((await control('POST', '/faults', { kind: 'explode' })).status).toBe(400);

    expect((await control('POST', '/delivery-outcome', { to: '+15553330003', status: 'failed', errorCode: 30005 })).status).toBe(204);
    const message = await client.messages.create({ to: '+15553330003', from: '+15005550006', body: 'x' });
    const failed = await eventually(() => client.messages(message.sid).fetch(), (m) => m.status === 'failed');
    expect(failed.errorCode).toBe(30005);
    expect((await control('POST', '/delivery-outcome', { to: '+15553330003', status: 'failed' })).status).toBe(400);
  });

  it('records every API request with its route template and summarises counts', async () => {
    emulator.resetCounts();
    const client = tokenClient(emulator);
    const serviceSid = emulator.createSyncService();
    const sync = client.sync.v1.services(serviceSid);
    const map = await sync.syncMaps.create({});
    await sync.syncMaps(map.sid).syncMapItems.create({ key: 'a b', data: {} });
    await sync.syncMaps(map.sid).syncMapItems('a b').fetch();
    await sync.syncMaps(map.sid).syncMapItems('missing').fetch().catch(() => undefined);

    const requests = emulator.requests();
    expect(requests.map((r) => [r.method, r.product, r.route, r.status])).toEqual([
      ['POST', 'sync', '/v1/Services/{ServiceSid}/Maps', 201],
      ['POST', 'sync', '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items', 201],
      ['GET', 'sync', '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}', 200],
      ['GET', 'sync', '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}', 404],
    ]);
    expect(requests[2]!.path).toBe(`/sync/v1/Services/${serviceSid}/Maps/${map.sid}/Items/a%20b`);
    expect(emulator.count({ route: /\/Items\/\{Key\}$/ })).toBe(2);
    expect(emulator.count({ method: 'post' })).toBe(2);

    const summary = (await control('GET', '/requests')).json as { total: number; routes: { route: string; count: number; statuses: Record<string, number> }[] };
    expect(summary.total).toBe(4);
    expect(summary.routes.find((r) => r.route.endsWith('{Key}'))).toMatchObject({ count: 2, statuses: { '200': 1, '404': 1 } });
    expect((await control('DELETE', '/requests')).status).toBe(204);
    expect(emulator.count()).toBe(0);
  });

  it('creates Sync services over the control API', async () => {
    const created = await control('POST', '/sync-services', { friendlyName: 'sandbox' });
    expect(created.status).toBe(201);
    const sid = (created.json as { sid: string }).sid;
    const service = await tokenClient(emulator).sync.v1.services(sid).fetch();
    expect(service.friendlyName).toBe('sandbox');
  });
});
