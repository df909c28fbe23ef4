import { createTwilioClient } from '../../lib/twilio-client';
import { DEFAULT_ACCOUNT_SID, startEmulator, type Emulator } from '../../emulator';
import { apiKeyClient, raw, restError, tokenClient } from './test-helpers';

describe('emulator authentication', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  it('accepts the account SID with its auth token', async () => {
    const account = await tokenClient(emulator).api.v2010.accounts(emulator.accountSid).fetch();
    expect(account.sid).toBe(DEFAULT_ACCOUNT_SID);
    expect(account.status).toBe('active');
    expect(account.type).toBe('Full');
    // Twilio's example answer links 20 subresources; short codes under the old SMS/ path.
    expect(Object.keys(account.subresourceUris)).toHaveLength(20);
    expect(account.subresourceUris.short_codes).toBe(`/2010-04-01/Accounts/${DEFAULT_ACCOUNT_SID}/SMS/ShortCodes.json`);
  });

  it('accepts an API key with its secret', async () => {
    const numbers = await apiKeyClient(emulator).incomingPhoneNumbers.list();
    expect(numbers.map((n) => n.phoneNumber)).toEqual(['+15005550006']);
  });

  it('refuses the Account resource to a standard API key, like Twilio', async () => {
    const error = await restError(apiKeyClient(emulator).api.v2010.accounts(emulator.accountSid).fetch());
    expect(error).toMatchObject({ status: 401, code: 20003 });
  });

  it('answers 401 / 20003 "Authenticate" to a wrong secret', async () => {
    const client = createTwilioClient(
      { accountSid: emulator.accountSid, authToken: 'wrong-token' },
      { apiBaseUrl: emulator.url },
    );
    const error = await restError(client.messages.list({ limit: 1 }));
    expect(error).toEqual({
      status: 401,
      code: 20003,
      message: 'Authenticate',
      moreInfo: 'https://www.twilio.com/docs/errors/20003',
    });
  });

  it('answers 401 without credentials, on Sync as on v2010', async () => {
    const sync = await raw(emulator, 'GET', '/sync/v1/Services');
    expect(sync.status).toBe(401);
    expect(sync.json).toEqual({
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
    expect(sync.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('refuses another account in the path', async () => {
    const other = `AC${'0'.repeat(32)}`;
    const response = await raw(emulator, 'GET', `/api/2010-04-01/Accounts/${other}/Messages.json`, { auth: 'token' });
    expect(response.status).toBe(401);
    expect(response.json).toMatchObject({ code: 20003 });
  });

  it('answers 20404 for an unknown resource and 20004 for a wrong method', async () => {
    const missing = await raw(emulator, 'GET', `/api/2010-04-01/Accounts/${emulator.accountSid}/Nothing.json`, { auth: 'token' });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ code: 20404, status: 404 });
    expect((missing.json as { message: string }).message).toContain('/Nothing.json was not found');

    const wrongMethod = await raw(emulator, 'DELETE', `/api/2010-04-01/Accounts/${emulator.accountSid}/Messages.json`, {
      auth: 'token',
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json).toMatchObject({ code: 20004 });
  });
});
