/**
 * Route table keyed by Twilio's OpenAPI path templates. The template doubles as the `route` that
 * requests are recorded and faults are matched under, so it stays method-independent.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from './auth';
import type { Product } from './types';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** A file part of a multipart/form-data body (Serverless uploads). */
export interface UploadedFile {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface RequestContext {
  method: HttpMethod;
  /** Path below the product prefix, e.g. '/2010-04-01/Accounts/AC…/Messages.json'. */
  path: string;
  /** Path parameters, percent-decoded. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** Form-encoded body, or the text fields of a multipart one (empty for other content types). */
  form: URLSearchParams;
  /** The file parts of a multipart/form-data body, by field name. */
  files: ReadonlyMap<string, UploadedFile>;
  headers: IncomingHttpHeaders;
  /** null only on public routes. */
  principal: Principal | null;
}

export interface RouteResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (request: RequestContext) => RouteResponse;

export interface RouteDef {
  product: Product;
  /** OpenAPI template below the product prefix, e.g. '/v1/Services/{ServiceSid}/Lists/{Sid}'. */
  template: string;
  handlers: Partial<Record<HttpMethod, RouteHandler>>;
  /** Served without authentication (Twilio's media content URLs). */
  isPublic?: boolean;
}

export interface RouteMatch {
  def: RouteDef;
  params: Record<string, string>;
}

interface CompiledRoute {
  def: RouteDef;
  regex: RegExp;
  names: string[];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compile(def: RouteDef): CompiledRoute {
  const names: string[] = [];
  let source = '';
  let last = 0;
  for (const match of def.template.matchAll(/\{(\w+)\}/g)) {
    const index = match.index ?? 0;
    source += `${escapeRegex(def.template.slice(last, index))}([^/]+?)`;
    names.push(match[1]!);
    last = index + match[0].length;
  }
  source += escapeRegex(def.template.slice(last));
  return { def, regex: new RegExp(`^${source}$`), names };
}

export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(...defs: RouteDef[]): void {
    for (const def of defs) this.routes.push(compile(def));
  }

  /** First match in registration order; register `{Sid}.json` before a bare `{Sid}`. */
  match(product: Product, path: string): RouteMatch | undefined {
    for (const route of this.routes) {
      if (route.def.product !== product) continue;
      const found = route.regex.exec(path);
      if (!found) continue;
      const params: Record<string, string> = {};
      try {
        route.names.forEach((name, i) => {
          params[name] = decodeURIComponent(found[i + 1]!);
        });
      } catch {
        continue; // malformed percent-encoding: no route, like any unknown path
      }
      return { def: route.def, params };
    }
    return undefined;
  }
}
