import { plain, twiml, type WebhookReply } from '../../lib/webhooks/reply';

const EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

describe('twiml', () => {
  test.each<[string, string | undefined, string]>([
    ['no message', undefined, EMPTY],
    ['empty message', '', EMPTY],
    ['plain message', 'Thanks!', '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks!</Message></Response>'],
    [
      'message with XML special characters',
      `a<b & c>d "q" 'a'`,
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>a&lt;b &amp; c&gt;d &quot;q&quot; &apos;a&apos;</Message></Response>',
    ],
    ['already-escaped text is escaped again', '&amp;', '<?xml version="1.0" encoding="UTF-8"?><Response><Message>&amp;amp;</Message></Response>'],
    [
      'injection attempt stays text',
      '</Message><Redirect>https://evil.example.com</Redirect><Message>',
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>&lt;/Message&gt;&lt;Redirect&gt;https://evil.example.com&lt;/Redirect&gt;&lt;Message&gt;</Message></Response>',
    ],
  ])('%s', (_label, message, body) => {
    const expected: WebhookReply = { status: 200, contentType: 'text/xml', body };
    expect(twiml(message)).toEqual(expected);
  });

  test('escaped output contains no raw special characters inside <Message>', () => {
    const inner = /<Message>(.*)<\/Message>/.exec(twiml(`<&>"'`.repeat(5)).body)?.[1];
    expect(inner).toBeDefined();
    expect(inner).not.toMatch(/[<>"']|&(?!(amp|lt|gt|quot|apos);)/);
  });
});

describe('plain', () => {
  test.each<[number, string]>([
    [200, 'ok'],
    [400, 'From: From is required'],
    [403, 'Invalid signature'],
    [500, ''],
  ])('%i %j', (status, body) => {
    expect(plain(status, body)).toEqual({ status, contentType: 'text/plain', body });
  });
});
