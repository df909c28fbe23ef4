/**
 * What the image's files say about how the bridge runs as a service: the Dockerfile's runtime
 * stage and the compose override in docs/ (with the librechat.yaml entries it documents). The
 * bridge itself is started by http-bridge.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { extractEnvVariable } from 'librechat-data-provider';
import { fillUserPlaceholders, withLibrechatEnv, type LibrechatUser } from './librechat';
import { ROOT } from './paths';

/** Only these pass through from the test runner's environment: nothing else leaks in. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  // How this machine reaches the npm registry (proxy, extra CA certificates), for `npm ci`.
  for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy', 'NODE_EXTRA_CA_CERTS']) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// The Dockerfile's runtime stage

export interface RuntimeStage {
  /** The arguments of the stage's `npm ci` (after `npm`), up to `&&`. */
  npmCiArgs: string[];
  /** `ENV` of the stage, in order. */
  env: Record<string, string>;
  /** Sources of `COPY --from=build`. */
  copiedFromBuild: string[];
  user: string | null;
  cmd: string[] | null;
  /** The HEALTHCHECK's exec-form command. */
  healthcheck: string[] | null;
  expose: string[];
}

/** Joins `\` continuations and drops comments: one instruction per entry. */
function instructions(dockerfile: string): string[] {
  const lines = dockerfile.split('\n').filter((line) => !/^\s*#/.test(line));
  const out: string[] = [];
  let current = '';
  for (const line of lines) {
    const continued = /\\\s*$/.test(line);
    current += (current ? ' ' : '') + line.replace(/\\\s*$/, '').trim();
    if (!continued) {
      if (current.trim()) out.push(current.trim());
      current = '';
    }
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** Reads the last stage of the Dockerfile (the image that runs). */
export function readRuntimeStage(path = join(ROOT, 'Dockerfile')): RuntimeStage {
  const all = instructions(readFileSync(path, 'utf8'));
  const lastFrom = all.map((line, index) => (/^FROM\s/i.test(line) ? index : -1)).filter((index) => index >= 0).pop();
  if (lastFrom === undefined) throw new Error('the Dockerfile has no FROM');
  const stage = all.slice(lastFrom + 1);
  const stageEnv: Record<string, string> = {};
  const stage_: RuntimeStage = { npmCiArgs: [], env: stageEnv, copiedFromBuild: [], user: null, cmd: null, healthcheck: null, expose: [] };
  for (const line of stage) {
    const [keyword, ...restParts] = line.split(/\s+/);
    const rest = line.slice(keyword!.length).trim();
    switch (keyword!.toUpperCase()) {
      case 'RUN': {
        const ci = /\bnpm (ci\b[^&;]*)/.exec(rest);
        if (ci) stage_.npmCiArgs = ci[1]!.trim().split(/\s+/);
        break;
      }
      case 'ENV':
        for (const pair of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) stageEnv[pair[1]!] = pair[2]!.replace(/^"|"$/g, '');
        break;
      case 'COPY': {
        const from = restParts.find((part) => part.startsWith('--from='));
        if (from) stage_.copiedFromBuild.push(...restParts.filter((part) => !part.startsWith('--')).slice(0, -1));
        break;
      }
      case 'USER':
        stage_.user = rest;
        break;
      case 'CMD':
        stage_.cmd = JSON.parse(rest) as string[];
        break;
      case 'EXPOSE':
        stage_.expose.push(...restParts);
        break;
      case 'HEALTHCHECK': {
        const exec = /\bCMD\s+(\[.*\])\s*$/.exec(rest);
        stage_.healthcheck = exec ? (JSON.parse(exec[1]!) as string[]) : null;
        break;
      }
    }
  }
  return stage_;
}

// ---------------------------------------------------------------------------------------------
// docs/docker-compose.override.yml

export const COMPOSE_OVERRIDE = join(ROOT, 'docs', 'docker-compose.override.yml');

export interface ComposeService {
  build?: { context: string } | string;
  image?: string;
  restart?: string;
  environment?: Record<string, string>;
  ports?: unknown[];
  [key: string]: unknown;
}

export function readComposeOverride(path = COMPOSE_OVERRIDE): { services: Record<string, ComposeService>; text: string } {
  const text = readFileSync(path, 'utf8');
  const loaded = yaml.load(text) as { services?: Record<string, ComposeService> };
  if (!loaded?.services) throw new Error(`${path} has no services:`);
  return { services: loaded.services, text };
}

/**
 * The librechat.yaml examples in the override's header comment, each between
 * `# --- librechat.yaml: <name> ---` and `# --- end ---`, uncommented.
 */
export function librechatExamples(text: string): Record<string, string> {
  const examples: Record<string, string> = {};
  for (const match of text.matchAll(/^# --- librechat\.yaml: (.+?) ---\n([\s\S]*?)^# --- end ---$/gm)) {
    examples[match[1]!] = match[2]!
      .split('\n')
      .map((line) => line.replace(/^# ?/, ''))
      .join('\n')
      .trimEnd();
  }
  return examples;
}

/**
 * Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}` against `dotenv` (LibreChat's .env):
 * what the container's environment holds. A missing `:?` variable throws, as `docker compose up`
 * refuses to start.
 */
export function composeEnvironment(environment: Record<string, string>, dotenv: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(environment)) {
    out[key] = String(raw).replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (_whole, name: string, op: string | undefined, arg: string | undefined) => {
      const value = dotenv[name];
      const unset = value === undefined || (op?.startsWith(':') && value === '');
      if (!unset) return value!;
      if (op?.endsWith('?')) throw new Error(`compose: ${name} ${arg ?? 'is required'}`);
      return op?.endsWith('-') ? (arg ?? '') : '';
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// A streamable-http entry's headers as LibreChat sends them

/**
 * What LibreChat does to an entry's `headers` when it opens a connection (processMCPEnv, its
 * processSingleValue with isHeader, packages/api/src/utils/env.ts, newest stored version): first
 * `${VAR}` from its .env (before anything user-controlled is substituted), then the user's
 * customUserVars `{{NAME}}`, then `{{LIBRECHAT_USER_<FIELD>}}`. Not reproduced: OpenID and body
 * placeholders, and the `b64:` encoding of non-Latin-1 names and e-mails.
 */
export function librechatHeaders(
  headers: Readonly<Record<string, string>>,
  context: { dotenv?: Record<string, string>; customUserVars?: Record<string, string>; user?: LibrechatUser } = {},
): Record<string, string> {
  const filled = withLibrechatEnv(context.dotenv ?? {}, () => Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, extractEnvVariable(value)])));
  for (const [key, value] of Object.entries(filled)) {
    let next = value;
    for (const [name, replacement] of Object.entries(context.customUserVars ?? {})) next = next.split(`{{${name}}}`).join(replacement);
    filled[key] = next;
  }
  return context.user ? fillUserPlaceholders(filled, context.user) : filled;
}
