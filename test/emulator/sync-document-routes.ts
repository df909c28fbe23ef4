/** Sync Documents: /v1/Services/{ServiceSid}/Documents… */
import { parsePaging, slicePage, SYNC_PAGING, syncPage } from './paging';
import type { RequestContext, RouteDef, RouteResponse } from './router';
import {
  checkIfMatch,
  consume,
  parseData,
  parseTtl,
  parseUniqueName,
  requireObject,
  requireService,
  withEtag,
  type SyncDeps,
} from './sync-common';
import { renderDocument, serviceUrl } from './sync-render';
import type { SyncDocument } from './sync-store';

export function syncDocumentRoutes(deps: SyncDeps): RouteDef[] {
  const { ctx, store } = deps;
  const render = (document: SyncDocument) => renderDocument(ctx.options.accountSid, document);

  const documents = (req: RequestContext): RouteResponse => {
    const service = requireService(deps, req);
    const paging = parsePaging(req.query, SYNC_PAGING);
    const slice = slicePage(store.objectsOf(service, 'document'), (d) => d.seq, (a, b) => a - b, paging);
    return {
      status: 200,
      body: syncPage({ key: 'documents', base: `${serviceUrl(service.sid)}/Documents`, filters: [], request: paging, slice, render }),
    };
  };

  const create = (req: RequestContext): RouteResponse => {
    const service = requireService(deps, req);
    const uniqueName = parseUniqueName(req.form);
    const data = parseData(req.form, false) ?? {};
    const ttl = parseTtl(req.form, 'Ttl') ?? 0;
    const document = store.createObject(service, 'document', uniqueName, ttl, data);
    consume(deps, document, 'write');
    return withEtag({ status: 201, body: render(document) }, document);
  };

  const find = (req: RequestContext, kind: 'read' | 'write') => {
    const found = requireObject(deps, req, 'document', 'Sid');
    consume(deps, found.object, kind);
    return found;
  };

  const update = (req: RequestContext): RouteResponse => {
    const { object } = find(req, 'write');
    checkIfMatch(req, object, 54103, 'Document');
    const data = parseData(req.form, false);
    const ttl = parseTtl(req.form, 'Ttl');
    if (data !== undefined) object.data = data;
    if (ttl !== undefined) object.expires = store.expiryFor(ttl);
    store.touch(object);
    return withEtag({ status: 200, body: render(object) }, object);
  };

  return [
    { product: 'sync', template: '/v1/Services/{ServiceSid}/Documents', handlers: { GET: documents, POST: create } },
    {
      product: 'sync',
      template: '/v1/Services/{ServiceSid}/Documents/{Sid}',
      handlers: {
        GET: (req) => {
          const { object } = find(req, 'read');
          return withEtag({ status: 200, body: render(object) }, object);
        },
        POST: update,
        DELETE: (req) => {
          const { service, object } = find(req, 'write');
          store.deleteObject(service, object);
          return { status: 204 };
        },
      },
    },
  ];
}
