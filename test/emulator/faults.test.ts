import { startEmulator, type Emulator } from '../../emulator';
import { restError, tokenClient } from './test-helpers';

const MESSAGES_ROUTE = '/2010-04-01/Accounts/{AccountSid}/Messages.json';

describe('injected faults', () => {
  let emulator: Emulator;

  beforeEach(async () => {
    emulator = await startEmulator({ deliveryStepMs: 10_000, seed: 42 });
  });
  afterEach(() => emulator.close());

  const send = (client = tokenClient(emulator)) =>
    client.messages.create({ to: '+15552220001', from: '+15005550006', body: 'fault test' });

  it.each([
    [429, 20429],
    [500, 20500],
    [503, 20503],
  ] as const)('answers %i in Twilio\'s error shape without applying the request', async (kind, code) => {
    emulator.injectFault({ kind, method: 'POST', route: MESSAGES_ROUTE, times: 1 });
    const error = await restError(send());
    expect(error).toMatchObject({ status: kind, code, moreInfo: `https://www.twilio.com/docs/errors/${code}` });
    expect(emulator.messages()).toHaveLength(0);
    // times: 1 → the next request goes through.
    await expect(send()).resolves.toMatchObject({ status: 'queued' });
    expect(emulator.count({ method: 'POST', route: MESSAGES_ROUTE })).toBe(2);
    expect(emulator.requests().map((r) => r.status)).toEqual([kind, 201]);
  });

  it('applies the request and then fails when afterHandling (the ambiguous failure)', async () => {
    emulator.injectFault({ kind: 500, method: 'POST', route: MESSAGES_ROUTE, afterHandling: true, times: 1 });
    expect(await restError(send())).toMatchObject({ status: 500 });
    expect(emulator.messages()).toHaveLength(1);
  });

  it('resets the connection before or after handling', async () => {
    emulator.injectFault({ kind: 'reset', route: MESSAGES_ROUTE, times: 1 });
    await expect(send()).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(emulator.messages()).toHaveLength(0);

    emulator.injectFault({ kind: 'reset', route: MESSAGES_ROUTE, times: 1, afterHandling: true });
    await expect(send()).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(emulator.messages()).toHaveLength(1);
    expect(emulator.requests().map((r) => r.status)).toEqual([0, 0]);
  });

  it('holds the response on a timeout until the client gives up', async () => {
    emulator.injectFault({ kind: 'timeout', route: MESSAGES_ROUTE, delayMs: 5_000, times: 1, afterHandling: true });
    const started = Date.now();
    await expect(send(tokenClient(emulator, { timeoutMs: 150 }))).rejects.toThrow(/timeout/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(emulator.messages()).toHaveLength(1); // created, though the client never heard
  });

  it('drops a timed-out connection after delayMs', async () => {
    emulator.injectFault({ kind: 'timeout', product: 'api', delayMs: 80, times: 1 });
    const started = Date.now();
    await expect(send()).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    expect(emulator.messages()).toHaveLength(0);
  });

  it('matches by product, method and RegExp route, and counts faulted requests', async () => {
    const serviceSid = emulator.createSyncService();
    emulator.injectFault({ kind: 503, product: 'sync', method: 'GET', route: /\/Lists\/\{ListSid\}\/Items$/ });
    const sync = tokenClient(emulator).sync.v1.services(serviceSid);
    const list = await sync.syncLists.create({});
    await sync.syncLists(list.sid).syncListItems.create({ data: {} }); // POST: unaffected
    expect(await restError(sync.syncLists(list.sid).syncListItems.list())).toMatchObject({ status: 503 });
    expect(await restError(sync.syncLists(list.sid).syncListItems.list())).toMatchObject({ status: 503 });
    await expect(send()).resolves.toBeDefined(); // api: unaffected
    expect(emulator.count({ product: 'sync', method: 'GET' })).toBe(2);
    emulator.clearFaults();
    await expect(sync.syncLists(list.sid).syncListItems.list()).resolves.toHaveLength(1);
  });

  it('fires with the given probability, reproducibly with a seed', async () => {
    const outcomes = async () => {
      const seeded = await startEmulator({ seed: 7, deliveryStepMs: 10_000 });
      try {
        seeded.injectFault({ kind: 500, probability: 0.5 });
        const results: number[] = [];
        for (let i = 0; i < 20; i++) {
          const error = await restError(tokenClient(seeded).incomingPhoneNumbers.list()).catch(() => null);
          results.push(error?.status ?? 200);
        }
        return results;
      } finally {
        await seeded.close();
      }
    };
    const first = await outcomes();
    expect(first.filter((s) => s === 500).length).toBeGreaterThan(3);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(3);
    expect(await outcomes()).toEqual(first);
  });

  it('refuses an invalid fault spec', () => {
    expect(() => emulator.injectFault({ kind: 500, probability: 2 })).toThrow(/probability/);
    expect(() => emulator.injectFault({ kind: 500, times: 0 })).toThrow(/times/);
  });
});
