/**
 * The routes the Sync object types share, built from what differs between them: a type's
 * collection and one object (Lists, Maps, Documents), and the items of a List or a Map. Twilio
 * treats them alike (paging, rate limit per object, If-Match, TTLs), so the emulator does too.
 */
import { notFound } from './errors';
import { parsePaging, slicePage, SYNC_PAGING, syncPage } from './paging';
import type { RequestContext, RouteDef, RouteResponse } from './router';
import { checkIfMatch, consume, parseCollectionQuery, parseData, parseTtl, parseUniqueName, requireObject, requireService, withEtag, type SyncDeps } from './sync-common';
import { serviceUrl } from './sync-render';
import type { JsonObject, Stamped, SyncObjectKind, SyncObjectKinds, SyncService } from './sync-store';

type Rendered = Record<string, unknown>;

/** What Twilio answers a stale If-Match with, per type: the code and the type's name in the message. */
export interface IfMatchRule {
  code: number;
  what: string;
}

/** Finds the object named by `param` (SID or unique name) and counts the read or write against its rate limit. */
export function findObject<K extends SyncObjectKind>(
  deps: SyncDeps,
  req: RequestContext,
  kind: K,
  operation: 'read' | 'write',
  param = 'Sid',
): { service: SyncService; object: SyncObjectKinds[K] } {
  const found = requireObject(deps, req, kind, param);
  consume(deps, found.object, operation);
  return found;
}

/**
 * An update of an item or a Document: If-Match first, then Data and the TTL (the first of
 * `ttlNames` given), each changed only when given; an item's collection TTL too. Everything is
 * checked before anything changes.
 */
export function applyUpdate(
  deps: SyncDeps,
  req: RequestContext,
  target: Stamped & { data: JsonObject },
  rule: IfMatchRule & { ttlNames: string[] },
  collection?: Stamped,
): void {
  checkIfMatch(req, target, rule.code, rule.what);
  const data = parseData(req.form, false);
  const ttl = parseTtl(req.form, ...rule.ttlNames);
  const collectionTtl = collection ? parseTtl(req.form, 'CollectionTtl') : undefined;
  if (data !== undefined) target.data = data;
  if (ttl !== undefined) target.expires = deps.store.expiryFor(ttl);
  if (collection && collectionTtl !== undefined) collection.expires = deps.store.expiryFor(collectionTtl);
  deps.store.touch(target);
  if (collection) deps.store.touch(collection);
}

export interface ObjectRoutesSpec<K extends SyncObjectKind> {
  kind: K;
  /** The path segment, e.g. 'Lists'; its lowercase is the page's key. */
  segment: string;
  render: (object: SyncObjectKinds[K]) => Rendered;
  /** Makes the object from the POST (the write is counted here, afterwards). */
  create: (req: RequestContext, service: SyncService) => SyncObjectKinds[K];
  /** Applies a POST to the object, its revision included. */
  update: (req: RequestContext, object: SyncObjectKinds[K]) => void;
}

/** `/v1/Services/{ServiceSid}/{Segment}` (GET pages, POST creates) and `…/{Sid}` (GET, POST updates, DELETE). */
export function syncObjectRoutes<K extends SyncObjectKind>(deps: SyncDeps, spec: ObjectRoutesSpec<K>): RouteDef[] {
  const { store } = deps;
  const { kind, segment, render } = spec;
  const template = `/v1/Services/{ServiceSid}/${segment}`;

  const page = (req: RequestContext): RouteResponse => {
    const service = requireService(deps, req);
    const paging = parsePaging(req.query, SYNC_PAGING);
    const slice = slicePage(store.objectsOf(service, kind), (o) => o.seq, (a, b) => a - b, paging);
    return {
      status: 200,
      body: syncPage({ key: segment.toLowerCase(), base: `${serviceUrl(service.sid)}/${segment}`, filters: [], request: paging, slice, render }),
    };
  };

  const create = (req: RequestContext): RouteResponse => {
    const object = spec.create(req, requireService(deps, req));
    consume(deps, object, 'write');
    return withEtag({ status: 201, body: render(object) }, object);
  };

  return [
    { product: 'sync', template, handlers: { GET: page, POST: create } },
    {
      product: 'sync',
      template: `${template}/{Sid}`,
      handlers: {
        GET: (req) => {
          const { object } = findObject(deps, req, kind, 'read');
          return withEtag({ status: 200, body: render(object) }, object);
        },
        POST: (req) => {
          const { object } = findObject(deps, req, kind, 'write');
          spec.update(req, object);
          return withEtag({ status: 200, body: render(object) }, object);
        },
        DELETE: (req) => {
          const { service, object } = findObject(deps, req, kind, 'write');
          store.deleteObject(service, object);
          return { status: 204 };
        },
      },
    },
  ];
}

/** A List or a Map as an object: a unique name and a collection TTL (CollectionTtl, or its alias Ttl). */
export function collectionObjectSpec<K extends 'list' | 'map'>(deps: SyncDeps, kind: K, segment: string, render: (object: SyncObjectKinds[K]) => Rendered): ObjectRoutesSpec<K> {
  const { store } = deps;
  return {
    kind,
    segment,
    render,
    create: (req, service) => {
      const uniqueName = parseUniqueName(req.form);
      const ttl = parseTtl(req.form, 'CollectionTtl', 'Ttl') ?? 0;
      return store.createObject(service, kind, uniqueName, ttl);
    },
    update: (req, object) => {
      const ttl = parseTtl(req.form, 'CollectionTtl', 'Ttl');
      if (ttl !== undefined) object.expires = store.expiryFor(ttl);
      store.touch(object);
    },
  };
}

export interface ItemRoutesSpec<K extends 'list' | 'map', Item extends Stamped & { data: JsonObject }, Key extends string | number, NewKey> {
  kind: K;
  /** 'Lists' or 'Maps'. */
  segment: string;
  /** The collection's path parameter ('ListSid') and the item's ('Index'). */
  parentParam: string;
  keyParam: string;
  ifMatch: IfMatchRule;
  /** A key from the path or From; undefined when it cannot be one. */
  parseKey: (raw: string) => Key | undefined;
  keyOf: (item: Item) => Key;
  compare: (a: Key, b: Key) => number;
  /** The live items, ascending. */
  items: (parent: SyncObjectKinds[K]) => Item[];
  find: (parent: SyncObjectKinds[K], key: Key) => Item | undefined;
  /** What a new item needs from the POST beyond Data and the TTLs (a Map item's Key), checked first. */
  parseNew: (req: RequestContext) => NewKey;
  add: (parent: SyncObjectKinds[K], key: NewKey, data: JsonObject, ttl: number) => Item;
  remove: (parent: SyncObjectKinds[K], item: Item) => void;
  url: (parent: SyncObjectKinds[K]) => string;
  render: (parent: SyncObjectKinds[K], item: Item) => Rendered;
}

/** `…/{Segment}/{ParentSid}/Items` (GET pages with Order/From/Bounds, POST adds) and `…/Items/{Key}` (GET, POST updates, DELETE). */
export function syncItemRoutes<K extends 'list' | 'map', Item extends Stamped & { data: JsonObject }, Key extends string | number, NewKey>(
  deps: SyncDeps,
  spec: ItemRoutesSpec<K, Item, Key, NewKey>,
): RouteDef[] {
  const { store } = deps;
  const template = `/v1/Services/{ServiceSid}/${spec.segment}/{${spec.parentParam}}/Items`;
  const parentOf = (req: RequestContext, operation: 'read' | 'write') => findObject(deps, req, spec.kind, operation, spec.parentParam).object;

  const page = (req: RequestContext): RouteResponse => {
    const parent = parentOf(req, 'read');
    const paging = parsePaging(req.query, SYNC_PAGING);
    const query = parseCollectionQuery(req.query, spec.parseKey);
    const ascending = spec.items(parent);
    const ordered = query.ascending ? ascending : [...ascending].reverse();
    const window = ordered.filter((item) => query.admits(spec.keyOf(item)));
    const compare = query.ascending ? spec.compare : (a: Key, b: Key) => spec.compare(b, a);
    const slice = slicePage(window, spec.keyOf, compare, paging);
    return {
      status: 200,
      body: syncPage({ key: 'items', base: `${spec.url(parent)}/Items`, filters: query.pairs, request: paging, slice, render: (item) => spec.render(parent, item) }),
    };
  };

  const add = (req: RequestContext): RouteResponse => {
    const parent = parentOf(req, 'write');
    const key = spec.parseNew(req);
    const data = parseData(req.form, true) ?? {};
    const ttl = parseTtl(req.form, 'ItemTtl', 'Ttl') ?? 0;
    const collectionTtl = parseTtl(req.form, 'CollectionTtl');
    const item = spec.add(parent, key, data, ttl);
    if (collectionTtl !== undefined) parent.expires = store.expiryFor(collectionTtl);
    return withEtag({ status: 201, body: spec.render(parent, item) }, item);
  };

  const itemOf = (req: RequestContext, operation: 'read' | 'write') => {
    const parent = parentOf(req, operation);
    const key = spec.parseKey(req.params[spec.keyParam] ?? '');
    const item = key === undefined ? undefined : spec.find(parent, key);
    if (!item) throw notFound(req.path);
    return { parent, item };
  };

  return [
    { product: 'sync', template, handlers: { GET: page, POST: add } },
    {
      product: 'sync',
      template: `${template}/{${spec.keyParam}}`,
      handlers: {
        GET: (req) => {
          const { parent, item } = itemOf(req, 'read');
          return withEtag({ status: 200, body: spec.render(parent, item) }, item);
        },
        POST: (req) => {
          const { parent, item } = itemOf(req, 'write');
          applyUpdate(deps, req, item, { ...spec.ifMatch, ttlNames: ['ItemTtl', 'Ttl'] }, parent);
          return withEtag({ status: 200, body: spec.render(parent, item) }, item);
        },
        DELETE: (req) => {
          const { parent, item } = itemOf(req, 'write');
          checkIfMatch(req, item, spec.ifMatch.code, spec.ifMatch.what);
          spec.remove(parent, item);
          return { status: 204 };
        },
      },
    },
  ];
}
