/** Sync Lists and their items: /v1/Services/{ServiceSid}/Lists… */
import { notFound } from './errors';
import { parsePaging, slicePage, SYNC_PAGING, syncPage } from './paging';
import type { RequestContext, RouteDef, RouteResponse } from './router';
import {
  checkIfMatch,
  consume,
  parseCollectionQuery,
  parseData,
  parseTtl,
  parseUniqueName,
  requireObject,
  requireService,
  withEtag,
  type SyncDeps,
} from './sync-common';
import { listUrl, renderList, renderListItem, serviceUrl } from './sync-render';
import type { SyncList, SyncListItem } from './sync-store';

function parseIndex(raw: string): number | undefined {
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

export function syncListRoutes(deps: SyncDeps): RouteDef[] {
  const { ctx, store } = deps;
  const { accountSid } = ctx.options;
  const renderOne = (list: SyncList) => renderList(accountSid, list);
  const renderItem = (list: SyncList, item: SyncListItem) => renderListItem(accountSid, list, item);

  const lists = (req: RequestContext): RouteResponse => {
    const service = requireService(deps, req);
    const paging = parsePaging(req.query, SYNC_PAGING);
    const slice = slicePage(store.objectsOf(service, 'list'), (l) => l.seq, (a, b) => a - b, paging);
    return {
      status: 200,
      body: syncPage({ key: 'lists', base: `${serviceUrl(service.sid)}/Lists`, filters: [], request: paging, slice, render: renderOne }),
    };
  };

  const createList = (req: RequestContext): RouteResponse => {
    const service = requireService(deps, req);
    const uniqueName = parseUniqueName(req.form);
    const ttl = parseTtl(req.form, 'CollectionTtl', 'Ttl') ?? 0;
    const list = store.createObject(service, 'list', uniqueName, ttl);
    consume(deps, list, 'write');
    return withEtag({ status: 201, body: renderOne(list) }, list);
  };

  const list = (req: RequestContext, kind: 'read' | 'write', param = 'Sid') => {
    const found = requireObject(deps, req, 'list', param);
    consume(deps, found.object, kind);
    return found;
  };

  const updateList = (req: RequestContext): RouteResponse => {
    const { object } = list(req, 'write');
    const ttl = parseTtl(req.form, 'CollectionTtl', 'Ttl');
    if (ttl !== undefined) object.expires = store.expiryFor(ttl);
    store.touch(object);
    return withEtag({ status: 200, body: renderOne(object) }, object);
  };

  const items = (req: RequestContext): RouteResponse => {
    const { object } = list(req, 'read', 'ListSid');
    const paging = parsePaging(req.query, SYNC_PAGING);
    const query = parseCollectionQuery(req.query, parseIndex);
    const ordered = query.ascending ? store.listItems(object) : [...store.listItems(object)].reverse();
    const window = ordered.filter((item) => query.admits(item.index));
    const compare = query.ascending ? (a: number, b: number) => a - b : (a: number, b: number) => b - a;
    const slice = slicePage(window, (item) => item.index, compare, paging);
    return {
      status: 200,
      body: syncPage({
        key: 'items',
        base: `${listUrl(object)}/Items`,
        filters: query.pairs,
        request: paging,
        slice,
        render: (item) => renderItem(object, item),
      }),
    };
  };

  const appendItem = (req: RequestContext): RouteResponse => {
    const { object } = list(req, 'write', 'ListSid');
    const data = parseData(req.form, true) ?? {};
    const ttl = parseTtl(req.form, 'ItemTtl', 'Ttl') ?? 0;
    const collectionTtl = parseTtl(req.form, 'CollectionTtl');
    const item = store.appendListItem(object, data, ttl);
    if (collectionTtl !== undefined) object.expires = store.expiryFor(collectionTtl);
    return withEtag({ status: 201, body: renderItem(object, item) }, item);
  };

  const item = (req: RequestContext, kind: 'read' | 'write') => {
    const { object } = list(req, kind, 'ListSid');
    const index = parseIndex(req.params.Index ?? '');
    const found = index === undefined ? undefined : store.listItem(object, index);
    if (!found) throw notFound(req.path);
    return { list: object, item: found };
  };

  const updateItem = (req: RequestContext): RouteResponse => {
    const found = item(req, 'write');
    checkIfMatch(req, found.item, 54155, 'List Item');
    const data = parseData(req.form, false);
    const ttl = parseTtl(req.form, 'ItemTtl', 'Ttl');
    const collectionTtl = parseTtl(req.form, 'CollectionTtl');
    if (data !== undefined) found.item.data = data;
    if (ttl !== undefined) found.item.expires = store.expiryFor(ttl);
    if (collectionTtl !== undefined) found.list.expires = store.expiryFor(collectionTtl);
    store.touch(found.item);
    store.touch(found.list);
    return withEtag({ status: 200, body: renderItem(found.list, found.item) }, found.item);
  };

  const deleteItem = (req: RequestContext): RouteResponse => {
    const found = item(req, 'write');
    checkIfMatch(req, found.item, 54155, 'List Item');
    store.deleteListItem(found.list, found.item);
    return { status: 204 };
  };

  return [
    { product: 'sync', template: '/v1/Services/{ServiceSid}/Lists', handlers: { GET: lists, POST: createList } },
    {
      product: 'sync',
      template: '/v1/Services/{ServiceSid}/Lists/{Sid}',
      handlers: {
        GET: (req) => {
          const { object } = list(req, 'read');
          return withEtag({ status: 200, body: renderOne(object) }, object);
        },
        POST: updateList,
        DELETE: (req) => {
          const { service, object } = list(req, 'write');
          store.deleteObject(service, object);
          return { status: 204 };
        },
      },
    },
    { product: 'sync', template: '/v1/Services/{ServiceSid}/Lists/{ListSid}/Items', handlers: { GET: items, POST: appendItem } },
    {
      product: 'sync',
      template: '/v1/Services/{ServiceSid}/Lists/{ListSid}/Items/{Index}',
      handlers: {
        GET: (req) => {
          const found = item(req, 'read');
          return withEtag({ status: 200, body: renderItem(found.list, found.item) }, found.item);
        },
        POST: updateItem,
        DELETE: deleteItem,
      },
    },
  ];
}
