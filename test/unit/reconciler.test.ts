/**
 * mcp-bridge/src/server/reconciler.ts against the emulator: a reconciliation turn holds the call
 * that asked for it at most its in-call time; a slower one (here every Twilio answer held 300 ms)
 * goes on in the background and stores what the webhook missed for the next call.
 */
import { Reconciler } from '../../mcp-bridge/src/server/reconciler';
import { createLogger } from '../../mcp-bridge/src/hosts/stderr-logger';
import { OURS, useStoreHarness } from './support/store-harness';

const h = useStoreHarness();
const quiet = createLogger({ logPii: false, write: () => undefined });
const HANDSET = '+14155550199';

function reconcilerOf(service: ReturnType<typeof h.fresh>, inCallMs = 200): Reconciler {
  return new Reconciler({ twilio: async () => h.client, sync: async () => service.gateway, intervalMs: 60_000, log: quiet, now: Date.now }, () => 0, inCallMs);
}

test('a quick turn runs within the call: true, and the message is stored before the read', async () => {
  const service = h.fresh();
  const store = service.store({ now: () => new Date() });
  await h.emulator.simulateInbound({ from: HANDSET, to: OURS, body: 'missed by the webhook' });
  // A quick turn takes about 140 ms here alone; 2 s leaves room for a machine busy with other tests.
  expect(await reconcilerOf(service, 2000).catchUp(store, [OURS])).toBe(true);
  expect((await service.thread(OURS, HANDSET)).map((m) => m.body)).toContain('missed by the webhook');
});

test('a slow turn returns the call after its in-call time and finishes in the background', async () => {
  const service = h.fresh();
  const store = service.store({ now: () => new Date() });
  await h.emulator.simulateInbound({ from: HANDSET, to: OURS, body: 'missed, slowly' });
  h.emulator.setLatency(300);
  try {
    const started = Date.now();
    expect(await reconcilerOf(service).catchUp(store, [OURS])).toBe(false);
    expect(Date.now() - started).toBeLessThan(600);
    let bodies: string[] = [];
    for (let i = 0; i < 100 && !bodies.includes('missed, slowly'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      h.emulator.setLatency(undefined);
      bodies = (await service.thread(OURS, HANDSET)).map((m) => m.body);
      h.emulator.setLatency(300);
    }
    expect(bodies).toContain('missed, slowly');
  } finally {
    h.emulator.setLatency(undefined);
  }
});
