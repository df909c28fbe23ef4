/**
 * `npm run deploy`: the real `twilio-run deploy` (every argument passed through), then what it
 * never does: turning a setting off. twilio-run uploads only the non-empty values of `.env` and
 * never deletes a Variable, so a setting once deployed (AUTO_REPLY_TEXT=Thanks) would stay on
 * after `.env` empties it. This deletes, from the environment just deployed, the Functions'
 * optional settings (lib/webhooks/function-env.ts) that `.env` leaves empty or omits, and
 * nothing else: Variables added by other means stay.
 *
 * `twilio-run env import` would delete too, but every Variable `.env` lacks, whoever set it.
 *
 * Before twilio-run, one thing it cannot do alone: finish a deploy that stopped half-way. twilio-run
 * creates the Service first and records it in `.twiliodeployinfo` only once the build is deployed,
 * so after a refused build (a handler version Twilio does not serve: 20001) the rerun would stop at
 * `Service with name "…" already exists`. This deploys into that Service when nothing runs in it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TwilioCredentials } from '../lib/env/credentials';
import { asSid, firstIssue, twilioApiBaseUrl } from '../lib/env/schema';
import { setValues } from '../lib/env/set-values';
import { createTwilioClient, type TwilioClient } from '../lib/twilio-client';
import { optionalSettings, SYNC_SERVICE_SID_NAMES } from '../lib/webhooks/function-env';
import { type Io, runMain } from './script-io';

type Env = Readonly<Record<string, string | undefined>>;

/** Resolves the project's own twilio-run at run time, from where this script lives. */
const projectRequire = createRequire(__filename);

/** The twilio-run flags that decide which `.env`, which account and where the deploy went. */
export interface DeployFlags {
  help: boolean;
  cwd: string;
  envFile: string;
  loadSystemEnv: boolean;
  username?: string;
  password?: string;
  region?: string;
  edge?: string;
}

/** Reads the flags this script needs; twilio-run gets argv unchanged and judges the rest. */
export function readDeployFlags(argv: readonly string[], workingDir: string): DeployFlags {
  const { values } = parseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      cwd: { type: 'string' },
      env: { type: 'string' },
      'load-system-env': { type: 'boolean' },
      username: { type: 'string', short: 'u' },
      password: { type: 'string' },
      region: { type: 'string' },
      edge: { type: 'string' },
    },
  });
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const cwd = resolve(workingDir, text(values.cwd) ?? '.');
  return {
    help: values.help === true,
    cwd,
    envFile: resolve(cwd, text(values.env) ?? '.env'),
    loadSystemEnv: values['load-system-env'] === true,
    ...(text(values.username) && { username: text(values.username) }),
    ...(text(values.password) && { password: text(values.password) }),
    ...(text(values.region) && { region: text(values.region) }),
    ...(text(values.edge) && { edge: text(values.edge) }),
  };
}

/**
 * Keys of deployed Variables to delete: an optional setting `.env` leaves empty or omits, and the
 * Sync SID's other name when `.env` gives only one (the first name set wins, so a stale one
 * would shadow the new).
 */
export function settingsToClear(envValues: Env, deployedKeys: readonly string[]): string[] {
  const { values } = setValues(envValues);
  const isSet = (name: string) => values[name] !== undefined;
  const clearable = new Set(optionalSettings().filter((name) => !isSet(name)));
  const [first, second] = SYNC_SERVICE_SID_NAMES;
  if (isSet(first) !== isSet(second)) clearable.add(isSet(first) ? second : first);
  return deployedKeys.filter((key) => clearable.has(key));
}

/** `.env` as twilio-run reads it: with its own dotenv, so both agree on every value. */
export function readEnvFile(flags: DeployFlags, systemEnv: Env): Record<string, string> {
  if (!existsSync(flags.envFile)) return {};
  const twilioRun = createRequire(projectRequire.resolve('twilio-run/package.json'));
  const dotenv = twilioRun('dotenv') as { parse(source: string): Record<string, string> };
  const values = dotenv.parse(readFileSync(flags.envFile, 'utf8'));
  // --load-system-env: an empty entry takes the system's value (twilio-run's readLocalEnvFile).
  if (flags.loadSystemEnv) for (const key of Object.keys(values)) values[key] = values[key] || (systemEnv[key] ?? '');
  return values;
}

export type DeployInfo = Record<string, { serviceSid: string; latestBuild: string }>;

/** `.twiliodeployinfo`: where twilio-run records, per account and region, its latest deploy. */
function readDeployInfo(cwd: string): DeployInfo {
  try {
    return JSON.parse(readFileSync(resolve(cwd, '.twiliodeployinfo'), 'utf8')) as DeployInfo;
  } catch {
    return {};
  }
}

/** The twilio-run flags that choose the Service a deploy goes to. */
export interface ServiceFlags {
  serviceSid?: string;
  serviceName?: string;
  /** --override-existing-project or --force: twilio-run itself deploys into a Service of the same name. */
  takeExisting: boolean;
  /** --config: another .twilioserverlessrc. */
  config?: string;
  /** The environment's domain suffix (--environment, default dev; '' for --production). */
  environment: string;
}

export function readServiceFlags(argv: readonly string[]): ServiceFlags {
  const { values } = parseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    options: {
      'service-sid': { type: 'string' },
      'service-name': { type: 'string', short: 'n' },
      'override-existing-project': { type: 'boolean' },
      force: { type: 'boolean' },
      config: { type: 'string', short: 'c' },
      environment: { type: 'string' },
      to: { type: 'string' },
      production: { type: 'boolean' },
    },
  });
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    ...(text(values['service-sid']) && { serviceSid: text(values['service-sid']) }),
    ...(text(values['service-name']) && { serviceName: text(values['service-name']) }),
    takeExisting: values['override-existing-project'] === true || values.force === true,
    ...(text(values.config) && { config: text(values.config) }),
    environment: values.production === true ? '' : (text(values.environment) ?? text(values.to) ?? 'dev'),
  };
}

/**
 * What decides, in twilio-run 5.0.1's deploy (config/deploy.js, serverless-api/utils.js
 * getFunctionServiceSid), whether it deploys to a Service it knows or creates one by name.
 */
export interface ServiceChoiceInput {
  flags: ServiceFlags;
  /** .twilioserverlessrc for `deploy`, as twilio-run reads it (`readDeployConfig`). */
  config: Readonly<Record<string, unknown>>;
  deployInfo: DeployInfo;
  /** twilio-run's username: --username, else .env's ACCOUNT_SID. */
  username?: string;
  region?: string;
  /** package.json `name`, twilio-run's last choice of a Service name. */
  packageName?: string;
}

/**
 * The Service name twilio-run will create, or undefined when it already knows its Service (a
 * --service-sid, a serviceSid in .twilioserverlessrc, .twiliodeployinfo's entry for this account
 * and region) or will take a Service of that name itself (--override-existing-project, --force).
 * twilio-run keys .twiliodeployinfo by the username only when it is an Account SID, as
 * `AC…:region` (us1 when none) or, from older versions, `AC…`.
 */
export function serviceToCreate({ flags, config, deployInfo, username, region, packageName }: ServiceChoiceInput): string | undefined {
  const configured = (key: string) => (typeof config[key] === 'string' && config[key] !== '' ? (config[key] as string) : undefined);
  if (flags.serviceSid ?? configured('serviceSid')) return undefined;
  if (flags.takeExisting || config.overrideExistingProject === true || config.force === true) return undefined;
  if (username?.startsWith('AC') && (deployInfo[`${username}:${region ?? 'us1'}`]?.serviceSid || deployInfo[username]?.serviceSid)) return undefined;
  return flags.serviceName ?? configured('serviceName') ?? packageName;
}

/** A Service found by its unique name, and the domains of its Environments that run a build. */
export interface NamedService {
  sid: string;
  uniqueName: string;
  builtDomains: string[];
}

export type ServicePlan = { action: 'create' } | { action: 'adopt'; serviceSid: string; note: string } | { action: 'stop'; message: string };

/**
 * What to do when twilio-run would create `name`: nothing when no Service has it; deploy into it
 * (--service-sid) when no Environment runs a build, as a deploy that stopped half-way leaves it,
 * since then nothing of anyone's is replaced; else stop and say how to choose.
 */
export function planForName(name: string, existing: NamedService | undefined): ServicePlan {
  if (!existing) return { action: 'create' };
  const { sid, builtDomains } = existing;
  if (builtDomains.length === 0) {
    return { action: 'adopt', serviceSid: sid, note: `Service "${name}" (${sid}) exists with nothing deployed (a deploy stopped before its build was deployed): deploying into it.` };
  }
  return {
    action: 'stop',
    message: [
      `Service "${name}" (${sid}) already exists and runs a build on ${builtDomains.join(', ')}, but .twiliodeployinfo does not say this project deployed it, so nothing was changed.`,
      `If it is this project's (deployed from another checkout or by another user), deploy into it, replacing what it runs: npm run deploy -- --service-sid ${sid}`,
      `Otherwise deploy under another name: npm run deploy -- --service-name <another-name>`,
    ].join('\n'),
  };
}

/** The Service of this unique name, with the domains of its Environments that run a build. */
async function findNamedService(client: TwilioClient, name: string): Promise<NamedService | undefined> {
  const service = (await client.serverless.v1.services.list()).find((s) => s.uniqueName === name);
  if (!service) return undefined;
  const environments = await client.serverless.v1.services(service.sid).environments.list();
  return { sid: service.sid, uniqueName: service.uniqueName, builtDomains: environments.filter((e) => e.buildSid).map((e) => e.domainName) };
}

type ReadSpecializedConfig = (baseDir: string, configFile: string | undefined, command: string, opts: { username?: string; environmentSuffix?: string; region?: string }) => Record<string, unknown>;

/** .twilioserverlessrc for `deploy`, read by twilio-run's own reader (JSON5, per environment and account). */
function readDeployConfig(cwd: string, flags: ServiceFlags, username: string | undefined, region: string | undefined): Record<string, unknown> {
  const { readSpecializedConfig } = projectRequire('twilio-run/dist/config/global') as { readSpecializedConfig: ReadSpecializedConfig };
  return readSpecializedConfig(cwd, flags.config, 'deploy', { username, environmentSuffix: flags.environment, region });
}

function readPackageName(cwd: string): string | undefined {
  try {
    const { name } = JSON.parse(readFileSync(resolve(cwd, 'package.json'), 'utf8')) as { name?: unknown };
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Before twilio-run: the arguments to give it (argv, plus --service-sid when adopting a Service a
 * deploy left half-way), or the exit code when it must not run. When the check itself fails
 * (credentials, network), twilio-run decides, and at worst stops as it would have.
 */
export async function chooseService(flags: DeployFlags, argv: readonly string[], env: Env, io: Io): Promise<{ argv: readonly string[] } | { code: number }> {
  const envValues = readEnvFile(flags, env);
  const username = flags.username ?? (envValues.ACCOUNT_SID || undefined);
  const serviceFlags = readServiceFlags(argv);
  const name = serviceToCreate({
    flags: serviceFlags,
    config: readDeployConfig(flags.cwd, serviceFlags, username, flags.region),
    deployInfo: readDeployInfo(flags.cwd),
    username,
    region: flags.region,
    packageName: readPackageName(flags.cwd),
  });
  const credentials = deployCredentials(flags, envValues);
  if (name === undefined || !credentials) return { argv };
  let plan: ServicePlan;
  try {
    plan = planForName(name, await findNamedService(serverlessClient(flags, credentials, env), name));
  } catch (error) {
    io.err(`Could not check whether Service "${name}" already exists (${error instanceof Error ? error.message : String(error)}); twilio-run decides.`);
    return { argv };
  }
  if (plan.action === 'create') return { argv };
  if (plan.action === 'stop') {
    io.err(plan.message);
    return { code: 1 };
  }
  io.out(plan.note);
  return { argv: [...argv, '--service-sid', plan.serviceSid] };
}

/** The entry this deploy wrote: its build is new. */
export function newDeployment(before: DeployInfo, after: DeployInfo): { serviceSid: string; buildSid: string } | undefined {
  for (const [key, entry] of Object.entries(after)) {
    if (entry?.latestBuild && before[key]?.latestBuild !== entry.latestBuild) return { serviceSid: entry.serviceSid, buildSid: entry.latestBuild };
  }
  return undefined;
}

/**
 * twilio-run's credentials: its flags, else ACCOUNT_SID / AUTH_TOKEN of `.env`. A username that is
 * an Account SID goes with an auth token, an API key SID (SK…) with its secret and `.env`'s
 * ACCOUNT_SID; anything else is no credential this script can use.
 */
export function deployCredentials(flags: DeployFlags, envValues: Env): TwilioCredentials | undefined {
  const { values } = setValues(envValues);
  const username = flags.username ?? values.ACCOUNT_SID;
  const password = flags.password ?? values.AUTH_TOKEN;
  if (!username || !password) return undefined;
  const accountSid = asSid('AC', username);
  if (accountSid) return { accountSid, authToken: password };
  const apiKey = asSid('SK', username);
  const keyAccountSid = asSid('AC', values.ACCOUNT_SID);
  return apiKey && keyAccountSid ? { accountSid: keyAccountSid, apiKey, apiSecret: password } : undefined;
}

function twilioRun(argv: readonly string[]): Promise<number> {
  const bin = projectRequire.resolve('twilio-run/bin/twilio-run.js');
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, 'deploy', ...argv], { stdio: 'inherit' });
    child.once('error', fail);
    child.once('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

/** A client for the account and region twilio-run deploys to (TWILIO_API_BASE_URL for tests); throws on a bad base URL. */
function serverlessClient(flags: DeployFlags, credentials: TwilioCredentials, env: Env): TwilioClient {
  const apiBaseUrl = twilioApiBaseUrl().optional().safeParse(setValues(env).values.TWILIO_API_BASE_URL);
  if (!apiBaseUrl.success) throw new Error(firstIssue(apiBaseUrl.error).message);
  const client = createTwilioClient(credentials, { apiBaseUrl: apiBaseUrl.data });
  if (flags.region) client.region = flags.region;
  if (flags.edge) client.edge = flags.edge;
  return client;
}

/** After a successful deploy: delete what `.env` turned off. Returns the exit code. */
export async function clearEmptiedSettings(flags: DeployFlags, deployed: { serviceSid: string; buildSid: string } | undefined, env: Env, io: Io): Promise<number> {
  const envValues = readEnvFile(flags, env);
  const manual = `Delete them by hand (npx twilio-run env unset --key NAME) or they stay in force.`;
  const credentials = deployCredentials(flags, envValues);
  if (!deployed || !credentials) {
    const off = settingsToClear(envValues, [...optionalSettings(), ...SYNC_SERVICE_SID_NAMES]);
    if (off.length === 0) return 0;
    io.err(`Deployed, but could not tell where (twilio-run records it in .twiliodeployinfo only for an Account SID), so settings .env leaves empty were not cleared: ${off.join(', ')}.`);
    io.err(manual);
    return 1;
  }
  let client: TwilioClient;
  try {
    client = serverlessClient(flags, credentials, env);
  } catch (error) {
    io.err(`Deployed, but settings .env leaves empty were not cleared: ${error instanceof Error ? error.message : String(error)}. ${manual}`);
    return 1;
  }
  const service = client.serverless.v1.services(deployed.serviceSid);
  const environment = (await service.environments.list()).find((e) => e.buildSid === deployed.buildSid);
  if (!environment) {
    io.err(`Deployed, but no environment of ${deployed.serviceSid} runs build ${deployed.buildSid}; settings .env leaves empty were not cleared. ${manual}`);
    return 1;
  }
  const variables = await service.environments(environment.sid).variables.list();
  const clear = settingsToClear(envValues, variables.map((v) => v.key));
  for (const variable of variables.filter((v) => clear.includes(v.key))) {
    await service.environments(environment.sid).variables(variable.sid).remove();
  }
  io.out(
    clear.length
      // Sorted: the Variables list in the order they were created (twilio-run creates them side
      // by side), and the report should read the same on every deploy.
      ? `Turned off (empty or absent in .env, deleted from ${environment.domainName}): ${[...clear].sort().join(', ')}`
      : `Settings: none to turn off on ${environment.domainName}.`,
  );
  return 0;
}

export async function runDeploy(argv: readonly string[], env: Env, io: Io): Promise<number> {
  const flags = readDeployFlags(argv, process.cwd());
  if (flags.help) return twilioRun(argv);
  const before = readDeployInfo(flags.cwd);
  const choice = await chooseService(flags, argv, env, io);
  if ('code' in choice) return choice.code;
  const code = await twilioRun(choice.argv);
  if (code !== 0) return code;
  try {
    return await clearEmptiedSettings(flags, newDeployment(before, readDeployInfo(flags.cwd)), env, io);
  } catch (error) {
    io.err(`Deployed, but clearing the settings .env leaves empty failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/** The bundle's entry (build/scripts/deploy.js) calls this; importing the module starts nothing. */
export function run(): void {
  runMain('Deploy', runDeploy);
}
