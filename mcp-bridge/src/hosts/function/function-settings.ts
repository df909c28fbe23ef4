/**
 * The /mcp Function's settings, from its `context` (the Service's environment variables; twilio-run's
 * `.env` locally): the bridge's own settings under their usual names (TWILIO_PHONE_NUMBER, SEND_*,
 * SMS_USER_NUMBERS, …, read by the same rules as env-config.ts), the account's credentials and Sync
 * service under the names the webhooks read (ACCOUNT_SID, AUTH_TOKEN, SYNC_SERVICE_SID), and the
 * bearer tokens in MCP_TOKENS (`token` or `token=identity`, as MCP_HTTP_TOKENS).
 *
 * What the Function decides for itself:
 * - CLIENT_TIMEOUT_SECONDS is FUNCTION_CALL_SECONDS (8): Twilio ends an invocation after 10 s
 *   (the caller gets 504), so every call budgets 8 s (call-budget.ts: waits end 2.7 s in, the last
 *   Sync call starts by 5.3 s) and keeps 2 s for a cold start and the answer;
 * - the Twilio client's per-request timeout is at most FUNCTION_TWILIO_TIMEOUT_MS (3 s), so the last
 *   call, started by 5.3 s, ends by 8.3 s;
 * - STATUS_CALLBACK_BASE_URL defaults to the Service's own domain (its /sms/status).
 */
import { webhookUrl } from '../../../../lib/webhooks/signature';
import type { BridgeConfig } from '../../server/bridge-config';
import { type BearerToken, parseTokens } from '../http/bearer-tokens';
import { loadConfig } from '../env-config';

export const FUNCTION_CALL_SECONDS = 8;
export const FUNCTION_TWILIO_TIMEOUT_MS = 3_000;
/**
 * The largest body /mcp reads. The largest legitimate request, a send_sms of 1,600 characters (at
 * most 6 JSON bytes each) with 10 media URLs of ≤ 500 bytes, is under 16 KB; 64 KiB leaves room
 * for a client's long `initialize` capabilities. twilio-run and Twilio's gateway take up to 6 MB.
 */
export const FUNCTION_MAX_BODY_BYTES = 64 * 1024;
/** MCP calls one Function instance runs at once unless MCP_MAX_CONCURRENT says otherwise. */
export const DEFAULT_MAX_CONCURRENT = 4;

export interface FunctionSettings {
  config: BridgeConfig;
  tokens: BearerToken[];
  maxConcurrent: number;
  /** The URL this Function is called at (https://<domain>/mcp; http on localhost). */
  url: string;
  /** What the settings were read from, to rebuild the shared deps only when it changes. */
  key: string;
}

function strings(context: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(context).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

export function readFunctionSettings(context: Record<string, unknown>): { ok: true; settings: FunctionSettings } | { ok: false; error: string } {
  const values = strings(context);
  const domainName = values.DOMAIN_NAME;
  const base = values.WEBHOOK_BASE_URL ?? webhookUrl({ ...(domainName !== undefined ? { domainName } : {}), path: '' });
  const env: Record<string, string | undefined> = {
    ...values,
    TWILIO_ACCOUNT_SID: values.ACCOUNT_SID ?? values.TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: values.AUTH_TOKEN ?? values.TWILIO_AUTH_TOKEN,
    TWILIO_SYNC_SERVICE_SID: values.SYNC_SERVICE_SID ?? values.TWILIO_SYNC_SERVICE_SID,
    STATUS_CALLBACK_BASE_URL: values.STATUS_CALLBACK_BASE_URL ?? base,
    CLIENT_TIMEOUT_SECONDS: String(FUNCTION_CALL_SECONDS),
    SMS_USER: undefined,
  };
  const loaded = loadConfig(env);
  if (!loaded.ok) return { ok: false, error: loaded.error.replace('in the MCP server env (LibreChat: its .env, passed by librechat.yaml), then restart.', 'in the Service’s environment variables, then deploy again.').replace('in the MCP server env.', 'in the Service’s environment variables.') };
  if (!loaded.config.syncServiceSid) return { ok: false, error: 'SYNC_SERVICE_SID is not set: /mcp keeps nothing between requests, so its messages, guard and caps must be in Sync. npm run setup sets it.' };
  const tokens = parseTokens(values.MCP_TOKENS ?? '', 'MCP_TOKENS');
  if (!tokens.ok) return { ok: false, error: tokens.error };
  if (tokens.tokens.length === 0) return { ok: false, error: 'MCP_TOKENS is not set: /mcp is public and serves only bearer tokens. npm run setup generates one.' };
  const maxConcurrent = values.MCP_MAX_CONCURRENT === undefined ? DEFAULT_MAX_CONCURRENT : Number(values.MCP_MAX_CONCURRENT);
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1 || maxConcurrent > 30) return { ok: false, error: 'MCP_MAX_CONCURRENT must be a whole number from 1 to 30 (calls one /mcp instance runs at once).' };
  const config: BridgeConfig = { ...loaded.config, twilioTimeoutMs: Math.min(loaded.config.twilioTimeoutMs ?? FUNCTION_TWILIO_TIMEOUT_MS, FUNCTION_TWILIO_TIMEOUT_MS) };
  const path = values.PATH ?? '/mcp';
  return {
    ok: true,
    settings: {
      config,
      tokens: tokens.tokens,
      maxConcurrent,
      url: `${base.replace(/\/+$/, '')}${path}`,
      key: JSON.stringify(Object.entries(values).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}
