import twilio from 'twilio';
import { isValidTwilioSignature, webhookUrl, type SignedRequest } from '../../lib/webhooks/signature';

const TOKEN = '0123456789abcdef0123456789abcdef';
const URL_CALLED = 'https://example-1234.twil.io/sms/incoming';
const PARAMS: Record<string, string> = {
  MessageSid: `SM${'0'.repeat(32)}`,
  From: '+447911123456',
  To: '+14155550100',
  Body: 'Hello & goodbye',
  NumMedia: '0',
};
const SIGNATURE = twilio.getExpectedTwilioSignature(TOKEN, URL_CALLED, PARAMS);

describe('isValidTwilioSignature', () => {
  test('accepts the signature Twilio would send', () => {
    expect(isValidTwilioSignature(TOKEN, { url: URL_CALLED, params: PARAMS, signature: SIGNATURE })).toBe(true);
  });

  test('accepts a request without parameters signed the same way', () => {
    const signature = twilio.getExpectedTwilioSignature(TOKEN, URL_CALLED, {});
    expect(isValidTwilioSignature(TOKEN, { url: URL_CALLED, params: {}, signature })).toBe(true);
  });

  test.each<[string, string, SignedRequest]>([
    ['missing signature', TOKEN, { url: URL_CALLED, params: PARAMS, signature: undefined }],
    ['empty signature', TOKEN, { url: URL_CALLED, params: PARAMS, signature: '' }],
    ['altered parameter', TOKEN, { url: URL_CALLED, params: { ...PARAMS, Body: 'Hello & goodbye!' }, signature: SIGNATURE }],
    ['added parameter', TOKEN, { url: URL_CALLED, params: { ...PARAMS, Extra: '1' }, signature: SIGNATURE }],
    ['altered URL path', TOKEN, { url: 'https://example-1234.twil.io/sms/status', params: PARAMS, signature: SIGNATURE }],
    ['altered URL host', TOKEN, { url: 'https://evil.example.com/sms/incoming', params: PARAMS, signature: SIGNATURE }],
    ['http instead of https', TOKEN, { url: 'http://example-1234.twil.io/sms/incoming', params: PARAMS, signature: SIGNATURE }],
    ['added query string', TOKEN, { url: `${URL_CALLED}?x=1`, params: PARAMS, signature: SIGNATURE }],
    ['other token', 'fedcba9876543210fedcba9876543210', { url: URL_CALLED, params: PARAMS, signature: SIGNATURE }],
    ['empty token', '', { url: URL_CALLED, params: PARAMS, signature: SIGNATURE }],
    ['garbage signature', TOKEN, { url: URL_CALLED, params: PARAMS, signature: 'bm90IGEgc2lnbmF0dXJl' }],
  ])('refuses %s', (_label, token, request) => {
    expect(isValidTwilioSignature(token, request)).toBe(false);
  });
});

describe('webhookUrl', () => {
  test.each<[string, Parameters<typeof webhookUrl>[0], string]>([
    ['localhost with port → http', { domainName: 'localhost:3000', path: '/sms/incoming' }, 'http://localhost:3000/sms/incoming'],
    ['localhost without port → http', { domainName: 'localhost', path: '/sms/status' }, 'http://localhost/sms/status'],
    ['127.0.0.1 → http', { domainName: '127.0.0.1:3000', path: '/sms/incoming' }, 'http://127.0.0.1:3000/sms/incoming'],
    ['[::1] → http', { domainName: '[::1]:3000', path: '/sms/incoming' }, 'http://[::1]:3000/sms/incoming'],
    ['no domain → localhost', { path: '/sms/incoming' }, 'http://localhost/sms/incoming'],
    ['deployed domain → https', { domainName: 'example.twil.io', path: '/sms/incoming' }, 'https://example.twil.io/sms/incoming'],
    ['look-alike of localhost → https', { domainName: 'localhost.example.com', path: '/sms/incoming' }, 'https://localhost.example.com/sms/incoming'],
    ['baseUrl override', { baseUrl: 'https://sms.example.com', domainName: 'example.twil.io', path: '/sms/incoming' }, 'https://sms.example.com/sms/incoming'],
    ['baseUrl with trailing slash', { baseUrl: 'https://sms.example.com/', domainName: 'example.twil.io', path: '/sms/incoming' }, 'https://sms.example.com/sms/incoming'],
    ['baseUrl with several trailing slashes and a prefix', { baseUrl: 'https://proxy.example.com/twilio//', path: '/sms/status' }, 'https://proxy.example.com/twilio/sms/status'],
    ['empty baseUrl is ignored', { baseUrl: '', domainName: 'example.twil.io', path: '/sms/status' }, 'https://example.twil.io/sms/status'],
  ])('%s', (_label, options, expected) => {
    expect(webhookUrl(options)).toBe(expected);
  });

  test('a signature made for the URL webhookUrl builds validates against it', () => {
    const url = webhookUrl({ baseUrl: 'https://sms.example.com/', path: '/sms/incoming' });
    const signature = twilio.getExpectedTwilioSignature(TOKEN, 'https://sms.example.com/sms/incoming', PARAMS);
    expect(isValidTwilioSignature(TOKEN, { url, params: PARAMS, signature })).toBe(true);
  });
});
