/**
 * `npm run setup` against the emulator: it provisions once, changes nothing on a second run, and
 * a wrong credential, number or SID is a clear message with zero writes. Writes are counted by
 * the emulator itself (every POST it answered), not inferred from the script's output.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { DEFAULT_API_KEY, startEmulator, type Emulator } from '../../emulator';
import { tokenClient } from '../emulator/test-helpers';
import { readSetupEnv, runSetup } from '../../scripts/setup';
import { ROOT } from '../support/paths';

const NUMBER = '+15005550006';
const FUNCTIONS = 'https://twilio-sms-mcp-1234-dev.twil.io';
const INCOMING = `${FUNCTIONS}/sms/incoming`;

let emulator: Emulator;

beforeEach(async () => {
  emulator = await startEmulator({ phoneNumbers: [NUMBER, '+15005550010'] });
});

afterEach(async () => {
  await emulator.close();
});

function baseEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: emulator.authToken,
    TWILIO_PHONE_NUMBER: NUMBER,
    FUNCTIONS_BASE_URL: FUNCTIONS,
    TWILIO_API_BASE_URL: emulator.url,
    ...overrides,
  };
}

async function setup(env: Record<string, string | undefined>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSetup([], env, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const writes = () => emulator.count({ method: 'POST' }) + emulator.count({ method: 'DELETE' });

async function numberState() {
  const [number] = await tokenClient(emulator).incomingPhoneNumbers.list({ phoneNumber: NUMBER });
  return { smsUrl: number?.smsUrl, smsMethod: number?.smsMethod };
}

async function namedServices() {
  const services = await tokenClient(emulator).sync.v1.services.list();
  return services.filter((s) => s.friendlyName === 'twilio-sms-mcp').map((s) => s.sid);
}

describe('npm run setup', () => {
  test('the first run creates the Sync service and points the number at /sms/incoming; the second changes nothing', async () => {
    const first = await setup(baseEnv());
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const services = await namedServices();
    expect(services).toHaveLength(1);
    const sid = services[0]!;
    expect(first.out).toContain(`Sync service: created ${sid}, named 'twilio-sms-mcp'`);
    expect(first.out).toContain(`${NUMBER} incoming SMS webhook: updated to POST ${INCOMING} (was: not set)`);
    expect(first.out).toContain(`${NUMBER} SMS fallback URL: updated to POST ${INCOMING} (a second attempt when the first fails)`);
    expect(await numberState()).toEqual({ smsUrl: INCOMING, smsMethod: 'POST' });
    const [number] = await tokenClient(emulator).incomingPhoneNumbers.list({ phoneNumber: NUMBER });
    expect([number?.smsFallbackUrl, number?.smsFallbackMethod]).toEqual([INCOMING, 'POST']);
    expect(emulator.count({ method: 'POST', route: '/v1/Services' })).toBe(1);
    expect(emulator.count({ method: 'POST', route: '/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json' })).toBe(1);
    expect(writes()).toBe(2);

    // What to paste: the bridge's .env values, the Functions' .env line, the YAML with placeholders.
    expect(first.out).toContain(`TWILIO_SYNC_SERVICE_SID=${sid}`);
    expect(first.out).toContain(`  SYNC_SERVICE_SID=${sid}`);
    expect(first.out).toContain(`STATUS_CALLBACK_BASE_URL=${FUNCTIONS}`);
    expect(first.out).toContain('TWILIO_AUTH_TOKEN: "${TWILIO_AUTH_TOKEN}"');
    expect(first.out).toContain(`- ${join(ROOT, 'mcp-bridge', 'dist', 'index.js')}`);
    expect(first.out).not.toContain(emulator.authToken);

    emulator.resetCounts();
    const second = await setup(baseEnv());
    expect(second.code).toBe(0);
    expect(writes()).toBe(0);
    expect(emulator.count({ method: 'GET' })).toBeGreaterThan(0);
    expect(second.out).toContain(`Sync service: unchanged (${sid}, found by its name 'twilio-sms-mcp')`);
    expect(second.out).toContain(`${NUMBER} incoming SMS webhook: unchanged (POST ${INCOMING})`);
    expect(second.out).toContain('(unchanged)');
    expect(await namedServices()).toEqual([sid]);
  });

  test('a given TWILIO_SYNC_SERVICE_SID is reused, and a webhook with the wrong method is corrected', async () => {
    const existing = emulator.createSyncService('my store');
    const client = tokenClient(emulator);
    const [number] = await client.incomingPhoneNumbers.list({ phoneNumber: NUMBER });
    await client.incomingPhoneNumbers(number!.sid).update({ smsUrl: INCOMING, smsMethod: 'GET' });
    emulator.resetCounts();

    const run = await setup(baseEnv({ TWILIO_SYNC_SERVICE_SID: existing }));
    expect(run.code).toBe(0);
    expect(run.out).toContain(`Sync service: unchanged (${existing}, given as TWILIO_SYNC_SERVICE_SID)`);
    expect(run.out).toContain(`updated to POST ${INCOMING} (was: GET ${INCOMING})`);
    expect(emulator.count({ method: 'POST', route: '/v1/Services' })).toBe(0);
    expect(writes()).toBe(1);
    expect(await numberState()).toEqual({ smsUrl: INCOMING, smsMethod: 'POST' });
    expect(await namedServices()).toEqual([]);
  });

  test('the hosted /mcp: a token stored as the deployed Functions\' MCP_TOKENS, kept on a second run, and the LibreChat and Claude Desktop entries printed', async () => {
    // What npm run deploy leaves: a Service whose environment serves a *.twil.io domain.
    const serverless = tokenClient(emulator).serverless.v1;
    const service = await serverless.services.create({ uniqueName: 'twilio-sms-mcp', friendlyName: 'twilio-sms-mcp' });
    const environment = await serverless.services(service.sid).environments.create({ uniqueName: 'dev-environment', domainSuffix: 'dev' });
    const functions = `https://${environment.domainName}`;
    const first = await setup(baseEnv({ FUNCTIONS_BASE_URL: functions }));
    expect(first.err).toBe('');
    const variables = () => serverless.services(service.sid).environments(environment.sid).variables.list();
    const [stored] = await variables();
    expect(stored?.key).toBe('MCP_TOKENS');
    const token = stored!.value;
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(first.out).toContain(`MCP_TOKENS on ${environment.domainName}: created`);
    expect(first.out).toContain(`TWILIO_SMS_MCP_TOKEN=${token}`);
    for (const line of ['type: streamable-http', `url: ${functions}/mcp`, 'Authorization: "Bearer ${TWILIO_SMS_MCP_TOKEN}"', 'requiresOAuth: false', 'timeout: 15000']) expect(first.out).toContain(line);
    expect(first.out).toContain('"mcp-remote"');
    expect(first.out).toContain('"Authorization:${AUTH_HEADER}"');
    expect(first.out).toContain(`"AUTH_HEADER": "Bearer ${token}"`);
    const second = await setup(baseEnv({ FUNCTIONS_BASE_URL: functions }));
    expect(second.out).toContain('unchanged (its token is kept)');
    expect(second.out).toContain(`TWILIO_SMS_MCP_TOKEN=${token}`);
    expect((await variables()).map((v) => [v.key, v.value])).toEqual([['MCP_TOKENS', token]]);
  });

  test('not deployed yet: the token is printed for the Functions\' .env, nothing stored', async () => {
    const run = await setup(baseEnv());
    expect(run.out).toMatch(/No deployed Functions answer at https:\/\/twilio-sms-mcp-1234-dev\.twil\.io yet[\s\S]*MCP_TOKENS=[0-9a-f]{64}/);
  });

  test('an API key works in place of the auth token, and its secret is never printed', async () => {
    const run = await setup(baseEnv({ TWILIO_AUTH_TOKEN: undefined, TWILIO_API_KEY: emulator.apiKey, TWILIO_API_SECRET: emulator.apiSecret }));
    expect(run.code).toBe(0);
    expect(await numberState()).toEqual({ smsUrl: INCOMING, smsMethod: 'POST' });
    expect(run.out).toContain(`TWILIO_API_KEY=${emulator.apiKey}`);
    expect(run.out).toContain('TWILIO_API_SECRET: "${TWILIO_API_SECRET}"');
    expect(`${run.out}\n${run.err}`).not.toContain(emulator.apiSecret);
  });

  test.each([
    ['a wrong auth token', { TWILIO_AUTH_TOKEN: 'f'.repeat(32) }, /Check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/],
    ['a wrong API secret', { TWILIO_AUTH_TOKEN: undefined, TWILIO_API_KEY: DEFAULT_API_KEY, TWILIO_API_SECRET: 'wrong-secret' }, /Check TWILIO_ACCOUNT_SID, TWILIO_API_KEY and TWILIO_API_SECRET/],
    ['another account', { TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}` }, /Check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/],
  ])('%s: a clear message and zero writes', async (_name, overrides, fix) => {
    const run = await setup(baseEnv(overrides));
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^Twilio rejected the credentials \(error 20003\)/);
    expect(run.err).toMatch(fix);
    expect(run.err).toContain('Nothing was changed.');
    expect(`${run.out}\n${run.err}`).not.toMatch(/ffffffff|wrong-secret/);
    expect(emulator.count()).toBeGreaterThan(0);
    expect(writes()).toBe(0);
    expect(await numberState()).toEqual({ smsUrl: '', smsMethod: 'POST' });
  });

  test('a number the account does not own: a clear message naming it, zero writes', async () => {
    const run = await setup(baseEnv({ TWILIO_PHONE_NUMBER: '+14155550123' }));
    expect(run.code).toBe(1);
    expect(run.err).toContain(`+14155550123 is not a phone number of account ${emulator.accountSid}.`);
    expect(run.err).toContain('Nothing was changed.');
    expect(writes()).toBe(0);
    expect(await namedServices()).toEqual([]);
  });

  test('a Sync service SID that does not exist: a clear message, zero writes', async () => {
    const missing = `IS${'e'.repeat(32)}`;
    const run = await setup(baseEnv({ TWILIO_SYNC_SERVICE_SID: missing }));
    expect(run.code).toBe(1);
    expect(run.err).toContain(`TWILIO_SYNC_SERVICE_SID ${missing} is not a Sync service of account`);
    expect(writes()).toBe(0);
    expect(await numberState()).toEqual({ smsUrl: '', smsMethod: 'POST' });
  });

  test('missing and malformed variables are all named before Twilio is called', async () => {
    const run = await setup({ TWILIO_PHONE_NUMBER: '4155550100', FUNCTIONS_BASE_URL: 'http://example.com', TWILIO_API_BASE_URL: emulator.url });
    expect(run.code).toBe(1);
    expect(run.err).toContain('TWILIO_ACCOUNT_SID is not set');
    expect(run.err).toContain('TWILIO_AUTH_TOKEN is not set');
    expect(run.err).toContain('TWILIO_PHONE_NUMBER is not usable: "4155550100" has no country code');
    expect(run.err).toContain('FUNCTIONS_BASE_URL must use https');
    expect(emulator.count()).toBe(0);
  });

  test.each([
    [{ FUNCTIONS_BASE_URL: `${FUNCTIONS}/sms/incoming` }, 'FUNCTIONS_BASE_URL must be the domain only'],
    [{ FUNCTIONS_BASE_URL: 'twilio-sms-mcp-1234-dev.twil.io' }, 'FUNCTIONS_BASE_URL must be an https URL'],
    [{ TWILIO_ACCOUNT_SID: 'AC123' }, 'TWILIO_ACCOUNT_SID must be "AC" followed by 32 hex characters'],
    [{ TWILIO_API_KEY: 'SK123', TWILIO_API_SECRET: 's' }, 'TWILIO_API_KEY must be "SK" followed by 32 hex characters'],
    [{ TWILIO_API_KEY: `SK${'1'.repeat(32)}` }, 'TWILIO_API_SECRET is not set'],
    [{ TWILIO_SYNC_SERVICE_SID: 'IS1' }, 'TWILIO_SYNC_SERVICE_SID must be "IS" followed by 32 hex characters'],
    [{ TWILIO_API_BASE_URL: 'localhost:4010' }, 'TWILIO_API_BASE_URL must be an http(s) URL'],
  ])('readSetupEnv %p', (overrides, message) => {
    const read = readSetupEnv(baseEnv(overrides));
    expect(read.ok).toBe(false);
    expect(read.ok ? [] : read.errors).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  // The letter-case rule of lib/env/schema.ts, the bridge's and the Functions' too.
  test('readSetupEnv lowercases upper-case SID digits, and takes a ${VAR} placeholder as unset', () => {
    const sync = `IS${'ABCDEF01'.repeat(4)}`;
    const read = readSetupEnv(baseEnv({ TWILIO_ACCOUNT_SID: emulator.accountSid.toUpperCase(), TWILIO_SYNC_SERVICE_SID: sync, TWILIO_API_BASE_URL: '${TWILIO_API_BASE_URL}' }));
    expect(read).toMatchObject({ ok: true, config: { credentials: { accountSid: emulator.accountSid }, syncServiceSid: `IS${'abcdef01'.repeat(4)}`, apiBaseUrl: undefined } });
  });

  test('readSetupEnv accepts local http Functions and normalises the URL', () => {
    const read = readSetupEnv(baseEnv({ FUNCTIONS_BASE_URL: 'http://localhost:3000/' }));
    expect(read).toMatchObject({ ok: true, config: { functionsBaseUrl: 'http://localhost:3000', phoneNumber: NUMBER } });
  });

  test('the built CLI (node build/scripts/setup.js) provisions, then reports unchanged', async () => {
    const cli = (env: Record<string, string | undefined>) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(process.execPath, [join(ROOT, 'build', 'scripts', 'setup.js')], { env: { PATH: process.env.PATH, ...env }, timeout: 20_000 }, (_error, stdout, stderr) =>
          resolve({ code: child.exitCode, stdout, stderr }),
        );
      });
    const first = await cli(baseEnv());
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain('Sync service: created IS');
    emulator.resetCounts();
    const second = await cli(baseEnv());
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Done: everything was already set up (unchanged).');
    expect(writes()).toBe(0);
    const bad = await cli(baseEnv({ TWILIO_AUTH_TOKEN: 'x'.repeat(32) }));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Twilio rejected the credentials');
  });
});
