/**
 * What the Functions read from their environment (twilio-run's `.env` locally, the Service's
 * environment variables when deployed), and the store built from it.
 */
// A namespace import lets esbuild keep only the zod parts in use: through zod's `z` re-export
// a Function bundle carried every locale zod ships (0.6 of its 0.8 MB).
import * as z from 'zod';
import { firstIssue, httpUrl, milliseconds, secret, sid, syncTtlSeconds, twilioApiBaseUrl } from '../env/schema';
import { setValues } from '../env/set-values';
import { logPiiFrom } from '../mask';
import { DEFAULT_RETRY, type RetryPolicy } from '../retry';
import { MessageStore } from '../store/message-store';
import { SyncGateway } from '../store/sync-gateway';
import { createTwilioClient } from '../twilio-client';
import { webhookUrl } from './signature';
import type { WebhookDeps } from './handle-incoming';

const FunctionEnvSchema = z.object({
  ACCOUNT_SID: sid('AC', 'ACCOUNT_SID'),
  AUTH_TOKEN: secret('AUTH_TOKEN', "the account's auth token, from Twilio Console → Account info: the Functions check X-Twilio-Signature with it"),
  SYNC_SERVICE_SID: sid('IS', 'SYNC_SERVICE_SID (or TWILIO_SYNC_SERVICE_SID)'),
  TWILIO_API_BASE_URL: twilioApiBaseUrl().optional(),
  WEBHOOK_BASE_URL: httpUrl('WEBHOOK_BASE_URL must be the http(s) URL Twilio calls the Functions at, e.g. https://sms.example.com').optional(),
  AUTO_REPLY_TEXT: z.string().optional(),
  SYNC_TTL_SECONDS: syncTtlSeconds(),
  LOG_PII: z.string().optional(),
  DOMAIN_NAME: z.string().optional(),
  // Per-request timeout of the Functions' Twilio client, ms; unset: 5 s. At most 5 s: a webhook's
  // last Sync call starts by 9 s (WEBHOOK_BUDGET_MS) and must end within Twilio's 15 s. Tests of
  // timeouts set it lower.
  TWILIO_TIMEOUT_MS: milliseconds('TWILIO_TIMEOUT_MS', 100, 5000),
  // How many /mcp calls one instance runs at once (mcp-bridge/src/hosts/function/function-settings.ts).
  // MCP_TOKENS is not listed: npm run setup stores it as a Variable (scripts/mcp-token.ts), which a
  // deploy must keep although the .env does not name it.
  MCP_MAX_CONCURRENT: z.string().optional(),
  // The hosted /mcp's sender, read there as the bridge reads it (env-config.ts).
  TWILIO_PHONE_NUMBER: z.string().optional(),
});

export type FunctionEnv = z.infer<typeof FunctionEnvSchema>;

/** The Sync service SID's two names; the first one set wins (readFunctionEnv). */
export const SYNC_SERVICE_SID_NAMES = ['SYNC_SERVICE_SID', 'TWILIO_SYNC_SERVICE_SID'] as const;

/**
 * The settings a deploy may leave unset: every optional one of the schema (unset means off, or
 * its default). DOMAIN_NAME is Twilio's own, never a Variable. `twilio-run deploy` uploads only
 * the non-empty values of `.env` and never deletes a Variable, so `npm run deploy`
 * (scripts/deploy.ts) deletes these from the deployed environment when `.env` leaves them empty.
 */
export function optionalSettings(): string[] {
  return Object.entries(FunctionEnvSchema.shape)
    .filter(([name, schema]) => name !== 'DOMAIN_NAME' && schema.safeParse(undefined).success)
    .map(([name]) => name);
}

/** Empty values and unfilled `${…}` placeholders mean "unset" (set-values.ts), as for the bridge. */
export function readFunctionEnv(context: Record<string, unknown>): { ok: true; env: FunctionEnv } | { ok: false; error: string } {
  const { values } = setValues(context);
  const parsed = FunctionEnvSchema.safeParse({ ...values, SYNC_SERVICE_SID: values.SYNC_SERVICE_SID ?? values.TWILIO_SYNC_SERVICE_SID });
  if (parsed.success) return { ok: true, env: parsed.data };
  const issue = firstIssue(parsed.error);
  return { ok: false, error: `Configuration: ${issue.name}: ${issue.message}` };
}

/**
 * The Functions' Sync retries: on 429s, as many as the webhook's budget allows (its deadline,
 * handle-incoming.ts WEBHOOK_BUDGET_MS, stops them in time). A webhook answered 5xx is not retried
 * by Twilio (it calls the fallback URL once; only connection overrides on the URL make it retry),
 * so a throttled store given up on after the default six tries (about 1.5 s of backoff, in a 10 s
 * window) leaves the message to reconciliation, a minute or more later: the inbound bench's one
 * busy conversation lost 1 of 300 webhooks so, each of its 4 attempts a 500 within 0.8–2.4 s.
 */
export const WEBHOOK_RETRY: RetryPolicy = { ...DEFAULT_RETRY, throttledAttempts: 12 };

/**
 * A warm Function instance serves many requests: the client (and its keep-alive connections to
 * Twilio) is built once per configuration, not per webhook.
 */
let cached: { key: string; store: MessageStore } | undefined;

export function webhookDeps(env: FunctionEnv, log: (line: string) => void): WebhookDeps {
  const key = JSON.stringify([env.ACCOUNT_SID, env.AUTH_TOKEN, env.SYNC_SERVICE_SID, env.TWILIO_API_BASE_URL, env.SYNC_TTL_SECONDS, env.TWILIO_TIMEOUT_MS]);
  if (cached?.key !== key) {
    const client = createTwilioClient(
      { accountSid: env.ACCOUNT_SID, authToken: env.AUTH_TOKEN },
      { apiBaseUrl: env.TWILIO_API_BASE_URL, timeoutMs: env.TWILIO_TIMEOUT_MS ?? 5000 },
    );
    cached = { key, store: new MessageStore(new SyncGateway(client, env.SYNC_SERVICE_SID, { ttlSeconds: env.SYNC_TTL_SECONDS, retry: WEBHOOK_RETRY })) };
  }
  return { store: cached.store, authToken: env.AUTH_TOKEN, log, logPii: logPiiFrom(env.LOG_PII) };
}

export function calledUrl(env: FunctionEnv, path: string): string {
  return webhookUrl({ baseUrl: env.WEBHOOK_BASE_URL, domainName: env.DOMAIN_NAME, path });
}
