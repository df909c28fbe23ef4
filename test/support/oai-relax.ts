/**
 * The descriptions Prism checks against: Twilio's own files from contract/twilio-oai, copied to a
 * temp dir with a few constraints relaxed. The vendored files stay byte-identical to Twilio's;
 * every relaxation is here, each with the reason it is Twilio's description (or Prism), not the
 * product or the emulator, that is wrong.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isObject, type Json } from './contract-description';
import { ROOT } from './paths';

export const OAI_DIR = join(ROOT, 'contract', 'twilio-oai');
export const API_SPEC = join(OAI_DIR, 'twilio_api_v2010.json');
export const SYNC_SPEC = join(OAI_DIR, 'twilio_sync_v1.json');
export const MESSAGING_SPEC = join(OAI_DIR, 'twilio_messaging_v1.json');
export const CONTENT_SPEC = join(OAI_DIR, 'twilio_content_v1.json');
export const SERVERLESS_SPEC = join(OAI_DIR, 'twilio_serverless_v1.json');


/** One change made to a copy: where (operation or component schema, then the field) and why. */
export interface Relaxed {
  where: string;
  change: string;
}

interface Operation {
  label: string;
  operation: Json;
}

function operations(spec: Json): Operation[] {
  return Object.entries(spec.paths as Record<string, Json>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method, operation]) => ['get', 'post', 'put', 'delete', 'patch'].includes(method) && isObject(operation))
      .map(([method, operation]) => ({ label: `${method.toUpperCase()} ${path}`, operation: operation as Json })),
  );
}

/** Follows `#/components/schemas/…` references; `where` names the schema for the report. */
function resolve(spec: Json, schema: Json, where: string): { schema: Json; where: string } {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return { schema, where };
  const name = ref.replace('#/components/schemas/', '');
  return resolve(spec, ((spec.components as Json).schemas as Json)[name] as Json, name);
}

/**
 * Relaxation 1 (requests, Prism): an array field of a form body is sent as the same key repeated
 * (`MediaUrl=a&MediaUrl=b`), which is OpenAPI 3.0's default encoding for
 * application/x-www-form-urlencoded (style form, explode true). Prism 5.14 applies that default
 * only when the description spells it out, and otherwise calls one MediaUrl "must be array".
 * Writing the default down changes no constraint. (Prism still keeps only the last of repeated
 * keys, so of several MediaUrl it checks one.)
 */
function explicitFormArrays(spec: Json, relaxed: Relaxed[]): void {
  for (const { label, operation } of operations(spec)) {
    const content = isObject(operation.requestBody) ? (operation.requestBody.content as Json | undefined) : undefined;
    const form = content?.['application/x-www-form-urlencoded'];
    if (!isObject(form) || !isObject(form.schema)) continue;
    const properties = (resolve(spec, form.schema, label).schema.properties ?? {}) as Record<string, Json>;
    const encoding = (form.encoding ?? {}) as Record<string, Json>;
    for (const [name, property] of Object.entries(properties)) {
      if (property.type !== 'array' || encoding[name]) continue;
      encoding[name] = { style: 'form', explode: true };
      relaxed.push({ where: `${label} request ${name}`, change: 'encoding style form, explode true written down (the OpenAPI default)' });
    }
    if (Object.keys(encoding).length > 0) form.encoding = encoding;
  }
}

/** Every object with `properties` in a subtree: a schema and the schemas nested in it. */
function* objectSchemas(node: unknown): Generator<Json> {
  if (Array.isArray(node)) {
    for (const item of node) yield* objectSchemas(item);
  } else if (isObject(node)) {
    if (isObject(node.properties)) yield node;
    for (const value of Object.values(node)) yield* objectSchemas(value);
  }
}

/** Response schemas written inline in operations, and the component schemas, each with a name. */
function namedSchemas(spec: Json): { schema: unknown; where: string }[] {
  const inline = operations(spec).flatMap(({ label, operation }) =>
    Object.entries((operation.responses ?? {}) as Record<string, Json>).map(([status, response]) => ({ schema: response.content, where: `${label} ${status}` })),
  );
  const components = Object.entries(((spec.components as Json).schemas ?? {}) as Json).map(([name, schema]) => ({ schema, where: name }));
  return [...inline, ...components];
}

/**
 * Relaxation 2 (responses, Twilio's description): the 2010 API's `uri`, `first_page_uri`,
 * `next_page_uri` and `previous_page_uri` are relative to https://api.twilio.com (the
 * description says so of `uri`, and every example of Twilio's shows "/2010-04-01/…"), but the
 * paging ones are typed format uri, which means absolute. Sync's `url`s are absolute and stay so.
 */
function relativeUris(spec: Json, relaxed: Relaxed[]): void {
  for (const { schema: root, where } of namedSchemas(spec)) {
    for (const schema of objectSchemas(root)) {
      for (const [name, property] of Object.entries(schema.properties as Record<string, unknown>)) {
        if (!/(^|_)uri$/.test(name) || !isObject(property) || property.format !== 'uri') continue;
        property.format = 'uri-reference';
        relaxed.push({ where: `${where}.${name}`, change: 'format uri → uri-reference: relative to https://api.twilio.com' });
      }
    }
  }
}

/**
 * Relaxation 3 (responses, Twilio's description): an unset SID or URL is an empty string in
 * Twilio's own example answers ("sms_application_sid": "", "sms_url": "", as the real API
 * answers) where the schema demands the SID pattern, 34 characters or format uri; only null is
 * allowed. Only the fields for which an example of Twilio's shows "" are relaxed, so an emulator
 * that answers "" where Twilio answers null (voice_url, trunk_sid…) still fails.
 */
function emptyWhereExamplesAreEmpty(spec: Json, relaxed: Relaxed[]): void {
  const done = new Set<Json>();
  const relax = (schema: Json, where: string) => {
    if (done.has(schema) || !(typeof schema.pattern === 'string' || typeof schema.minLength === 'number' || schema.format === 'uri')) return;
    done.add(schema);
    const before = [schema.pattern && `pattern ${String(schema.pattern)}`, schema.minLength && `minLength ${String(schema.minLength)}`, schema.format && `format ${String(schema.format)}`].filter(Boolean);
    if (typeof schema.pattern === 'string') schema.pattern = `^$|${schema.pattern}`;
    delete schema.minLength;
    // uri-reference accepts "" (and the absolute URLs Twilio answers when it is set).
    if (schema.format === 'uri') schema.format = 'uri-reference';
    relaxed.push({ where, change: `"" allowed (was ${before.join(', ')}): Twilio's example answers "" when unset` });
  };
  const walk = (schema: Json, value: unknown, where: string): void => {
    const resolved = resolve(spec, schema, where);
    const node = resolved.schema;
    if (Array.isArray(value) && isObject(node.items)) for (const item of value) walk(node.items, item, `${resolved.where}[]`);
    else if (isObject(value) && isObject(node.properties)) {
      for (const [key, inner] of Object.entries(value)) {
        const property = (node.properties as Record<string, unknown>)[key];
        if (isObject(property)) walk(property, inner, `${resolved.where}.${key}`);
      }
    } else if (value === '') relax(node, resolved.where);
  };
  for (const { label, operation } of operations(spec)) {
    for (const [status, response] of Object.entries((operation.responses ?? {}) as Record<string, Json>)) {
      const json = isObject(response.content) ? (response.content['application/json'] as Json | undefined) : undefined;
      if (!isObject(json) || !isObject(json.schema)) continue;
      const examples = [json.example, ...Object.values((json.examples ?? {}) as Record<string, Json>).map((e) => e.value)].filter((e) => e !== undefined);
      for (const example of examples) walk(json.schema, example, `${label} ${status}`);
    }
  }
}

/** The (relaxed) copy of each product's description, by the contract router's lane. */
export interface ContractSpecs {
  api: string;
  sync: string;
  messaging: string;
  content: string;
  serverless: string;
  relaxed: Relaxed[];
}

/** Writes the (relaxed) copies into `dir`; `relax: false` copies Twilio's files unchanged. */
export function writeContractSpecs(dir: string, options: { relax?: boolean } = {}): ContractSpecs {
  const relaxed: Relaxed[] = [];
  const write = (source: string, name: string) => {
    const target = join(dir, name);
    if (options.relax === false) {
      writeFileSync(target, readFileSync(source));
      return target;
    }
    const spec = JSON.parse(readFileSync(source, 'utf8')) as Json;
    const changes: Relaxed[] = [];
    explicitFormArrays(spec, changes);
    relativeUris(spec, changes);
    emptyWhereExamplesAreEmpty(spec, changes);
    relaxed.push(...changes.map((c) => ({ ...c, where: `${name}: ${c.where}` })));
    writeFileSync(target, JSON.stringify(spec));
    return target;
  };
  return {
    api: write(API_SPEC, 'twilio_api_v2010.json'),
    sync: write(SYNC_SPEC, 'twilio_sync_v1.json'),
    messaging: write(MESSAGING_SPEC, 'twilio_messaging_v1.json'),
    content: write(CONTENT_SPEC, 'twilio_content_v1.json'),
    serverless: write(SERVERLESS_SPEC, 'twilio_serverless_v1.json'),
    relaxed,
  };
}
