import { startEmulator, type Emulator } from '../../emulator';
import { eventually, raw, restError, tokenClient } from './test-helpers';

const SERVICE_SID = `MG${'a'.repeat(32)}`;
const SERVICE_NUMBER = '+15005550100';
const RFC2822 = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

describe('emulated Messages API', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({
      deliveryStepMs: 10_000, // lifecycle irrelevant here; keep statuses still
      messagingServices: [{ sid: SERVICE_SID, phoneNumbers: [SERVICE_NUMBER] }],
    });
  });
  afterAll(() => emulator.close());

  it('creates a message in Twilio\'s shape and fetches it back', async () => {
    const client = tokenClient(emulator);
    const created = await client.messages.create({ to: '+15551230001', from: '+15005550006', body: 'Hello there' });
    expect(created.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(created).toMatchObject({
      status: 'queued',
      direction: 'outbound-api',
      to: '+15551230001',
      from: '+15005550006',
      body: 'Hello there',
      numSegments: '1',
      numMedia: '0',
      price: null,
      apiVersion: '2010-04-01',
      accountSid: emulator.accountSid,
      uri: `/2010-04-01/Accounts/${emulator.accountSid}/Messages/${created.sid}.json`,
      subresourceUris: { media: `/2010-04-01/Accounts/${emulator.accountSid}/Messages/${created.sid}/Media.json` },
    });
    expect(created.dateCreated).toBeInstanceOf(Date);
    expect(created.dateSent).toBeNull();

    const fetched = await client.messages(created.sid).fetch();
    expect(fetched.sid).toBe(created.sid);
    expect(fetched.body).toBe('Hello there');
    // As in Twilio's example answers: the create answer links media only, later ones feedback too.
    const base = `/2010-04-01/Accounts/${emulator.accountSid}/Messages/${created.sid}`;
    expect(created.subresourceUris).toEqual({ media: `${base}/Media.json` });
    expect(fetched.subresourceUris).toEqual({ media: `${base}/Media.json`, feedback: `${base}/Feedback.json` });

    const json = await raw(emulator, 'GET', `/api${created.uri}`, { auth: 'token' });
    expect((json.json as { date_created: string }).date_created).toMatch(RFC2822);
  });

  it('counts segments like Twilio: GSM-7 153 per part, UCS-2 67 per part', async () => {
    const client = tokenClient(emulator);
    const gsm = await client.messages.create({ to: '+15551230002', from: '+15005550006', body: 'a'.repeat(161) });
    const ucs = await client.messages.create({ to: '+15551230002', from: '+15005550006', body: `😀${'a'.repeat(69)}` });
    expect(gsm.numSegments).toBe('2');
    expect(ucs.numSegments).toBe('2');
  });

  it('pages a list across 3 pages via canonical next_page_uri (list and each)', async () => {
    const client = tokenClient(emulator);
    const to = '+15551239999';
    const sids: string[] = [];
    for (let i = 0; i < 7; i++) sids.push((await client.messages.create({ to, from: '+15005550006', body: `m${i}` })).sid);

    emulator.resetCounts();
    const listed = await client.messages.list({ to, pageSize: 3 });
    expect(listed.map((m) => m.sid)).toEqual([...sids].reverse()); // newest first
    expect(emulator.count({ method: 'GET', route: '/2010-04-01/Accounts/{AccountSid}/Messages.json' })).toBe(3);

    const seen: string[] = [];
    await client.messages.each({ to, pageSize: 3 }, (m) => {
      seen.push(m.body);
    });
    expect(seen).toEqual(['m6', 'm5', 'm4', 'm3', 'm2', 'm1', 'm0']);

    const first = await raw(emulator, 'GET', `/api/2010-04-01/Accounts/${emulator.accountSid}/Messages.json?To=${encodeURIComponent(to)}&PageSize=3`, {
      auth: 'token',
    });
    const page = first.json as Record<string, unknown>;
    expect(page).toMatchObject({ page: 0, page_size: 3, start: 0, end: 2, previous_page_uri: null });
    expect(page.next_page_uri).toMatch(/^\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Messages\.json\?To=%2B15551239999&PageSize=3&Page=1&PageToken=/);
    expect(page.first_page_uri).toBe(`/2010-04-01/Accounts/${emulator.accountSid}/Messages.json?To=%2B15551239999&PageSize=3&Page=0`);
  });

  it('filters by From and DateSent', async () => {
    const client = tokenClient(emulator);
    const inbound = await emulator.simulateInbound({ from: '+15557770000', to: '+15005550006', body: 'hi' });
    const fromThem = await client.messages.list({ from: '+15557770000' });
    expect(fromThem.map((m) => m.sid)).toEqual([inbound.messageSid]);
    const today = await client.messages.list({ from: '+15557770000', dateSentAfter: new Date(Date.now() - 60_000) });
    expect(today).toHaveLength(1);
    const before = await client.messages.list({ from: '+15557770000', dateSentBefore: new Date('2020-01-01T00:00:00Z') });
    expect(before).toHaveLength(0);
  });

  it('applies DateSent filters to whole GMT days, whatever time of day they carry (the least favourable reading of Twilio\'s docs)', async () => {
    const client = tokenClient(emulator);
    const inbound = await emulator.simulateInbound({ from: '+15557770001', to: '+15005550006', body: 'hi' });
    const sentAt = Date.parse(emulator.messages().find((m) => m.sid === inbound.messageSid)!.date_sent!);
    const dayStart = sentAt - (sentAt % 86_400_000);
    const sids = async (filter: { dateSent?: Date; dateSentAfter?: Date; dateSentBefore?: Date }) =>
      (await client.messages.list({ from: '+15557770001', ...filter })).map((m) => m.sid);
    // Later the same day: DateSent>= still lists it (the day's start counts, not the time).
    expect(await sids({ dateSentAfter: new Date(dayStart + 86_400_000 - 1000) })).toEqual([inbound.messageSid]);
    // DateSent<= the day's first second: on or before the END of that day.
    expect(await sids({ dateSentBefore: new Date(dayStart) })).toEqual([inbound.messageSid]);
    expect(await sids({ dateSent: new Date(dayStart + 3_600_000) })).toEqual([inbound.messageSid]);
    expect(await sids({ dateSentAfter: new Date(dayStart + 86_400_000) })).toEqual([]);
    expect(await sids({ dateSentBefore: new Date(dayStart - 1000) })).toEqual([]);
  });

  it.each([
    ['+15005550001', 21211],
    ['+15005550002', 21612],
    ['+15005550003', 21408],
    ['+15005550004', 21610],
    ['+15005550009', 21614],
  ])('rejects magic To %s with %i and creates nothing', async (to, code) => {
    const before = emulator.messages().length;
    const error = await restError(tokenClient(emulator).messages.create({ to, from: '+15005550006', body: 'x' }));
    expect(error).toMatchObject({ status: 400, code, moreInfo: `https://www.twilio.com/docs/errors/${code}` });
    expect(emulator.messages()).toHaveLength(before);
  });

  it('validates parameters with Twilio\'s codes', async () => {
    const client = tokenClient(emulator);
    const cases: [Promise<unknown>, number][] = [
      [client.messages.create({ to: '+15551230003', from: '+15550000000', body: 'x' }), 21606],
      [client.messages.create({ to: '+15005550006', from: '+15005550006', body: 'x' }), 21266],
      [client.messages.create({ to: '+15551230003', from: '+15005550006', body: 'x', statusCallback: 'not a url' }), 21609],
      [client.messages.create({ to: '5551230003', from: '+15005550006', body: 'x' }), 21211],
      [client.messages.create({ to: '+15551230003', from: '+15005550006' }), 21602],
      [client.messages.create({ to: '+15551230003', from: '+15005550006', body: 'x'.repeat(1601) }), 21617],
      [client.messages.create({ to: '+15551230003', messagingServiceSid: `MG${'b'.repeat(32)}`, body: 'x' }), 21701],
      [
        client.messages.create({
          to: '+15551230003',
          from: '+15005550006',
          mediaUrl: Array.from({ length: 11 }, (_, i) => `https://example.com/${i}.png`),
        }),
        21623,
      ],
    ];
    for (const [promise, code] of cases) expect(await restError(promise)).toMatchObject({ status: 400, code });

    const noTo = await raw(emulator, 'POST', `/api/2010-04-01/Accounts/${emulator.accountSid}/Messages.json`, {
      auth: 'token',
      form: { From: '+15005550006', Body: 'x' },
    });
    expect(noTo.json).toMatchObject({ code: 21604, status: 400 });
    const noFrom = await raw(emulator, 'POST', `/api/2010-04-01/Accounts/${emulator.accountSid}/Messages.json`, {
      auth: 'token',
      form: { To: '+15551230003', Body: 'x' },
    });
    expect(noFrom.json).toMatchObject({ code: 21603, status: 400 });
  });

  it('accepts through a Messaging Service with from null, then picks the service number', async () => {
    const stepped = await startEmulator({
      deliveryStepMs: 20,
      messagingServices: [{ sid: SERVICE_SID, phoneNumbers: [SERVICE_NUMBER] }],
    });
    try {
      const client = tokenClient(stepped);
      const created = await client.messages.create({ to: '+15551230004', messagingServiceSid: SERVICE_SID, body: 'via service' });
      expect(created).toMatchObject({ status: 'accepted', from: null, messagingServiceSid: SERVICE_SID });
      const later = await eventually(
        () => client.messages(created.sid).fetch(),
        (m) => m.status === 'delivered',
      );
      expect(later.from).toBe(SERVICE_NUMBER);
      expect(later.status).toBe('delivered');
    } finally {
      await stepped.close();
    }
  });

  it('schedules with a Messaging Service and cancels', async () => {
    const client = tokenClient(emulator);
    const sendAt = new Date(Date.now() + 3600_000);
    const scheduled = await client.messages.create({
      to: '+15551230005',
      messagingServiceSid: SERVICE_SID,
      body: 'later',
      scheduleType: 'fixed',
      sendAt,
    });
    expect(scheduled.status).toBe('scheduled');
    const canceled = await client.messages(scheduled.sid).update({ status: 'canceled' });
    expect(canceled.status).toBe('canceled');
    expect(await restError(client.messages(scheduled.sid).update({ status: 'canceled' }))).toMatchObject({ code: 30409 });

    const tooSoon = client.messages.create({
      to: '+15551230005',
      messagingServiceSid: SERVICE_SID,
      body: 'x',
      scheduleType: 'fixed',
      sendAt: new Date(Date.now() + 60_000),
    });
    expect(await restError(tooSoon)).toMatchObject({ code: 35115 });
    const noService = client.messages.create({ to: '+15551230005', from: '+15005550006', body: 'x', scheduleType: 'fixed', sendAt });
    expect(await restError(noService)).toMatchObject({ code: 35118 });
  });

  it('redacts and deletes finished messages only', async () => {
    const client = tokenClient(emulator);
    const queued = await client.messages.create({ to: '+15551230006', from: '+15005550006', body: 'secret' });
    expect(await restError(client.messages(queued.sid).remove())).toMatchObject({ code: 20009 });

    const inbound = await emulator.simulateInbound({ from: '+15557770001', to: '+15005550006', body: 'private' });
    const redacted = await client.messages(inbound.messageSid).update({ body: '' });
    expect(redacted.body).toBe('');
    expect(await client.messages(inbound.messageSid).remove()).toBe(true);
    expect(await restError(client.messages(inbound.messageSid).fetch())).toMatchObject({ status: 404, code: 20404 });
  });

  it('lists and fetches the Media of a message', async () => {
    const client = tokenClient(emulator);
    const created = await client.messages.create({
      to: '+15551230007',
      from: '+15005550006',
      mediaUrl: ['https://example.com/cat.jpg', 'https://example.com/doc.pdf'],
    });
    expect(created.numMedia).toBe('2');
    const media = await client.messages(created.sid).media.list();
    expect(media.map((m) => m.contentType)).toEqual(['image/jpeg', 'application/pdf']);
    expect(media[0]!.sid).toMatch(/^ME[0-9a-f]{32}$/);
    const one = await client.messages(created.sid).media(media[0]!.sid).fetch();
    expect(one.parentSid).toBe(created.sid);
  });
});
