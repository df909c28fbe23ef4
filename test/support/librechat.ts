/**
 * LibreChat as it treats a stdio MCP server, for tests: its own published code where there is
 * some, and faithful transcriptions of the rest.
 *
 * From LibreChat's published package `librechat-data-provider` (pinned in package.json):
 * - `configSchema` validates librechat.yaml. LibreChat's loader (packages/api/src/app/loader.ts)
 *   parses the yaml with js-yaml and runs `configSchema.strict().safeParse`; a failure makes
 *   LibreChat exit at startup ("Exiting due to invalid configuration").
 * - `MCPOptionsSchema` validates one `mcpServers` entry. Its stdio `env` transform runs
 *   `extractEnvVariable` on every value: `${VAR}` becomes `process.env.VAR`; a variable that is
 *   unset or empty stays the literal `${VAR}`; JWT_SECRET, CREDS_KEY, MONGO_URI and a few other
 *   infrastructure secrets are never filled; and every value is trimmed.
 *
 * Transcribed from danny-avila/LibreChat (read through its stored sources, not installed):
 * - `processMCPEnv` (packages/api/src/utils/env.ts @ 2fdfe69053b3): the per-connection pass over
 *   `env` and `args` — customUserVars `{{NAME}}`, then `{{LIBRECHAT_USER_<FIELD>}}`, then
 *   `{{LIBRECHAT_BODY_<FIELD>}}`, then `extractEnvVariable` again. (OpenID `{{LIBRECHAT_OPENID_*}}`
 *   tokens are not reproduced.)
 * - `MCPConnection.constructTransport` (packages/api/src/mcp/connection.ts): `new
 *   StdioClientTransport({ command, args, env: { ...getDefaultEnvironment(), ...env } })`.
 * - `MCPManager.callTool` (packages/api/src/mcp/MCPManager.ts): `client.request(tools/call,
 *   CallToolResultSchema, { timeout: entry.timeout, resetTimeoutOnProgress: true })` — no
 *   `onprogress`, so no progress token — then `formatToolContent(result, provider)`.
 * - `formatToolContent` (packages/api/src/mcp/parsers.ts, newest stored version; plus the
 *   structuredContent fallback of packages/api/src/mcp/__tests__/structuredContent.test.ts
 *   @ a69cc1854433, issue #15198): what the model is given.
 * - `createMCPTool` (api/server/services/MCP.js @ 8e294a1527d7): a failed call reaches the model
 *   as `[MCP][<server>][<tool>] tool call failed: <message>`.
 *
 * Where this harness differs from LibreChat, on purpose: stderr is piped and collected (LibreChat
 * leaves it inherited, i.e. in its own log), the working directory is `/` unless the entry sets
 * `cwd` (LibreChat: its own directory, e.g. /app in Docker), a `node` command is this Node
 * (process.execPath), and the first arg is replaced by the built bridge (the README's entry has a
 * placeholder path).
 */
import type { ChildProcess } from 'node:child_process';
import yaml from 'js-yaml';
import { configSchema, Constants, extractEnvVariable, MCPOptionsSchema } from 'librechat-data-provider';
import type { MCPOptions } from 'librechat-data-provider';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { collectStderr } from '../../scripts/system/bridge-process';

// ---------------------------------------------------------------------------------------------
// librechat.yaml

/** One `mcpServers` entry as LibreChat holds it after validation (`${VAR}` already filled). */
export type ParsedMcpOptions = MCPOptions;
/** The stdio variant: `command`, `args`, `env`. */
export type ParsedStdioOptions = Extract<ParsedMcpOptions, { command: string }>;

type ConfigParse = ReturnType<typeof configSchema.safeParse>;
/** What `configSchema.strict().safeParse` gives for a valid config. */
export type LibrechatConfigResult = Extract<ConfigParse, { success: true }>;

interface ZodLikeIssue {
  path: readonly (string | number)[];
  message: string;
  code?: string;
  unionErrors?: readonly { issues: readonly ZodLikeIssue[] }[];
}

/**
 * A server entry is a union (stdio | websocket | sse | http): report the branches that got past
 * the `type` check (for `type: stdio`, the stdio branch), not zod's bare "Invalid input".
 */
function flattenIssues(issues: readonly ZodLikeIssue[]): ZodLikeIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || !issue.unionErrors?.length) return [issue];
    const branches = issue.unionErrors.map((branch) => branch.issues);
    const typeMatched = branches.filter((branch) => !branch.some((inner) => inner.code === 'invalid_literal' && inner.path[inner.path.length - 1] === 'type'));
    return flattenIssues((typeMatched.length ? typeMatched : branches).flat());
  });
}

function describeIssues(issues: readonly ZodLikeIssue[]): string {
  return flattenIssues(issues)
    .map((issue) => `  - ${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('\n');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loadYamlObject(text: string): Record<string, unknown> {
  const loaded: unknown = yaml.load(text);
  if (!isRecord(loaded)) throw new Error(`librechat.yaml must be a mapping, got ${loaded === null ? 'nothing' : typeof loaded}`);
  return loaded;
}

/**
 * The `mcpServers` of a librechat.yaml text (a whole config or just the `mcpServers:` snippet),
 * each validated by LibreChat's `MCPOptionsSchema`. `${VAR}` is filled from `process.env` as it
 * is now: wrap the call in `withLibrechatEnv` to decide what LibreChat's .env holds.
 */
export function parseLibrechatYaml(text: string): Record<string, ParsedMcpOptions> {
  const servers = loadYamlObject(text).mcpServers;
  if (!isRecord(servers)) throw new Error('librechat.yaml has no `mcpServers:` mapping');
  const parsed: Record<string, ParsedMcpOptions> = {};
  for (const [name, raw] of Object.entries(servers)) {
    const result = MCPOptionsSchema.safeParse(raw);
    if (!result.success) throw new Error(`mcpServers.${name} is not a valid LibreChat MCP server:\n${describeIssues(result.error.issues)}`);
    parsed[name] = result.data;
  }
  return parsed;
}

/**
 * Validates a librechat.yaml text the way LibreChat's loader does (`configSchema.strict()`),
 * throwing with the issues listed. A bare `mcpServers` snippet gets the `version` every config
 * must have (LibreChat's current CONFIG_VERSION). `${VAR}` substitution runs with `dotenv` as
 * LibreChat's environment (default: empty, so the test runner's environment plays no part).
 */
export function validateLibrechatConfig(text: string, dotenv: Record<string, string> = {}): LibrechatConfigResult {
  const config = loadYamlObject(text);
  const whole = 'version' in config ? config : { version: Constants.CONFIG_VERSION, ...config };
  const result = withLibrechatEnv(dotenv, () => configSchema.strict().safeParse(whole));
  if (!result.success) throw new Error(`LibreChat would refuse this librechat.yaml:\n${describeIssues(result.error.issues)}`);
  return result;
}

/**
 * Runs `fn` with `process.env` replaced by exactly `dotenv` (LibreChat's .env as it is at connect
 * time) and puts the real environment back afterwards. `fn` must be synchronous.
 */
export function withLibrechatEnv<T>(dotenv: Record<string, string>, fn: () => T): T {
  const saved = process.env;
  process.env = { ...dotenv };
  try {
    const result = fn();
    if (result instanceof Promise) throw new TypeError('withLibrechatEnv takes a synchronous function');
    return result;
  } finally {
    process.env = saved;
  }
}

/**
 * The ```yaml blocks of a markdown text between the `## <heading>` line and the next `## `
 * heading, de-indented (README blocks sit inside numbered list items). For the README's
 * "## LibreChat" section and the docs/ pages, read at run time.
 */
export function yamlBlocksUnder(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trimEnd() === `## ${heading}`);
  if (start < 0) throw new Error(`no "## ${heading}" heading`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  const section = lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
  const blocks: string[] = [];
  for (const match of section.matchAll(/^([ \t]*)```ya?ml[^\n]*\n([\s\S]*?)^\1```[ \t]*$/gm)) {
    const indent = match[1] ?? '';
    const body = (match[2] ?? '').replace(/\n$/, '');
    blocks.push(body.split('\n').map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart())).join('\n'));
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// Per-user and per-request placeholders (processMCPEnv, packages/api/src/utils/env.ts)

/** `ALLOWED_USER_FIELDS` in env.ts: the only fields a `{{LIBRECHAT_USER_<FIELD>}}` can name. */
export const LIBRECHAT_USER_FIELDS = [
  'id',
  'name',
  'username',
  'email',
  'provider',
  'role',
  'googleId',
  'facebookId',
  'openidId',
  'samlId',
  'ldapId',
  'githubId',
  'discordId',
  'appleId',
  'emailVerified',
  'twoFactorEnabled',
  'termsAccepted',
] as const;
export type LibrechatUserField = (typeof LIBRECHAT_USER_FIELDS)[number];

type UserValue = string | boolean | null | undefined;

/**
 * A LibreChat user (IUser, only the fields processMCPEnv can read). A field that is absent leaves
 * its placeholder as literal text; a field present but null/undefined becomes ''.
 */
export type LibrechatUser = {
  id: string;
  email: string;
  name?: string | null;
  username?: string | null;
} & { [K in Exclude<LibrechatUserField, 'id' | 'email' | 'name' | 'username'>]?: UserValue };

/** `ALLOWED_BODY_FIELDS` in env.ts, for `{{LIBRECHAT_BODY_<FIELD>}}`. */
export interface LibrechatRequestBody {
  conversationId?: string | null;
  parentMessageId?: string | null;
  messageId?: string | null;
}
const LIBRECHAT_BODY_FIELDS = ['conversationId', 'parentMessageId', 'messageId'] as const;

/** `processUserPlaceholders` in env.ts, on one string. */
function fillUserValue(value: string, user: LibrechatUser): string {
  for (const field of LIBRECHAT_USER_FIELDS) {
    const placeholder = `{{LIBRECHAT_USER_${field.toUpperCase()}}}`;
    if (!value.includes(placeholder)) continue;
    if (!(field in user)) continue; // not on the user: the placeholder stays as it is
    const fieldValue: UserValue = user[field];
    if (field === 'id' && (fieldValue === undefined || fieldValue === '')) continue;
    const replacement = fieldValue == null ? '' : String(fieldValue);
    value = value.replace(new RegExp(placeholder, 'g'), replacement);
  }
  return value;
}

/**
 * LibreChat's per-user `{{LIBRECHAT_USER_*}}` filling (processUserPlaceholders, used by
 * processMCPEnv in packages/api/src/utils/env.ts): each of LIBRECHAT_USER_FIELDS, upper-cased
 * (`{{LIBRECHAT_USER_EMAILVERIFIED}}` for emailVerified). A field the user object lacks leaves
 * the placeholder as literal text, as does an empty or missing `id`; a field present but
 * null/undefined becomes ''; booleans become "true"/"false". Unknown names such as
 * `{{LIBRECHAT_USER_PHONE}}` are never filled.
 */
export function fillUserPlaceholders(env: Readonly<Record<string, string>>, user: LibrechatUser): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, fillUserValue(value, user)]));
}

export interface ConnectContext {
  user?: LibrechatUser;
  /** The user's saved customUserVars, for `{{NAME}}` placeholders. */
  customUserVars?: Record<string, string>;
  /** The chat request, for `{{LIBRECHAT_BODY_*}}` placeholders. */
  body?: LibrechatRequestBody;
}

/** `processSingleValue` in env.ts (without the OpenID token step). Reads `process.env`. */
function processValue(original: string, context: ConnectContext): string {
  let value = original;
  for (const [name, replacement] of Object.entries(context.customUserVars ?? {})) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    value = value.replace(new RegExp(`\\{\\{${escaped}\\}\\}`, 'g'), replacement);
  }
  if (context.user) value = fillUserValue(value, context.user);
  if (context.body) {
    for (const field of LIBRECHAT_BODY_FIELDS) {
      const placeholder = `{{LIBRECHAT_BODY_${field.toUpperCase()}}}`;
      if (!value.includes(placeholder)) continue;
      const fieldValue = context.body[field];
      value = value.replace(new RegExp(placeholder, 'g'), fieldValue == null ? '' : String(fieldValue));
    }
  }
  return extractEnvVariable(value);
}

/**
 * processMCPEnv for a stdio entry: what LibreChat does to `env` and `args` each time it opens a
 * connection. Note the final `extractEnvVariable` pass reads `process.env` (LibreChat's .env):
 * wrap the call in `withLibrechatEnv`.
 */
export function processMCPEnv(entry: ParsedStdioOptions, context: ConnectContext = {}): ParsedStdioOptions {
  const processed: ParsedStdioOptions = structuredClone(entry);
  if (entry.env) processed.env = Object.fromEntries(Object.entries(entry.env).map(([key, value]) => [key, processValue(value, context)]));
  processed.args = entry.args.map((arg) => processValue(arg, context));
  return processed;
}

// ---------------------------------------------------------------------------------------------
// What the model sees (formatToolContent, packages/api/src/mcp/parsers.ts)

/** `DEFAULT_MCP_IMAGE_DATA_MAX_BYTES`: a bigger base64 image fails the tool call. */
export const LIBRECHAT_MCP_IMAGE_MAX_BYTES = 10 * 1024 * 1024;

export interface ModelView {
  /** The tool message's text. */
  text: string;
  /** Images, passed to the model as image inputs (`image_url` artifacts), not in the text. */
  images: string[];
}

type ContentPart = CallToolResult['content'][number];

function isRemoteImageUrl(data: string): boolean {
  return data.startsWith('http://') || data.startsWith('https://');
}

function assertImageWithinLimit(data: string): void {
  if (isRemoteImageUrl(data)) return;
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  const bytes = Math.max(0, Math.floor((data.length * 3) / 4) - padding);
  if (bytes > LIBRECHAT_MCP_IMAGE_MAX_BYTES) {
    throw new Error(`MCP image result exceeds maximum size of ${LIBRECHAT_MCP_IMAGE_MAX_BYTES} bytes: ${bytes} bytes`);
  }
}

/**
 * formatToolContent for a recognized provider (openai, anthropic, google, azureopenai, openrouter,
 * xai, deepseek, ollama, bedrock): text parts joined with a blank line; an embedded `resource`
 * as "Resource Text: …\nResource URI: …\nResource MIME Type: …"; every other part
 * (`resource_link`, `audio`, …) as `JSON.stringify(part, null, 2)` in the text; images kept out of
 * the text and passed as image inputs. `isError` and annotations play no part. `structuredContent`
 * is used only when `content` is empty (pretty-printed JSON; an empty object counts as nothing);
 * nothing at all is "(No response)". A `ui://` HTML resource (MCP Apps) is not reproduced: this
 * throws.
 */
export function modelViewOf(result: CallToolResult): ModelView {
  const content: ContentPart[] = result.content ?? [];
  if (!content.length) {
    const structured = result.structuredContent;
    const hasStructured = isRecord(structured) && Object.keys(structured).length > 0;
    return { text: hasStructured ? JSON.stringify(structured, null, 2) : '(No response)', images: [] };
  }
  let text = '';
  const append = (block: string) => {
    text += (text ? '\n\n' : '') + block;
  };
  const images: string[] = [];
  for (const part of content) {
    if (part.type === 'text') {
      append(part.text);
    } else if (part.type === 'image') {
      assertImageWithinLimit(part.data);
      images.push(isRemoteImageUrl(part.data) ? part.data : `data:${part.mimeType};base64,${part.data}`);
    } else if (part.type === 'resource') {
      const { resource } = part;
      const mimeType = typeof resource.mimeType === 'string' ? resource.mimeType : 'text/html';
      if (resource.uri.startsWith('ui://') && mimeType.includes('html')) {
        throw new Error('formatForModel does not reproduce LibreChat\'s MCP Apps (ui://) resources');
      }
      const lines: string[] = [];
      if ('text' in resource && resource.text) lines.push(`Resource Text: ${resource.text}`);
      if (resource.uri.length) lines.push(`Resource URI: ${resource.uri}`);
      if (resource.mimeType) lines.push(`Resource MIME Type: ${resource.mimeType}`);
      if (lines.length) append(lines.join('\n'));
    } else {
      append(JSON.stringify(part, null, 2));
    }
  }
  return { text: text || (images.length ? '' : '(No response)'), images };
}

/** The text the model gets for a tool result (see modelViewOf); images are left out of it. */
export function formatForModel(result: CallToolResult): string {
  return modelViewOf(result).text;
}

// ---------------------------------------------------------------------------------------------
// The bridge as LibreChat starts and calls it

/** `DEFAULT_INIT_TIMEOUT`: how long LibreChat waits for `initialize` when `initTimeout` is unset. */
export const LIBRECHAT_DEFAULT_INIT_TIMEOUT_MS = 30_000;

export interface LibrechatBridgeOptions {
  /** Replaces the entry's first arg (the README's entry has a placeholder path): BRIDGE_BIN. */
  bridgePath: string;
  user?: LibrechatUser;
  customUserVars?: Record<string, string>;
  body?: LibrechatRequestBody;
  /**
   * LibreChat's .env at connect time, for processMCPEnv's second `${VAR}` pass (default: empty;
   * a `${VAR}` left unfilled by parsing stays literal).
   */
  dotenv?: Record<string, string>;
  /** The entry's name under `mcpServers` (default `twilio-sms`), for error texts. */
  serverName?: string;
}

export interface LibrechatCallResult {
  /** The result as the SDK parsed it; null when the call failed. */
  raw: CallToolResult | null;
  /** What the model gets: formatForModel(raw), or LibreChat's "tool call failed" text. */
  text: string;
  /** The failure (an McpError -32001 for a timeout, -32000 for a closed connection), else null. */
  error: Error | null;
}

export interface LibrechatBridge {
  client: Client;
  /** The entry after processMCPEnv, with the command and first arg as actually spawned. */
  entry: ParsedStdioOptions;
  /** The env given to StdioClientTransport (the SDK adds HOME, LOGNAME, PATH, SHELL, TERM, USER). */
  env: Record<string, string>;
  call(name: string, args?: Record<string, unknown>): Promise<LibrechatCallResult>;
  listTools(): Promise<Tool[]>;
  /** Everything the bridge wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<number | null>;
  close(): Promise<void>;
}

/** The child process behind the transport; the SDK keeps it private and drops it on close. */
function exitOf(transport: StdioClientTransport): Promise<number | null> {
  return new Promise((resolve) => {
    const start = transport.start.bind(transport);
    transport.start = async () => {
      try {
        await start();
      } catch (error) {
        resolve(null);
        throw error;
      }
      const child = (transport as unknown as { _process?: ChildProcess })._process;
      if (!child) resolve(null);
      else if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    };
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Spawns and connects the bridge as LibreChat's MCPConnection does, from a parsed stdio entry.
 * A bridge that exits or never answers `initialize` within the entry's `initTimeout` (30 s when
 * unset) rejects with LibreChat's error ("MCP error -32000: Connection closed", "Connection
 * timeout after …ms") and the bridge's stderr.
 */
export async function startLibrechatBridge(entry: ParsedMcpOptions, options: LibrechatBridgeOptions): Promise<LibrechatBridge> {
  if (!('command' in entry)) throw new Error('startLibrechatBridge takes a stdio entry (command, args)');
  const serverName = options.serverName ?? 'twilio-sms';
  const processed = withLibrechatEnv(options.dotenv ?? {}, () =>
    processMCPEnv(entry, { user: options.user, customUserVars: options.customUserVars, body: options.body }),
  );
  const command = processed.command === 'node' ? process.execPath : processed.command;
  const args = [options.bridgePath, ...processed.args.slice(1)];
  const env = processed.env ?? {};
  const spawned: ParsedStdioOptions = { ...processed, command, args };

  const transport = new StdioClientTransport({ command, args, env, stderr: 'pipe', cwd: processed.cwd ?? '/' });
  const stderr = collectStderr(transport);
  const exited = exitOf(transport);
  let closed = false;
  const client = new Client({ name: '@librechat/api-client', version: '1.2.3' }, { capabilities: {} });
  const closedOnce = new Promise<void>((resolve) => {
    client.onclose = () => {
      closed = true;
      resolve();
    };
  });

  const initTimeout = processed.initTimeout ?? LIBRECHAT_DEFAULT_INIT_TIMEOUT_MS;
  try {
    await withTimeout(client.connect(transport), initTimeout, `Connection timeout after ${initTimeout}ms`);
  } catch (error) {
    await client.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
    await Promise.race([closedOnce, new Promise((resolve) => setTimeout(resolve, 1000))]);
    await new Promise((resolve) => setImmediate(resolve)); // let the last stderr chunk through
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`LibreChat could not connect to ${serverName}: ${message}\n--- bridge stderr ---\n${stderr()}`, { cause: error });
  }

  const timeout = processed.timeout; // undefined: the SDK's 60 s
  return {
    client,
    entry: spawned,
    env,
    stderr,
    exited,
    listTools: async () => (await client.listTools()).tools,
    call: async (name, args = {}) => {
      try {
        const raw = await client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema, {
          timeout,
          resetTimeoutOnProgress: true,
        });
        return { raw, text: formatForModel(raw), error: null };
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        const detail = error.message ? `: ${error.message}` : '.';
        return { raw: null, text: `[MCP][${serverName}][${name}] tool call failed${detail}`, error };
      }
    },
    close: async () => {
      if (!closed) await client.close();
      await exited;
    },
  };
}

/**
 * Connects to a `type: streamable-http` entry as LibreChat's MCPConnection does
 * (packages/api/src/mcp/connection.ts): the entry's `headers` after processMCPEnv's `${VAR}` pass
 * (extractEnvVariable over LibreChat's .env), `new StreamableHTTPClientTransport(new URL(url),
 * { requestInit: { headers } })`, and tool calls as MCPManager.callTool makes them (the entry's
 * `timeout`, no progress token), formatted for the model as formatToolContent does.
 */
export async function connectLibrechatHttp(entry: ParsedMcpOptions, dotenv: Record<string, string> = {}, serverName = 'twilio-sms'): Promise<Pick<LibrechatBridge, 'client' | 'call' | 'listTools' | 'close'>> {
  if (!('url' in entry) || entry.type !== 'streamable-http') throw new Error('connectLibrechatHttp takes a streamable-http entry');
  const headers = withLibrechatEnv(dotenv, () => Object.fromEntries(Object.entries(entry.headers ?? {}).map(([name, value]) => [name, extractEnvVariable(value)])));
  const transport = new StreamableHTTPClientTransport(new URL(entry.url), { requestInit: { headers } });
  const client = new Client({ name: '@librechat/api-client', version: '1.2.3' }, { capabilities: {} });
  const initTimeout = entry.initTimeout ?? LIBRECHAT_DEFAULT_INIT_TIMEOUT_MS;
  await withTimeout(client.connect(transport), initTimeout, `Connection timeout after ${initTimeout}ms`);
  const timeout = entry.timeout;
  return {
    client,
    listTools: async () => (await client.listTools()).tools,
    call: async (name, args = {}) => {
      try {
        const raw = await client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema, { timeout, resetTimeoutOnProgress: true });
        return { raw, text: formatForModel(raw), error: null };
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        return { raw: null, text: `[MCP][${serverName}][${name}] tool call failed${error.message ? `: ${error.message}` : '.'}`, error };
      }
    },
    close: async () => {
      await client.close();
    },
  };
}
