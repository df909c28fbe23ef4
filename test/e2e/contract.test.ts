/**
 * Every request the product makes, checked against Twilio's own OpenAPI descriptions
 * (contract/twilio-oai: api_v2010, sync_v1, messaging_v1). A scripted day of traffic runs through
 * Prism proxies between the product and the emulator: setup, inbound texts, sends to good and
 * failing numbers, status callbacks, every tool, scheduling (from a Messaging Service only, which
 * reads the service's sender pool) and media; then the test's own client sweeps the emulator's
 * routes the day does not reach. The test fails on any request of the product's that violates the
 * description or calls a route it does not have, and on any emulator answer outside the
 * description other than the error answers it does not list (those are checked against Twilio's
 * error shape). Every violation is reported by kind: console, and contract-summary.json / .txt in
 * the test's temp dir.
 *
 * CONTRACT_NO_RELAX=1 runs against Twilio's files unchanged, to count what oai-relax.ts hides
 * (the checks then fail, as they should).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conversationIdFor } from '../../lib/conversation-id';
import { createTwilioClient, type TwilioClient } from '../../lib/twilio-client';
import { startEmulator, type Emulator } from '../../emulator';
import { startBridge, textOf, type BridgeProcess } from '../../scripts/system/bridge-process';
import { startContractRouter, type ContractRouter } from '../support/contract-router';
import { loadDescription } from '../support/contract-description';
import { formatSummary, summarize, type ContractSummary } from '../support/contract-report';
import { startFunctions, type FunctionsProcess } from '../../scripts/system/functions-process';
import { API_SPEC, CONTENT_SPEC, MESSAGING_SPEC, SERVERLESS_SPEC, SYNC_SPEC, writeContractSpecs, type ContractSpecs } from '../support/oai-relax';
import { ROOT } from '../support/paths';
import { startPrism, type PrismProcess } from '../support/prism';
import { eventually, MAGIC_FROM_NUMBER } from '../support/system';

jest.setTimeout(60_000);

const MESSAGING_SERVICE = `MG${'c'.repeat(32)}`;
const ALICE = '+14155550301';
const BOB = '+14155550302';
const CAROL = '+14155550303';
const DAVE = '+14155550304';
// A 1×1 transparent PNG, served by a local "file host" for inbound MMS.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

// The summary stays for whoever reads the run; the 2 MB of spec copies do not.
const dir = mkdtempSync(join(tmpdir(), 'sms-mcp-contract-'));
const specDir = mkdtempSync(join(tmpdir(), 'sms-mcp-contract-specs-'));
let specs: ContractSpecs;
let emulator: Emulator;
let prisms: PrismProcess[] = [];
let router: ContractRouter;
let functions: FunctionsProcess | undefined;
let bridge: BridgeProcess | undefined;
let scheduler: BridgeProcess | undefined;
let whatsapper: BridgeProcess | undefined;
let files: Server;
let filesUrl = '';
let syncServiceSid = '';

beforeAll(async () => {
  specs = writeContractSpecs(specDir, { relax: process.env.CONTRACT_NO_RELAX !== '1' });
  files = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': PNG.length }).end(PNG));
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  emulator = await startEmulator({
    phoneNumbers: [MAGIC_FROM_NUMBER],
    messagingServices: [{ sid: MESSAGING_SERVICE, phoneNumbers: [MAGIC_FROM_NUMBER] }],
    deliveryStepMs: 40,
    seed: 13,
  });
  prisms = await Promise.all([
    startPrism(specs.api, `${emulator.url}/api`),
    startPrism(specs.sync, `${emulator.url}/sync`),
    startPrism(specs.messaging, `${emulator.url}/messaging`),
    startPrism(specs.content, `${emulator.url}/content`),
    startPrism(specs.serverless, `${emulator.url}/serverless`),
  ]);
  router = await startContractRouter({ api: prisms[0]!.url, sync: prisms[1]!.url, messaging: prisms[2]!.url, content: prisms[3]!.url, serverless: prisms[4]!.url, emulator: emulator.url });
});

afterAll(async () => {
  await scheduler?.close();
  await whatsapper?.close();
  await bridge?.close();
  await functions?.close();
  await router?.close();
  await Promise.all(prisms.map((prism) => prism.close()));
  await emulator?.close();
  await new Promise((resolve) => files?.close(resolve));
  rmSync(specDir, { recursive: true, force: true });
});

/** `npm run setup` (the built script), talking to Twilio through the router. */
function runSetup(extra: Record<string, string>): Promise<string> {
  const env = {
    PATH: process.env.PATH ?? '',
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: emulator.authToken,
    TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER,
    TWILIO_API_BASE_URL: router.url,
    ...extra,
  };
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [join(ROOT, 'build', 'scripts', 'setup.js')], { env, cwd: ROOT }, (error, stdout, stderr) =>
      error ? reject(new Error(`setup failed: ${stderr}${stdout}`)) : resolve(stdout),
    ),
  );
}

function bridgeEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: emulator.authToken,
    TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER,
    TWILIO_SYNC_SERVICE_SID: syncServiceSid,
    TWILIO_API_BASE_URL: router.url,
    STATUS_CALLBACK_BASE_URL: functions!.url,
    SEND_WAIT_SECONDS: '10',
    SEND_LIMIT_PER_MINUTE: '100',
    SEND_LIMIT_PER_RECIPIENT_PER_MINUTE: '100',
    ...extra,
  };
}

const call = (name: string, args: Record<string, unknown> = {}) => bridge!.call(name, args);
const conversation = (number: string) => conversationIdFor(MAGIC_FROM_NUMBER, number);

describe('the descriptions', () => {
  test("the vendored files are Twilio's, byte for byte", () => {
    const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    expect(sha256(API_SPEC)).toBe('99cae87a6bb1725f71363364cbd30282a13140374b2d5f9bdd5bdfa5d4c8a6d7');
    expect(sha256(SYNC_SPEC)).toBe('0360fe39df8da59ebecefefbeb312aaae2d6e23faf783020486e3a743f499e92');
    expect(sha256(MESSAGING_SPEC)).toBe('ef8fb6b6bfee2334d3cad7ca58568a8984165a4337e7dbb1753d1c257a9e8a52');
    expect(sha256(CONTENT_SPEC)).toBe('292f522ed7a3c7571d7479e23b9bc485fb9e463832fad52e9317eb012de177dd');
    expect(sha256(SERVERLESS_SPEC)).toBe('594d94b79d49ef7658fd8a548075792d12be8253a5a66854290589212d6e9b8d');
  });

  test('"" is allowed only on the fields where an example answer of Twilio\'s has it', () => {
    if (process.env.CONTRACT_NO_RELAX === '1') return;
    const emptied = specs.relaxed.filter((r) => r.change.startsWith('""')).map((r) => r.where.split('.').pop());
    expect([...new Set(emptied)].sort()).toEqual(['request_url', 'sms_application_sid', 'sms_fallback_url', 'sms_url', 'status_callback', 'voice_application_sid']);
  });
});

describe('a scripted day through Prism', () => {
  // Starts the Functions and two bridges besides the two setup runs: slow on a loaded machine.
  test('setup creates the Sync service, then points the number at the local Functions', async () => {
    // The first run is the user's before the Functions run locally: it creates the service.
    const first = await runSetup({ FUNCTIONS_BASE_URL: 'https://twilio-sms-mcp-1234-dev.twil.io' });
    syncServiceSid = /TWILIO_SYNC_SERVICE_SID=(IS[0-9a-f]{32})/.exec(first)?.[1] ?? '';
    expect(first).toContain(`Sync service: created ${syncServiceSid}`);
    functions = await startFunctions({ ACCOUNT_SID: emulator.accountSid, AUTH_TOKEN: emulator.authToken, SYNC_SERVICE_SID: syncServiceSid, TWILIO_API_BASE_URL: router.url });
    const second = await runSetup({ FUNCTIONS_BASE_URL: functions.url, TWILIO_SYNC_SERVICE_SID: syncServiceSid });
    expect(second).toContain(`incoming SMS webhook: updated to POST ${functions.url}/sms/incoming`);
    bridge = await startBridge(bridgeEnv());
    // Messaging Service only: a scheduled send reads the service's sender pool (Messaging API).
    scheduler = await startBridge(bridgeEnv({ TWILIO_PHONE_NUMBER: '', TWILIO_MESSAGING_SERVICE_SID: MESSAGING_SERVICE }));
  }, 120_000);

  test('an empty inbox, then a text from a handset reaches the assistant once', async () => {
    expect((await call('list_conversations')).structuredContent).toMatchObject({ conversations: [] });
    const inbound = await emulator.simulateInbound({ from: ALICE, to: MAGIC_FROM_NUMBER, body: 'Hi, is the shop open today?' });
    expect(inbound.delivered).toBe(true);
    expect((await call('list_conversations')).structuredContent).toMatchObject({ conversations: [{ theirNumber: ALICE, unreadCount: 1 }] });
    expect((await call('receive_sms')).structuredContent).toMatchObject({ messages: [{ from: ALICE, body: 'Hi, is the shop open today?' }] });
    expect((await call('receive_sms', { conversationId: conversation(ALICE) })).structuredContent).toEqual({ messages: [] });
  });

  test('a reply is delivered and its status callbacks reach the thread', async () => {
    const sent = await call('send_sms', { to: ALICE, body: 'Yes, open until 6pm.' });
    expect(sent.structuredContent).toMatchObject({ outcome: 'sent', status: 'delivered' });
    await eventually(async () => {
      const thread = await call('get_conversation', { conversationId: conversation(ALICE) });
      const messages = thread.structuredContent?.messages as { sid: string; status: string }[];
      return messages.some((m) => m.sid === sent.structuredContent?.sid && m.status === 'delivered');
    });
    // Every callback after the first status was posted to the Functions and answered.
    await eventually(async () => emulator.messages().find((m) => m.sid === sent.structuredContent?.sid)?.status === 'delivered');
  });

  test.each([
    ['+15005550001', 21211],
    ['+15005550002', 21612],
    ['+15005550003', 21408],
    ['+15005550004', 21610],
    ['+15005550009', 21614],
  ])('Twilio refuses %s with %i', async (to, code) => {
    const result = await call('send_sms', { to, body: `contract ${code}` });
    expect(result.structuredContent).toMatchObject({ outcome: 'failed', errorCode: code });
  });

  test('a carrier failure arrives as undelivered', async () => {
    emulator.setDeliveryOutcome(BOB, { status: 'undelivered', errorCode: 30003 });
    const result = await call('send_sms', { to: BOB, body: 'Are you there?' });
    expect(result.structuredContent).toMatchObject({ outcome: 'failed', status: 'undelivered', errorCode: 30003 });
  });

  test('wait_for_reply returns a reply that arrives while it waits, and times out when none does', async () => {
    const waiting = call('wait_for_reply', { conversationId: conversation(ALICE), timeoutSeconds: 15 });
    await new Promise((resolve) => setTimeout(resolve, 700));
    await emulator.simulateInbound({ from: ALICE, to: MAGIC_FROM_NUMBER, body: 'Great, see you at 5' });
    expect((await waiting).structuredContent).toMatchObject({ timedOut: false, messages: [{ body: 'Great, see you at 5' }] });
    expect((await call('wait_for_reply', { conversationId: conversation(BOB), timeoutSeconds: 1 })).structuredContent).toMatchObject({ timedOut: true });
  });

  test('media both ways: an inbound MMS is fetched with get_media, an outbound one is sent', async () => {
    await emulator.simulateInbound({ from: CAROL, to: MAGIC_FROM_NUMBER, body: 'look', media: [{ url: `${filesUrl}/cat.png`, contentType: 'image/png' }] });
    const received = await call('receive_sms', { conversationId: conversation(CAROL) });
    const [message] = received.structuredContent?.messages as { media: { url: string }[] }[];
    const media = await call('get_media', { url: message!.media[0]!.url });
    expect(media.structuredContent).toEqual({ contentType: 'image/png', bytes: PNG.length });
    const sent = await call('send_sms', { to: CAROL, body: 'Cute!', mediaUrl: ['https://example.com/heart.png'] });
    expect(sent.structuredContent).toMatchObject({ outcome: 'sent', status: 'delivered' });
  });

  // The scheduler has only the Messaging Service: it reads the service's sender pool, a pool of
  // one, so the message is filed under that number's conversation with Dave.
  test('a scheduled message is listed as scheduled and canceled', async () => {
    const sendAt = new Date(Date.now() + 60 * 60_000).toISOString();
    const scheduled = await scheduler!.call('send_sms', { to: DAVE, body: 'Reminder: dentist at 3pm', sendAt });
    expect(textOf(scheduled)).toMatch(/scheduled for/);
    const sid = String(scheduled.structuredContent?.sid);
    expect((await scheduler!.call('get_conversation', { conversationId: conversation(DAVE) })).structuredContent).toMatchObject({ messages: [{ sid, status: 'scheduled' }] });
    expect(textOf(await scheduler!.call('cancel_scheduled_sms', { sid }))).toBe(`[FINAL] Scheduled SMS ${sid} canceled; it will not be sent.`);
  });

  test('the inbox and threads page, and conversations read as resources', async () => {
    const page = await call('list_conversations', { limit: 2 });
    const cursor = page.structuredContent?.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    expect((await call('list_conversations', { limit: 2, cursor })).structuredContent?.conversations).not.toHaveLength(0);
    const first = await call('get_conversation', { conversationId: conversation(ALICE), limit: 1 });
    const before = first.structuredContent?.nextBefore as number;
    expect((await call('get_conversation', { conversationId: conversation(ALICE), limit: 2, before })).structuredContent?.messages).toHaveLength(2);
    const { resources } = await bridge!.client.listResources();
    const uri = `sms://conversations/${conversation(ALICE)}`;
    expect(resources.map((r) => r.uri)).toContain(uri);
    expect((await bridge!.client.readResource({ uri })).contents).toHaveLength(1);
  });

  test('WhatsApp: an incoming message, the window refusal (Content API), a template and a free-form reply', async () => {
    const ours = `whatsapp:${MAGIC_FROM_NUMBER}`;
    const erin = 'whatsapp:+14155550305';
    const frank = 'whatsapp:+14155550306';
    whatsapper = await startBridge(bridgeEnv({ TWILIO_WHATSAPP_NUMBER: ours }));
    expect((await emulator.simulateInbound({ from: erin, to: ours, body: 'Hola' })).delivered).toBe(true);
    expect((await whatsapper.call('receive_sms', { conversationId: conversationIdFor(ours, erin) })).structuredContent).toMatchObject({ messages: [{ channel: 'whatsapp', body: 'Hola' }] });
    expect((await whatsapper.call('send_sms', { to: erin, body: '¡Hola!' })).structuredContent).toMatchObject({ outcome: 'sent', channel: 'whatsapp' });
    const refused = await whatsapper.call('send_sms', { to: frank, body: 'Your order is ready' });
    expect(textOf(refused)).toMatch(/63016.*order_update \(HX[0-9a-f]{32}/);
    const sid = /order_update \((HX[0-9a-f]{32})/.exec(textOf(refused))![1]!;
    expect((await whatsapper.call('send_sms', { to: frank, body: '', contentSid: sid, contentVariables: '{"1":"A-7"}' })).structuredContent).toMatchObject({ outcome: 'sent' });
  });
});

describe("the emulator's routes the day does not reach (the test's own client, for fidelity)", () => {
  let twilio: TwilioClient;
  beforeAll(() => {
    twilio = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: `${router.url}/sweep` });
  });

  test('Messages: pages, media, redaction, deletion; the number and the account', async () => {
    const first = await twilio.messages.page({ pageSize: 2 });
    expect((await first.nextPage())?.instances).toHaveLength(2);
    expect(await twilio.messages.list({ to: MAGIC_FROM_NUMBER, from: CAROL, pageSize: 20 })).not.toHaveLength(0);
    const mms = emulator.messages().find((m) => m.direction === 'inbound' && m.num_media !== '0')!;
    const [media] = await twilio.messages(mms.sid).media.list();
    expect((await twilio.messages(mms.sid).media(media!.sid).fetch()).contentType).toBe('image/png');
    await twilio.messages(mms.sid).media(media!.sid).remove();
    const sent = emulator.messages().find((m) => m.direction === 'outbound-api' && m.status === 'delivered')!;
    expect((await twilio.messages(sent.sid).update({ body: '' })).body).toBe('');
    await twilio.messages(sent.sid).remove();
    const [number] = await twilio.incomingPhoneNumbers.list({ phoneNumber: MAGIC_FROM_NUMBER });
    expect((await twilio.incomingPhoneNumbers(number!.sid).fetch()).phoneNumber).toBe(MAGIC_FROM_NUMBER);
    expect((await twilio.api.v2010.accounts(emulator.accountSid).fetch()).sid).toBe(emulator.accountSid);
  });

  test('Sync: a service with a document, a list and a map, each read, paged, updated and removed', async () => {
    const created = await twilio.sync.v1.services.create({ friendlyName: 'contract-sweep' });
    const service = twilio.sync.v1.services(created.sid);
    await service.update({ friendlyName: 'contract-sweep-2' });
    await service.documents.create({ uniqueName: 'settings', data: { theme: 'dark' }, ttl: 3600 });
    await service.documents('settings').update({ data: { theme: 'light' } });
    expect((await service.documents('settings').fetch()).data).toEqual({ theme: 'light' });
    expect(await service.documents.list()).toHaveLength(1);
    await service.syncLists.create({ uniqueName: 'log' });
    await service.syncLists('log').update({ ttl: 600 });
    for (const n of [1, 2, 3]) await service.syncLists('log').syncListItems.create({ data: { n } });
    expect(await service.syncLists('log').syncListItems.list({ order: 'desc', from: '1', bounds: 'inclusive', pageSize: 1 })).toHaveLength(2);
    await service.syncLists('log').syncListItems(0).update({ data: { n: 0 } });
    expect((await service.syncLists('log').syncListItems(0).fetch()).data).toEqual({ n: 0 });
    await service.syncLists('log').syncListItems(1).remove();
    expect((await service.syncLists('log').fetch()).uniqueName).toBe('log');
    expect(await service.syncLists.list()).toHaveLength(1);
    await service.syncMaps.create({ uniqueName: 'prefs' });
    await service.syncMaps('prefs').update({ ttl: 600 });
    for (const key of ['a', 'b', 'c']) await service.syncMaps('prefs').syncMapItems.create({ key, data: { key } });
    await expect(service.syncMaps('prefs').syncMapItems.create({ key: 'a', data: {} })).rejects.toMatchObject({ status: 409, code: 54208 });
    expect(await service.syncMaps('prefs').syncMapItems.list({ order: 'asc', from: 'b', bounds: 'exclusive', pageSize: 1 })).toHaveLength(1);
    await service.syncMaps('prefs').syncMapItems('a').update({ data: { key: 'A' } });
    expect((await service.syncMaps('prefs').syncMapItems('a').fetch()).data).toEqual({ key: 'A' });
    await service.syncMaps('prefs').syncMapItems('b').remove();
    expect((await service.syncMaps('prefs').fetch()).uniqueName).toBe('prefs');
    expect(await service.syncMaps.list()).toHaveLength(1);
    await expect(service.documents('missing').fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    await service.documents('settings').remove();
    await service.syncLists('log').remove();
    await service.syncMaps('prefs').remove();
    await service.remove();
  });

  test('Content API: the Content list and a template\'s WhatsApp approval', async () => {
    const contents = await twilio.content.v1.contents.list({ pageSize: 2 });
    expect(contents.length).toBeGreaterThan(0);
    expect((await twilio.content.v1.contents(contents[0]!.sid).approvalFetch().fetch()).whatsapp).toMatchObject({ status: 'approved' });
  });

  test('two deliberate mistakes, so the checks below are seen to catch them', async () => {
    const authorization = `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`;
    const account = `${router.url}/sweep/api/2010-04-01/Accounts/${emulator.accountSid}`;
    const [number] = await twilio.incomingPhoneNumbers.list({ phoneNumber: MAGIC_FROM_NUMBER });
    // SmsMethod is GET or POST in the description.
    const bad = await fetch(`${account}/IncomingPhoneNumbers/${number!.sid}.json`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'SmsMethod=FETCH',
    });
    expect(bad.status).toBe(400);
    expect((await fetch(`${account}/Nonsense.json`, { headers: { authorization } })).status).toBe(404);
  });

  test("error answers the day does not provoke: a wrong credential, Twilio's 429 and 503", async () => {
    const stranger = createTwilioClient({ accountSid: emulator.accountSid, authToken: 'wrong' }, { apiBaseUrl: `${router.url}/sweep` });
    await expect(stranger.api.v2010.accounts(emulator.accountSid).fetch()).rejects.toMatchObject({ status: 401, code: 20003 });
    emulator.injectFault({ kind: 429, product: 'sync', route: '/v1/Services/{Sid}', times: 1 });
    await expect(twilio.sync.v1.services(syncServiceSid).fetch()).rejects.toMatchObject({ status: 429, code: 20429 });
    emulator.injectFault({ kind: 503, product: 'api', route: '/2010-04-01/Accounts/{AccountSid}/Messages.json', times: 1 });
    await expect(twilio.messages.list({ limit: 1 })).rejects.toMatchObject({ status: 503 });
    // A Messaging Service the account does not have (the day reads an existing one's pool).
    await expect(twilio.messaging.v1.services(`MG${'0'.repeat(32)}`).phoneNumbers.list()).rejects.toMatchObject({ status: 404, code: 20404 });
  });
});

describe('the contract', () => {
  let product: ContractSummary;
  let sweep: ContractSummary;

  beforeAll(() => {
    const descriptions = { api: loadDescription(specs.api), sync: loadDescription(specs.sync), messaging: loadDescription(specs.messaging), content: loadDescription(specs.content), serverless: loadDescription(specs.serverless) };
    const exchanges = router.exchanges();
    product = summarize(exchanges.filter((e) => e.source === 'product'), descriptions);
    sweep = summarize(exchanges.filter((e) => e.source === 'sweep'), descriptions);
    const text = [formatSummary("The product's day", product), formatSummary("The test's sweep of the emulator's other routes", sweep)].join('\n');
    const prismLog = prisms.reduce((n, prism) => n + prism.violationLines().length, 0);
    writeFileSync(join(dir, 'contract-summary.json'), JSON.stringify({ relaxed: specs.relaxed, product, sweep, prismLogViolationLines: prismLog }, null, 2));
    writeFileSync(join(dir, 'contract-summary.txt'), `${text}\n`);
    console.log(`${text}\n(Prism logged ${prismLog} violation lines; summary: ${join(dir, 'contract-summary.json')})`);
  });

  test('Prism catches what breaks the description: the deliberate mistakes, and undescribed statuses', () => {
    expect(sweep.requestViolations.map((k) => k.kind)).toEqual([expect.stringMatching(/^body\.SmsMethod: /)]);
    expect(sweep.unmatchedRoutes).toEqual([expect.stringMatching(/\/Nonsense\.json$/)]);
    expect(product.responseViolations.map((k) => k.kind)).toContainEqual(expect.stringMatching(/^status 400 answered/));
  });

  test("the emulator answers as the description says, but for the error statuses it does not list", () => {
    for (const summary of [product, sweep]) {
      expect(summary.responseViolations.filter((k) => !/^status [45]\d\d answered: /.test(k.kind))).toEqual([]);
      expect(summary.unseenByPrism).toEqual([]);
      expect(summary.malformedErrors).toEqual([]);
      expect(summary.truncated).toBe(0);
    }
  });

  test('the day went through Prism', async () => {
    expect(product.byLane.api).toBeGreaterThan(20);
    expect(product.byLane.sync).toBeGreaterThan(20);
    // The Messaging Service-only scheduler's read of its sender pool.
    expect(product.operations['GET /messaging/v1/Services/{ServiceSid}/PhoneNumbers']).toBeGreaterThanOrEqual(1);
    // The approved templates, read once, for the WhatsApp window refusal.
    expect(product.operations['GET /content/v1/ContentAndApprovals']).toBe(1);
    // Every violation Prism logged reached the router in its header (none lost or cut off).
    const headers = router.exchanges().reduce((n, e) => n + e.violations.length, 0);
    await eventually(async () => prisms.reduce((n, prism) => n + prism.violationLines().length, 0) === headers, 5000);
    // Prism failing itself (an upstream it cannot reach, a body it cannot parse) is no pass.
    expect(prisms.flatMap((prism) => prism.output().split('\n')).filter((line) => /Request terminated with error/.test(line))).toEqual([]);
  });

  test('every route the product calls is in the description', () => {
    expect(product.unmatchedRoutes).toEqual([]);
    expect(product.outsideDescriptions).toEqual([]);
  });

  test('every request the product makes is valid', () => {
    expect(product.requestViolations).toEqual([]);
  });
});
