import { rewriteTwilioUrl } from '../../lib/twilio-url';

test.each([
  ['https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json', 'http://127.0.0.1:4010/api/2010-04-01/Accounts/AC1/Messages.json'],
  ['https://sync.twilio.com/v1/Services/IS1/Lists?PageSize=50&PageToken=x', 'http://127.0.0.1:4010/sync/v1/Services/IS1/Lists?PageSize=50&PageToken=x'],
  ['https://api.dublin.ie1.twilio.com/2010-04-01/Accounts.json', 'http://127.0.0.1:4010/api/2010-04-01/Accounts.json'],
  ['https://SYNC.twilio.com', 'http://127.0.0.1:4010/sync'],
  ['https://example.com/api.twilio.com/x', 'https://example.com/api.twilio.com/x'],
  ['https://api.twilio.com.evil.com/x', 'https://api.twilio.com.evil.com/x'],
  ['http://api.twilio.com/x', 'http://api.twilio.com/x'],
])('%s → %s', (uri, expected) => {
  expect(rewriteTwilioUrl(uri, 'http://127.0.0.1:4010/')).toBe(expected);
});
