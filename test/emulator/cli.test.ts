import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CLI_PORT, DEFAULT_CLI_SYNC_SERVICE_SID, main, parseCliArgs, type CliIo } from '../../emulator/cli';
import { DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN } from '../../emulator';
import { tokenClient } from './test-helpers';

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

describe('emulator CLI arguments', () => {
  it('defaults to port 4010, the fixed credentials, the magic number and a Sync service', () => {
    const parsed = parseCliArgs([], {});
    expect(parsed).toMatchObject({
      kind: 'run',
      config: {
        options: {
          port: DEFAULT_CLI_PORT,
          host: '127.0.0.1',
          accountSid: DEFAULT_ACCOUNT_SID,
          authToken: DEFAULT_AUTH_TOKEN,
          phoneNumbers: ['+15005550006'],
          syncServices: [DEFAULT_CLI_SYNC_SERVICE_SID],
        },
        sources: { authToken: 'default' },
      },
    });
    expect(DEFAULT_CLI_PORT).toBe(4010);
  });

  it('takes flags over environment variables, with repeatable and comma lists', () => {
    const env = {
      EMULATOR_PORT: '5000',
      TWILIO_ACCOUNT_SID: `AC${'e'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'from-env',
      TWILIO_PHONE_NUMBER: '+15550000001,+15550000002',
    };
    const parsed = parseCliArgs(['--port', '5001', '--phone-number', '+15550000003', '--phone-number', '+15550000004', '--no-sync-limits'], env);
    if (parsed.kind !== 'run') throw new Error(JSON.stringify(parsed));
    expect(parsed.config.options).toMatchObject({
      port: 5001,
      accountSid: `AC${'e'.repeat(32)}`,
      authToken: 'from-env',
      phoneNumbers: ['+15550000003', '+15550000004'],
      syncLimits: false,
    });
    expect(parsed.config.sources.authToken).toBe('env');
    const fromEnv = parseCliArgs([], env);
    expect(fromEnv.kind === 'run' && fromEnv.config.options).toMatchObject({ port: 5000, phoneNumbers: ['+15550000001', '+15550000002'] });
  });

  it.each([
    [['--port', 'abc'], /--port must be an integer 0-65535.*set EMULATOR_PORT/],
    [['--account-sid', 'nope'], /Pass --account-sid or set TWILIO_ACCOUNT_SID/],
    [['--phone-number', '5551234'], /not E\.164.*--phone-number/],
    [['--sync-service', 'IS123'], /--sync-service or set TWILIO_SYNC_SERVICE_SID/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('explains how to fix %j', (argv, message) => {
    const parsed = parseCliArgs(argv, {});
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' && parsed.message).toMatch(message);
  });
});

describe('emulator CLI main()', () => {
  it('starts, prints the URL, credentials and env lines, and serves the API', async () => {
    const io = capture();
    const { exitCode, emulator } = await main(['--port', '0', '--delivery-step-ms', '5'], {}, io);
    expect(exitCode).toBe(0);
    if (!emulator) throw new Error('no emulator');
    try {
      const output = io.stdout.join('\n');
      expect(output).toContain(`Twilio emulator listening on ${emulator.url}`);
      expect(output).toContain(`TWILIO_API_BASE_URL=${emulator.url}`);
      expect(output).toContain(`TWILIO_ACCOUNT_SID=${DEFAULT_ACCOUNT_SID}`);
      expect(output).toContain(`TWILIO_AUTH_TOKEN=${DEFAULT_AUTH_TOKEN}`);
      expect(output).toContain(`TWILIO_SYNC_SERVICE_SID=${DEFAULT_CLI_SYNC_SERVICE_SID}`);
      expect(output).toContain('+15005550006');
      const service = await tokenClient(emulator).sync.v1.services(DEFAULT_CLI_SYNC_SERVICE_SID).fetch();
      expect(service.sid).toBe(DEFAULT_CLI_SYNC_SERVICE_SID);
    } finally {
      await emulator.close();
    }
  });

  it('does not echo a secret that came from the environment', async () => {
    const io = capture();
    const { emulator } = await main(['--port', '0'], { TWILIO_AUTH_TOKEN: 'real-looking-secret' }, io);
    try {
      expect(io.stdout.join('\n')).not.toContain('real-looking-secret');
      expect(io.stdout.join('\n')).toContain('(from TWILIO_AUTH_TOKEN)');
    } finally {
      await emulator?.close();
    }
  });

  it('names the port and how to change it when the port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const io = capture();
      const result = await main(['--port', String(port)], {}, io);
      expect(result).toEqual({ exitCode: 1 });
      expect(io.stderr).toEqual([
        `Port ${port} on 127.0.0.1 is already in use. Pass --port <n> or set EMULATOR_PORT (0 picks a free port).`,
      ]);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('prints usage for --help and an error line for bad input', async () => {
    const help = capture();
    expect(await main(['--help'], {}, help)).toEqual({ exitCode: 0 });
    expect(help.stdout.join('\n')).toMatch(/--no-sync-limits/);
    const bad = capture();
    expect(await main(['--port', '-1'], {}, bad)).toEqual({ exitCode: 1 });
    expect(bad.stderr[0]).toMatch(/--port/);
  });
});
