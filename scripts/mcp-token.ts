/**
 * The bearer token of the hosted /mcp (functions/mcp.ts): `npm run setup` makes one and stores it as
 * the Function setting MCP_TOKENS, a Variable of the Serverless Environment whose domain is
 * FUNCTIONS_BASE_URL's, found through the Serverless API. Run again, it keeps the token already
 * there (the first one without an identity), so LibreChat's copy stays valid; to revoke it, change
 * or delete MCP_TOKENS in the Console (Functions → Services → twilio-sms-mcp → Environment
 * Variables) and run setup again. `twilio-run deploy` never deletes a Variable, so later deploys
 * keep it. With no deployed Environment at that domain (not deployed yet, or local Functions),
 * nothing is stored: the token is printed for the Functions' `.env`.
 */
import { randomBytes } from 'node:crypto';
import type { TwilioClient } from '../lib/twilio-client';

export type StoredToken =
  | { kind: 'created' | 'added' | 'kept'; token: string; domain: string }
  | { kind: 'not-deployed'; token: string };

export function newMcpToken(): string {
  return randomBytes(32).toString('hex');
}

/** The first whole-account token (no `=identity`) of an MCP_TOKENS value, or null. */
export function wholeAccountToken(value: string): string | null {
  return value.split(',').map((entry) => entry.trim()).find((entry) => entry !== '' && !entry.includes('=')) ?? null;
}

export async function storeMcpToken(client: TwilioClient, functionsBaseUrl: string, generate: () => string = newMcpToken): Promise<StoredToken> {
  const domain = new URL(functionsBaseUrl).host;
  for (const service of await client.serverless.v1.services.list()) {
    const environments = await client.serverless.v1.services(service.sid).environments.list();
    const environment = environments.find((candidate) => candidate.domainName === domain);
    if (!environment) continue;
    const variables = client.serverless.v1.services(service.sid).environments(environment.sid).variables;
    const existing = (await variables.list()).find((variable) => variable.key === 'MCP_TOKENS');
    const kept = existing ? wholeAccountToken(existing.value) : null;
    if (existing && kept) return { kind: 'kept', token: kept, domain };
    const token = generate();
    if (existing) {
      await variables(existing.sid).update({ value: `${existing.value.replace(/,\s*$/, '')},${token}` });
      return { kind: 'added', token, domain };
    }
    await variables.create({ key: 'MCP_TOKENS', value: token });
    return { kind: 'created', token, domain };
  }
  return { kind: 'not-deployed', token: generate() };
}
