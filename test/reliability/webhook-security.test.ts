/**
 * Webhook security (issue #6, part 4), against the real `twilio-run start`: a webhook is accepted
 * only with Twilio's signature over exactly the URL Twilio called and exactly the parameters it
 * sent, made with this account's auth token. Everything else is 403 with nothing stored.
 * WEBHOOK_BASE_URL: behind a custom domain the Function checks against that URL; without it, a
 * signature for the custom domain fails.
 */
import twilio from 'twilio';
import { conversationIdFor } from '../../lib/conversation-id';
import { startFunctions, type FunctionsProcess } from '../../scripts/system/functions-process';
import { MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';
import { inboundParams, messageSid, postWebhook, reportFigures, statusParams, syncWrites, type WebhookPost } from './support';

// Real processes, retries and timeouts: slower than jest's 5 s default (set here, since a
// project's testTimeout does not apply when jest.config.js runs it as one of its projects).
jest.setTimeout(120_000);

const CUSTOM_DOMAIN = 'https://sms.example.com';
const OTHER_TOKEN = 'f'.repeat(32);

let system: System;
/** The same Functions behind a custom domain (WEBHOOK_BASE_URL set). */
let behindProxy: FunctionsProcess;
let casesTried = 0;
let sidCounter = 0x9000;
let handset = 300;

beforeAll(async () => {
  system = await startSystem();
  behindProxy = await startFunctions({
    ACCOUNT_SID: system.emulator.accountSid,
    AUTH_TOKEN: system.emulator.authToken,
    SYNC_SERVICE_SID: system.syncServiceSid,
    TWILIO_API_BASE_URL: system.emulator.url,
    WEBHOOK_BASE_URL: CUSTOM_DOMAIN,
  });
}, 60_000);

afterAll(async () => {
  reportFigures({ suite: 'webhook-security', casesTried });
  await behindProxy?.close();
  await system?.close();
});

function fresh(): { sid: string; from: string; params: Record<string, string> } {
  const sid = messageSid(++sidCounter);
  const from = `+1415557${String(++handset).padStart(4, '0')}`;
  return { sid, from, params: inboundParams({ sid, accountSid: system.emulator.accountSid, from, to: MAGIC_FROM_NUMBER, body: 'authentic text' }) };
}

const threadOf = async (from: string) =>
  (await system.twilio.sync.v1.services(system.syncServiceSid).syncLists(`thread_${conversationIdFor(MAGIC_FROM_NUMBER, from)}`).syncListItems.list({ pageSize: 10 }).catch(() => [])).map(
    (item) => item.data as { sid: string; body: string; from: string; media: unknown[] },
  );

/** Posts and asserts 403 with no Sync write at all. */
async function expectRefused(path: string, post: WebhookPost, target: { url: string } = system.functions): Promise<void> {
  casesTried += 1;
  const writes = syncWrites(system.emulator);
  const answer = await postWebhook(target.url, path, post);
  expect(answer.status).toBe(403);
  expect(answer.body).toMatch(/Forbidden: missing or invalid X-Twilio-Signature/);
  expect(syncWrites(system.emulator) - writes).toBe(0);
}

const incomingUrl = () => `${system.functions.url}/sms/incoming`;
const validSignature = (params: Record<string, string>, url = incomingUrl(), token = system.emulator.authToken) => twilio.getExpectedTwilioSignature(token, url, params);

describe('missing, malformed and forged signatures', () => {
  const signatures: [string, (params: Record<string, string>) => string | undefined][] = [
    ['no X-Twilio-Signature header', () => undefined],
    ['an empty signature', () => ''],
    ['a signature of spaces', () => '   '],
    ['not base64', () => '!!!not-base64!!!'],
    ['base64 of the wrong length', () => Buffer.from('short').toString('base64')],
    ['random 20 bytes (a forged HMAC-SHA1)', () => Buffer.from('0123456789abcdefghij').toString('base64')],
    ['an 8 KB header', () => 'A'.repeat(8192)],
    ['the valid signature with one character changed', (params) => {
      const valid = validSignature(params);
      return `${valid.slice(0, 5)}${valid[5] === 'A' ? 'B' : 'A'}${valid.slice(6)}`;
    }],
    ['the valid signature upper-cased', (params) => validSignature(params).toUpperCase()],
    // (Not "with a trailing space": HTTP strips whitespace around header values, so that is the
    // valid signature itself.)
    ['the valid signature with a character appended', (params) => `${validSignature(params)}A`],
    ['the valid signature twice', (params) => `${validSignature(params)},${validSignature(params)}`],
    ['an HMAC-SHA256 instead of SHA1', (params) => {
      const { createHmac } = require('node:crypto') as typeof import('node:crypto');
      const data = incomingUrl() + Object.keys(params).sort().map((key) => key + params[key]).join('');
      return createHmac('sha256', system.emulator.authToken).update(data).digest('base64');
    }],
  ];

  test.each(signatures)('incoming with %s: 403, nothing stored', async (_name, signatureOf) => {
    const { from, params } = fresh();
    const signature = signatureOf(params);
    await expectRefused('/sms/incoming', { params, ...(signature !== undefined ? { signature } : {}) });
    expect(await threadOf(from)).toEqual([]);
  });

  test.each(signatures)('status callback with %s: 403, nothing stored', async (_name, signatureOf) => {
    const params = statusParams({ sid: messageSid(++sidCounter), accountSid: system.emulator.accountSid, from: MAGIC_FROM_NUMBER, to: '+14155550100', status: 'delivered' });
    const signature = signatureOf(params);
    await expectRefused('/sms/status', { params, ...(signature !== undefined ? { signature } : {}) });
  });
});

describe('a valid signature replayed with something changed', () => {
  const alterations: [string, (params: Record<string, string>) => Record<string, string>][] = [
    ['the Body', (params) => ({ ...params, Body: 'altered text' })],
    ['the Body emptied', (params) => ({ ...params, Body: '' })],
    ['the From number', (params) => ({ ...params, From: '+14155559999' })],
    ['the To number', (params) => ({ ...params, To: '+15005550007' })],
    ['the MessageSid', (params) => ({ ...params, MessageSid: messageSid(0xdead), SmsSid: messageSid(0xdead) })],
    ['a media item added', (params) => ({ ...params, NumMedia: '1', MediaUrl0: 'https://evil.example.com/a.png', MediaContentType0: 'image/png' })],
    ['a parameter added', (params) => ({ ...params, Injected: 'yes' })],
    ['a parameter removed', (params) => {
      const { NumSegments: _dropped, ...rest } = params;
      return rest;
    }],
    ['the AccountSid', (params) => ({ ...params, AccountSid: `AC${'0'.repeat(32)}` })],
    ['whitespace added to the Body', (params) => ({ ...params, Body: `${params.Body} ` })],
  ];

  test.each(alterations)('incoming with %s: 403, nothing stored', async (_name, alter) => {
    const { from, params } = fresh();
    const signature = validSignature(params);
    await expectRefused('/sms/incoming', { params: alter(params), signature });
    expect(await threadOf(from)).toEqual([]);
  });

  test('a status callback with its MessageStatus changed: 403', async () => {
    const params = statusParams({ sid: messageSid(++sidCounter), accountSid: system.emulator.accountSid, from: MAGIC_FROM_NUMBER, to: '+14155550100', status: 'sent' });
    const signature = validSignature(params, `${system.functions.url}/sms/status`);
    await expectRefused('/sms/status', { params: { ...params, MessageStatus: 'delivered', SmsStatus: 'delivered' }, signature });
  });

  test('parameters in another order: the same signature (Twilio sorts them), stored once', async () => {
    casesTried += 1;
    const { sid, from, params } = fresh();
    const reversed = Object.fromEntries(Object.entries(params).reverse());
    const answer = await postWebhook(system.functions.url, '/sms/incoming', { params: reversed, signature: validSignature(params) });
    expect(answer.status).toBe(200);
    expect((await threadOf(from)).map((item) => item.sid)).toEqual([sid]);
  });

  test('the same valid webhook replayed stores nothing new', async () => {
    casesTried += 1;
    const { sid, from, params } = fresh();
    const post = { params, token: system.emulator.authToken };
    expect((await postWebhook(system.functions.url, '/sms/incoming', post)).status).toBe(200);
    const writes = syncWrites(system.emulator);
    for (let i = 0; i < 3; i++) expect((await postWebhook(system.functions.url, '/sms/incoming', post)).status).toBe(200);
    // A replay reads the claim, finds it done, and writes nothing.
    expect(syncWrites(system.emulator) - writes).toBe(0);
    expect((await threadOf(from)).map((item) => item.sid)).toEqual([sid]);
  });
});

describe('a valid signature for another URL, or another account', () => {
  const urls: [string, () => string][] = [
    ['another host', () => 'https://evil.example.com/sms/incoming'],
    ['https instead of http', () => incomingUrl().replace('http://', 'https://')],
    ['another port', () => incomingUrl().replace(/:(\d+)\//, (_m, port: string) => `:${Number(port) + 1}/`)],
    ['the status route', () => `${system.functions.url}/sms/status`],
    ['a trailing slash', () => `${incomingUrl()}/`],
    ['a query string Twilio did not call', () => `${incomingUrl()}?foo=bar`],
    ['the custom domain, which is not configured here', () => `${CUSTOM_DOMAIN}/sms/incoming`],
  ];

  test.each(urls)('signed for %s: 403', async (_name, url) => {
    const { from, params } = fresh();
    await expectRefused('/sms/incoming', { params, signUrl: url(), token: system.emulator.authToken });
    expect(await threadOf(from)).toEqual([]);
  });

  const tokens: [string, () => string][] = [
    ['another account’s auth token', () => OTHER_TOKEN],
    ['the API key secret instead of the auth token', () => system.emulator.apiSecret],
    ['an empty token', () => ''],
    ['the Account SID', () => system.emulator.accountSid],
  ];

  test.each(tokens)('signed with %s: 403', async (_name, token) => {
    const { from, params } = fresh();
    await expectRefused('/sms/incoming', { params, signature: validSignature(params, incomingUrl(), token()) });
    expect(await threadOf(from)).toEqual([]);
  });
});

describe('query-string tampering', () => {
  // twilio-run (like a deployed Function) merges query and body into one event, the body winning.
  const added: [string, string][] = [
    ['a new parameter', '?Injected=1'],
    ['a media URL', '?MediaUrl0=https%3A%2F%2Fevil.example.com%2Fx.png&MediaContentType0=image%2Fpng'],
    ['NumMedia and a media URL', '?NumMedia=1&MediaUrl0=https%3A%2F%2Fevil.example.com%2Fx.png'],
    ['an opt-out keyword parameter', '?OptOutType=STOP'],
    ['an empty parameter', '?Extra='],
  ];

  test.each(added)('%s added in the query string: 403, nothing stored', async (_name, query) => {
    const { from, params } = fresh();
    await expectRefused('/sms/incoming', { params, query, signUrl: incomingUrl(), token: system.emulator.authToken });
    expect(await threadOf(from)).toEqual([]);
  });

  test('a parameter the body already carries, repeated in the query: cannot change what is stored', async () => {
    casesTried += 1;
    const { sid, from, params } = fresh();
    const answer = await postWebhook(system.functions.url, '/sms/incoming', {
      params,
      query: `?Body=tampered&From=%2B14155559999`,
      signUrl: incomingUrl(),
      token: system.emulator.authToken,
    });
    // The body's values win, so the request is exactly what Twilio signed: accepted as such,
    // or refused; never stored with the query's values.
    expect([200, 403]).toContain(answer.status);
    const stored = await threadOf(from);
    expect(stored.every((item) => item.body === 'authentic text' && item.sid === sid && item.from === from)).toBe(true);
    expect(JSON.stringify(stored)).not.toContain('tampered');
    expect(await threadOf('+14155559999')).toEqual([]);
  });
});

describe('WEBHOOK_BASE_URL (custom domain or proxy)', () => {
  test('when set, a signature for the custom domain is accepted', async () => {
    casesTried += 1;
    const { sid, from, params } = fresh();
    const answer = await postWebhook(behindProxy.url, '/sms/incoming', { params, signUrl: `${CUSTOM_DOMAIN}/sms/incoming`, token: system.emulator.authToken });
    expect(answer.status).toBe(200);
    expect((await threadOf(from)).map((item) => item.sid)).toEqual([sid]);
  });

  test('when set, a status callback signed for the custom domain is accepted', async () => {
    casesTried += 1;
    const params = statusParams({ sid: messageSid(++sidCounter), accountSid: system.emulator.accountSid, from: MAGIC_FROM_NUMBER, to: '+14155550100', status: 'delivered' });
    const answer = await postWebhook(behindProxy.url, '/sms/status', { params, signUrl: `${CUSTOM_DOMAIN}/sms/status`, token: system.emulator.authToken });
    expect(answer.status).toBe(200);
  });

  test('when set, a signature for the Function’s own address is refused', async () => {
    const { from, params } = fresh();
    await expectRefused('/sms/incoming', { params, signUrl: `${behindProxy.url}/sms/incoming`, token: system.emulator.authToken }, behindProxy);
    expect(await threadOf(from)).toEqual([]);
  });

  test('when set, a signature for another domain is refused', async () => {
    const { from, params } = fresh();
    await expectRefused('/sms/incoming', { params, signUrl: 'https://sms.example.org/sms/incoming', token: system.emulator.authToken }, behindProxy);
    expect(await threadOf(from)).toEqual([]);
  });

  test('when not set, a signature for the custom domain fails (see the custom-domain case above)', async () => {
    const { from, params } = fresh();
    await expectRefused('/sms/incoming', { params, signUrl: `${CUSTOM_DOMAIN}/sms/incoming`, token: system.emulator.authToken });
    expect(await threadOf(from)).toEqual([]);
  });

  test('the emulator’s real signed webhooks pass end to end', async () => {
    casesTried += 1;
    const delivery = await system.emulator.simulateInbound({ from: '+14155557999', to: MAGIC_FROM_NUMBER, body: 'signed by the emulator' });
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([200]);
  });
});
