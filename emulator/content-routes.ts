/**
 * Twilio's Content API (https://content.twilio.com, twilio-oai spec/json/twilio_content_v1.json):
 * the routes the product reads to name a user's approved WhatsApp templates, in Twilio's shapes.
 * `GET /v1/ContentAndApprovals` (ListContentAndApprovalsResponse, `contents` with
 * `approval_requests`), `GET /v1/Content` (ListContentResponse) and
 * `GET /v1/Content/{Sid}/ApprovalRequests` (content.v1.content.approval_fetch, `whatsapp`).
 * PageSize 1 to 1000, default 50, as the description says.
 */
import { notFound } from './errors';
import { iso8601 } from './dates';
import { parsePaging, slicePage, syncPage, V2010_PAGING } from './paging';
import type { RequestContext, RouteDef, RouteResponse } from './router';
import type { EmulatorContext } from './state';
import type { ContentTemplate } from './whatsapp';

export const CONTENT_BASE_URL = 'https://content.twilio.com/v1';

function contentResource(ctx: EmulatorContext, t: ContentTemplate): Record<string, unknown> {
  return {
    date_created: iso8601(t.dateCreated),
    date_updated: iso8601(t.dateCreated),
    sid: t.sid,
    account_sid: ctx.options.accountSid,
    friendly_name: t.friendlyName,
    language: t.language,
    variables: t.variables,
    types: { 'twilio/text': { body: t.body } },
  };
}

function whatsappApproval(t: ContentTemplate): Record<string, unknown> {
  return { type: 'whatsapp', name: t.friendlyName, category: 'UTILITY', content_type: 'twilio/text', status: t.approval, rejection_reason: '', allow_category_change: true };
}

export function contentRoutes(ctx: EmulatorContext): RouteDef[] {
  const page = (req: RequestContext, key: string, path: string, render: (t: ContentTemplate) => unknown): RouteResponse => {
    const paging = parsePaging(req.query, V2010_PAGING);
    const items = ctx.whatsapp.templates.map((template, seq) => ({ seq, template }));
    const slice = slicePage(items, (i) => i.seq, (a, b) => a - b, paging);
    return { status: 200, body: syncPage({ key, base: `${CONTENT_BASE_URL}${path}`, filters: [], request: paging, slice, render: (i) => render(i.template) }) };
  };
  return [
    {
      product: 'content',
      template: '/v1/ContentAndApprovals',
      handlers: { GET: (req) => page(req, 'contents', '/ContentAndApprovals', (t) => ({ ...contentResource(ctx, t), approval_requests: whatsappApproval(t) })) },
    },
    {
      product: 'content',
      template: '/v1/Content',
      handlers: { GET: (req) => page(req, 'contents', '/Content', (t) => ({ ...contentResource(ctx, t), url: `${CONTENT_BASE_URL}/Content/${t.sid}`, links: { approval_create: `${CONTENT_BASE_URL}/Content/${t.sid}/ApprovalRequests/whatsapp`, approval_fetch: `${CONTENT_BASE_URL}/Content/${t.sid}/ApprovalRequests` } })) },
    },
    {
      product: 'content',
      template: '/v1/Content/{Sid}/ApprovalRequests',
      handlers: {
        GET: (req) => {
          const template = ctx.whatsapp.template(req.params.Sid ?? '');
          if (!template) throw notFound(req.path);
          return { status: 200, body: { sid: template.sid, account_sid: ctx.options.accountSid, whatsapp: whatsappApproval(template), url: `${CONTENT_BASE_URL}/Content/${template.sid}/ApprovalRequests` } };
        },
      },
    },
  ];
}
