import twilio from 'twilio';
import { startEmulator, type Emulator } from '../../emulator';
import { eventually, sleep, startReceiver, tokenClient, type WebhookReceiver } from './test-helpers';

describe('outbound lifecycle and status callbacks', () => {
  let emulator: Emulator;
  let receiver: WebhookReceiver;
  const logs: string[] = [];

  const SERVICE_SID = `MG${'d'.repeat(32)}`;

  beforeAll(async () => {
    receiver = await startReceiver();
    emulator = await startEmulator({
      deliveryStepMs: 15,
      log: (line) => logs.push(line),
      messagingServices: [{ sid: SERVICE_SID, phoneNumbers: ['+15005550300'], statusCallback: `${receiver.url}/service-status` }],
    });
  });
  afterAll(async () => {
    await emulator.close();
    await receiver.close();
  });

  const callbacksFor = (sid: string) => receiver.received.filter((h) => h.params.MessageSid === sid);

  it('moves queued → sending → sent → delivered and posts signed callbacks in order', async () => {
    const client = tokenClient(emulator);
    const statusCallback = `${receiver.url}/sms/status?x=1`;
    const message = await client.messages.create({ to: '+15551110001', from: '+15005550006', body: 'hi', statusCallback });
    expect(message.status).toBe('queued');

    await receiver.waitFor(() => callbacksFor(message.sid).some((h) => h.params.MessageStatus === 'delivered'));
    const hooks = callbacksFor(message.sid);
    // No callback for the initial status.
    expect(hooks.map((h) => h.params.MessageStatus)).toEqual(['sending', 'sent', 'delivered']);
    for (const hook of hooks) {
      expect(hook.method).toBe('POST');
      expect(hook.url).toBe(statusCallback);
      expect(hook.headers['content-type']).toBe('application/x-www-form-urlencoded');
      const signature = hook.headers['x-twilio-signature'];
      expect(typeof signature).toBe('string');
      expect(twilio.validateRequest(emulator.authToken, String(signature), hook.url, hook.params)).toBe(true);
      expect(twilio.validateRequest('not-the-token', String(signature), hook.url, hook.params)).toBe(false);
      expect(hook.params).toMatchObject({
        MessageSid: message.sid,
        SmsSid: message.sid,
        AccountSid: emulator.accountSid,
        From: '+15005550006',
        To: '+15551110001',
        ApiVersion: '2010-04-01',
      });
      expect(hook.params.SmsStatus).toBe(hook.params.MessageStatus);
      expect(hook.params.ErrorCode).toBeUndefined();
    }

    const delivered = await client.messages(message.sid).fetch();
    expect(delivered.status).toBe('delivered');
    expect(delivered.dateSent).toBeInstanceOf(Date);
  });

  it('ends undelivered with the error code when told so', async () => {
    emulator.setDeliveryOutcome('+15551110002', { status: 'undelivered', errorCode: 30003 });
    const client = tokenClient(emulator);
    const message = await client.messages.create({
      to: '+15551110002',
      from: '+15005550006',
      body: 'hi',
      statusCallback: `${receiver.url}/status`,
    });
    await receiver.waitFor(() => callbacksFor(message.sid).some((h) => h.params.MessageStatus === 'undelivered'));
    const last = callbacksFor(message.sid).at(-1)!;
    expect(last.params.ErrorCode).toBe('30003');
    expect(twilio.validateRequest(emulator.authToken, String(last.headers['x-twilio-signature']), last.url, last.params)).toBe(true);
    const fetched = await client.messages(message.sid).fetch();
    expect(fetched).toMatchObject({ status: 'undelivered', errorCode: 30003, errorMessage: 'Unreachable destination handset' });
  });

  it('fails before sent, and can stop at sent', async () => {
    emulator.setDeliveryOutcome('+15551110003', { status: 'failed', errorCode: 30008 });
    emulator.setDeliveryOutcome('+15551110004', { status: 'sent' });
    const client = tokenClient(emulator);
    const failed = await client.messages.create({ to: '+15551110003', from: '+15005550006', body: 'x', statusCallback: `${receiver.url}/s` });
    const sentOnly = await client.messages.create({ to: '+15551110004', from: '+15005550006', body: 'x', statusCallback: `${receiver.url}/s` });
    await receiver.waitFor(() => callbacksFor(failed.sid).some((h) => h.params.MessageStatus === 'failed'));
    await receiver.waitFor(() => callbacksFor(sentOnly.sid).some((h) => h.params.MessageStatus === 'sent'));
    await sleep(80); // several more steps: nothing may follow 'sent'
    expect(callbacksFor(failed.sid).map((h) => h.params.MessageStatus)).toEqual(['sending', 'failed']);
    expect(callbacksFor(sentOnly.sid).map((h) => h.params.MessageStatus)).toEqual(['sending', 'sent']);
    expect((await client.messages(sentOnly.sid).fetch()).status).toBe('sent');
  });

  it('does not retry a failing callback and keeps the lifecycle going', async () => {
    let calls = 0;
    receiver.reply((hook) => {
      if (hook.path !== '/broken') return { status: 200 };
      calls += 1;
      return { status: 500, body: 'boom' };
    });
    try {
      const client = tokenClient(emulator);
      const message = await client.messages.create({ to: '+15551110005', from: '+15005550006', body: 'x', statusCallback: `${receiver.url}/broken` });
      await receiver.waitFor(() => callbacksFor(message.sid).some((h) => h.params.MessageStatus === 'delivered'));
      await sleep(30);
      expect(calls).toBe(3); // sending, sent, delivered: once each
      expect(logs.some((l) => l.includes(message.sid) && l.includes('(not retried)'))).toBe(true);
    } finally {
      receiver.reply(() => ({ status: 200 }));
    }
  });

  it('uses the Messaging Service status callback and names the service', async () => {
    const client = tokenClient(emulator);
    const message = await client.messages.create({ to: '+15551110007', messagingServiceSid: SERVICE_SID, body: 'x' });
    expect(message.status).toBe('accepted');
    await receiver.waitFor(() => callbacksFor(message.sid).some((h) => h.params.MessageStatus === 'delivered'));
    const hooks = callbacksFor(message.sid);
    expect(hooks.map((h) => h.params.MessageStatus)).toEqual(['queued', 'sending', 'sent', 'delivered']);
    expect(hooks.every((h) => h.path === '/service-status' && h.params.MessagingServiceSid === SERVICE_SID)).toBe(true);
    expect(hooks.every((h) => h.params.From === '+15005550300')).toBe(true);
  });

  it('advanceTime releases a scheduled message once its SendAt falls due, not before, and never a canceled one', async () => {
    const client = tokenClient(emulator);
    const schedule = (to: string, minutes: number) => client.messages.create({ to, messagingServiceSid: SERVICE_SID, body: 'later', scheduleType: 'fixed', sendAt: new Date(Date.now() + minutes * 60_000) });
    const soon = await schedule('+15551110008', 6);
    const later = await schedule('+15551110009', 20);
    const canceled = await schedule('+15551110010', 6);
    await client.messages(canceled.sid).update({ status: 'canceled' });
    expect(soon.status).toBe('scheduled');

    emulator.advanceTime(5 * 60_000);
    await sleep(60);
    expect((await client.messages(soon.sid).fetch()).status).toBe('scheduled');

    emulator.advanceTime(2 * 60_000);
    await receiver.waitFor(() => callbacksFor(soon.sid).some((h) => h.params.MessageStatus === 'delivered'));
    const hooks = callbacksFor(soon.sid);
    expect(hooks.map((h) => h.params.MessageStatus)).toEqual(['queued', 'sending', 'sent', 'delivered']);
    expect(hooks.every((h) => h.path === '/service-status' && h.params.MessagingServiceSid === SERVICE_SID && h.params.From === '+15005550300')).toBe(true);
    expect((await client.messages(later.sid).fetch()).status).toBe('scheduled');
    expect((await client.messages(canceled.sid).fetch()).status).toBe('canceled');
    expect(callbacksFor(later.sid)).toEqual([]);
    expect(callbacksFor(canceled.sid).map((h) => h.params.MessageStatus)).toEqual(['canceled']);
  });

  it('posts no callback when none is configured', async () => {
    const client = tokenClient(emulator);
    const before = receiver.received.length;
    const message = await client.messages.create({ to: '+15551110006', from: '+15005550006', body: 'x' });
    await eventually(() => client.messages(message.sid).fetch(), (m) => m.status === 'delivered');
    await sleep(30);
    expect(receiver.received.length).toBe(before);
  });
});
