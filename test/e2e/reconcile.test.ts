/**
 * Reconciliation from Twilio's message log through the real processes: the emulator keeps every
 * message as Twilio does; the Functions under twilio-run store what their webhook receives; the
 * built bridge (and the built `npm run reconcile`) store what the webhook missed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { conversationIdFor } from '../../lib/conversation-id';
import { runReconciliation } from '../../lib/reconcile/run';
import { ReconcileSchedule } from '../../lib/reconcile/schedule';
import { MessageStore } from '../../lib/store/message-store';
import { SyncGateway } from '../../lib/store/sync-gateway';
import { startBridge, textOf, type BridgeProcess } from '../../scripts/system/bridge-process';
import { freePort } from '../../scripts/system/ports';
import { ROOT } from '../support/paths';
import { eventually, MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';
import { SEARCH_EVERY_TURNS } from '../../lib/reconcile/unsettled';

const run = promisify(execFile);
let system: System;
let bridge: BridgeProcess;

const listCalls = () => system.emulator.count({ method: 'GET', product: 'api', route: '/2010-04-01/Accounts/{AccountSid}/Messages.json' });

async function pointWebhookAt(url: string) {
  const [number] = await system.twilio.incomingPhoneNumbers.list({ phoneNumber: MAGIC_FROM_NUMBER });
  await system.twilio.incomingPhoneNumbers(number!.sid).update({ smsUrl: url });
}

async function threadSids(conversationId: string): Promise<string[]> {
  const list = system.twilio.sync.v1.services(system.syncServiceSid).syncLists(`thread_${conversationId}`);
  const items = await list.syncListItems.list({ pageSize: 100 }).catch((error: { status?: number }) => {
    if (error.status === 404) return []; // no message stored yet
    throw error;
  });
  return items.map((item) => (item.data as { sid: string }).sid);
}

beforeAll(async () => {
  system = await startSystem();
  // A turn at most every 2 s, so one test's calls can see both a due and a spent turn.
  bridge = await startBridge(system.bridgeEnv({ RECONCILE_INTERVAL_SECONDS: '2' }));
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  await system?.close();
});

test('Functions stopped: 20 texts whose webhook hit a dead port all come out of receive_sms once, in order, for two Messages API calls (the To and From lists of its number)', async () => {
  const handset = '+14155550201';
  const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
  await pointWebhookAt(`http://127.0.0.1:${await freePort()}/sms/incoming`);
  const sids: string[] = [];
  for (let i = 1; i <= 20; i++) {
    const delivery = await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: `message ${i}` });
    expect(delivery.delivered).toBe(false);
    sids.push(delivery.messageSid);
  }
  await pointWebhookAt(`${system.functions.url}/sms/incoming`);
  expect(await threadSids(conversationId)).toEqual([]);

  const before = listCalls();
  const first = await bridge.call('receive_sms');
  const received = (first.structuredContent as { messages: { sid: string; body: string }[] }).messages;
  expect(received.map((m) => m.sid)).toEqual(sids);
  expect(received.map((m) => m.body)).toEqual(sids.map((_, i) => `message ${i + 1}`));
  expect(textOf(first)).toContain('20 new messages');
  expect(listCalls() - before).toBe(2);
  expect(await threadSids(conversationId)).toEqual(sids);

  // Stored as the webhook stores, and handed over once: the next turn finds them all present
  // (due an interval later, and up to half an interval more at random: server/reconciler.ts).
  await new Promise((resolve) => setTimeout(resolve, 3100));
  const second = await bridge.call('receive_sms');
  expect(second.structuredContent).toEqual({ messages: [] });
  expect(listCalls() - before).toBe(4);
  const listed = await bridge.call('list_conversations');
  expect((listed.structuredContent as { conversations: { conversationId: string; messageCount: number; unreadCount: number }[] }).conversations).toContainEqual(
    expect.objectContaining({ conversationId, messageCount: 20, unreadCount: 0 }),
  );
  // Within the interval no read tool lists the log again.
  expect(listCalls() - before).toBe(4);
  console.log(`reconcile e2e: 20 of 20 messages recovered from the log; ${listCalls() - before} Messages API list call(s) over two turns`);
});

test('webhook and reconciliation racing on the same messages store each once and hand each over once', async () => {
  const handset = '+14155550202';
  const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
  const sync = new SyncGateway(system.twilio, system.syncServiceSid);
  const schedule = new ReconcileSchedule(sync, 60_000);
  const reconcileNow = () => runReconciliation({ client: system.twilio, store: new MessageStore(sync), schedule, now: () => new Date() }, [MAGIC_FROM_NUMBER], { force: true });
  const sids: string[] = [];
  let texting = true;
  let storedByReconcile = 0;
  const racing = (async () => {
    let runs = 0;
    while (texting) {
      const { report } = await reconcileNow();
      runs += 1;
      storedByReconcile += report?.stored ?? 0;
    }
    return runs;
  })();
  try {
    for (let i = 1; i <= 20; i++) {
      // While reconciliation holds a message's claim the webhook answers 503, and Twilio retries.
      const retrying = { retries: 5, retryDelayMs: 50 };
      const delivery = await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: `race ${i}`, ...retrying });
      expect(delivery.delivered).toBe(true);
      // Each text delivered twice (same MessageSid), as a replayed webhook is.
      await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: `race ${i}`, messageSid: delivery.messageSid, ...retrying });
      sids.push(delivery.messageSid);
    }
  } finally {
    texting = false;
  }
  const runs = await racing;
  expect(runs).toBeGreaterThan(1);
  // The built operator script, once more over the same messages.
  const { stdout } = await run(process.execPath, ['build/scripts/reconcile.js', '--since', new Date(Date.now() - 3600_000).toISOString()], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...system.bridgeEnv() },
  });
  expect(stdout).toMatch(/stored 0 message\(s\) the store lacked; \d+ already stored/);

  const stored = await threadSids(conversationId);
  expect([...stored].sort()).toEqual([...sids].sort());
  expect(new Set(stored).size).toBe(20);
  const received = (await bridge.call('receive_sms', { conversationId })).structuredContent as { messages: { sid: string }[] };
  expect(received.messages.map((m) => m.sid).sort()).toEqual([...sids].sort());
  expect((await bridge.call('receive_sms', { conversationId })).structuredContent).toEqual({ messages: [] });
  const listed = await bridge.call('list_conversations');
  expect((listed.structuredContent as { conversations: { conversationId: string; messageCount: number; unreadCount: number }[] }).conversations).toContainEqual(
    expect.objectContaining({ conversationId, messageCount: 20, unreadCount: 0 }),
  );
  console.log(`reconcile e2e: ${runs} reconciliation runs raced the webhook over 20 messages (each delivered twice): 20 stored (${storedByReconcile} of them by reconciliation first), 0 duplicates`);
});

test('a status callback lost: get_conversation shows the final status after the next turn', async () => {
  const handset = '+14155550203';
  const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
  // Callbacks to a dead port, and no wait in send_sms: only the log can tell the final status.
  const deaf = await startBridge(system.bridgeEnv({ RECONCILE_INTERVAL_SECONDS: '1', SEND_WAIT_SECONDS: '0', STATUS_CALLBACK_BASE_URL: `http://127.0.0.1:${await freePort()}` }));
  try {
    const sent = await deaf.call('send_sms', { to: handset, body: 'Your table is ready.' });
    expect(textOf(sent)).toMatch(/^\[FINAL\]/);
    const sid = (sent.structuredContent as { sid: string }).sid;
    await eventually(async () => system.emulator.messages().find((m) => m.sid === sid && m.status === 'delivered'));
    const status = async () => {
      const thread = (await deaf.call('get_conversation', { conversationId })).structuredContent as { messages: { sid: string; status: string }[] };
      return thread.messages.find((m) => m.sid === sid)?.status;
    };
    expect(await status()).not.toBe('delivered');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await deaf.call('list_conversations');
    expect(await status()).toBe('delivered');
  } finally {
    await deaf.close();
  }
});

test('an outbound message that failed before it was sent (no DateSent) and lost its callback: get_conversation shows failed after the next search (every tenth turn at most)', async () => {
  const handset = '+14155550204';
  const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
  system.emulator.setDeliveryOutcome(handset, { status: 'failed', errorCode: 30007 });
  const deaf = await startBridge(system.bridgeEnv({ RECONCILE_INTERVAL_SECONDS: '1', SEND_WAIT_SECONDS: '0', STATUS_CALLBACK_BASE_URL: `http://127.0.0.1:${await freePort()}` }));
  try {
    const sent = await deaf.call('send_sms', { to: handset, body: 'Your order shipped.' });
    const sid = (sent.structuredContent as { sid: string }).sid;
    await eventually(async () => system.emulator.messages().find((m) => m.sid === sid && m.status === 'failed' && m.date_sent === null));
    const status = async () => {
      const thread = (await deaf.call('get_conversation', { conversationId })).structuredContent as { messages: { sid: string; status: string }[] };
      return thread.messages.find((m) => m.sid === sid)?.status;
    };
    expect(await status()).not.toBe('failed');
    // Turns every second; the store's records are searched every SEARCH_EVERY_TURNS of them at most.
    const started = Date.now();
    await eventually(async () => {
      await deaf.call('list_conversations');
      return (await status()) === 'failed';
    }, 20_000);
    expect(Date.now() - started).toBeLessThan((SEARCH_EVERY_TURNS + 5) * 1000);
  } finally {
    await deaf.close();
  }
});
