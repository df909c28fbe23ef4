/**
 * The factory takes what its host decides (mcp-bridge/src/server/host.ts) and assumes none of it:
 * the Twilio client, whether a guard in memory will do, subscriptions, result tracking. The
 * process host (stdio, HTTP) keeps the behaviour it had; a stateless host refuses to run without Sync.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { loadConfig } from '../../mcp-bridge/src/hosts/env-config';
import { processHost } from '../../mcp-bridge/src/hosts/process-host';
import { createLogger } from '../../mcp-bridge/src/hosts/stderr-logger';
import type { BridgeConfig } from '../../mcp-bridge/src/server/bridge-config';
import { createServer } from '../../mcp-bridge/src/server/create-server';
import { createDeps, createShared } from '../../mcp-bridge/src/server/deps';
import type { Host } from '../../mcp-bridge/src/server/host';
import { ResultDelivery } from '../../mcp-bridge/src/server/result-delivery';
import { UNTRACKED } from '../../mcp-bridge/src/server/result-tracking';
import { SyncSendGuard } from '../../lib/guard/sync-send-guard';

const SYNC = `IS${'1'.repeat(32)}`;
const log = createLogger({ logPii: false, write: () => undefined });

function config(env: NodeJS.ProcessEnv = {}): BridgeConfig {
  const loaded = loadConfig({ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'token', TWILIO_PHONE_NUMBER: '+15005550006', ...env });
  if (!loaded.ok) throw new Error(loaded.error);
  return loaded.config;
}

const noTwilio = () => Promise.reject(new Error('no Twilio in this test'));
const stateless: Host = { twilio: noTwilio, processLocalGuard: false, subscriptions: false, resultTracking: 'none' };

async function initialized(host: Host) {
  const c = config();
  const server = createServer(createDeps(c, log, createShared(c, log, host)));
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'unit', version: '1' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return { client, close: () => Promise.all([client.close(), server.close()]) };
}

test('the process host: subscriptions on, results tracked, a guard in memory accepted without Sync', () => {
  const c = config();
  const host = processHost(c, log);
  expect(host).toMatchObject({ processLocalGuard: true, subscriptions: true, resultTracking: 'give-back' });
  const deps = createDeps(c, log, createShared(c, log, host));
  expect(deps.delivery).toBeInstanceOf(ResultDelivery);
  expect(deps.subscriptions).toBe(true);
  expect(deps.twilio).toBe(host.twilio);
});

test('a host that does not accept a guard in memory refuses to run without Sync, saying what to set', () => {
  expect(() => createShared(config(), log, stateless)).toThrow(/must be in Sync\. Set TWILIO_SYNC_SERVICE_SID/);
  const withSync = config({ TWILIO_SYNC_SERVICE_SID: SYNC });
  const shared = createShared(withSync, log, stateless);
  expect(shared.guardOf('shared').guard).toBeInstanceOf(SyncSendGuard);
});

test('results untracked where the host cannot see a later cancellation', () => {
  const c = config({ TWILIO_SYNC_SERVICE_SID: SYNC });
  const deps = createDeps(c, log, createShared(c, log, stateless));
  expect(deps.delivery).toBe(UNTRACKED);
  const undo = jest.fn(async () => undefined);
  const aborted = new AbortController();
  aborted.abort();
  deps.delivery.onUndelivered({ requestId: 1, signal: aborted.signal }, undo);
  expect(undo).not.toHaveBeenCalled();
});

test.each([
  [true, true],
  [false, undefined],
])('subscriptions %p: resources.subscribe advertised as %p, the resources listed either way', async (subscriptions, advertised) => {
  const { client, close } = await initialized({ ...processHost(config(), log), subscriptions });
  try {
    expect(client.getServerCapabilities()?.resources?.subscribe).toBe(advertised);
    expect((await client.listResourceTemplates()).resourceTemplates.map((t) => t.name)).toEqual(['conversation']);
    if (!subscriptions) await expect(client.subscribeResource({ uri: 'sms://conversations/conv_0123456789abcdef' })).rejects.toThrow(/Method not found/);
  } finally {
    await close();
  }
});

test('an untracked host takes a result as delivered: its confirmation runs at once and settled() waits for it (a stateless answer leaves after)', async () => {
  let finish!: () => void;
  const confirmed: string[] = [];
  UNTRACKED.onDelivered({ requestId: 1, signal: new AbortController().signal }, () => new Promise<void>((done) => (finish = done)).then(() => void confirmed.push('handover')));
  let settled = false;
  const waiting = UNTRACKED.settled().then(() => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  expect(settled).toBe(false);
  finish();
  await waiting;
  expect(confirmed).toEqual(['handover']);
  // A confirmation that fails is still settled (the handover comes back at its deadline, marked).
  UNTRACKED.onDelivered({ requestId: 2, signal: new AbortController().signal }, () => Promise.reject(new Error('Sync down')));
  await expect(UNTRACKED.settled()).resolves.toBeUndefined();
  // Nothing is ever given back: an untracked host cannot see a lost answer.
  const undo = jest.fn(async () => undefined);
  UNTRACKED.onUndelivered({ requestId: 3, signal: new AbortController().signal }, undo);
  await UNTRACKED.settled();
  expect(undo).not.toHaveBeenCalled();
});
