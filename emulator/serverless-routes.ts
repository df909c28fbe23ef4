/**
 * serverless.twilio.com: Services, their Environments, an Environment's Variables and
 * Deployments. What `twilio-run deploy` creates and reuses, and what `twilio-run env …` edits.
 */
import { badRequest, invalidParameter } from './errors';
import type { RequestContext, RouteDef, RouteResponse } from './router';
import { boolParam, collectionRoutes, requireEnvironment, requireInEnvironment, requireService, textParam, type ServerlessDeps } from './serverless-common';
import { environmentUrl, SERVERLESS_BASE_URL, serviceUrl } from './serverless-render';

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

  return collectionRoutes({
    template: '/v1/Services',
    key: 'services',
    parent: () => undefined,
    items: () => store.allServices(),
    url: () => `${SERVERLESS_BASE_URL}/Services`,
    render: (service) => render.service(service),
    create,
    find: (req) => requireService(deps, req, 'Sid'),
    update: (req, service) => {
      const friendlyName = textParam(req.form, 'FriendlyName', 255, true);
      const includeCredentials = boolParam(req.form, 'IncludeCredentials');
      const uiEditable = boolParam(req.form, 'UiEditable');
      if (friendlyName !== undefined) service.friendlyName = friendlyName;
      if (includeCredentials !== undefined) service.includeCredentials = includeCredentials;
      if (uiEditable !== undefined) service.uiEditable = uiEditable;
      store.touch(service);
    },
    remove: (service) => store.deleteService(service),
  });
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

  return collectionRoutes({
    template: '/v1/Services/{ServiceSid}/Environments',
    key: 'environments',
    parent: (req) => requireService(deps, req),
    items: (service) => store.environmentsOf(service),
    url: (service) => `${serviceUrl(service.sid)}/Environments`,
    render: (environment) => render.environment(environment),
    create,
    find: (req) => requireEnvironment(deps, req, 'Sid').environment,
    remove: (environment) => store.deleteEnvironment(environment),
  });
}

function variableRoutes(deps: ServerlessDeps): RouteDef[] {
  const { store, render } = deps;

  const create = (req: RequestContext): RouteResponse => {
    const { environment } = requireEnvironment(deps, req);
    const key = textParam(req.form, 'Key', MAX_KEY_LENGTH);
    const value = variableValue(req.form, false) ?? '';
    return { status: 201, body: render.variable(store.createVariable(environment, key, value)) };
  };

  return collectionRoutes({
    template: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Variables',
    key: 'variables',
    parent: (req) => requireEnvironment(deps, req).environment,
    items: (environment) => store.variablesOf(environment),
    url: (environment) => `${environmentUrl(environment.serviceSid, environment.sid)}/Variables`,
    render: (variable) => render.variable(variable),
    create,
    find: (req) => requireInEnvironment(deps, req, (environment, sid) => store.variable(environment, sid)),
    update: (req, variable) => {
      const key = textParam(req.form, 'Key', MAX_KEY_LENGTH, true);
      const value = variableValue(req.form, true);
      store.updateVariable(variable, { ...(key !== undefined && { key }), ...(value !== undefined && { value }) });
    },
    remove: (variable) => store.deleteVariable(variable),
  });
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

  return collectionRoutes({
    template: '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Deployments',
    key: 'deployments',
    parent: (req) => requireEnvironment(deps, req).environment,
    items: (environment) => store.deploymentsOf(environment),
    url: (environment) => `${environmentUrl(environment.serviceSid, environment.sid)}/Deployments`,
    render: (deployment) => render.deployment(deployment),
    create,
    find: (req) => requireInEnvironment(deps, req, (environment, sid) => store.deployment(environment, sid)),
  });
}

export function serverlessRoutes(deps: ServerlessDeps): RouteDef[] {
  return [...serviceRoutes(deps), ...environmentRoutes(deps), ...variableRoutes(deps), ...deploymentRoutes(deps)];
}
