/**
 * Which environment values count as set, for every reader (the bridge, the Functions, the scripts).
 * LibreChat fills `${VAR}` in librechat.yaml from its own `.env` and `{{LIBRECHAT_USER_*}}` per
 * user, but leaves the placeholder text as it is when the variable is unset or empty (and `{{…}}`
 * in the process it starts without a user, to list tools). Such a value, or an empty one, is no
 * setting at all: treating it as one crashed the first start.
 */

const PLACEHOLDER = /\$\{[^}]*\}|\{\{[^}]*\}\}/;

/** The value still holds a `${…}` or `{{…}}` placeholder its client did not fill. */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value);
}

export interface SetValues {
  /** Variables with a real value. */
  values: Record<string, string>;
  /** Variables whose value is an unfilled placeholder, with that placeholder text. */
  placeholders: Record<string, string>;
}

/**
 * Splits an environment into real values and unfilled placeholders; empty values are neither, nor
 * are values that are not text (a Function's context also carries `getTwilioClient`).
 */
export function setValues(env: Readonly<Record<string, unknown>>): SetValues {
  const values: Record<string, string> = {};
  const placeholders: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (typeof value !== 'string' || value.trim() === '') continue;
    if (isPlaceholder(value)) placeholders[key] = value.trim();
    else values[key] = value;
  }
  return { values, placeholders };
}
