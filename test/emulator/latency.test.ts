import { parseCliArgs } from '../../emulator/cli';
import { startEmulator, type Emulator } from '../../emulator';
import { Latency, parseLatencyFlag, resolveLatency } from '../../emulator/latency';
import { tokenClient } from './test-helpers';

/** Timers may fire a millisecond early on some platforms. */
const SLACK_MS = 2;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

describe('simulated round-trip latency', () => {
  let emulator: Emulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  it('holds every API answer for at least the set delay', async () => {
    emulator = await startEmulator({ latency: 120 });
    const client = tokenClient(emulator);
    const sync = emulator.createSyncService();
    expect(await timed(() => client.api.v2010.accounts(emulator!.accountSid).fetch())).toBeGreaterThanOrEqual(120 - SLACK_MS);
    expect(await timed(() => client.sync.v1.services(sync).syncMaps.create({ uniqueName: 'm' }))).toBeGreaterThanOrEqual(120 - SLACK_MS);
    // Errors too: a 404 is a round trip like any other answer.
    expect(await timed(() => client.sync.v1.services(sync).syncMaps('missing').fetch().catch(() => undefined))).toBeGreaterThanOrEqual(120 - SLACK_MS);
  });

  it('applies each product its own delay, and none to products left out', async () => {
    emulator = await startEmulator({ latency: { api: 0, sync: 150 } });
    const client = tokenClient(emulator);
    const sync = emulator.createSyncService();
    await client.api.v2010.accounts(emulator.accountSid).fetch(); // warm the connection
    expect(await timed(() => client.api.v2010.accounts(emulator!.accountSid).fetch())).toBeLessThan(100);
    expect(await timed(() => client.sync.v1.services(sync).fetch())).toBeGreaterThanOrEqual(150 - SLACK_MS);
  });

  it('does not delay the control API', async () => {
    emulator = await startEmulator({ latency: 400 });
    await fetch(`${emulator.url}/_emulator/health`); // warm the connection
    expect(await timed(() => fetch(`${emulator!.url}/_emulator/health`).then((r) => r.arrayBuffer()))).toBeLessThan(200);
    expect(await timed(() => fetch(`${emulator!.url}/_emulator/requests`).then((r) => r.arrayBuffer()))).toBeLessThan(200);
  });

  it('can be switched on and off at run time', async () => {
    emulator = await startEmulator();
    const client = tokenClient(emulator);
    const account = () => client.api.v2010.accounts(emulator!.accountSid).fetch();
    await account();
    expect(await timed(account)).toBeLessThan(100);
    emulator.setLatency({ api: 150 });
    expect(await timed(account)).toBeGreaterThanOrEqual(150 - SLACK_MS);
    emulator.setLatency(undefined);
    expect(await timed(account)).toBeLessThan(100);
  });

  it('applies the request halfway through the round trip', async () => {
    emulator = await startEmulator({ latency: { api: 300 }, deliveryStepMs: 60_000 });
    const client = tokenClient(emulator);
    const sending = client.messages.create({ to: '+15552220001', from: '+15005550006', body: 'hi' });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(emulator.messages()).toHaveLength(0); // the request is still on its way
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(emulator.messages()).toHaveLength(1); // taken effect, the answer on its way back
    await expect(sending).resolves.toMatchObject({ status: 'queued' });
  });

  it('keeps jitter within [delay, delay + jitterMs), reproducibly for a seed', () => {
    const draws = (seed: number) => {
      const latency = new Latency({ api: 50, sync: 80, jitterMs: 20 }, Latency.randomFor(seed));
      return Array.from({ length: 500 }, (_, i) => latency.draw(i % 2 ? 'sync' : 'api'));
    };
    const first = draws(7);
    for (const [i, ms] of first.entries()) {
      const base = i % 2 ? 80 : 50;
      expect(ms).toBeGreaterThanOrEqual(base);
      expect(ms).toBeLessThan(base + 20);
    }
    expect(new Set(first.map(Math.floor)).size).toBeGreaterThan(20); // it does vary
    expect(draws(7)).toEqual(first);
    expect(draws(8)).not.toEqual(first);
    // Without jitter the delay is exact, and products left out have none.
    const exact = new Latency({ sync: 80 }, () => 0.99);
    expect([exact.draw('sync'), exact.draw('api'), exact.draw('serverless')]).toEqual([80, 0, 0]);
  });

  it('holds jittered answers within bounds end to end', async () => {
    emulator = await startEmulator({ latency: { api: 60, jitterMs: 40 }, seed: 3 });
    const client = tokenClient(emulator);
    const account = () => client.api.v2010.accounts(emulator!.accountSid).fetch();
    await account();
    for (let i = 0; i < 5; i++) {
      const ms = await timed(account);
      expect(ms).toBeGreaterThanOrEqual(60 - SLACK_MS);
      expect(ms).toBeLessThan(60 + 40 + 80); // the delay, the jitter, and loopback's own time
    }
  });

  it('refuses negative or non-numeric delays', () => {
    expect(() => resolveLatency(-1)).toThrow(/latency ms must be a number of ms >= 0/);
    expect(() => resolveLatency({ sync: Number.NaN })).toThrow(/latency sync/);
    expect(() => resolveLatency({ jitterMs: -5 })).toThrow(/latency jitterMs/);
  });
});

describe('--latency-ms and --jitter-ms', () => {
  it('parses one delay for every product, or one per product', () => {
    expect(parseLatencyFlag('80', undefined)).toBe(80);
    expect(parseLatencyFlag('api=50,sync=80', undefined)).toEqual({ api: 50, sync: 80 });
    expect(parseLatencyFlag('api=50, sync=80', 10)).toEqual({ api: 50, sync: 80, jitterMs: 10 });
    expect(parseLatencyFlag('40', 5)).toEqual({ api: 40, messaging: 40, content: 40, sync: 40, serverless: 40, 'serverless-upload': 40, jitterMs: 5 });
    for (const bad of ['fast', '-5', 'voice=20', 'api=', 'api=5=6', 'api=x', ',', '99999999']) expect(parseLatencyFlag(bad, undefined)).toMatch(/--latency-ms must be/);
  });

  it('sets the latency option from flags or the environment', () => {
    expect(parseCliArgs(['--latency-ms', 'api=50,sync=80', '--jitter-ms', '10'], {})).toMatchObject({
      kind: 'run',
      config: { options: { latency: { api: 50, sync: 80, jitterMs: 10 } } },
    });
    expect(parseCliArgs([], { EMULATOR_LATENCY_MS: '150' })).toMatchObject({ kind: 'run', config: { options: { latency: 150 } } });
    const none = parseCliArgs([], {});
    expect(none.kind === 'run' && 'latency' in none.config.options).toBe(false);
    expect(parseCliArgs(['--latency-ms', 'slow'], {})).toMatchObject({ kind: 'error', message: expect.stringMatching(/--latency-ms must be .*EMULATOR_LATENCY_MS/) });
    expect(parseCliArgs(['--jitter-ms', '1.5'], {})).toMatchObject({ kind: 'error', message: expect.stringMatching(/--jitter-ms must be an integer/) });
  });
});
