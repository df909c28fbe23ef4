/**
 * `npm run emulator`: the Twilio emulator as a standalone process for the offline sandbox.
 * Flags win over environment variables; the TWILIO_* fallbacks let an existing .env line up
 * with the emulator. parseCliArgs and main are exported so tests run them in-process.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_ACCOUNT_SID, DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_AUTH_TOKEN, startEmulator } from './index';
import { parseLatencyFlag } from './latency';
import type { Emulator, EmulatorOptions } from './types';
import { MAGIC_FROM_NUMBER } from './magic-numbers';

export const DEFAULT_CLI_PORT = 4010;
/** The CLI always has a Sync service, with a fixed SID so a sandbox .env survives restarts. */
export const DEFAULT_CLI_SYNC_SERVICE_SID = 'ISb1c2d3e4f5a60718293a4b5c6d7e8f90';

export const USAGE = `Usage: node build/emulator/cli.js [options]

Serves a local emulator of Twilio's Messages, IncomingPhoneNumbers and Sync APIs.

  --port <n>               listen port (env EMULATOR_PORT; default ${DEFAULT_CLI_PORT}; 0 = any free port)
  --host <addr>            listen address (env EMULATOR_HOST; default 127.0.0.1)
  --account-sid <AC…>      account SID (env TWILIO_ACCOUNT_SID)
  --auth-token <token>     auth token (env TWILIO_AUTH_TOKEN)
  --api-key <SK…>          API key SID (env TWILIO_API_KEY)
  --api-secret <secret>    API key secret (env TWILIO_API_SECRET)
  --phone-number <+1…>     owned number, repeatable (env TWILIO_PHONE_NUMBER, comma-separated)
  --sync-service <IS…>     Sync service to create, repeatable (env TWILIO_SYNC_SERVICE_SID)
  --delivery-step-ms <n>   ms between outbound status steps (env EMULATOR_DELIVERY_STEP_MS; default 100)
  --webhook-timeout-ms <n> webhook timeout (default 15000)
  --seed <n>               seed SIDs, fault probabilities and latency jitter
  --latency-ms <spec>      delay every API answer like a round trip: <n> for every product, or
                           per product, e.g. api=50,sync=80 (env EMULATOR_LATENCY_MS; default 0)
  --jitter-ms <n>          add 0-n ms of random jitter to each delayed answer (env EMULATOR_JITTER_MS)
  --no-sync-limits         disable Sync rate limits (env EMULATOR_SYNC_LIMITS=off)
  --verbose                log every request
  -h, --help               this text`;

type Source = 'flag' | 'env' | 'default';

export interface CliConfig {
  options: EmulatorOptions & { port: number; host: string; accountSid: string; phoneNumbers: string[]; syncServices: string[] };
  verbose: boolean;
  /** Where each credential came from: secrets from the environment are not echoed back. */
  sources: { authToken: Source; apiKey: Source; apiSecret: Source };
}

export type ParseResult = { kind: 'run'; config: CliConfig } | { kind: 'help' } | { kind: 'error'; message: string };

function list(values: string[] | undefined, envValue: string | undefined): string[] | undefined {
  if (values && values.length > 0) return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (envValue) return envValue.split(',').map((v) => v.trim()).filter(Boolean);
  return undefined;
}

function integer(raw: string | undefined, flag: string, env: string | null, min: number, max: number): number | string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    return `${flag} must be an integer ${min}-${max}, got '${raw}'. Pass ${flag} <n>${env ? ` or set ${env}` : ''}.`;
  }
  return value;
}

export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParseResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'account-sid': { type: 'string' },
        'auth-token': { type: 'string' },
        'api-key': { type: 'string' },
        'api-secret': { type: 'string' },
        'phone-number': { type: 'string', multiple: true },
        'sync-service': { type: 'string', multiple: true },
        'delivery-step-ms': { type: 'string' },
        'webhook-timeout-ms': { type: 'string' },
        seed: { type: 'string' },
        'latency-ms': { type: 'string' },
        'jitter-ms': { type: 'string' },
        'no-sync-limits': { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: `${error instanceof Error ? error.message : String(error)}. See --help.` };
  }
  if (values.help) return { kind: 'help' };

  const port = integer(values.port ?? env.EMULATOR_PORT, '--port', 'EMULATOR_PORT', 0, 65535);
  const stepMs = integer(values['delivery-step-ms'] ?? env.EMULATOR_DELIVERY_STEP_MS, '--delivery-step-ms', 'EMULATOR_DELIVERY_STEP_MS', 0, 3_600_000);
  const timeoutMs = integer(values['webhook-timeout-ms'], '--webhook-timeout-ms', null, 1, 3_600_000);
  const seed = integer(values.seed, '--seed', null, 0, 2 ** 32 - 1);
  const jitterMs = integer(values['jitter-ms'] ?? env.EMULATOR_JITTER_MS, '--jitter-ms', 'EMULATOR_JITTER_MS', 0, 60_000);
  for (const value of [port, stepMs, timeoutMs, seed, jitterMs]) if (typeof value === 'string') return { kind: 'error', message: value };
  const jitter = typeof jitterMs === 'number' ? jitterMs : undefined;
  const latencyRaw = values['latency-ms'] ?? env.EMULATOR_LATENCY_MS;
  const latency = latencyRaw === undefined || latencyRaw === '' ? (jitter === undefined ? undefined : { jitterMs: jitter }) : parseLatencyFlag(latencyRaw, jitter);
  if (typeof latency === 'string') return { kind: 'error', message: `${latency}. Pass --latency-ms <spec> or set EMULATOR_LATENCY_MS.` };

  const accountSid = values['account-sid'] ?? env.TWILIO_ACCOUNT_SID ?? DEFAULT_ACCOUNT_SID;
  if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid)) {
    return { kind: 'error', message: `Account SID '${accountSid}' is not 'AC' + 32 hex. Pass --account-sid or set TWILIO_ACCOUNT_SID.` };
  }
  const apiKey = values['api-key'] ?? env.TWILIO_API_KEY ?? DEFAULT_API_KEY;
  if (!/^SK[0-9a-fA-F]{32}$/.test(apiKey)) {
    return { kind: 'error', message: `API key '${apiKey}' is not 'SK' + 32 hex. Pass --api-key or set TWILIO_API_KEY.` };
  }
  const phoneNumbers = list(values['phone-number'], env.TWILIO_PHONE_NUMBER) ?? [MAGIC_FROM_NUMBER];
  const badNumber = phoneNumbers.find((n) => !/^\+[1-9]\d{1,14}$/.test(n));
  if (badNumber !== undefined) {
    return { kind: 'error', message: `Phone number '${badNumber}' is not E.164 (+15005550006). Pass --phone-number or set TWILIO_PHONE_NUMBER.` };
  }
  const syncServices = list(values['sync-service'], env.TWILIO_SYNC_SERVICE_SID) ?? [DEFAULT_CLI_SYNC_SERVICE_SID];
  const badService = syncServices.find((s) => !/^IS[0-9a-f]{32}$/.test(s));
  if (badService !== undefined) {
    return { kind: 'error', message: `Sync service SID '${badService}' is not 'IS' + 32 hex. Pass --sync-service or set TWILIO_SYNC_SERVICE_SID.` };
  }

  const source = (flag: string | undefined, envValue: string | undefined): Source =>
    flag !== undefined ? 'flag' : envValue !== undefined ? 'env' : 'default';
  const options: CliConfig['options'] = {
    port: typeof port === 'number' ? port : DEFAULT_CLI_PORT,
    host: values.host ?? env.EMULATOR_HOST ?? '127.0.0.1',
    accountSid,
    authToken: values['auth-token'] ?? env.TWILIO_AUTH_TOKEN ?? DEFAULT_AUTH_TOKEN,
    apiKey,
    apiSecret: values['api-secret'] ?? env.TWILIO_API_SECRET ?? DEFAULT_API_SECRET,
    phoneNumbers,
    syncServices,
  };
  if (typeof stepMs === 'number') options.deliveryStepMs = stepMs;
  if (typeof timeoutMs === 'number') options.webhookTimeoutMs = timeoutMs;
  if (typeof seed === 'number') options.seed = seed;
  if (latency !== undefined) options.latency = latency;
  if (values['no-sync-limits'] || env.EMULATOR_SYNC_LIMITS === 'off') options.syncLimits = false;
  return {
    kind: 'run',
    config: {
      options,
      verbose: values.verbose === true,
      sources: {
        authToken: source(values['auth-token'], env.TWILIO_AUTH_TOKEN),
        apiKey: source(values['api-key'], env.TWILIO_API_KEY),
        apiSecret: source(values['api-secret'], env.TWILIO_API_SECRET),
      },
    },
  };
}

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** What to print at start: where it listens, the credentials, and the env lines to use. */
export function banner(emulator: Emulator, config: CliConfig): string[] {
  const { options, sources } = config;
  const secret = (value: string, from: Source, envName: string) => (from === 'env' ? `(from ${envName})` : value);
  const lines = [
    `Twilio emulator listening on ${emulator.url}`,
    `  Account SID    ${emulator.accountSid}`,
    `  Auth token     ${secret(emulator.authToken, sources.authToken, 'TWILIO_AUTH_TOKEN')}`,
    `  API key        ${emulator.apiKey}`,
    `  API secret     ${secret(emulator.apiSecret, sources.apiSecret, 'TWILIO_API_SECRET')}`,
    `  Phone numbers  ${options.phoneNumbers.join(', ')}`,
    `  Sync services  ${options.syncServices.join(', ')}`,
    ...(options.latency !== undefined ? [`  Latency        ${JSON.stringify(options.latency)} ms per answer`] : []),
    `  Control        ${emulator.url}/_emulator/health`,
    '',
    'Use it from the bridge, the Functions and scripts with:',
    `  TWILIO_API_BASE_URL=${emulator.url}`,
    `  TWILIO_ACCOUNT_SID=${emulator.accountSid}`,
    sources.authToken === 'env' ? '  # TWILIO_AUTH_TOKEN: already set in your environment' : `  TWILIO_AUTH_TOKEN=${emulator.authToken}`,
    `  TWILIO_PHONE_NUMBER=${options.phoneNumbers[0] ?? ''}`,
    `  TWILIO_SYNC_SERVICE_SID=${options.syncServices[0] ?? ''}`,
  ];
  return lines;
}

function isAddressInUse(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EADDRINUSE';
}

/** Starts the emulator; exitCode 0 with the emulator on success, else the exit code to use. */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<{ exitCode: number; emulator?: Emulator }> {
  const parsed = parseCliArgs(argv, env);
  if (parsed.kind === 'help') {
    io.out(USAGE);
    return { exitCode: 0 };
  }
  if (parsed.kind === 'error') {
    io.err(parsed.message);
    return { exitCode: 1 };
  }
  const { config } = parsed;
  const options: EmulatorOptions = config.verbose ? { ...config.options, log: io.out } : config.options;
  try {
    const emulator = await startEmulator(options);
    for (const line of banner(emulator, config)) io.out(line);
    return { exitCode: 0, emulator };
  } catch (error) {
    if (isAddressInUse(error)) {
      io.err(
        `Port ${config.options.port} on ${config.options.host} is already in use. Pass --port <n> or set EMULATOR_PORT (0 picks a free port).`,
      );
    } else {
      io.err(`Could not start the Twilio emulator: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { exitCode: 1 };
  }
}

if (require.main === module) {
  const io: CliIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  let running: Emulator | undefined;
  // Installed before start so a signal during start-up still ends the process cleanly.
  const stop = () => {
    void (running ? running.close() : Promise.resolve()).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  void main(process.argv.slice(2), process.env, io).then(({ exitCode, emulator }) => {
    if (emulator) running = emulator;
    else process.exit(exitCode);
  });
}
