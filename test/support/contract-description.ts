/**
 * One of Twilio's OpenAPI descriptions, loaded for the checks Prism does not make: which
 * operation a path is, the schema of its answer, and what Twilio's own example answers link to.
 */
import { readFileSync } from 'node:fs';

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Formats whose objects are Twilio-defined name → value maps, not user data. */
export const KEYED_FORMATS: ReadonlySet<unknown> = new Set(['uri-map', 'phone-number-capabilities']);

export interface Description {
  /** `/v1/Services/IS…/Lists` → `/v1/Services/{ServiceSid}/Lists`; the most literal match wins, as in Prism. */
  match(path: string): string | undefined;
  /** The JSON schema of `METHOD template` answering `status`, references resolved. */
  responseSchema(method: string, template: string, status: number): Json | undefined;
  /**
   * The keyed maps (subresource_uris, links, capabilities) in Twilio's examples of that answer,
   * by where they sit ("body.messages[].subresource_uris"), merged over the examples.
   */
  exampleMaps(method: string, template: string, status: number): Map<string, Json>;
  resolve(schema: Json): Json;
}

interface Spec {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
}

export function loadDescription(file: string): Description {
  const spec = JSON.parse(readFileSync(file, 'utf8')) as Spec;
  const compiled = Object.keys(spec.paths).map((template) => ({
    template,
    literals: template.split('/').filter((part) => part && !part.includes('{')).length,
    regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));
  const resolve = (schema: Json): Json => (typeof schema.$ref === 'string' ? resolve(spec.components.schemas[schema.$ref.replace('#/components/schemas/', '')]!) : schema);
  const json = (method: string, template: string, status: number): Json | undefined => {
    const response = (spec.paths[template]?.[method.toLowerCase()]?.responses as Record<string, Json> | undefined)?.[String(status)];
    const content = (response?.content as Json | undefined)?.['application/json'];
    return isObject(content) ? content : undefined;
  };

  const collect = (schema: Json, value: unknown, where: string, maps: Map<string, Json>): void => {
    const node = resolve(schema);
    if (Array.isArray(value) && isObject(node.items)) for (const item of value) collect(node.items, item, `${where}[]`, maps);
    else if (isObject(value) && KEYED_FORMATS.has(node.format)) maps.set(where, { ...maps.get(where), ...value });
    else if (isObject(value) && isObject(node.properties)) {
      for (const [key, inner] of Object.entries(value)) {
        const property = (node.properties as Json)[key];
        if (isObject(property)) collect(property, inner, `${where}.${key}`, maps);
      }
    }
  };

  return {
    match: (path) =>
      compiled
        .filter((c) => c.regex.test(path))
        .sort((a, b) => b.literals - a.literals)[0]?.template,
    responseSchema: (method, template, status) => {
      const schema = json(method, template, status)?.schema;
      return isObject(schema) ? resolve(schema) : undefined;
    },
    exampleMaps: (method, template, status) => {
      const content = json(method, template, status);
      const maps = new Map<string, Json>();
      if (!content || !isObject(content.schema)) return maps;
      const examples = [content.example, ...Object.values((content.examples ?? {}) as Record<string, Json>).map((e) => e.value)];
      for (const example of examples) if (example !== undefined) collect(content.schema, example, 'body', maps);
      return maps;
    },
    resolve,
  };
}
