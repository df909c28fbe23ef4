/** Sync Maps and their items: /v1/Services/{ServiceSid}/Maps… */
import { badRequest, notFound } from './errors';
import { parsePaging, slicePage, SYNC_PAGING, syncPage } from './paging';
import type { RequestContext, RouteDef, RouteResponse } from './router';
import {
  checkIfMatch,
  consume,
  MAX_KEY_LENGTH,
  parseCollectionQuery,
  parseData,
  parseTtl,
  parseUniqueName,
  requireObject,
  requireService,
  withEtag,
  type SyncDeps,
} from './sync-common';
import { mapUrl, renderMap, renderMapItem, serviceUrl } from './sync-render';
import type { SyncMap, SyncMapItem } from './sync-store';

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function syncMapRoutes(deps: SyncDeps): RouteDef[] {
  const { ctx, store } = deps;
  const { accountSid } = ctx.options;
  const renderOne = (map: SyncMap) => renderMap(accountSid, map);
  const renderItem = (map: SyncMap, item: SyncMapItem) => renderMapItem(accountSid, map, item);

  const maps = (req: RequestContext): RouteResponse => {
    const service = requireService(deps, req);
    const paging = parsePaging(req.query, SYNC_PAGING);
    const slice = slicePage(store.objectsOf(service, 'map'), (m) => m.seq, (a, b) => a - b, paging);
    return {
      status: 200,
      body: syncPage({ key: 'maps', base: `${serviceUrl(service.sid)}/Maps`, filters: [], request: paging, slice, render: renderOne }),
    };
  };

  const createMap = (req: RequestContext): RouteResponse => {
    const service = requireService(deps, req);
    const uniqueName = parseUniqueName(req.form);
    const ttl = parseTtl(req.form, 'CollectionTtl', 'Ttl') ?? 0;
    const map = store.createObject(service, 'map', uniqueName, ttl);
    consume(deps, map, 'write');
    return withEtag({ status: 201, body: renderOne(map) }, map);
  };

  const map = (req: RequestContext, kind: 'read' | 'write', param = 'Sid') => {
    const found = requireObject(deps, req, 'map', param);
    consume(deps, found.object, kind);
    return found;
  };

  const updateMap = (req: RequestContext): RouteResponse => {
    const { object } = map(req, 'write');
    const ttl = parseTtl(req.form, 'CollectionTtl', 'Ttl');
    if (ttl !== undefined) object.expires = store.expiryFor(ttl);
    store.touch(object);
    return withEtag({ status: 200, body: renderOne(object) }, object);
  };

  const items = (req: RequestContext): RouteResponse => {
    const { object } = map(req, 'read', 'MapSid');
    const paging = parsePaging(req.query, SYNC_PAGING);
    const query = parseCollectionQuery(req.query, (raw) => (raw.length > 0 ? raw : undefined));
    const sorted = store.mapItems(object);
    const ordered = query.ascending ? sorted : sorted.reverse();
    const window = ordered.filter((item) => query.admits(item.key));
    const compare = query.ascending ? compareKeys : (a: string, b: string) => compareKeys(b, a);
    const slice = slicePage(window, (item) => item.key, compare, paging);
    return {
      status: 200,
      body: syncPage({
        key: 'items',
        base: `${mapUrl(object)}/Items`,
        filters: query.pairs,
        request: paging,
        slice,
        render: (item) => renderItem(object, item),
      }),
    };
  };

  const addItem = (req: RequestContext): RouteResponse => {
    const { object } = map(req, 'write', 'MapSid');
    const key = req.form.get('Key') ?? '';
    if (key.length < 1 || key.length > MAX_KEY_LENGTH) {
      throw badRequest(54209, `Invalid Map Item key: must be 1-${MAX_KEY_LENGTH} characters`);
    }
    const data = parseData(req.form, true) ?? {};
    const ttl = parseTtl(req.form, 'ItemTtl', 'Ttl') ?? 0;
    const collectionTtl = parseTtl(req.form, 'CollectionTtl');
    const item = store.addMapItem(object, key, data, ttl);
    if (collectionTtl !== undefined) object.expires = store.expiryFor(collectionTtl);
    return withEtag({ status: 201, body: renderItem(object, item) }, item);
  };

  const item = (req: RequestContext, kind: 'read' | 'write') => {
    const { object } = map(req, kind, 'MapSid');
    const found = store.mapItem(object, req.params.Key ?? '');
    if (!found) throw notFound(req.path);
    return { map: object, item: found };
  };

  const updateItem = (req: RequestContext): RouteResponse => {
    const found = item(req, 'write');
    checkIfMatch(req, found.item, 54205, 'Map Item');
    const data = parseData(req.form, false);
    const ttl = parseTtl(req.form, 'ItemTtl', 'Ttl');
    const collectionTtl = parseTtl(req.form, 'CollectionTtl');
    if (data !== undefined) found.item.data = data;
    if (ttl !== undefined) found.item.expires = store.expiryFor(ttl);
    if (collectionTtl !== undefined) found.map.expires = store.expiryFor(collectionTtl);
    store.touch(found.item);
    store.touch(found.map);
    return withEtag({ status: 200, body: renderItem(found.map, found.item) }, found.item);
  };

  const deleteItem = (req: RequestContext): RouteResponse => {
    const found = item(req, 'write');
    checkIfMatch(req, found.item, 54205, 'Map Item');
    store.deleteMapItem(found.map, found.item);
    return { status: 204 };
  };

  return [
    { product: 'sync', template: '/v1/Services/{ServiceSid}/Maps', handlers: { GET: maps, POST: createMap } },
    {
      product: 'sync',
      template: '/v1/Services/{ServiceSid}/Maps/{Sid}',
      handlers: {
        GET: (req) => {
          const { object } = map(req, 'read');
          return withEtag({ status: 200, body: renderOne(object) }, object);
        },
        POST: updateMap,
        DELETE: (req) => {
          const { service, object } = map(req, 'write');
          store.deleteObject(service, object);
          return { status: 204 };
        },
      },
    },
    { product: 'sync', template: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items', handlers: { GET: items, POST: addItem } },
    {
      product: 'sync',
      template: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}',
      handlers: {
        GET: (req) => {
          const found = item(req, 'read');
          return withEtag({ status: 200, body: renderItem(found.map, found.item) }, found.item);
        },
        POST: updateItem,
        DELETE: deleteItem,
      },
    },
  ];
}
