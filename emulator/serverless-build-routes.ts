/**
 * serverless.twilio.com: Functions and Assets with their Versions (read here, uploaded through
 * serverless-upload-routes.ts), and Builds with their Status.
 */
import { badRequest, invalidParameter, notFound } from './errors';
import type { RequestContext, RouteDef, RouteResponse } from './router';
import { collectionRoutes, requireResource, requireService, textParam, type ServerlessDeps } from './serverless-common';
import { RESOURCE_NAMES, resourceUrl, serviceUrl } from './serverless-render';
import { buildDependencies, buildRuntime } from './serverless-runtime-rules';
import type { Dependency, ResourceKind, ServerlessBuild, ServerlessService } from './serverless-store';

/**
 * `Dependencies` is a JSON array of {name, version} as a string. @twilio-labs/serverless-api 5.7
 * (api/builds.js `triggerBuild`) sends package.json's `dependencies` as given, in that array
 * wrapped in an extra pair of double quotes (`"[{…}]"`), which Twilio accepts; so do we. `Runtime`
 * is sent only when .twilioserverlessrc or --runtime names one.
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
  const { collection, param: parentParam, versions: versionKey } = RESOURCE_NAMES[kind];
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
    ...collectionRoutes({
      template: base,
      key: collection.toLowerCase(),
      parent: (req) => requireService(deps, req),
      items: (service) => store.resourcesOf(service, kind),
      url: (service) => `${serviceUrl(service.sid)}/${collection}`,
      render: (resource) => render.resource(resource),
      create,
      find: (req) => requireResource(deps, req, kind, 'Sid'),
      update: (req, resource) => {
        resource.friendlyName = textParam(req.form, 'FriendlyName', 255);
        store.touch(resource);
      },
      remove: (resource) => store.deleteResource(resource),
    }),
    // Versions are created on the upload host (serverless-upload-routes.ts).
    ...collectionRoutes({
      template: `${base}/{${parentParam}}/Versions`,
      key: versionKey,
      parent: (req) => requireResource(deps, req, kind, parentParam),
      items: (resource) => store.versionsOf(resource),
      url: (resource) => `${resourceUrl(resource.serviceSid, kind, resource.sid)}/Versions`,
      render: (v) => render.version(v),
      find: version,
    }),
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
    // Twilio's checks (serverless-runtime-rules.ts): the runtime, then the handler version for it.
    const runtime = buildRuntime(req.form.get('Runtime'));
    const dependencies = buildDependencies(parseDependencies(req.form.get('Dependencies')), runtime);
    const build = store.createBuild(service, {
      functionVersions: versionSids(service, req.form, 'FunctionVersions', 'function'),
      assetVersions: versionSids(service, req.form, 'AssetVersions', 'asset'),
      dependencies,
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
    ...collectionRoutes({
      template: '/v1/Services/{ServiceSid}/Builds',
      key: 'builds',
      parent: (req) => requireService(deps, req),
      items: (service) => store.buildsOf(service),
      url: (service) => `${serviceUrl(service.sid)}/Builds`,
      render: (build) => render.build(build),
      create,
      find,
      remove: (build) => store.deleteBuild(build),
    }),
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
