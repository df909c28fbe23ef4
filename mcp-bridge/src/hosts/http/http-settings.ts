/**
 * Settings of the bridge served over Streamable HTTP (MCP_TRANSPORT=http or `--http`), from the
 * environment like everything else (tokens never on argv). Placeholders count as unset here too.
 * A host reachable from other machines without tokens is refused at start: anyone who can reach
 * it could text on the account's behalf.
 */
import * as z from 'zod';
import { firstIssue, seconds } from '../../../../lib/env/schema';
import { setValues } from '../../../../lib/env/set-values';
import { flagEnabled } from '../../../../lib/env/flag';
import { parseTokens, type BearerToken } from './bearer-tokens';

export interface HttpSettings {
  host: string;
  port: number;
  /** Empty: no tokens, loopback only, one person on their own machine. */
  tokens: BearerToken[];
  /** Host header names (port-agnostic) accepted, against DNS rebinding. */
  allowedHosts: string[];
  /** Origin header values accepted from browsers; requests without Origin are not affected. */
  allowedOrigins: string[];
  /** An MCP session unused this long is closed. */
  sessionIdleMs: number;
  /** On SIGTERM, how long calls in flight may still finish before they are cancelled. */
  shutdownGraceMs: number;
  /**
   * MCP_HTTP_STATELESS=true: every POST answered on its own (hosts/stateless.ts, as the /mcp
   * Function), no sessions, so replicas need no sticky sessions; needs Sync.
   */
  stateless: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const list = (value: string | undefined) => (value ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);

const HttpEnvSchema = z.object({
  MCP_HTTP_HOST: z.string().trim().default('127.0.0.1'),
  MCP_HTTP_PORT: z.coerce.number({ error: 'MCP_HTTP_PORT must be a port number' }).int('MCP_HTTP_PORT must be a whole number').min(0, 'MCP_HTTP_PORT must be 0–65535').max(65_535, 'MCP_HTTP_PORT must be 0–65535').default(3030),
  MCP_HTTP_TOKENS: z.string().optional(),
  MCP_HTTP_ALLOWED_HOSTS: z.string().optional(),
  MCP_HTTP_ALLOWED_ORIGINS: z.string().optional(),
  MCP_HTTP_SESSION_IDLE_SECONDS: seconds('MCP_HTTP_SESSION_IDLE_SECONDS', 10, 86_400, 1800),
  MCP_HTTP_STATELESS: z.string().optional(),
});

export const HTTP_SETTING_NAMES = Object.keys(HttpEnvSchema.shape);

/** stdio unless MCP_TRANSPORT=http or `--http` is on the command line. */
export function wantsHttp(env: NodeJS.ProcessEnv, argv: readonly string[]): { ok: true; http: boolean } | { ok: false; error: string } {
  const transport = setValues({ MCP_TRANSPORT: env.MCP_TRANSPORT }).values.MCP_TRANSPORT?.trim().toLowerCase();
  const unknown = argv.find((arg) => arg !== '--http' && arg !== '--stdio');
  if (unknown !== undefined) return { ok: false, error: `Unknown argument "${unknown.slice(0, 40)}". The bridge takes --http or --stdio; everything else is set in its environment.` };
  if (transport !== undefined && transport !== 'http' && transport !== 'stdio') return { ok: false, error: 'MCP_TRANSPORT must be "stdio" or "http".' };
  return { ok: true, http: argv.includes('--http') || (transport === 'http' && !argv.includes('--stdio')) };
}

export function loadHttpSettings(env: NodeJS.ProcessEnv): { ok: true; settings: HttpSettings } | { ok: false; error: string } {
  const { values } = setValues(env);
  const parsed = HttpEnvSchema.safeParse(values);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error);
    return { ok: false, error: `${issue.message}. Fix ${issue.name} in the bridge's environment.` };
  }
  const e = parsed.data;
  const tokens = parseTokens(e.MCP_HTTP_TOKENS ?? '');
  if (!tokens.ok) return { ok: false, error: tokens.error };
  if (tokens.tokens.length === 0 && !isLoopback(e.MCP_HTTP_HOST)) {
    return { ok: false, error: `MCP_HTTP_HOST is ${e.MCP_HTTP_HOST}, reachable from other machines, but MCP_HTTP_TOKENS is not set: anyone reaching it could text from this account. Set MCP_HTTP_TOKENS (comma-separated bearer tokens), or serve on 127.0.0.1.` };
  }
  const wildcard = e.MCP_HTTP_HOST === '0.0.0.0' || e.MCP_HTTP_HOST === '::';
  return {
    ok: true,
    settings: {
      host: e.MCP_HTTP_HOST,
      port: e.MCP_HTTP_PORT,
      tokens: tokens.tokens,
      allowedHosts: [...new Set([...LOOPBACK, ...(wildcard ? [] : [e.MCP_HTTP_HOST]), ...list(e.MCP_HTTP_ALLOWED_HOSTS).map((host) => host.toLowerCase())])],
      allowedOrigins: list(e.MCP_HTTP_ALLOWED_ORIGINS),
      sessionIdleMs: e.MCP_HTTP_SESSION_IDLE_SECONDS * 1000,
      shutdownGraceMs: 10_000,
      stateless: flagEnabled(e.MCP_HTTP_STATELESS),
    },
  };
}
