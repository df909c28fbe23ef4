/** HTTP routes of the v2010 Message and Media resources. */
import { badRequest, invalidParameter, notFound } from './errors';
import { IN_PROGRESS_STATUSES, type MessageRecord } from './messages';
import { createOutboundMessage, type OutboundDeps } from './outbound';
import { parsePaging, slicePage, V2010_PAGING, v2010Page } from './paging';
import type { RequestContext, RouteDef, RouteResponse } from './router';

const DAY_MS = 86_400_000;

/**
 * The GMT day a DateSent value names, as [start, end). Twilio documents DateSent, DateSent<= and
 * DateSent>= as GMT dates `YYYY-MM-DD` ("Read multiple Message resources"; the OpenAPI
 * description's prose: "Accepts GMT dates in the following formats: YYYY-MM-DD …"), while the
 * schema says `date-time` and twilio-node sends `2026-12-07T10:15:00Z`. The emulator takes the
 * least favourable reading: whatever the value's time of day, the filter applies to its whole day,
 * so a client that asks for "sent since 10:15" gets the whole day and must bound its own reads.
 */
function dayRange(name: string, value: string): { start: number; end: number } {
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const at = Date.parse(dayOnly ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(at)) throw invalidParameter(`Invalid ${name}: ${value}`);
  const start = at - (((at % DAY_MS) + DAY_MS) % DAY_MS);
  return { start, end: start + DAY_MS };
}

/**
 * To / From exact; DateSent on that GMT day; twilio-node's 'DateSent<' and 'DateSent>' (the
 * documented DateSent<= / DateSent>=) on or before the end of that day / on or after its start.
 * A message not sent yet (no DateSent: queued, or failed before it was sent) matches no DateSent filter.
 */
function messageFilter(query: URLSearchParams): { pairs: [string, string][]; test: (m: MessageRecord) => boolean } {
  const pairs: [string, string][] = [];
  const tests: ((m: MessageRecord) => boolean)[] = [];
  const to = query.get('To');
  const from = query.get('From');
  if (to !== null) {
    pairs.push(['To', to]);
    tests.push((m) => m.to === to);
  }
  if (from !== null) {
    pairs.push(['From', from]);
    tests.push((m) => m.from === from);
  }
  for (const name of ['DateSent', 'DateSent<', 'DateSent>'] as const) {
    const value = query.get(name);
    if (value === null) continue;
    pairs.push([name, value]);
    const { start, end } = dayRange(name, value);
    if (name === 'DateSent') tests.push((m) => m.dateSent !== null && m.dateSent >= start && m.dateSent < end);
    else if (name === 'DateSent<') tests.push((m) => m.dateSent !== null && m.dateSent < end);
    else tests.push((m) => m.dateSent !== null && m.dateSent >= start);
  }
  return { pairs, test: (m) => tests.every((t) => t(m)) };
}

export function messageRoutes(deps: OutboundDeps): RouteDef[] {
  const { ctx, store, delivery } = deps;

  const findMessage = (req: RequestContext, param: 'Sid' | 'MessageSid'): MessageRecord => {
    const record = store.get(req.params[param] ?? '');
    if (!record) throw notFound(req.path);
    return record;
  };

  const list = (req: RequestContext): RouteResponse => {
    const paging = parsePaging(req.query, V2010_PAGING);
    const filter = messageFilter(req.query);
    const newestFirst = store.all().filter(filter.test).reverse();
    const slice = slicePage(newestFirst, (m) => m.seq, (a, b) => b - a, paging);
    return {
      status: 200,
      body: v2010Page({
        key: 'messages',
        base: `${store.messagesPath()}.json`,
        filters: filter.pairs,
        request: paging,
        slice,
        render: (m) => store.render(m),
      }),
    };
  };

  const update = (req: RequestContext): RouteResponse => {
    const record = findMessage(req, 'Sid');
    const status = req.form.get('Status');
    const body = req.form.get('Body');
    if (status !== null) {
      if (status !== 'canceled') throw invalidParameter(`Invalid Status: ${status} (only 'canceled')`);
      if (record.status !== 'scheduled') throw badRequest(30409, 'This message cannot be canceled');
    }
    if (body !== null) {
      if (body !== '') throw invalidParameter("Body can only be set to '' (redaction)");
      if (IN_PROGRESS_STATUSES.has(record.status) && status === null) {
        throw badRequest(20009, 'Cannot redact a message that is still being processed.');
      }
    }
    if (status === 'canceled') {
      delivery.stop(record);
      record.status = 'canceled';
      delivery.notify(record);
    }
    if (body === '') record.body = '';
    record.dateUpdated = ctx.clock.now();
    return { status: 200, body: store.render(record) };
  };

  const remove = (req: RequestContext): RouteResponse => {
    const record = findMessage(req, 'Sid');
    if (IN_PROGRESS_STATUSES.has(record.status)) {
      throw badRequest(20009, 'Cannot delete message because delivery has not been completed.');
    }
    delivery.stop(record);
    store.delete(record.sid);
    return { status: 204 };
  };

  const findMedia = (req: RequestContext) => {
    const message = findMessage(req, 'MessageSid');
    const media = message.media.find((m) => m.sid === req.params.Sid);
    if (!media) throw notFound(req.path);
    return { message, media };
  };

  const listMedia = (req: RequestContext): RouteResponse => {
    const message = findMessage(req, 'MessageSid');
    const paging = parsePaging(req.query, V2010_PAGING);
    const slice = slicePage(message.media, (m) => m.seq, (a, b) => a - b, paging);
    return {
      status: 200,
      body: v2010Page({
        key: 'media_list',
        base: `${store.messagesPath()}/${message.sid}/Media.json`,
        filters: [],
        request: paging,
        slice,
        render: (m) => store.renderMedia(message, m),
      }),
    };
  };

  return [
    {
      product: 'api',
      template: '/2010-04-01/Accounts/{AccountSid}/Messages.json',
      handlers: { GET: list, POST: (req) => ({ status: 201, body: store.render(createOutboundMessage(req.form, deps), { created: true }) }) },
    },
    {
      product: 'api',
      template: '/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json',
      handlers: { GET: (req) => ({ status: 200, body: store.render(findMessage(req, 'Sid')) }), POST: update, DELETE: remove },
    },
    {
      product: 'api',
      template: '/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media.json',
      handlers: { GET: listMedia },
    },
    {
      product: 'api',
      template: '/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}.json',
      handlers: {
        GET: (req) => {
          const { message, media } = findMedia(req);
          return { status: 200, body: store.renderMedia(message, media) };
        },
        DELETE: (req) => {
          const { message, media } = findMedia(req);
          message.media = message.media.filter((m) => m !== media);
          return { status: 204 };
        },
      },
    },
    {
      // Media content (MediaUrl{i} in webhooks): Twilio redirects to where the bytes live.
      product: 'api',
      template: '/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}',
      isPublic: true,
      handlers: {
        GET: (req) => {
          const { media } = findMedia(req);
          return { status: 307, body: '', headers: { Location: media.sourceUrl, 'Content-Type': media.contentType } };
        },
      },
    },
  ];
}
