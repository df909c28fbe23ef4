/**
 * `npm run setup`: provision a Twilio account for twilio-sms-mcp (idempotent; see provision.ts)
 * and print what to paste into LibreChat's `.env`, the Functions' `.env` and `librechat.yaml`.
 * Configured through the environment only, like the bridge: secrets never go on argv, and are
 * never printed (the YAML carries `${TWILIO_AUTH_TOKEN}` placeholders that LibreChat fills in).
 */
import type * as z from 'zod';
import { readCredentials, type TwilioCredentials } from '../lib/env/credentials';
import { firstIssue, httpUrl, sid, twilioApiBaseUrl } from '../lib/env/schema';
import { setValues } from '../lib/env/set-values';
import { checkE164 } from '../lib/phone';
import { parseHelpOnly } from './cli-args';
import { HOSTED_TOKEN_VARIABLE, hostedClaudeDesktopJson, hostedLibrechatYaml, librechatYaml } from './client-config';
import { type StoredToken, storeMcpToken } from './mcp-token';
import { createTwilioClient } from '../lib/twilio-client';
import { describeSteps, provision, ProvisionError, type ProvisionResult } from './provision';
import { type Io, runMain } from './script-io';
import { bridgePath, projectRoot } from './system/paths';

// ---------------------------------------------------------------------------------------------
// Configuration from the environment

export interface SetupConfig {
  credentials: TwilioCredentials;
  phoneNumber: string;
  functionsBaseUrl: string;
  syncServiceSid: string | undefined;
  apiBaseUrl: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])$/;

/** Every problem at once, each naming the variable and what to put there; never a secret's value. */
export function readSetupEnv(rawEnv: Env): { ok: true; config: SetupConfig } | { ok: false; errors: string[] } {
  // Shells leave empty strings for unset variables, LibreChat-style `${VAR}` its placeholder.
  const { values } = setValues(rawEnv);
  const errors: string[] = [];
  /** The value as `schema` reads it, or undefined with the schema's message among the errors. */
  const checked = <T>(schema: z.ZodType<T>, name: string): T | undefined => {
    const result = schema.safeParse(values[name]?.trim());
    if (result.success) return result.data;
    errors.push(`${firstIssue(result.error).message}.`);
    return undefined;
  };

  const read = readCredentials(values);
  if (!read.ok) errors.push(...read.problems.map((problem) => `${problem.message}.`));

  const rawNumber = values.TWILIO_PHONE_NUMBER?.trim();
  let phoneNumber: string | undefined;
  if (!rawNumber) errors.push('TWILIO_PHONE_NUMBER is not set: your Twilio number in E.164, e.g. +14155550100.');
  else {
    const number = checkE164(rawNumber);
    if (number.ok) phoneNumber = number.e164;
    else errors.push(`TWILIO_PHONE_NUMBER is not usable: ${number.reason}`);
  }

  const example = 'e.g. https://twilio-sms-mcp-1234-dev.twil.io (printed by npm run deploy)';
  let functionsBaseUrl: string | undefined;
  if (values.FUNCTIONS_BASE_URL === undefined) errors.push(`FUNCTIONS_BASE_URL is not set: the domain of your deployed Functions, ${example}.`);
  else {
    const given = checked(httpUrl(`FUNCTIONS_BASE_URL must be an https URL, ${example}`), 'FUNCTIONS_BASE_URL');
    const url = given === undefined ? undefined : new URL(given);
    // Twilio can only reach a public https URL; plain http is for local Functions (the sandbox).
    if (url?.protocol === 'http:' && !LOOPBACK_HOST.test(url.hostname)) errors.push(`FUNCTIONS_BASE_URL must use https (Twilio signs and posts webhooks to it), ${example}.`);
    else if (url && (url.pathname !== '/' || url.search || url.hash)) errors.push(`FUNCTIONS_BASE_URL must be the domain only, without a path or query (setup adds /sms/incoming), ${example}.`);
    else functionsBaseUrl = url?.origin;
  }

  const syncServiceSid = checked(sid('IS', 'TWILIO_SYNC_SERVICE_SID', "or unset to create or reuse the service named 'twilio-sms-mcp'").optional(), 'TWILIO_SYNC_SERVICE_SID');
  const apiBaseUrl = checked(twilioApiBaseUrl().optional(), 'TWILIO_API_BASE_URL');

  if (errors.length > 0 || !read.ok || !phoneNumber || !functionsBaseUrl) return { ok: false, errors };
  return { ok: true, config: { credentials: read.credentials, phoneNumber, functionsBaseUrl, syncServiceSid, apiBaseUrl: apiBaseUrl?.replace(/\/+$/, '') } };
}

// ---------------------------------------------------------------------------------------------
// Output

/** The bridge's variables, in the order LibreChat's .env lists them. */
function bridgeVariables(config: SetupConfig): string[] {
  return [
    'TWILIO_ACCOUNT_SID',
    ...('apiKey' in config.credentials ? ['TWILIO_API_KEY', 'TWILIO_API_SECRET'] : ['TWILIO_AUTH_TOKEN']),
    'TWILIO_PHONE_NUMBER',
    'TWILIO_SYNC_SERVICE_SID',
    'STATUS_CALLBACK_BASE_URL',
    ...(config.apiBaseUrl ? ['TWILIO_API_BASE_URL'] : []),
  ];
}

export function setupReport(config: SetupConfig, result: ProvisionResult, root: string = projectRoot(), stored?: StoredToken): string[] {
  const { credentials } = config;
  const secretName = 'apiKey' in credentials ? 'TWILIO_API_SECRET' : 'TWILIO_AUTH_TOKEN';
  const values: Record<string, string> = {
    TWILIO_ACCOUNT_SID: credentials.accountSid,
    ...('apiKey' in credentials ? { TWILIO_API_KEY: credentials.apiKey } : {}),
    TWILIO_PHONE_NUMBER: config.phoneNumber,
    TWILIO_SYNC_SERVICE_SID: result.syncServiceSid,
    STATUS_CALLBACK_BASE_URL: config.functionsBaseUrl,
    ...(config.apiBaseUrl ? { TWILIO_API_BASE_URL: config.apiBaseUrl } : {}),
  };
  const names = bridgeVariables(config);
  // The entry names every setting as its ${NAME} placeholder already; only the emulator's URL is extra.
  const extra: Record<string, string> = config.apiBaseUrl ? { TWILIO_API_BASE_URL: '${TWILIO_API_BASE_URL}' } : {};
  return [
    '',
    "LibreChat's .env (the bridge reads these through librechat.yaml):",
    ...names.map((name) => `  ${name}=${name === secretName ? `<your ${secretName === 'TWILIO_API_SECRET' ? 'API secret' : 'auth token'}, not printed>` : (values[name] ?? '')}`),
    '',
    "The Functions' .env (then deploy again, npm run deploy, so they store into this service):",
    `  SYNC_SERVICE_SID=${result.syncServiceSid}`,
    ...('apiKey' in credentials ? ['  # ACCOUNT_SID and AUTH_TOKEN too: the Functions check webhook signatures with the auth token, not an API key.'] : []),
    '',
    'librechat.yaml:',
    ...librechatYaml(bridgePath(root), extra).map((line) => `  ${line}`),
    ...(stored ? hostedReport(config, stored) : []),
  ];
}

/** The hosted endpoint (functions/mcp.ts): its token, and the entries that use it instead of a bridge process. */
export function hostedReport(config: SetupConfig, stored: StoredToken): string[] {
  const url = `${config.functionsBaseUrl}/mcp`;
  const where =
    stored.kind === 'not-deployed'
      ? [`No deployed Functions answer at ${config.functionsBaseUrl} yet, so the token is not stored. Add it to the Functions' .env, then deploy (npm run deploy):`, `  MCP_TOKENS=${stored.token}`]
      : [`MCP_TOKENS on ${stored.domain}: ${stored.kind === 'kept' ? 'unchanged (its token is kept)' : stored.kind === 'created' ? 'created' : 'this token added'}. Later deploys keep it.`];
  return [
    '',
    `Or, recommended for LibreChat in Docker: the MCP server hosted in your Functions at ${url}`,
    '(no process of yours, no Twilio credentials in LibreChat; calls answer within 10 s, waits are a few seconds):',
    ...where.map((line) => `  ${line}`),
    "  LibreChat's .env (this token is the only secret; keep it as you keep the auth token):",
    `    ${HOSTED_TOKEN_VARIABLE}=${stored.token}`,
    '  librechat.yaml:',
    ...hostedLibrechatYaml(url).map((line) => `    ${line}`),
    '  Claude Desktop (claude_desktop_config.json, through mcp-remote):',
    ...hostedClaudeDesktopJson(url, stored.token).map((line) => `    ${line}`),
  ];
}

export async function runSetup(argv: readonly string[], env: Env, io: Io): Promise<number> {
  const args = parseHelpOnly(argv, 'setup');
  if (args.kind === 'help') {
    io.out(
      'Usage: TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… TWILIO_PHONE_NUMBER=+1… FUNCTIONS_BASE_URL=https://…twil.io npm run setup\n\n' +
        'Creates or reuses the Sync service (TWILIO_SYNC_SERVICE_SID, else the one named twilio-sms-mcp) and points the\n' +
        "number's incoming-SMS webhook (POST) at FUNCTIONS_BASE_URL/sms/incoming. Safe to run again: it changes only what differs.\n" +
        'TWILIO_API_KEY + TWILIO_API_SECRET may replace TWILIO_AUTH_TOKEN; TWILIO_API_BASE_URL targets the local emulator.',
    );
    return 0;
  }
  if (args.kind === 'error') {
    io.err(args.message);
    return 1;
  }
  const read = readSetupEnv(env);
  if (!read.ok) {
    io.err('Setup needs a few variables fixed first (nothing was changed):');
    for (const error of read.errors) io.err(`  - ${error}`);
    return 1;
  }
  const { config } = read;
  const target = config.apiBaseUrl ? `the Twilio emulator at ${config.apiBaseUrl}` : 'Twilio';
  const auth = 'apiKey' in config.credentials ? `API key ${config.credentials.apiKey}` : 'auth token';
  io.out(`Provisioning account ${config.credentials.accountSid} (${auth}) on ${target} for ${config.phoneNumber}…`);
  let result: ProvisionResult;
  try {
    result = await provision(config);
  } catch (error) {
    io.err(error instanceof ProvisionError ? error.message : `Setup failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  for (const line of describeSteps(result.steps)) io.out(`  ${line}`);
  io.out(result.changed ? 'Done.' : 'Done: everything was already set up (unchanged).');
  let stored: StoredToken;
  try {
    stored = await storeMcpToken(createTwilioClient(config.credentials, { apiBaseUrl: config.apiBaseUrl }), config.functionsBaseUrl);
  } catch (error) {
    io.err(`Storing the hosted endpoint's token (MCP_TOKENS) failed: ${error instanceof Error ? error.message : String(error)}. Everything else is set up; run setup again.`);
    return 1;
  }
  for (const line of setupReport(config, result, undefined, stored)) io.out(line);
  return 0;
}

/** The bundle's entry (build/scripts/setup.js) calls this; importing the module starts nothing. */
export function run(): void {
  runMain('Setup', runSetup);
}
