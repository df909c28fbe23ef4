/**
 * The Functions' handlers (lib/webhooks/handle-incoming.ts, handle-status.ts) called directly with
 * their dependencies: a real MessageStore over the in-process emulator's Sync, a log array, signed
 * requests. What each outcome answers Twilio: 403 signature, 415 not form-encoded, 400 bad
 * parameters (nothing stored, no Sync call), 200 TwiML stored or duplicate, 503 while another
 * delivery stores it, 500 when the store fails (so Twilio retries or calls the fallback URL).
 */
import twilio from 'twilio';
import { handleIncoming, type WebhookDeps } from '../../lib/webhooks/handle-incoming';
import { handleStatus } from '../../lib/webhooks/handle-status';
import type { SignedRequest } from '../../lib/webhooks/signature';
import { OURS, QUICK_RETRY, ROUTES, THEM, nextSid, outboundRecord, useStoreHarness } from './support/store-harness';

const h = useStoreHarness();
const AUTH_TOKEN = 'functions-auth-token';
const INCOMING_URL = 'https://sms-1234-dev.twil.io/sms/incoming';
const STATUS_URL = 'https://sms-1234-dev.twil.io/sms/status';
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

function signed(url: string, params: Record<string, string>, overrides: Partial<SignedRequest> = {}): SignedRequest {
  return { url, params, signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params), contentType: FORM, ...overrides };
}

function incomingParams(overrides: Record<string, string> = {}): Record<string, string> {
  return { MessageSid: nextSid(), AccountSid: h.emulator.accountSid, From: THEM, To: OURS, Body: 'Hello there', NumMedia: '0', ...overrides };
}

function setup(retry = QUICK_RETRY) {
  const service = h.fresh(retry);
  const logs: string[] = [];
  const deps: WebhookDeps = { store: service.store(), authToken: AUTH_TOKEN, log: (line) => logs.push(line), logPii: false, now: () => new Date(h.clock) };
  h.emulator.resetCounts();
  return { service, deps, logs };
}

describe('handleIncoming', () => {
  test('stored: 200 with empty TwiML, the message in its thread once', async () => {
    const { service, deps, logs } = setup();
    const params = incomingParams();
    const reply = await handleIncoming(deps, signed(INCOMING_URL, params));
    expect(reply).toEqual({ status: 200, contentType: 'text/xml', body: EMPTY_TWIML });
    expect((await service.thread(OURS, THEM)).map((m) => [m.sid, m.body, m.createdAt])).toEqual([[params.MessageSid, 'Hello there', new Date(h.clock).toISOString()]]);
    expect(logs).toEqual([expect.stringMatching(new RegExp(`^incoming: stored ${params.MessageSid} from `))]);
    expect(logs.join('\n')).not.toContain(THEM); // masked without LOG_PII
  });

  test('a replay of the same MessageSid: 200, nothing new stored, no auto-reply', async () => {
    const { service, deps } = setup();
    const params = incomingParams();
    const first = await handleIncoming(deps, signed(INCOMING_URL, params), { autoReply: 'Thanks, we got it & will reply.' });
    expect(first.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks, we got it &amp; will reply.</Message></Response>');
    const replay = await handleIncoming(deps, signed(INCOMING_URL, params), { autoReply: 'Thanks, we got it & will reply.' });
    expect(replay).toEqual({ status: 200, contentType: 'text/xml', body: EMPTY_TWIML });
    expect(await service.thread(OURS, THEM)).toHaveLength(1);
    expect((await service.entry(OURS, THEM))?.inboundCount).toBe(1);
  });

  test.each<[string, (p: Record<string, string>) => Partial<SignedRequest>]>([
    ['no signature', () => ({ signature: undefined })],
    ['signed with another auth token', (p) => ({ signature: twilio.getExpectedTwilioSignature('another-token', INCOMING_URL, p) })],
    ['signed for another URL', (p) => ({ signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, 'https://elsewhere.example.com/sms/incoming', p) })],
    ['parameters changed after signing', (p) => ({ params: { ...p, Body: 'forged' } })],
  ])('%s: 403, no Sync call', async (_label, forge) => {
    const { deps, logs } = setup();
    const params = incomingParams();
    const reply = await handleIncoming(deps, { ...signed(INCOMING_URL, params), ...forge(params) });
    expect(reply).toMatchObject({ status: 403, contentType: 'text/plain', body: 'Forbidden: missing or invalid X-Twilio-Signature.' });
    expect(h.emulator.requests()).toEqual([]);
    expect(logs[0]).toMatch(/^incoming: refused, (missing|invalid) X-Twilio-Signature/);
  });

  test('JSON with a valid signature: 415, no Sync call', async () => {
    const { deps } = setup();
    const reply = await handleIncoming(deps, signed(INCOMING_URL, incomingParams(), { contentType: 'application/json' }));
    expect(reply.status).toBe(415);
    expect(h.emulator.requests()).toEqual([]);
  });

  test.each<[string, Record<string, string>, RegExp]>([
    ['a malformed MessageSid', { MessageSid: 'SM123' }, /MessageSid: MessageSid must be SM or MM followed by 32 hex digits/],
    ['no From', { From: '' }, /From: From is required/],
    ['more NumMedia than MediaUrl parameters', { NumMedia: '2', MediaUrl0: 'https://api.twilio.com/m/0' }, /NumMedia names more MediaUrl parameters than were sent/],
    ['a record too large for Sync', { Body: 'x'.repeat(17_000) }, /too large to store/],
    ['a From longer than any Twilio address', { From: `+1${'5'.repeat(200)}` }, /From: From must be at most 64 characters/],
  ])('%s: 400, nothing stored, no Sync call', async (_label, overrides, error) => {
    const { deps } = setup();
    const reply = await handleIncoming(deps, signed(INCOMING_URL, incomingParams(overrides)));
    expect(reply.status).toBe(400);
    expect(reply.body).toMatch(/^Bad request: /);
    expect(reply.body).toMatch(error);
    expect(h.emulator.requests()).toEqual([]);
  });

  test('another delivery is storing it right now: 503, so Twilio retries later', async () => {
    const { service, deps, logs } = setup();
    const params = incomingParams();
    await service.putClaim(OURS, THEM, params.MessageSid!, { owner: 'the-first-delivery', claimedAt: h.clock, index: null, done: false, counted: false });
    const reply = await handleIncoming(deps, signed(INCOMING_URL, params));
    expect(reply).toMatchObject({ status: 503, contentType: 'text/plain' });
    expect(logs.at(-1)).toMatch(/is being stored by another request; answering 503$/);
    expect(await service.thread(OURS, THEM)).toEqual([]);
  });

  test('held by a delivery that got as far as counting it: 200, not 503', async () => {
    const { service, deps } = setup();
    const params = incomingParams();
    await service.putClaim(OURS, THEM, params.MessageSid!, { owner: 'the-first-delivery', claimedAt: h.clock, index: 0, done: false, counted: true });
    expect((await handleIncoming(deps, signed(INCOMING_URL, params))).status).toBe(200);
  });

  test('Sync fails: 500 (never 200), and the retry Twilio sends stores it once', async () => {
    const { service, deps, logs } = setup();
    const params = incomingParams();
    h.fault({ method: 'POST', route: ROUTES.append, kind: 503 });
    const reply = await handleIncoming(deps, signed(INCOMING_URL, params));
    expect(reply).toEqual({ status: 500, contentType: 'text/plain', body: 'The message could not be stored. Retry later.' });
    expect(logs.at(-1)).toMatch(/^incoming: storing SM[0-9a-f]{32} failed, answering 500/);
    h.emulator.clearFaults();
    expect((await handleIncoming(deps, signed(INCOMING_URL, params))).status).toBe(200);
    expect(await service.thread(OURS, THEM)).toHaveLength(1);
  });

  test("OptOutType (Advanced Opt-Out) reaches the store: the sender's conversation is opted out", async () => {
    const { service, deps } = setup();
    await handleIncoming(deps, signed(INCOMING_URL, incomingParams({ Body: 'Arrêtez', OptOutType: 'STOP' })));
    expect((await service.entry(OURS, THEM))?.optedOut).toBe(true);
  });

  test('with logPii the number is logged as is', async () => {
    const { deps, logs } = setup();
    await handleIncoming({ ...deps, logPii: true }, signed(INCOMING_URL, incomingParams()));
    expect(logs.at(-1)).toContain(THEM);
  });
});

describe('handleStatus', () => {
  function statusParams(sid: string, status: string, overrides: Record<string, string> = {}): Record<string, string> {
    return { MessageSid: sid, AccountSid: h.emulator.accountSid, From: OURS, To: THEM, MessageStatus: status, ...overrides };
  }

  test('moves the stored status forward: 200 OK; a late earlier status is 200 too and changes nothing', async () => {
    const { service, deps, logs } = setup();
    const record = outboundRecord(THEM, 'hi');
    await deps.store.recordOutbound(record);
    expect(await handleStatus(deps, signed(STATUS_URL, statusParams(record.sid, 'delivered')))).toEqual({ status: 200, contentType: 'text/plain', body: 'OK' });
    expect(await handleStatus(deps, signed(STATUS_URL, statusParams(record.sid, 'sent')))).toMatchObject({ status: 200 });
    expect((await service.thread(OURS, THEM))[0]?.status).toBe('delivered');
    expect(logs).toEqual([`status: ${record.sid} delivered updated`, `status: ${record.sid} sent unchanged`]);
  });

  test('before the bridge recorded the message: parked, 200', async () => {
    const { service, deps, logs } = setup();
    const sid = nextSid();
    expect((await handleStatus(deps, signed(STATUS_URL, statusParams(sid, 'undelivered', { ErrorCode: '30003' })))).status).toBe(200);
    expect(logs).toEqual([`status: ${sid} undelivered parked`]);
    expect(await service.sidEntry(OURS, THEM, sid)).toMatchObject({ status: 'undelivered', errorCode: 30003 });
  });

  test('a forged callback: 403, nothing read or written', async () => {
    const { deps } = setup();
    const reply = await handleStatus(deps, { ...signed(STATUS_URL, statusParams(nextSid(), 'delivered')), signature: 'forged' });
    expect(reply.status).toBe(403);
    expect(h.emulator.requests()).toEqual([]);
  });

  test.each<[string, Record<string, string>]>([
    ['an unknown MessageStatus', { MessageStatus: 'exploded' }],
    ['a non-numeric ErrorCode', { ErrorCode: 'abc' }],
    ['a To longer than any Twilio address', { To: `+1${'5'.repeat(200)}` }],
  ])('%s: 400', async (_label, overrides) => {
    const { deps } = setup();
    const reply = await handleStatus(deps, signed(STATUS_URL, statusParams(nextSid(), 'delivered', overrides)));
    expect(reply.status).toBe(400);
    expect(h.emulator.requests()).toEqual([]);
  });

  test('Sync fails: 500, so Twilio retries the callback', async () => {
    const { deps } = setup();
    h.fault({ method: 'GET', kind: 503 });
    const reply = await handleStatus(deps, signed(STATUS_URL, statusParams(nextSid(), 'delivered')));
    expect(reply).toEqual({ status: 500, contentType: 'text/plain', body: 'The status could not be stored. Retry later.' });
  });
});
