/**
 * The Messaging API's sender pool, GET /v1/Services/{ServiceSid}/PhoneNumbers (Twilio's
 * twilio_messaging_v1.json), through the real twilio client and lib/twilio-client.ts's rewrite of
 * https://messaging.twilio.com to {emulator}/messaging.
 */
import { startEmulator, type Emulator } from '../../emulator';
import { tokenClient } from './test-helpers';

const SERVICE_SID = `MG${'7'.repeat(32)}`;
const POOL = ['+15005550301', '+15005550302', '+15005550303'];
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ messagingServices: [{ sid: SERVICE_SID, phoneNumbers: POOL }] });
});

afterAll(async () => {
  await emulator?.close();
});

test("lists the service's numbers in pool order, with the account's PN SIDs, across pages", async () => {
  const client = tokenClient(emulator);
  const numbers = await client.messaging.v1.services(SERVICE_SID).phoneNumbers.list({ pageSize: 2 });
  expect(numbers.map((n) => n.phoneNumber)).toEqual(POOL);
  const incoming = await client.api.v2010.account.incomingPhoneNumbers.list();
  expect(numbers.map((n) => n.sid)).toEqual(POOL.map((p) => incoming.find((i) => i.phoneNumber === p)!.sid));
  expect(numbers[0]).toMatchObject({ serviceSid: SERVICE_SID, accountSid: emulator.accountSid, url: `https://messaging.twilio.com/v1/Services/${SERVICE_SID}/PhoneNumbers/${numbers[0]!.sid}` });
  expect(emulator.requests().filter((r) => r.product === 'messaging').map((r) => r.route)).toEqual(['/v1/Services/{ServiceSid}/PhoneNumbers', '/v1/Services/{ServiceSid}/PhoneNumbers']);
});

test('the first page as Twilio answers it: phone_numbers and meta', async () => {
  const response = await fetch(`${emulator.url}/messaging/v1/Services/${SERVICE_SID}/PhoneNumbers?PageSize=1`, {
    headers: { Authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}` },
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { phone_numbers: unknown[]; meta: Record<string, unknown> };
  expect(body.phone_numbers).toHaveLength(1);
  expect(body.meta).toMatchObject({ key: 'phone_numbers', page: 0, page_size: 1, previous_page_url: null, next_page_url: expect.stringContaining('Page=1') });
});

test('an unknown service is 404 / 20404', async () => {
  const client = tokenClient(emulator);
  await expect(client.messaging.v1.services(`MG${'8'.repeat(32)}`).phoneNumbers.list()).rejects.toMatchObject({ status: 404, code: 20404 });
});
