import twilio from 'twilio';
import { startEmulator, type Emulator } from '../../emulator';
import { raw, startReceiver, tokenClient, type WebhookReceiver } from './test-helpers';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';

const SERVICE_SID = `MG${'c'.repeat(32)}`;
const SERVICE_NUMBER = '+15005550200';

describe('inbound messages (simulateInbound)', () => {
  let emulator: Emulator;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    emulator = await startEmulator({
      webhookTimeoutMs: 300,
      messagingServices: [{ sid: SERVICE_SID, phoneNumbers: [SERVICE_NUMBER] }],
    });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await emulator.close();
    await receiver.close();
  });
  afterEach(() => receiver.reply(() => ({ status: 200, body: '<Response/>' })));

  async function configure(phoneNumber: string, settings: { smsUrl?: string; smsFallbackUrl?: string; smsMethod?: string }) {
    const client = tokenClient(emulator);
    const [number] = await client.incomingPhoneNumbers.list({ phoneNumber });
    return client.incomingPhoneNumbers(number!.sid).update(settings);
  }

  it('stores the message and posts Twilio\'s signed webhook to the SmsUrl', async () => {
    const updated = await configure(MAGIC_FROM_NUMBER, { smsUrl: `${receiver.url}/sms/incoming` });
    expect(updated.smsUrl).toBe(`${receiver.url}/sms/incoming`);

    const result = await emulator.simulateInbound({
      from: '+15557654321',
      to: MAGIC_FROM_NUMBER,
      body: 'Hello from a handset',
      media: [{ url: 'https://example.com/photo.jpg', contentType: 'image/jpeg' }],
    });
    expect(result.delivered).toBe(true);
    expect(result.attempts).toEqual([{ url: `${receiver.url}/sms/incoming`, status: 200, body: '<Response/>' }]);

    const hook = receiver.received.at(-1)!;
    expect(hook.method).toBe('POST');
    expect(hook.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(hook.headers['i-twilio-idempotency-token']).toEqual(expect.any(String));
    expect(twilio.validateRequest(emulator.authToken, String(hook.headers['x-twilio-signature']), hook.url, hook.params)).toBe(true);
    expect(hook.params).toMatchObject({
      MessageSid: result.messageSid,
      SmsMessageSid: result.messageSid,
      SmsSid: result.messageSid,
      AccountSid: emulator.accountSid,
      From: '+15557654321',
      To: MAGIC_FROM_NUMBER,
      Body: 'Hello from a handset',
      NumMedia: '1',
      NumSegments: '1',
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
      ToCountry: 'US',
      FromCountry: 'US',
      MediaContentType0: 'image/jpeg',
    });
    const mediaUrl = hook.params.MediaUrl0!;
    expect(mediaUrl).toMatch(
      new RegExp(`^https://api\\.twilio\\.com/2010-04-01/Accounts/${emulator.accountSid}/Messages/${result.messageSid}/Media/ME[0-9a-f]{32}$`),
    );

    // The media content URL redirects to where the bytes live, as Twilio's does.
    const content = await raw(emulator, 'GET', `/api${new URL(mediaUrl).pathname}`);
    expect(content.status).toBe(307);
    expect(content.headers.get('location')).toBe('https://example.com/photo.jpg');

    const stored = await tokenClient(emulator).messages(result.messageSid).fetch();
    expect(stored).toMatchObject({ direction: 'inbound', status: 'received', body: 'Hello from a handset', numMedia: '1' });
    expect(emulator.messages().find((m) => m.sid === result.messageSid)?.direction).toBe('inbound');
  });

  it('retries 5xx and timeouts with the same MessageSid, parameters and idempotency token', async () => {
    await configure(MAGIC_FROM_NUMBER, { smsUrl: `${receiver.url}/flaky` });
    const replies = [{ status: 503 }, 'hang' as const, { status: 200, body: '<Response/>' }];
    let n = 0;
    receiver.reply(() => replies[n++] ?? { status: 500 });
    const before = receiver.received.length;
    const result = await emulator.simulateInbound({ from: '+15557654322', to: MAGIC_FROM_NUMBER, body: 'retry me', retries: 3, retryDelayMs: 5 });
    const hooks = receiver.received.slice(before);
    expect(hooks).toHaveLength(3);
    expect(result.delivered).toBe(true);
    expect(result.attempts.map((a) => a.status)).toEqual([503, null, 200]);
    expect(result.attempts[1]!.error).toMatch(/timeout/);
    expect(new Set(hooks.map((h) => h.params.MessageSid))).toEqual(new Set([result.messageSid]));
    expect(new Set(hooks.map((h) => h.headers['i-twilio-idempotency-token'])).size).toBe(1);
    expect(hooks[0]!.params).toEqual(hooks[2]!.params);
    expect(emulator.messages().filter((m) => m.sid === result.messageSid)).toHaveLength(1);
  });

  it('does not retry a 4xx, and posts the fallback once when all attempts fail', async () => {
    await configure(MAGIC_FROM_NUMBER, { smsUrl: `${receiver.url}/bad`, smsFallbackUrl: `${receiver.url}/fallback` });
    receiver.reply((hook) => (hook.path === '/fallback' ? { status: 200, body: '<Response/>' } : { status: 404 }));
    const result = await emulator.simulateInbound({ from: '+15557654323', to: MAGIC_FROM_NUMBER, body: 'x', retries: 2, retryDelayMs: 1 });
    expect(result.attempts.map((a) => [a.url.replace(receiver.url, ''), a.status])).toEqual([
      ['/bad', 404],
      ['/fallback', 200],
    ]);
    expect(result.delivered).toBe(true);
    const fallback = receiver.received.at(-1)!;
    expect(fallback.params).toMatchObject({ MessageSid: result.messageSid, ErrorCode: '11200', ErrorUrl: `${receiver.url}/bad` });
    expect(twilio.validateRequest(emulator.authToken, String(fallback.headers['x-twilio-signature']), fallback.url, fallback.params)).toBe(true);
    await configure(MAGIC_FROM_NUMBER, { smsFallbackUrl: '' });
  });

  it('reports a connection error as an attempt without status', async () => {
    await configure(MAGIC_FROM_NUMBER, { smsUrl: 'http://127.0.0.1:1/nothing-listens' });
    const result = await emulator.simulateInbound({ from: '+15557654324', to: MAGIC_FROM_NUMBER, body: 'x', retries: 1, retryDelayMs: 1 });
    expect(result.delivered).toBe(false);
    expect(result.attempts).toHaveLength(2);
    expect(result.attempts.every((a) => a.status === null && typeof a.error === 'string')).toBe(true);
  });

  it('replays a known MessageSid without storing a second message', async () => {
    await configure(MAGIC_FROM_NUMBER, { smsUrl: `${receiver.url}/sms/incoming` });
    const first = await emulator.simulateInbound({ from: '+15557654325', to: MAGIC_FROM_NUMBER, body: 'once' });
    const replay = await emulator.simulateInbound({ from: '+15557654325', to: MAGIC_FROM_NUMBER, body: 'once', messageSid: first.messageSid });
    expect(replay.messageSid).toBe(first.messageSid);
    expect(emulator.messages().filter((m) => m.sid === first.messageSid)).toHaveLength(1);
    const hooks = receiver.received.filter((h) => h.params.MessageSid === first.messageSid);
    expect(hooks).toHaveLength(2);
  });

  it('stores only when the number has no SmsUrl, and names the service for service numbers', async () => {
    const result = await emulator.simulateInbound({ from: '+15557654326', to: SERVICE_NUMBER, body: 'quiet' });
    expect(result).toEqual({ messageSid: expect.stringMatching(/^SM[0-9a-f]{32}$/), attempts: [], delivered: false });
    const stored = emulator.messages().find((m) => m.sid === result.messageSid);
    expect(stored).toMatchObject({ direction: 'inbound', status: 'received', messaging_service_sid: SERVICE_SID });
  });

  it('signs GET webhooks over the full URL', async () => {
    await configure(MAGIC_FROM_NUMBER, { smsUrl: `${receiver.url}/get-hook`, smsMethod: 'GET' });
    await emulator.simulateInbound({ from: '+15557654327', to: MAGIC_FROM_NUMBER, body: 'via get' });
    const hook = receiver.received.at(-1)!;
    expect(hook.method).toBe('GET');
    expect(hook.params.Body).toBe('via get');
    expect(twilio.validateRequest(emulator.authToken, String(hook.headers['x-twilio-signature']), hook.url, {})).toBe(true);
    await configure(MAGIC_FROM_NUMBER, { smsMethod: 'POST' });
  });

  it('validates number updates (21502 for a bad URL) and leaves the number unchanged', async () => {
    const client = tokenClient(emulator);
    const [number] = await client.incomingPhoneNumbers.list({ phoneNumber: MAGIC_FROM_NUMBER });
    await expect(client.incomingPhoneNumbers(number!.sid).update({ smsUrl: 'ftp://nope' })).rejects.toMatchObject({
      status: 400,
      code: 21502,
    });
    expect((await client.incomingPhoneNumbers(number!.sid).fetch()).smsUrl).toBe(number!.smsUrl);
    expect(number).toMatchObject({ friendlyName: '(500) 555-0006', capabilities: { sms: true, mms: true } });
    expect(number!.sid).toMatch(/^PN[0-9a-f]{32}$/);
  });

  it('rejects a To that the account does not own', async () => {
    await expect(emulator.simulateInbound({ from: '+15557654328', to: '+15550001111', body: 'x' })).rejects.toThrow(
      /\+15550001111 is not a phone number of this account/,
    );
  });
});
