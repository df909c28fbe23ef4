/**
 * serverless.twilio.com: Functions and Assets with their Versions (read here, uploaded through
 * serverless-upload-routes.ts), and Builds with their Status.
 */
import { badRequest, invalidParameter, notFound } from './errors';
import type { RequestContext, RouteDef, RouteResponse } from './router';
import { listPage, requireResource, requireService, textParam, type ServerlessDeps } from './serverless-common';
import { resourceUrl, serviceUrl } from './serverless-render';
import type { Dependency, ResourceKind, ServerlessBuild, ServerlessService } from './serverless-store';

/**
 * Runtimes a Build may ask for. Twilio's enum still lists node8…node18, but refuses node18 and
 * older since 2025-11; node22 is the default when a Build names none.
 */
const RUNTIMES = ['node20', 'node22'];
const DEFAULT_RUNTIME = 'node22';

/**
 * `Dependencies` is a JSON array of {name, version} as a string. @twilio-labs/serverless-api
 * wraps that JSON in an extra pair of double quotes (`"[{…}]"`), which Twilio accepts; so do we.
 */
function parseDependencies(raw: string | null): Dependency[] {
  if (raw === null || raw === '') return [];
  const json = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw invalidParameter('Dependencies must be a JSON array of {name, version}');
  }
  const valid = (d: unknown): d is Dependency =>
    typeof d === 'object' && d !== null && typeof (d as Dependency).name === 'string' && typeof (d as Dependency).version === 'string';
  if (!Array.isArray(parsed) || !parsed.every(valid)) throw invalidParameter('Dependencies must be a JSON array of {name, version}');
  return parsed.map(({ name, version }) => ({ name, version }));
}

function resourceRoutes(deps: ServerlessDeps, kind: ResourceKind): RouteDef[] {
  const { store, render } = deps;
  const collection = kind === 'function' ? 'Functions' : 'Assets';
  const versionKey = kind === 'function' ? 'function_versions' : 'asset_versions';
  const parentParam = kind === 'function' ? 'FunctionSid' : 'AssetSid';
  const base = `/v1/Services/{ServiceSid}/${collection}`;

  const create = (req: RequestContext): RouteResponse => {
    const service = requireService(deps, req);
    return { status: 201, body: render.resource(store.createResource(service, kind, textParam(req.form, 'FriendlyName', 255))) };
  };

  const version = (req: RequestContext) => {
    const found = store.version(requireResource(deps, req, kind, parentParam), req.params.Sid ?? '');
    if (!found) throw notFound(req.path);
    return found;
  };

  const routes: RouteDef[] = [
    {
      product: 'serverless',
      template: base,
      handlers: {
        GET: (req) => {
          const service = requireService(deps, req);
          return listPage(req, store.resourcesOf(service, kind), collection.toLowerCase(), `${serviceUrl(service.sid)}/${collection}`, (r) => render.resource(r));
        },
        POST: create,
      },
    },
    {
      product: 'serverless',
      template: `${base}/{Sid}`,
      handlers: {
        GET: (req) => ({ status: 200, body: render.resource(requireResource(deps, req, kind, 'Sid')) }),
        POST: (req) => {
          const resource = requireResource(deps, req, kind, 'Sid');
          resource.friendlyName = textParam(req.form, 'FriendlyName', 255);
          store.touch(resource);
          return { status: 200, body: render.resource(resource) };
        },
        DELETE: (req) => {
          store.deleteResource(requireResource(deps, req, kind, 'Sid'));
          return { status: 204 };
        },
      },
    },
    {
      product: 'serverless',
      template: `${base}/{${parentParam}}/Versions`,
      handlers: {
        GET: (req) => {
          const resource = requireResource(deps, req, kind, parentParam);
          return listPage(req, store.versionsOf(resource), versionKey, `${resourceUrl(resource)}/Versions`, (v) => render.version(v));
        },
      },
    },
    {
      product: 'serverless',
      template: `${base}/{${parentParam}}/Versions/{Sid}`,
      handlers: { GET: (req) => ({ status: 200, body: render.version(version(req)) }) },
    },
  ];
  if (kind === 'function') {
    // Only a Function Version's code can be read back; Twilio has no such route for Assets.
    routes.push({
      product: 'serverless',
      template: `${base}/{${parentParam}}/Versions/{Sid}/Content`,
      handlers: { GET: (req) => ({ status: 200, body: render.versionContent(version(req)) }) },
    });
  }
  return routes;
}

function buildRoutes(deps: ServerlessDeps): RouteDef[] {
  const { store, render } = deps;

  /** Every SID must name a Version of this kind in this Service. */
  const versionSids = (service: ServerlessService, form: URLSearchParams, name: string, kind: ResourceKind): string[] => {
    const sids = form.getAll(name);
    for (const sid of sids) {
      const version = store.versionBySid(sid);
      if (version?.serviceSid !== service.sid || version.kind !== kind) throw badRequest(20001, `${name}: ${sid} is not a ${kind} version of Service ${service.sid}`);
    }
    return sids;
  };

  const create = (req: RequestContext): RouteResponse => {
    const service = requireService(deps, req);
    const runtime = req.form.get('Runtime') || DEFAULT_RUNTIME;
    if (!RUNTIMES.includes(runtime)) throw invalidParameter(`Runtime ${runtime} is not supported; use one of ${RUNTIMES.join(', ')}`);
    const build = store.createBuild(service, {
      functionVersions: versionSids(service, req.form, 'FunctionVersions', 'function'),
      assetVersions: versionSids(service, req.form, 'AssetVersions', 'asset'),
      dependencies: parseDependencies(req.form.get('Dependencies')),
      runtime,
    });
    return { status: 201, body: render.build(build) };
  };

  const find = (req: RequestContext): ServerlessBuild => {
    const build = store.build(requireService(deps, req), req.params.Sid ?? '');
    if (!build) throw notFound(req.path);
    return build;
  };

  return [
    {
      product: 'serverless',
      template: '/v1/Services/{ServiceSid}/Builds',
      handlers: {
        GET: (req) => {
          const service = requireService(deps, req);
          return listPage(req, store.buildsOf(service), 'builds', `${serviceUrl(service.sid)}/Builds`, (b) => render.build(b));
        },
        POST: create,
      },
    },
    {
      product: 'serverless',
      template: '/v1/Services/{ServiceSid}/Builds/{Sid}',
      handlers: {
        GET: (req) => ({ status: 200, body: render.build(find(req)) }),
        DELETE: (req) => {
          store.deleteBuild(find(req));
          return { status: 204 };
        },
      },
    },
    {
      product: 'serverless',
      template: '/v1/Services/{ServiceSid}/Builds/{Sid}/Status',
      handlers: { GET: (req) => ({ status: 200, body: render.buildStatus(find(req)) }) },
    },
  ];
}

export function serverlessBuildRoutes(deps: ServerlessDeps): RouteDef[] {
  return [...resourceRoutes(deps, 'function'), ...resourceRoutes(deps, 'asset'), ...buildRoutes(deps)];
}
