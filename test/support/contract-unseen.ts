/**
 * What Prism cannot see in the emulator's answers, checked here:
 *   - a property the description lists that is left out: Twilio's schemas mark nothing required,
 *     yet Twilio's answers carry every listed property (null when unset);
 *   - a value breaking one of Twilio's own formats, which Prism's validator (ajv) does not know;
 *   - a link or capability Twilio's own example answer has (subresource_uris, links) that is
 *     missing or points elsewhere;
 *   - an error body not in Twilio's REST error shape, which no description has.
 */
import { type Description, isObject, type Json, KEYED_FORMATS } from './contract-description';

const MONTHS = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';

/** `null` is the schema's business (nullable), not these. */
const TWILIO_FORMATS: Record<string, (value: unknown) => boolean> = {
  // "Thu, 30 Jul 2015 23:19:04 +0000", with the weekday right for the date.
  'date-time-rfc-2822': (v) =>
    typeof v === 'string' && new RegExp(`^\\w{3}, \\d{2} (${MONTHS}) \\d{4} \\d{2}:\\d{2}:\\d{2} \\+0000$`).test(v) && new Date(v).toUTCString() === v.replace('+0000', 'GMT'),
  // E.164, or a channel address such as whatsapp:+14155550100.
  'phone-number': (v) => typeof v === 'string' && /^(?:[a-z-]+:)?\+[1-9]\d{1,14}$/.test(v),
  'http-method': (v) => typeof v === 'string' && ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH'].includes(v),
  currency: (v) => typeof v === 'string' && /^[A-Za-z]{3}$/.test(v),
  'iso-country-code': (v) => typeof v === 'string' && /^[A-Z]{2}$/.test(v),
  // Links by name: api_v2010's are relative to https://api.twilio.com, Sync's absolute.
  'uri-map': (v) => isObject(v) && Object.values(v).every((uri) => typeof uri === 'string' && /^(?:\/|https:\/\/)/.test(uri)),
};

/** SIDs (Twilio's examples use ACaaaa…) compared as placeholders. */
const withoutSids = (value: unknown) => String(value).replace(/\b[A-Z]{2}[0-9a-fA-F]{32}\b/g, '{Sid}');

/** Adds one kind per problem found to `found`; array indices are folded ("[]"). */
export function unseenByPrism(description: Description, schema: Json, body: unknown, where: string, examples: Map<string, Json>, found: Set<string>): void {
  const node = description.resolve(schema);
  const format = typeof node.format === 'string' ? TWILIO_FORMATS[node.format] : undefined;
  if (format && body !== null && !format(body)) found.add(`${where}: not format ${String(node.format)}`);
  const example = examples.get(where);
  if (example && isObject(body) && KEYED_FORMATS.has(node.format)) {
    for (const [key, value] of Object.entries(example)) {
      if (!(key in body)) found.add(`${where}.${key}: omitted (Twilio's example answer has it)`);
      else if (node.format === 'uri-map' && withoutSids(body[key]) !== withoutSids(value)) found.add(`${where}.${key}: ${withoutSids(body[key])}, Twilio's example ${withoutSids(value)}`);
    }
  }
  if (Array.isArray(body) && isObject(node.items)) {
    for (const item of body) unseenByPrism(description, node.items, item, `${where}[]`, examples, found);
  } else if (isObject(body) && isObject(node.properties)) {
    for (const [key, property] of Object.entries(node.properties)) {
      if (!(key in body)) found.add(`${where}.${key}: omitted`);
      else if (isObject(property)) unseenByPrism(description, property, body[key], `${where}.${key}`, examples, found);
    }
  }
}

/** Twilio's REST error body: {code, message, more_info, status}, documented apart from the descriptions. */
export function errorShapeProblem(status: number, body: unknown): string | null {
  if (!isObject(body)) return `not a JSON object: ${JSON.stringify(body).slice(0, 80)}`;
  const wrong = [
    typeof body.code === 'number' ? null : 'code',
    typeof body.message === 'string' ? null : 'message',
    typeof body.more_info === 'string' && /^https:\/\/www\.twilio\.com\/docs\/errors\/\d+$/.test(body.more_info) ? null : 'more_info',
    body.status === status ? null : 'status',
  ].filter(Boolean);
  return wrong.length ? `wrong ${wrong.join(', ')}: ${JSON.stringify(body).slice(0, 120)}` : null;
}
