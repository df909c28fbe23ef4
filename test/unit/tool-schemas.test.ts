/**
 * Every tool's name and input schema within what the strictest common consumers accept, so that
 * a future tool cannot break them unnoticed:
 * - LibreChat names each tool `<tool>_mcp_<server>` and providers cap function names at 64
 *   characters (OpenAI: `^[a-zA-Z0-9_-]{1,64}$`; Gemini/Vertex FunctionDeclaration: starts with a
 *   letter or underscore, at most 64). Tool names here are snake_case (STYLE.md); with a 12-char
 *   server name the whole must still fit.
 * - OpenAI strict function tools (what `convertSchemasToStrict: true` in the Agents SDK produces):
 *   an object at the root, never anyOf/oneOf there; every object closed (`additionalProperties:
 *   false`) with known properties, since the SDK makes each property required (optional ones
 *   nullable) and an open map cannot be; arrays with `items`. The SDK falls back to a non-strict
 *   tool with only a log line when it cannot convert, so its conversion is run here as well.
 * - Gemini function declarations (a subset of the OpenAPI 3.0 Schema object): one `type` per
 *   schema (no type arrays, no "null"), no `$ref`/`$defs` or combinators, string-only `enum`,
 *   `format` only among the few values Gemini documents (string: enum, date-time; number: float,
 *   double; integer: int32, int64), parameter names `[A-Za-z_][A-Za-z0-9_]{0,63}`.
 * Only the keywords both accept are allowed; LibreChat forwards the schema otherwise unchanged.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { MCPServerStdio, mcpToFunctionTool } from '@openai/agents-core';
import { loadConfig } from '../../mcp-bridge/src/hosts/env-config';
import { createDeps, createShared } from '../../mcp-bridge/src/server/deps';
import { processHost } from '../../mcp-bridge/src/hosts/process-host';
import { createLogger } from '../../mcp-bridge/src/hosts/stderr-logger';
import { createServer } from '../../mcp-bridge/src/server/create-server';

/** LibreChat's `_mcp_` delimiter (librechat-data-provider Constants.mcp_delimiter) and a 12-char server name. */
const LIBRECHAT_SUFFIX = `_mcp_${'x'.repeat(12)}`;
const MAX_FUNCTION_NAME = 64;
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);
const KEYWORDS = new Set(['type', 'description', 'properties', 'required', 'items', 'enum', 'minimum', 'maximum', 'format', 'additionalProperties']);
const FORMATS: Record<string, readonly string[]> = { string: ['enum', 'date-time'], number: ['float', 'double'], integer: ['int32', 'int64'] };
const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** The SDK's MCP tool type (not exported from its index). */
type MCPTool = Parameters<typeof mcpToFunctionTool>[0];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a tool name does not fit, or nothing. */
function nameProblems(name: string): string[] {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9_]*$/.test(name)) problems.push(`${name}: not snake_case [a-z0-9_] starting with a letter`);
  if (name.length + LIBRECHAT_SUFFIX.length > MAX_FUNCTION_NAME) problems.push(`${name}: ${name.length + LIBRECHAT_SUFFIX.length} characters with LibreChat's suffix, over ${MAX_FUNCTION_NAME}`);
  return problems;
}

/** Why a schema (at `path`) is outside what strict conversion and Gemini accept, or nothing. */
function schemaProblems(schema: unknown, path = '$'): string[] {
  if (!isRecord(schema)) return [`${path}: not a schema object`];
  const problems: string[] = [];
  for (const key of Object.keys(schema)) if (!KEYWORDS.has(key)) problems.push(`${path}: keyword "${key}" is not accepted by both`);
  const { type } = schema;
  if (typeof type !== 'string' || !TYPES.has(type)) return [...problems, `${path}: type must be one of ${[...TYPES].join(', ')}, got ${JSON.stringify(type)}`];
  if (schema.format !== undefined && !(FORMATS[type] ?? []).includes(String(schema.format))) problems.push(`${path}: format "${String(schema.format)}" on ${type} is not one Gemini accepts`);
  if (schema.enum !== undefined && (!Array.isArray(schema.enum) || type !== 'string' || !schema.enum.every((value) => typeof value === 'string'))) problems.push(`${path}: enum must be strings on a string`);
  if (type === 'array') {
    if (schema.items === undefined) problems.push(`${path}: an array needs items`);
    else problems.push(...schemaProblems(schema.items, `${path}[]`));
  }
  if (type === 'object') {
    if (!isRecord(schema.properties)) problems.push(`${path}: an object needs properties (an open map cannot be strict)`);
    if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) problems.push(`${path}: additionalProperties must be absent or false`);
    const properties = isRecord(schema.properties) ? schema.properties : {};
    const required = schema.required ?? [];
    if (!Array.isArray(required) || required.some((name) => typeof name !== 'string' || !(name in properties))) problems.push(`${path}: required names a property that is not there`);
    for (const [name, property] of Object.entries(properties)) {
      if (!PROPERTY_NAME.test(name)) problems.push(`${path}.${name}: not a name Gemini accepts`);
      problems.push(...schemaProblems(property, `${path}.${name}`));
    }
  }
  return problems;
}

async function listTools(): Promise<Tool[]> {
  const loaded = loadConfig({ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'token', TWILIO_PHONE_NUMBER: '+15005550006' });
  if (!loaded.ok) throw new Error(loaded.error);
  const log = createLogger({ logPii: false, write: () => undefined });
  const server = createServer(createDeps(loaded.config, log, createShared(loaded.config, log, processHost(loaded.config, log))));
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'unit', version: '1' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  try {
    return (await client.listTools()).tools;
  } finally {
    await server.close();
  }
}

test('every tool name is snake_case and fits 64 characters as <tool>_mcp_<a 12-char server name>', async () => {
  const tools = await listTools();
  expect(tools.length).toBeGreaterThan(0);
  expect(tools.flatMap((tool) => nameProblems(tool.name))).toEqual([]);
});

test('every input schema is an object at the root, closed, with only keywords strict conversion and Gemini both accept', async () => {
  const tools = await listTools();
  expect(tools.flatMap((tool) => schemaProblems(tool.inputSchema, tool.name))).toEqual([]);
});

test("the Agents SDK's strict conversion takes every tool as it lists (no silent fallback to non-strict)", async () => {
  const tools = await listTools();
  // Never connected: the conversion only reads the server's name. Its listTools hands over the parsed MCP tool as is.
  const server = new MCPServerStdio({ name: 'twilio-sms', command: 'unused' });
  for (const tool of tools) {
    const converted = mcpToFunctionTool(tool as MCPTool, server, true);
    expect({ name: converted.name, strict: converted.strict }).toEqual({ name: tool.name, strict: true });
    expect(converted.parameters).toMatchObject({ type: 'object', additionalProperties: false, required: Object.keys(tool.inputSchema.properties ?? {}) });
  }
});

describe('the checks catch what would break a consumer', () => {
  test.each<[string, string]>([
    ['send.sms', 'not snake_case'],
    ['SendSms', 'not snake_case'],
    [`send_${'x'.repeat(43)}`, 'over 64'],
  ])('name %s: %s', (name, problem) => {
    expect(nameProblems(name).join('\n')).toContain(problem);
  });

  test.each<[string, unknown, string]>([
    ['anyOf at the root', { anyOf: [{ type: 'object', properties: {} }] }, 'keyword "anyOf"'],
    ['a $ref', { type: 'object', properties: { a: { $ref: '#/$defs/a' } } }, 'keyword "$ref"'],
    ['a format Gemini rejects', { type: 'object', properties: { url: { type: 'string', format: 'uri' } } }, 'format "uri"'],
    ['an open map', { type: 'object', properties: { tags: { type: 'object', additionalProperties: { type: 'string' } } } }, 'an object needs properties'],
    ['additionalProperties true', { type: 'object', properties: {}, additionalProperties: true }, 'additionalProperties must be absent or false'],
    ['a nullable type array', { type: 'object', properties: { a: { type: ['string', 'null'] } } }, 'type must be one of'],
    ['an array without items', { type: 'object', properties: { a: { type: 'array' } } }, 'an array needs items'],
    ['a default', { type: 'object', properties: { a: { type: 'integer', default: 3 } } }, 'keyword "default"'],
    ['a numeric enum', { type: 'object', properties: { a: { type: 'integer', enum: [1, 2] } } }, 'enum must be strings'],
    ['exclusiveMinimum', { type: 'object', properties: { a: { type: 'number', exclusiveMinimum: 0 } } }, 'keyword "exclusiveMinimum"'],
    ['a dotted property name', { type: 'object', properties: { 'a.b': { type: 'string' } } }, 'not a name Gemini accepts'],
    ['required without the property', { type: 'object', properties: {}, required: ['a'] }, 'required names a property'],
  ])('%s', (_label, schema, problem) => {
    expect(schemaProblems(schema).join('\n')).toContain(problem);
  });
});
