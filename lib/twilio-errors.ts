/**
 * How a failed Twilio call is read: which failures are worth retrying, which leave the outcome
 * unknown, and what a Twilio error code means in plain words.
 */

/** The parts of an error from twilio-node (RestException) or its HTTP layer (axios) we use. */
export interface TwilioFailure {
  /** HTTP status when Twilio answered, null when no answer came (reset, timeout, refused). */
  status: number | null;
  /** Twilio error code (e.g. 21211) when Twilio answered with one. */
  code: number | null;
  message: string;
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_BAD_RESPONSE']);

export function readFailure(error: unknown): TwilioFailure {
  if (error && typeof error === 'object') {
    const e = error as { status?: unknown; code?: unknown; message?: unknown };
    const message = typeof e.message === 'string' ? e.message : String(error);
    if (typeof e.status === 'number') {
      return { status: e.status, code: typeof e.code === 'number' ? e.code : null, message };
    }
    return { status: null, code: null, message };
  }
  return { status: null, code: null, message: String(error) };
}

/** No answer at all: the request may or may not have taken effect. */
export function isNoAnswer(error: unknown): boolean {
  if (readFailure(error).status !== null) return false;
  const code = (error as { code?: unknown } | null)?.code;
  const message = readFailure(error).message;
  return (typeof code === 'string' && NETWORK_CODES.has(code)) || /socket hang up|timeout|network/i.test(message);
}

/** 429 (Twilio 20429, Sync 54009) and 5xx are transient; so is no answer. */
export function isTransient(error: unknown): boolean {
  const { status } = readFailure(error);
  if (status === null) return isNoAnswer(error);
  return status === 429 || status >= 500;
}

/** A failure after which a create may have happened anyway (so it must not be blindly repeated). */
export function isAmbiguous(error: unknown): boolean {
  const { status } = readFailure(error);
  return status === null ? isNoAnswer(error) : status >= 500;
}

export function isNotFound(error: unknown): boolean {
  return readFailure(error).status === 404;
}

export function hasCode(error: unknown, code: number): boolean {
  return readFailure(error).code === code;
}

/** What a Twilio error code means and what to do about it, for people and for the model. */
const HINTS: Record<number, string> = {
  20003: 'Twilio rejected the credentials. Check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY/TWILIO_API_SECRET) in the MCP server environment.',
  20404: 'Twilio has no such resource. Check the SID or the Sync service (TWILIO_SYNC_SERVICE_SID).',
  20429: 'Twilio is rate-limiting this account. Wait a minute before sending again.',
  21211: 'The "to" number is not a valid phone number. Check the digits and the country code.',
  21408: 'This account has no permission to send SMS to that country. Enable the country in the Twilio Console (Messaging → Settings → Geo permissions).',
  21602: 'The message body is empty. Write the text to send.',
  21606: 'The "from" number does not belong to this Twilio account or cannot send SMS. Check TWILIO_PHONE_NUMBER.',
  21608: 'Trial accounts can only text verified numbers. Verify the number in the Twilio Console or upgrade the account.',
  21610: 'The recipient replied STOP and has unsubscribed. They must text START before they can receive messages again.',
  21612: 'Twilio cannot route a message from this number to that recipient. Try another sender or check the number.',
  21614: 'The number cannot receive SMS (it is probably a landline). Use a mobile number.',
  21617: 'The message body is longer than 1,600 characters. Shorten it.',
  30003: 'The handset is unreachable (switched off or out of coverage). Try again later.',
  30004: 'The recipient or their carrier blocked the message.',
  30005: 'The number does not exist or is no longer in service.',
  30006: 'The number is a landline or the carrier cannot deliver SMS to it.',
  30007: 'The carrier filtered the message as spam. Change the wording or register the sender (A2P 10DLC).',
  30008: 'The carrier reported an unknown delivery error. Try again later.',
  // WhatsApp (https://www.twilio.com/docs/api/errors/<code>; Twilio's WhatsApp error-code mapping,
  // https://twilio.com/docs/whatsapp/api/error-code-mapping).
  21654: 'contentVariables needs a contentSid (the template they fill in).',
  21655: 'The contentSid is not a template of this account. Use one of its approved templates (HX…).',
  21656: 'The contentVariables are invalid: a JSON object of non-empty strings, e.g. {"1":"Ana"}.',
  21910: 'From and To must be on the same channel: a WhatsApp recipient needs a WhatsApp sender (TWILIO_WHATSAPP_NUMBER).',
  35127: 'A template is sent without a body; put the values in contentVariables.',
  63014: 'The user blocked this WhatsApp business or withdrew consent. Do not message them again unless they write first.',
  63015: 'The WhatsApp Sandbox only reaches phones that joined it in the last 3 days: they must send "join <your sandbox code>" to +14155238886 (Console → Messaging → Try WhatsApp).',
  63016: 'Outside the 24-hour WhatsApp window: only an approved template (contentSid) can be sent until they write again.',
  63018: 'WhatsApp rate limit for this sender (the Sandbox takes about one message per 3 s). Wait before sending again.',
  63021: 'WhatsApp refused the content: a template text over 1,024 characters, or content it does not accept. Shorten the variables.',
  63024: 'Not a valid WhatsApp recipient: the number is not on WhatsApp, or the address is wrong.',
  54009: 'Twilio Sync is rate-limiting this object. Wait a few seconds.',
};

export function hintFor(code: number | null): string | undefined {
  return code === null ? undefined : HINTS[code];
}

/** "Twilio error 21211: <Twilio's message>. <what to do>" — never includes credentials. */
export function describeFailure(error: unknown): string {
  const failure = readFailure(error);
  if (failure.status === null) return `No answer from Twilio (${failure.message}).`;
  const hint = hintFor(failure.code);
  const head = failure.code !== null ? `Twilio error ${failure.code}: ${failure.message}` : `Twilio answered HTTP ${failure.status}: ${failure.message}`;
  return hint ? `${head.replace(/\.?$/, '.')} ${hint}` : head;
}
