/**
 * The user's approved WhatsApp templates, read from Twilio's Content API through the Twilio client:
 * GET https://content.twilio.com/v1/ContentAndApprovals (twilio-oai spec/json/twilio_content_v1.json,
 * `ListContentAndApprovalsResponse`: each Content resource with its `approval_requests`), one read
 * for what GET /v1/Content plus one GET /v1/Content/{Sid}/ApprovalRequests per template would take.
 * Read only when a send is refused for the 24-hour window (server/send/rules.ts), to name what can be
 * sent instead. Cached per client for a minute: approvals take Meta minutes to days.
 */
import { withRetry } from '../retry';
import type { TwilioClient } from '../twilio-client';

export interface ApprovedTemplate {
  sid: string;
  name: string;
  /** The text, when it is a twilio/text (or has a body), placeholders as {{1}}. */
  body: string | null;
  variables: string[];
}

export const TEMPLATES_TTL_MS = 60_000;
/** One page: a refusal names a few, not a catalogue. */
const PAGE = 50;
const cache = new WeakMap<TwilioClient, { templates: Promise<ApprovedTemplate[]>; at: number }>();

/** The WhatsApp approval status of a Content resource: `approval_requests.status`, or under `whatsapp`. */
function approvalStatus(approvalRequests: unknown): string | null {
  if (typeof approvalRequests !== 'object' || approvalRequests === null) return null;
  const record = approvalRequests as { status?: unknown; whatsapp?: { status?: unknown } };
  const status = record.whatsapp?.status ?? record.status;
  return typeof status === 'string' ? status : null;
}

function bodyOf(types: unknown): string | null {
  if (typeof types !== 'object' || types === null) return null;
  for (const value of Object.values(types as Record<string, unknown>)) {
    const body = (value as { body?: unknown } | null)?.body;
    if (typeof body === 'string') return body;
  }
  return null;
}

export function approvedTemplates(client: TwilioClient, now: number): Promise<ApprovedTemplate[]> {
  const cached = cache.get(client);
  if (cached && now - cached.at < TEMPLATES_TTL_MS) return cached.templates;
  const templates = withRetry(() => client.content.v1.contentAndApprovals.list({ limit: PAGE, pageSize: PAGE })).then((contents) =>
    contents
      .filter((c) => approvalStatus(c.approvalRequests) === 'approved')
      .map((c) => ({ sid: c.sid, name: c.friendlyName, body: bodyOf(c.types), variables: Object.keys((c.variables as Record<string, unknown> | null) ?? {}) })),
  );
  const entry = { templates, at: now };
  cache.set(client, entry);
  templates.catch(() => {
    if (cache.get(client) === entry) cache.delete(client);
  });
  return templates;
}

/** A few templates in words: name, sid, variables and the start of the text (the model fills them in). */
export function describeTemplates(templates: readonly ApprovedTemplate[], max = 5): string {
  const shown = templates.slice(0, max).map((t) => {
    const text = t.body ? `: ${JSON.stringify(t.body.length > 90 ? `${t.body.slice(0, 90)}…` : t.body)}` : '';
    return `${t.name} (${t.sid}${t.variables.length ? `, variables ${t.variables.join(', ')}` : ''})${text}`;
  });
  const more = templates.length > max ? `; and ${templates.length - max} more` : '';
  return `${shown.join('; ')}${more}`;
}
