import twilio from 'twilio';
import {
  describeFailure,
  hasCode,
  hintFor,
  isAmbiguous,
  isNoAnswer,
  isNotFound,
  isTransient,
  readFailure,
  type TwilioFailure,
} from '../../lib/twilio-errors';

/** What twilio-node throws when Twilio answers with an error. */
function restException(statusCode: number, code?: number, message = 'Twilio says no'): InstanceType<typeof twilio.RestException> {
  return new twilio.RestException({ statusCode, body: code === undefined ? { message } : { code, message, more_info: `https://www.twilio.com/docs/errors/${code}` } });
}

/** What axios throws when no answer comes. */
function networkError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code, isAxiosError: true });
}

const SECRET = 'pw_Zq81_never_log_me';

describe('readFailure', () => {
  test.each<[string, unknown, TwilioFailure]>([
    ['RestException-like object', { status: 400, code: 21211, message: "The 'To' number is not valid." }, { status: 400, code: 21211, message: "The 'To' number is not valid." }],
    ['real RestException', restException(404, 20404, 'Not found'), { status: 404, code: 20404, message: 'Not found' }],
    ['RestException without a Twilio code', restException(502, undefined, 'Bad gateway'), { status: 502, code: null, message: 'Bad gateway' }],
    ['axios-like network error', { code: 'ECONNRESET', message: 'socket hang up' }, { status: null, code: null, message: 'socket hang up' }],
    ['network Error instance', networkError('ETIMEDOUT', 'timeout of 5000ms exceeded'), { status: null, code: null, message: 'timeout of 5000ms exceeded' }],
    ['string code with a status is not a Twilio code', { status: 500, code: 'ERR_BAD_RESPONSE', message: 'boom' }, { status: 500, code: null, message: 'boom' }],
    ['status as a string is not an answer', { status: '500', message: 'x' }, { status: null, code: null, message: 'x' }],
    ['plain string', 'oops', { status: null, code: null, message: 'oops' }],
    ['null', null, { status: null, code: null, message: 'null' }],
    ['undefined', undefined, { status: null, code: null, message: 'undefined' }],
  ])('%s', (_label, error, expected) => {
    expect(readFailure(error)).toEqual(expected);
  });
});

describe('isTransient / isAmbiguous / isNoAnswer', () => {
  test.each<[string, unknown, { transient: boolean; ambiguous: boolean; noAnswer: boolean }]>([
    ['429', { status: 429, code: 20429, message: 'Too many requests' }, { transient: true, ambiguous: false, noAnswer: false }],
    ['500', { status: 500, code: null, message: 'Internal error' }, { transient: true, ambiguous: true, noAnswer: false }],
    ['502 RestException', restException(502), { transient: true, ambiguous: true, noAnswer: false }],
    ['503', { status: 503, message: 'Service unavailable' }, { transient: true, ambiguous: true, noAnswer: false }],
    ['400', { status: 400, code: 21211, message: 'Invalid To' }, { transient: false, ambiguous: false, noAnswer: false }],
    ['401', restException(401, 20003, 'Authenticate'), { transient: false, ambiguous: false, noAnswer: false }],
    ['404', { status: 404, code: 20404, message: 'Not found' }, { transient: false, ambiguous: false, noAnswer: false }],
    ['ECONNRESET', { code: 'ECONNRESET', message: 'socket hang up' }, { transient: true, ambiguous: true, noAnswer: true }],
    ['ETIMEDOUT', networkError('ETIMEDOUT', 'connect ETIMEDOUT'), { transient: true, ambiguous: true, noAnswer: true }],
    ['ECONNREFUSED', networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:4010'), { transient: true, ambiguous: true, noAnswer: true }],
    ['unknown code but "socket hang up"', { code: 'EWHATEVER', message: 'socket hang up' }, { transient: true, ambiguous: true, noAnswer: true }],
    ['timeout wording only', new Error('Request timeout'), { transient: true, ambiguous: true, noAnswer: true }],
    ['programming error', new TypeError('x is not a function'), { transient: false, ambiguous: false, noAnswer: false }],
    ['null', null, { transient: false, ambiguous: false, noAnswer: false }],
  ])('%s', (_label, error, expected) => {
    expect({ transient: isTransient(error), ambiguous: isAmbiguous(error), noAnswer: isNoAnswer(error) }).toEqual(expected);
  });
});

describe('isNotFound / hasCode', () => {
  test.each<[unknown, boolean]>([
    [{ status: 404, code: 20404, message: '' }, true],
    [restException(404, 20404), true],
    [{ status: 400, code: 20404, message: '' }, false],
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND api.twilio.com' }, false],
  ])('isNotFound(%j) → %s', (error, expected) => {
    expect(isNotFound(error)).toBe(expected);
  });

  test.each<[unknown, number, boolean]>([
    [{ status: 429, code: 54009, message: '' }, 54009, true],
    [{ status: 429, code: 20429, message: '' }, 54009, false],
    [{ code: 54009, message: 'no status' }, 54009, false],
  ])('hasCode(%j, %i) → %s', (error, code, expected) => {
    expect(hasCode(error, code)).toBe(expected);
  });
});

describe('hintFor', () => {
  test.each<[number, RegExp]>([
    [20003, /credentials.*TWILIO_AUTH_TOKEN/],
    [21211, /not a valid phone number/],
    [21408, /permission.*country/],
    [21610, /STOP.*START/],
    [21614, /cannot receive SMS/],
    [30003, /unreachable/],
    [30004, /blocked/],
    [30005, /does not exist/],
    [30006, /landline/],
    [30007, /spam/],
    [30008, /unknown delivery error/],
  ])('%i → %s', (code, pattern) => {
    expect(hintFor(code)).toMatch(pattern);
  });

  test.each([99999, 0, 21211.5, -1])('has no hint for unknown code %d', (code) => {
    expect(hintFor(code)).toBeUndefined();
  });

  test('has no hint without a code', () => {
    expect(hintFor(null)).toBeUndefined();
  });
});

describe('describeFailure', () => {
  test.each<[string, unknown, string]>([
    [
      'known code, message without full stop',
      { status: 400, code: 21211, message: "The 'To' number +1555 is not a valid phone number" },
      `Twilio error 21211: The 'To' number +1555 is not a valid phone number. ${hintFor(21211)!}`,
    ],
    [
      'known code, message with full stop',
      restException(400, 21610, 'Attempt to send to unsubscribed recipient.'),
      `Twilio error 21610: Attempt to send to unsubscribed recipient. ${hintFor(21610)!}`,
    ],
    ['unknown code', { status: 400, code: 12345, message: 'Something odd' }, 'Twilio error 12345: Something odd'],
    ['HTTP status only', { status: 503, message: 'Service Unavailable' }, 'Twilio answered HTTP 503: Service Unavailable'],
    ['no answer', { code: 'ECONNRESET', message: 'socket hang up' }, 'No answer from Twilio (socket hang up).'],
  ])('%s', (_label, error, expected) => {
    expect(describeFailure(error)).toBe(expected);
  });

  test.each<[string, unknown]>([
    [
      'RestException carrying request config',
      Object.assign(restException(401, 20003, 'Authenticate'), { config: { auth: { username: 'AC0123', password: SECRET } }, details: { password: SECRET } }),
    ],
    [
      'axios network error carrying headers',
      Object.assign(networkError('ECONNRESET', 'socket hang up'), {
        config: { auth: { password: SECRET }, headers: { Authorization: `Basic ${Buffer.from(`AC0123:${SECRET}`).toString('base64')}` } },
      }),
    ],
    ['plain object with a password field', { status: 500, code: null, message: 'Internal', password: SECRET, authToken: SECRET }],
    ['object without a message', { status: 500, authToken: SECRET }],
    ['no-answer object without a message', { code: 'ECONNRESET', authToken: SECRET }],
  ])('never includes a secret from unrelated fields: %s', (_label, error) => {
    const text = describeFailure(error);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(Buffer.from(`AC0123:${SECRET}`).toString('base64'));
    expect(text.length).toBeGreaterThan(0);
  });
});
