/**
 * The MCP Registry's server.json schema, 2025-12-11
 * (https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json), mirrored in zod.
 * The schema cannot be downloaded here; this follows its text as generated from the registry's
 * docs/reference/api/openapi.yaml (modelcontextprotocol/registry,
 * docs/reference/server-json/server.schema.json, `$id` …/2025-12-11/…), definition by definition:
 * the same required fields, patterns, lengths and enums. One deliberate difference: objects here
 * refuse keys the schema does not define (the schema lets them through and the registry ignores
 * them), so a misspelt field fails this test instead of vanishing on publish.
 * Format checks (`uri`) are done with zod's URL check.
 */
import * as z from 'zod';

export const SERVER_SCHEMA_URL = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';

/** `Input`: what a client asks its user for (an environment variable, a header, a URL variable). */
const inputShape = {
  choices: z.array(z.string()).optional(),
  default: z.string().optional(),
  description: z.string().optional(),
  format: z.enum(['string', 'number', 'boolean', 'filepath']).optional(),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  placeholder: z.string().optional(),
  value: z.string().optional(),
};
const Input = z.strictObject(inputShape);

/** `InputWithVariables`: `{curly_braces}` in `value` name entries of `variables`. */
const inputWithVariablesShape = { ...inputShape, variables: z.record(z.string(), Input).optional() };

/** `KeyValueInput`: an environment variable or a header. */
const KeyValueInput = z.strictObject({ ...inputWithVariablesShape, name: z.string() });

const PositionalArgument = z
  .strictObject({ ...inputWithVariablesShape, type: z.literal('positional'), valueHint: z.string().optional(), isRepeated: z.boolean().optional() })
  .refine((argument) => argument.valueHint !== undefined || argument.value !== undefined, 'a positional argument needs valueHint or value');
const NamedArgument = z.strictObject({ ...inputWithVariablesShape, type: z.literal('named'), name: z.string(), isRepeated: z.boolean().optional() });
const Argument = z.union([PositionalArgument, NamedArgument]);

/** Transport URLs: `^https?://[^\\s]+$`, `{variables}` allowed before substitution. */
const transportUrl = z.string().regex(/^https?:\/\/[^\s]+$/);
const StdioTransport = z.strictObject({ type: z.literal('stdio') });
const httpTransportShape = { url: transportUrl, headers: z.array(KeyValueInput).optional() };
const StreamableHttpTransport = z.strictObject({ type: z.literal('streamable-http'), ...httpTransportShape });
const SseTransport = z.strictObject({ type: z.literal('sse'), ...httpTransportShape });
const LocalTransport = z.union([StdioTransport, StreamableHttpTransport, SseTransport]);

/** `RemoteTransport`: a Streamable HTTP or SSE transport whose URL template reads `variables`. */
const remoteVariables = { variables: z.record(z.string(), Input).optional() };
const RemoteTransport = z.union([
  z.strictObject({ type: z.literal('streamable-http'), ...httpTransportShape, ...remoteVariables }),
  z.strictObject({ type: z.literal('sse'), ...httpTransportShape, ...remoteVariables }),
]);

const Package = z.strictObject({
  registryType: z.string(),
  registryBaseUrl: z.url().optional(),
  identifier: z.string(),
  // "Must be a specific version": not `latest` (the schema), no ranges (its description).
  version: z
    .string()
    .min(1)
    .refine((version) => version !== 'latest', 'not "latest"')
    .optional(),
  fileSha256: z
    .string()
    .regex(/^[a-f0-9]{64}$/)
    .optional(),
  runtimeHint: z.string().optional(),
  transport: LocalTransport,
  runtimeArguments: z.array(Argument).optional(),
  packageArguments: z.array(Argument).optional(),
  environmentVariables: z.array(KeyValueInput).optional(),
});

const Repository = z.strictObject({ url: z.url(), source: z.string(), id: z.string().optional(), subfolder: z.string().optional() });

const Icon = z.strictObject({
  src: z.url().max(255),
  mimeType: z.enum(['image/png', 'image/jpeg', 'image/jpg', 'image/svg+xml', 'image/webp']).optional(),
  sizes: z.array(z.string().regex(/^(\d+x\d+|any)$/)).optional(),
  theme: z.enum(['light', 'dark']).optional(),
});

/** `ServerDetail`, the document's root. */
export const ServerJson = z.strictObject({
  $schema: z.url().optional(),
  _meta: z.record(z.string(), z.unknown()).optional(),
  name: z
    .string()
    .min(3)
    .max(200)
    .regex(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/),
  title: z.string().min(1).max(100).optional(),
  description: z.string().min(1).max(100),
  version: z.string().max(255),
  websiteUrl: z.url().optional(),
  repository: Repository.optional(),
  icons: z.array(Icon).optional(),
  packages: z.array(Package).optional(),
  remotes: z.array(RemoteTransport).optional(),
});

export type ServerJson = z.infer<typeof ServerJson>;
