/**
 * Twilio's STOP filtering in the emulator (emulator/opt-outs.ts, with the Twilio pages it follows):
 * a handset's opt-out keyword blocks creates from that number, or from any sender of its
 * Messaging Service, to that handset with 400 / 21610 until it texts an opt-in keyword.
 */
import { startEmulator, type Emulator } from '../../emulator';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';
import { restError, tokenClient } from './test-helpers';

const OTHER_NUMBER = '+15005550100';
const SERVICE_SID = `MG${'d'.repeat(32)}`;
const POOL = ['+15005550210', '+15005550211'];
const OUTSIDE = '+15005550220';

let emulator: Emulator;
let handsetSeq = 0;
/** A handset of its own per test: blocks outlive a test. */
const newHandset = () => `+1415555${String(7000 + handsetSeq++).padStart(4, '0')}`;

beforeAll(async () => {
  emulator = await startEmulator({
    phoneNumbers: [MAGIC_FROM_NUMBER, OTHER_NUMBER, OUTSIDE],
    messagingServices: [{ sid: SERVICE_SID, phoneNumbers: POOL }],
    deliveryStepMs: 10_000,
  });
});
afterAll(async () => {
  await emulator.close();
});

const texts = (from: string, to: string, body: string) => emulator.simulateInbound({ from, to, body });
const send = (to: string, sender: { from?: string; messagingServiceSid?: string }) => tokenClient(emulator).messages.create({ to, body: 'Hello', ...sender });

async function refused(to: string, sender: { from?: string; messagingServiceSid?: string }) {
  const before = emulator.messages().length;
  const error = await restError(send(to, sender));
  expect(emulator.messages()).toHaveLength(before); // no Message resource, nothing billed
  return error;
}

describe("a number's opt-outs", () => {
  test('STOP blocks creates from that number to that handset with 400 / 21610, until START', async () => {
    const handset = newHandset();
    await texts(handset, MAGIC_FROM_NUMBER, 'STOP');
    expect(await refused(handset, { from: MAGIC_FROM_NUMBER })).toEqual({
      status: 400,
      code: 21610,
      message: 'Attempt to send to unsubscribed recipient',
      moreInfo: 'https://www.twilio.com/docs/errors/21610',
    });
    // Only that pair: another of our numbers, and another handset, still send.
    expect((await send(handset, { from: OTHER_NUMBER })).status).toBe('queued');
    expect((await send(newHandset(), { from: MAGIC_FROM_NUMBER })).status).toBe('queued');
    await texts(handset, MAGIC_FROM_NUMBER, 'START');
    expect((await send(handset, { from: MAGIC_FROM_NUMBER })).status).toBe('queued');
  });

  test.each(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'stop', '  Quit \n'])('%j opts out', async (keyword) => {
    const handset = newHandset();
    await texts(handset, MAGIC_FROM_NUMBER, keyword);
    expect((await refused(handset, { from: MAGIC_FROM_NUMBER })).code).toBe(21610);
  });

  test.each(['START', 'YES', 'UNSTOP', 'yes'])('%j opts back in', async (keyword) => {
    const handset = newHandset();
    await texts(handset, MAGIC_FROM_NUMBER, 'CANCEL');
    await texts(handset, MAGIC_FROM_NUMBER, keyword);
    expect((await send(handset, { from: MAGIC_FROM_NUMBER })).status).toBe('queued');
  });

  test.each(['STOP PLEASE', 'Please cancel', 'Stop.', 'HELP', 'INFO'])('%j changes nothing', async (text) => {
    const handset = newHandset();
    await texts(handset, MAGIC_FROM_NUMBER, text);
    expect((await send(handset, { from: MAGIC_FROM_NUMBER })).status).toBe('queued');
  });

  test('the block holds with no SmsUrl to tell (the message is only stored)', async () => {
    const handset = newHandset();
    const result = await texts(handset, OTHER_NUMBER, 'END');
    expect(result.delivered).toBe(false);
    expect((await refused(handset, { from: OTHER_NUMBER })).code).toBe(21610);
  });
});

describe("a Messaging Service's opt-outs cover its whole pool", () => {
  test('STOP to one of its numbers: sends through the service, and from any of its numbers, are refused; a number outside is not', async () => {
    const handset = newHandset();
    await texts(handset, POOL[0]!, 'stop');
    expect((await refused(handset, { messagingServiceSid: SERVICE_SID })).code).toBe(21610);
    expect((await refused(handset, { from: POOL[1]! })).code).toBe(21610);
    expect((await refused(handset, { from: POOL[0]!, messagingServiceSid: SERVICE_SID })).code).toBe(21610);
    expect((await send(handset, { from: OUTSIDE })).status).toBe('queued');
    // START to another number of the pool opts back in to the whole service.
    await texts(handset, POOL[1]!, 'START');
    expect((await send(handset, { messagingServiceSid: SERVICE_SID })).status).toBe('accepted');
  });

  test("a STOP to a number outside the service leaves the service's senders alone", async () => {
    const handset = newHandset();
    await texts(handset, OUTSIDE, 'STOP');
    expect((await send(handset, { messagingServiceSid: SERVICE_SID })).status).toBe('accepted');
    expect((await refused(handset, { from: OUTSIDE })).code).toBe(21610);
  });
});
