/**
 * serverless.twilio.com: Services, their Environments, an Environment's Variables and
 * Deployments. What `twilio-run deploy` creates and reuses, and what `twilio-run env …` edits.
 */
import { badRequest, invalidParameter, notFound } from './errors';
import type { RequestContext, RouteDef, RouteResponse } from './router';
import { boolParam, listPage, requireEnvironment, requireService, textParam, type ServerlessDeps } from './serverless-common';
import { environmentUrl, SERVERLESS_BASE_URL, serviceUrl } from './serverless-render';
import type { ServerlessEnvironment, ServerlessVariable } from './serverless-store';

/** Twilio's limits: a Variable key ≤ 128 characters, its value ≤ 450 bytes. */
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_BYTES = 450;

function variableValue(form: URLSearchParams, optional: boolean): string | undefined {
  const value = optional ? textParam(form, 'Value', Infinity, true) : textParam(form, 'Value', Infinity);
  if (value !== undefined && Buffer.byteLength(value) > MAX_VALUE_BYTES) {
    throw invalidParameter(`Value must be at most ${MAX_VALUE_BYTES} bytes`);
  }
  return value;
}

function serviceRoutes(deps: ServerlessDeps): RouteDef[] {
  const { store, render } = deps;

  const create = (req: RequestContext): RouteResponse => {
    const uniqueName = textParam(req.form, 'UniqueName', 50);
    if (!/^[A-Za-z0-9-]+$/.test(uniqueName)) throw invalidParameter(`UniqueName must be URL-friendly (letters, digits, '-'), got ${uniqueName}`);
    const service = store.createService({
      uniqueName,
      friendlyName: textParam(req.form, 'FriendlyName', 255),
      includeCredentials: boolParam(req.form, 'IncludeCredentials') ?? true,
      uiEditable: boolParam(req.form, 'UiEditable') ?? false,
    });
    return { status: 201, body: render.service(service) };
  };

  const update = (req: RequestContext): RouteResponse => {
    const service = requireService(deps, req, 'Sid');
    const friendlyName = textParam(req.form, 'FriendlyName', 255, true);
    const includeCredentials = boolParam(req.form, 'IncludeCredentials');
    const uiEditable = boolParam(req.form, 'UiEditable');
    if (friendlyName !== undefined) service.friendlyName = friendlyName;
    if (includeCredentials !== undefined) service.includeCredentials = includeCredentials;
    if (uiEditable !== undefined) service.uiEditable = uiEditable;
    store.touch(service);
    return { status: 200, body: render.service(service) };
  };

  return [
    {
      product: 'serverless',
      template: '/v1/Services',
      handlers: {
        GET: (req) => listPage(req, store.allServices(), 'services', `${SERVERLESS_BASE_URL}/Services`, (s) => render.service(s)),
        POST: create,
      },
    },
    {
      product: 'serverless',
      template: '/v1/Services/{Sid}',
      handlers: {
        GET: (req) => ({ status: 200, body: render.service(requireService(deps, req, 'Sid')) }),
        POST: update,
        DELETE: (req) => {
          store.deleteService(requireService(deps, req, 'Sid'));
          return { status: 204 };
        },
      },
    },
  ];
}

function environmentRoutes(deps: ServerlessDeps): RouteDef[] {
  const { store, render } = deps;

  const create = (req: RequestContext): RouteResponse => {
    const service = requireService(deps, req);
    const uniqueName = textParam(req.form, 'UniqueName', 100);
    const suffix = textParam(req.form, 'DomainSuffix', 16, true);
    if (suffix && !/^[a-z0-9-]+$/.test(suffix)) throw invalidParameter(`DomainSuffix must be URL-friendly (a-z, 0-9, '-'), got ${suffix}`);
    const environment = store.createEnvironment(service, uniqueName, suffix || null);
    return { status: 201, body: render.environment(environment) };
  };

  const find = (req: RequestContext): ServerlessEnvironment => requireEnvironment(deps, req, 'Sid').environment;

  return [
    {
      product: 'serverless',
      template: '/v1/Services/{ServiceSid}/Environments',
      handlers: {
        GET: (req) => {
          const service = requireService(deps, req);
          return listPage(req, store.environmentsOf(service), 'environments', `${serviceUrl(service.sid)}/Environments`, (e) => render.environment(e));
        },
        POST: create,
      },
    },
    {
      product: 'serverless',
      template: '/v1/Services/{ServiceSid}/Environments/{Sid}',
      handlers: {
        GET: (req) => ({ status: 200, body: render.environment(find(req)) }),
        DELETE: (req) => {
          store.deleteEnvironment(find(req));
          return { status: 204 };
        },
      },
    },
  ];
}

function variableRoutes(deps: ServerlessDeps): RouteDef[] {
  const { store, render } = deps;

  const find = (req: RequestContext): ServerlessVariable => {
    const { environment } = requireEnvironment(deps, req);
    const variable = store.variable(environment, req.params.Sid ?? '');
    if (!variable) throw notFound(req.path);
    return variable;
  };

  const create = (req: RequestContext): RouteResponse => {
    const { environment } = requireEnvironment(deps, req);
    const key = textParam(req.form, 'Key', MAX_KEY_LENGTH);
    const value = variableValue(req.form, false) ?? '';
    return { status: 201, body: render.variable(store.createVariable(environment, key, value)) };
  };

  const update = (req: RequestContext): RouteResponse => {
    const variable = find(req);
    const key = textParam(req.form, 'Key', MAX_KEY_LENGTH, true);
    const value = variableValue(req.form, true);
    store.updateVariable(variable, { ...(key !== undefined && { key }), ...(value !== undefined && { value }) });
    return { status: 200, body: render.variable(variable) };
  };

  return [
    {
      product: 'serverless',
      template: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Variables',
      handlers: {
        GET: (req) => {
          const { environment } = requireEnvironment(deps, req);
          return listPage(req, store.variablesOf(environment), 'variables', `${environmentUrl(environment)}/Variables`, (v) => render.variable(v));
        },
        POST: create,
      },
    },
    {
      product: 'serverless',
      template: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Variables/{Sid}',
      handlers: {
        GET: (req) => ({ status: 200, body: render.variable(find(req)) }),
        POST: update,
        DELETE: (req) => {
          store.deleteVariable(find(req));
          return { status: 204 };
        },
      },
    },
  ];
}

function deploymentRoutes(deps: ServerlessDeps): RouteDef[] {
  const { store, render } = deps;

  /** A Deployment activates a completed Build of the same Service in the Environment. */
  const create = (req: RequestContext): RouteResponse => {
    const { service, environment } = requireEnvironment(deps, req);
    const buildSid = textParam(req.form, 'BuildSid', 34);
    const build = store.build(service, buildSid);
    if (!build) throw badRequest(20001, `Build ${buildSid} was not found in Service ${service.sid}`);
    if (build.status !== 'completed') throw badRequest(20001, `Build ${buildSid} is ${build.status}, not completed`);
    return { status: 201, body: render.deployment(store.createDeployment(environment, build)) };
  };

  return [
    {
      product: 'serverless',
      template: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Deployments',
      handlers: {
        GET: (req) => {
          const { environment } = requireEnvironment(deps, req);
          return listPage(req, store.deploymentsOf(environment), 'deployments', `${environmentUrl(environment)}/Deployments`, (d) => render.deployment(d));
        },
        POST: create,
      },
    },
    {
      product: 'serverless',
      template: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Deployments/{Sid}',
      handlers: {
        GET: (req) => {
          const { environment } = requireEnvironment(deps, req);
          const deployment = store.deployment(environment, req.params.Sid ?? '');
          if (!deployment) throw notFound(req.path);
          return { status: 200, body: render.deployment(deployment) };
        },
      },
    },
  ];
}

export function serverlessRoutes(deps: ServerlessDeps): RouteDef[] {
  return [...serviceRoutes(deps), ...environmentRoutes(deps), ...variableRoutes(deps), ...deploymentRoutes(deps)];
}
