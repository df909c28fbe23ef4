/**
 * send_sms's calls to Twilio one after another, through the real bridge process: with every
 * answer held 300 ms, the emulator's request log shows which calls waited for which
 * (roundTripsOf), and so the round trips of one send. Without a delivery wait a send
 * is the create plus three waves of Sync calls (issue 16): the guard and the opt-out read
 * together; the create; the thread item, the inbox count and the guard's record together; the
 * sid entry. The bench (npm run bench, real-latency) times the same at 50 and 150 ms.
 */
import { roundTripsOf, startEmulator, type Emulator } from '../../emulator';
import { allInboxShards } from '../../lib/sync-names';
import { createTwilioClient } from '../../lib/twilio-client';
import { startBridge, type BridgeProcess } from '../../scripts/system/bridge-process';
import { emulatorBridgeEnv } from '../support/emulator-bridge-env';

const RTT_MS = 300;
let emulator: Emulator;
let bridge: BridgeProcess;

beforeAll(async () => {
  emulator = await startEmulator({ phoneNumbers: ['+15005550006'], syncLimits: false });
  const sync = emulator.createSyncService('round-trips');
  // The inbox shards exist once a service is in use (npm run setup makes them).
  const service = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url }).sync.v1.services(sync);
  for (const uniqueName of allInboxShards()) await service.syncMaps.create({ uniqueName });
  bridge = await startBridge(emulatorBridgeEnv(emulator, { TWILIO_SYNC_SERVICE_SID: sync, SEND_WAIT_SECONDS: '0', STATUS_CALLBACK_BASE_URL: '', RECONCILE_INTERVAL_SECONDS: '0', SEND_LIMIT_PER_MINUTE: '100' }));
  // The process's first send: its count follows the ledgers' read, and it makes the sender's
  // claims Map and the ledgers.
  await bridge.call('send_sms', { to: '+14155550600', body: 'warm-up' });
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  await emulator?.close();
});

/** The requests of one call, by round trip (roundTripsOf). */
async function wavesOf(call: () => Promise<unknown>): Promise<string[][]> {
  const before = emulator.requests().length;
  emulator.setLatency({ api: RTT_MS, sync: RTT_MS });
  try {
    await call();
  } finally {
    emulator.setLatency(undefined);
  }
  return roundTripsOf(emulator.requests().slice(before)).map((wave) => wave.map((request) => `${request.method} ${request.product} ${request.route.replace(/^\/v1\/Services\/\{ServiceSid\}/, '').replace(/^\/2010-04-01\/Accounts\/\{AccountSid\}/, '')}`).sort());
}

test('to an existing conversation: the create and three waves of Sync calls', async () => {
  await bridge.call('send_sms', { to: '+14155550610', body: 'first' });
  const waves = await wavesOf(() => bridge.call('send_sms', { to: '+14155550610', body: 'again' }));
  expect(waves).toEqual([
    // The guard's claim, the ledgers' read and its count; the opt-out check's inbox read.
    ['GET sync /Maps/{MapSid}/Items', 'GET sync /Maps/{MapSid}/Items/{Key}', 'POST sync /Maps/{MapSid}/Items', 'POST sync /Maps/{MapSid}/Items/{Key}'],
    ['POST api /Messages.json'],
    // The thread item, the inbox count, the guard's record of the SID.
    ['POST sync /Lists/{ListSid}/Items', 'POST sync /Maps/{MapSid}/Items/{Key}', 'POST sync /Maps/{MapSid}/Items/{Key}'],
    // The sid entry status callbacks look up.
    ['POST sync /Maps/{MapSid}/Items'],
  ]);
}, 30_000);

test('to someone new: the same waves, the thread and sid Map made during the create', async () => {
  const waves = await wavesOf(() => bridge.call('send_sms', { to: '+14155550620', body: 'hello' }));
  expect(waves).toEqual([
    ['GET sync /Maps/{MapSid}/Items', 'GET sync /Maps/{MapSid}/Items/{Key}', 'POST sync /Maps/{MapSid}/Items', 'POST sync /Maps/{MapSid}/Items/{Key}'],
    ['POST api /Messages.json', 'POST sync /Lists', 'POST sync /Maps'],
    // A new conversation's inbox entry is a create, not an update.
    ['POST sync /Lists/{ListSid}/Items', 'POST sync /Maps/{MapSid}/Items', 'POST sync /Maps/{MapSid}/Items/{Key}'],
    ['POST sync /Maps/{MapSid}/Items'],
  ]);
}, 30_000);
