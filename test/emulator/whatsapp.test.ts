/**
 * Twilio's WhatsApp rules in the emulator (emulator/whatsapp.ts, with the Twilio pages it follows):
 * whatsapp: senders, the 24-hour window (63016), Content templates and the Content API, the
 * rendered body stored, read statuses, the Sandbox's join rule (63015) and pace (63018), and the
 * create-time refusals, each with Twilio's code.
 */
import { startEmulator, type Emulator } from '../../emulator';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';
import { DEFAULT_TEMPLATES, SANDBOX_NUMBER } from '../../emulator/whatsapp';
import { eventually, restError, tokenClient } from './test-helpers';

const OURS = `whatsapp:${MAGIC_FROM_NUMBER}`;
const SANDBOX = `whatsapp:${SANDBOX_NUMBER}`;
const APPROVED = DEFAULT_TEMPLATES[0]!.sid;
let emulator: Emulator;
let seq = 0;
const handset = () => `whatsapp:+1415555${String(8000 + seq++).padStart(4, '0')}`;
const client = () => tokenClient(emulator);
const finalOf = (sid: string) => eventually(() => client().messages(sid).fetch(), (m) => ['delivered', 'failed', 'read', 'undelivered'].includes(m.status), 3000);

beforeAll(async () => {
  emulator = await startEmulator({ deliveryStepMs: 10 });
});
afterAll(async () => {
  await emulator.close();
});

test('a free-form message inside the 24-hour window is delivered, then read; outside it fails with 63016', async () => {
  const them = handset();
  const cold = await client().messages.create({ from: OURS, to: them, body: 'Hello first' });
  expect(cold.status).toBe('queued'); // Twilio takes it, then fails it
  expect(await finalOf(cold.sid)).toMatchObject({ status: 'failed', errorCode: 63016 });

  await emulator.simulateInbound({ from: them, to: OURS, body: 'Hi!' });
  const warm = await client().messages.create({ from: OURS, to: them, body: 'Hello back' });
  expect(warm.numSegments).toBe('1');
  await eventually(() => client().messages(warm.sid).fetch(), (m) => m.status === 'read', 3000);

  emulator.advanceTime(24 * 3600_000 + 1000);
  const late = await client().messages.create({ from: OURS, to: them, body: 'Still there?' });
  expect(await finalOf(late.sid)).toMatchObject({ status: 'failed', errorCode: 63016 });
  const template = await client().messages.create({ from: OURS, to: them, contentSid: APPROVED, contentVariables: JSON.stringify({ 1: 'Ana', 2: 'Friday' }) });
  expect(template.body).toBe('Hi Ana, this is a reminder of your appointment on Friday. Reply to confirm.');
  expect((await finalOf(template.sid)).status).not.toBe('failed');
});

test('templates: the create-time refusals have Twilio codes', async () => {
  const them = handset();
  expect(await restError(client().messages.create({ from: OURS, to: them, contentVariables: '{"1":"x"}', body: 'x' }))).toMatchObject({ status: 400, code: 21654 });
  expect(await restError(client().messages.create({ from: OURS, to: them, contentSid: APPROVED, contentVariables: '[1]' }))).toMatchObject({ status: 400, code: 21656 });
  expect(await restError(client().messages.create({ from: OURS, to: them, contentSid: `HX${'0'.repeat(32)}` }))).toMatchObject({ status: 400, code: 21655 });
  expect(await restError(client().messages.create({ from: OURS, to: them, contentSid: APPROVED, contentVariables: '{"1":"x"}', body: 'x' }))).toMatchObject({ status: 400, code: 35127 });
  expect(await restError(client().messages.create({ from: OURS, to: '+14155550100', body: 'x' }))).toMatchObject({ status: 400, code: 21910 });
  expect(await restError(client().messages.create({ from: OURS, to: them, body: 'x', mediaUrl: ['https://example.com/a.png', 'https://example.com/b.png'] }))).toMatchObject({ status: 400, code: 21623 });
});

test('a template whose rendered text passes 1,024 characters fails with 63021', async () => {
  const them = handset();
  const long = await client().messages.create({ from: OURS, to: them, contentSid: APPROVED, contentVariables: JSON.stringify({ 1: 'a'.repeat(250), 2: 'b'.repeat(250), 3: 'c' }) });
  expect((await finalOf(long.sid)).status).not.toBe('failed'); // ~570 characters
  const longer = `HX${'d4'.repeat(16)}`;
  const big = await startEmulator({ deliveryStepMs: 10, templates: [{ sid: longer, friendlyName: 'long', body: '{{1}}{{2}}{{3}}{{4}}{{5}}', approval: 'approved' }] });
  try {
    const v = Object.fromEntries([1, 2, 3, 4, 5].map((k) => [String(k), 'x'.repeat(250)]));
    const sent = await tokenClient(big).messages.create({ from: OURS, to: them, contentSid: longer, contentVariables: JSON.stringify(v) });
    expect(await eventually(() => tokenClient(big).messages(sent.sid).fetch(), (m) => m.status === 'failed', 3000)).toMatchObject({ errorCode: 63021 });
  } finally {
    await big.close();
  }
});

test('the Sandbox sends only to handsets that joined it (63015), at most one message per 3 s (63018)', async () => {
  const them = handset();
  const before = await client().messages.create({ from: SANDBOX, to: them, contentSid: APPROVED });
  expect(await finalOf(before.sid)).toMatchObject({ status: 'failed', errorCode: 63015 });
  const joined = await emulator.simulateInbound({ from: them, to: SANDBOX, body: 'join shiny-owl' });
  expect(joined.messageSid).toMatch(/^SM/);
  const first = await client().messages.create({ from: SANDBOX, to: them, body: 'Welcome' });
  const second = await client().messages.create({ from: SANDBOX, to: them, body: 'Again' });
  expect((await finalOf(first.sid)).status).not.toBe('failed');
  expect(await finalOf(second.sid)).toMatchObject({ status: 'failed', errorCode: 63018 });
  emulator.advanceTime(3 * 24 * 3600_000 + 1000);
  const expired = await client().messages.create({ from: SANDBOX, to: them, contentSid: APPROVED });
  expect(await finalOf(expired.sid)).toMatchObject({ status: 'failed', errorCode: 63015 });
});

test("STOP on WhatsApp is not Twilio's SMS STOP filtering: the create is not refused", async () => {
  const them = handset();
  await emulator.simulateInbound({ from: them, to: OURS, body: 'STOP' });
  const after = await client().messages.create({ from: OURS, to: them, body: 'ok' });
  expect(after.sid).toMatch(/^SM/);
});

test('the Content API lists the templates with their WhatsApp approval', async () => {
  const all = await client().content.v1.contentAndApprovals.list({ limit: 10 });
  expect(all.map((c) => [c.friendlyName, (c.approvalRequests as { status?: string }).status])).toEqual([
    ['appointment_reminder', 'approved'], ['order_update', 'approved'], ['spring_sale', 'pending'],
  ]);
  const contents = await client().content.v1.contents.list({ limit: 10 });
  expect(contents).toHaveLength(3);
  const approval = await client().content.v1.contents(APPROVED).approvalFetch().fetch();
  expect(approval.whatsapp).toMatchObject({ status: 'approved', name: 'appointment_reminder' });
});
