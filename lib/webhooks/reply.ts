/** What a webhook answers, independent of the Twilio Functions runtime (which the adapter maps it to). */
export interface WebhookReply {
  status: number;
  contentType: string;
  body: string;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Empty TwiML: "received, nothing to do". With `message`, Twilio sends it back as a reply. */
export function twiml(message?: string): WebhookReply {
  const inner = message ? `<Message>${message.replace(/[&<>"']/g, (ch) => XML_ESCAPES[ch]!)}</Message>` : '';
  return { status: 200, contentType: 'text/xml', body: `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>` };
}

export function plain(status: number, body: string): WebhookReply {
  return { status, contentType: 'text/plain', body };
}
