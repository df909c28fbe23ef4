/**
 * Masking for log lines: phone numbers and message bodies are personal data. `LOG_PII=true` turns
 * masking off for debugging; secrets are never logged at all, so they have no switch.
 */
import { flagEnabled } from './env/flag';

export interface MaskOptions {
  logPii: boolean;
}

/** '+14155550100' → '+1••••••••00': enough to tell numbers apart in a log, not to dial one. */
export function maskPhone(value: string, options: MaskOptions): string {
  if (options.logPii) return value;
  // A WhatsApp address keeps its channel visible: 'whatsapp:+1••••••••00'.
  if (value.startsWith('whatsapp:')) return `whatsapp:${maskPhone(value.slice('whatsapp:'.length), options)}`;
  if (value.length <= 4) return '•'.repeat(value.length);
  return `${value.slice(0, 2)}${'•'.repeat(value.length - 4)}${value.slice(-2)}`;
}

/**
 * Masks every E.164-looking number inside free text (Twilio's own error messages quote the 'To'
 * number), so no log line carries one whatever produced it.
 */
export function maskPhonesIn(text: string, options: MaskOptions): string {
  return options.logPii ? text : text.replace(/\+\d{6,15}\b/g, (match) => maskPhone(match, options));
}

export function maskBody(value: string, options: MaskOptions): string {
  if (options.logPii) return JSON.stringify(value);
  return `[${[...value].length} chars]`;
}

/** Reads LOG_PII the same way everywhere: only an explicit true turns masking off. */
export function logPiiFrom(value: string | undefined): boolean {
  return flagEnabled(value);
}
