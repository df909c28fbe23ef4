/** Lookups, parameter rules, paging and the collection-and-item route shape shared by the Serverless routes. */
import { invalidParameter, notFound } from './errors';
import { parsePaging, slicePage, syncPage } from './paging';
import type { HttpMethod, RequestContext, RouteDef, RouteHandler, RouteResponse } from './router';
import { SERVERLESS_PAGING, type ServerlessRenderer } from './serverless-render';
import type { ResourceKind, ServerlessEnvironment, ServerlessResource, ServerlessService, ServerlessStore } from './serverless-store';

export interface ServerlessDeps {
  store: ServerlessStore;
  render: ServerlessRenderer;
}

export function requireService(deps: ServerlessDeps, req: RequestContext, param = 'ServiceSid'): ServerlessService {
  const service = deps.store.service(req.params[param] ?? '');
  if (!service) throw notFound(req.path);
  return service;
}

export function requireEnvironment(deps: ServerlessDeps, req: RequestContext, param = 'EnvironmentSid'): { service: ServerlessService; environment: ServerlessEnvironment } {
  const service = requireService(deps, req);
  const environment = deps.store.environment(service, req.params[param] ?? '');
  if (!environment) throw notFound(req.path);
  return { service, environment };
}

/** The Environment's Variable or Deployment named by {Sid}: 404 when it is another Environment's. */
export function requireInEnvironment<T>(deps: ServerlessDeps, req: RequestContext, lookup: (environment: ServerlessEnvironment, sid: string) => T | undefined): T {
  const found = lookup(requireEnvironment(deps, req).environment, req.params.Sid ?? '');
  if (found === undefined) throw notFound(req.path);
  return found;
}

export function requireResource(deps: ServerlessDeps, req: RequestContext, kind: ResourceKind, param: string): ServerlessResource {
  const resource = deps.store.resource(requireService(deps, req), kind, req.params[param] ?? '');
  if (!resource) throw notFound(req.path);
  return resource;
}

/** A required (or, with `optional`, possibly absent) text parameter of at most `max` characters. */
export function textParam(form: URLSearchParams, name: string, max: number): string;
export function textParam(form: URLSearchParams, name: string, max: number, optional: true): string | undefined;
export function textParam(form: URLSearchParams, name: string, max: number, optional = false): string | undefined {
  const value = form.get(name);
  if (value === null) {
    if (optional) return undefined;
    throw invalidParameter(`Missing required parameter ${name} in the post body`);
  }
  if (value.length > max) throw invalidParameter(`${name} must be at most ${max} characters`);
  return value;
}

export function boolParam(form: URLSearchParams, name: string): boolean | undefined {
  const raw = form.get(name);
  if (raw === null) return undefined;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw invalidParameter(`${name} must be true or false, got ${raw}`);
}

/** One page of `items` (in creation order) in the v1 `meta` dialect. */
export function listPage<T extends { seq: number }>(req: RequestContext, items: T[], key: string, base: string, render: (item: T) => unknown): RouteResponse {
  const paging = parsePaging(req.query, SERVERLESS_PAGING);
  const slice = slicePage(items, (item) => item.seq, (a, b) => a - b, paging);
  return { status: 200, body: syncPage({ key, base, filters: [], request: paging, slice, render }) };
}

export interface CollectionSpec<P, T extends { seq: number }> {
  /** The collection's template, e.g. '/v1/Services/{ServiceSid}/Environments'; an item's is `{template}/{Sid}`. */
  template: string;
  /** The page's key, e.g. 'environments'. */
  key: string;
  /** The collection's owner, from the path (404 when there is none). */
  parent: (req: RequestContext) => P;
  /** The owner's items in creation order, and the collection's canonical URL for the page's links. */
  items: (parent: P) => T[];
  url: (parent: P) => string;
  render: (item: T) => unknown;
  /** POST on the collection; none where Twilio creates elsewhere (Versions, on the upload host). */
  create?: RouteHandler;
  /** The item named by {Sid}, 404 when it is not the owner's. */
  find: (req: RequestContext) => T;
  /** POST on an item, after find. */
  update?: (req: RequestContext, item: T) => void;
  /** DELETE on an item, after find. */
  remove?: (item: T) => void;
}

/** A Serverless collection and its items, as Twilio serves them all: GET pages, POST creates; an item's GET, POST updates, DELETE. */
export function collectionRoutes<P, T extends { seq: number }>(spec: CollectionSpec<P, T>): RouteDef[] {
  const { update, remove } = spec;
  const item: Partial<Record<HttpMethod, RouteHandler>> = { GET: (req) => ({ status: 200, body: spec.render(spec.find(req)) }) };
  if (update) {
    item.POST = (req) => {
      const found = spec.find(req);
      update(req, found);
      return { status: 200, body: spec.render(found) };
    };
  }
  if (remove) {
    item.DELETE = (req) => {
      remove(spec.find(req));
      return { status: 204 };
    };
  }
  const page: RouteHandler = (req) => {
    const parent = spec.parent(req);
    return listPage(req, spec.items(parent), spec.key, spec.url(parent), spec.render);
  };
  return [
    { product: 'serverless', template: spec.template, handlers: spec.create ? { GET: page, POST: spec.create } : { GET: page } },
    { product: 'serverless', template: `${spec.template}/{Sid}`, handlers: item },
  ];
}
