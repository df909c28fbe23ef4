/** Lookups, parameter rules and paging shared by the Serverless routes. */
import { invalidParameter, notFound } from './errors';
import { parsePaging, slicePage, syncPage } from './paging';
import type { RequestContext, RouteResponse } from './router';
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
