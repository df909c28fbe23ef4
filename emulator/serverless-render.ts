/**
 * Serverless v1 JSON shapes, with canonical https://serverless.twilio.com urls in `url` and
 * `links` (twilio-run and twilio-node follow them), and its paging (a `meta` block like Sync's,
 * up to 1000 a page).
 */
import { iso8601 } from './dates';
import { badRequest } from './errors';
import type { PagingLimits } from './paging';
import type {
  InEnvironment,
  ResourceKind,
  ServerlessBuild,
  ServerlessDeployment,
  ServerlessEnvironment,
  ServerlessResource,
  ServerlessService,
  ServerlessVariable,
  ServerlessVersion,
} from './serverless-store';

export const SERVERLESS_BASE_URL = 'https://serverless.twilio.com/v1';

export const SERVERLESS_PAGING: PagingLimits = {
  defaultSize: 50,
  maxSize: 1000,
  tooLarge: () => badRequest(20007, 'Page size too large. The maximum page size is 1000.'),
};

export function serviceUrl(serviceSid: string): string {
  return `${SERVERLESS_BASE_URL}/Services/${serviceSid}`;
}

/** How a Function and an Asset are named: their path segment, their SID's path parameter under it, and the key of their Versions' page. */
export const RESOURCE_NAMES: Readonly<Record<ResourceKind, { collection: string; param: string; versions: string }>> = {
  function: { collection: 'Functions', param: 'FunctionSid', versions: 'function_versions' },
  asset: { collection: 'Assets', param: 'AssetSid', versions: 'asset_versions' },
};

export function environmentUrl(serviceSid: string, environmentSid: string): string {
  return `${serviceUrl(serviceSid)}/Environments/${environmentSid}`;
}

export function resourceUrl(serviceSid: string, kind: ResourceKind, resourceSid: string): string {
  return `${serviceUrl(serviceSid)}/${RESOURCE_NAMES[kind].collection}/${resourceSid}`;
}

function versionUrl(version: ServerlessVersion): string {
  return `${resourceUrl(version.serviceSid, version.kind, version.resourceSid)}/Versions/${version.sid}`;
}

function buildUrl(build: ServerlessBuild): string {
  return `${serviceUrl(build.serviceSid)}/Builds/${build.sid}`;
}

function dates(item: { created: number; updated: number }) {
  return { date_created: iso8601(item.created), date_updated: iso8601(item.updated) };
}

export class ServerlessRenderer {
  constructor(
    private readonly accountSid: string,
    private readonly domainName: (environment: ServerlessEnvironment) => string,
    private readonly versionBySid: (sid: string) => ServerlessVersion | undefined,
  ) {}

  service(service: ServerlessService): Record<string, unknown> {
    const url = serviceUrl(service.sid);
    return {
      sid: service.sid,
      account_sid: this.accountSid,
      friendly_name: service.friendlyName,
      unique_name: service.uniqueName,
      include_credentials: service.includeCredentials,
      ui_editable: service.uiEditable,
      domain_base: service.domainBase,
      ...dates(service),
      url,
      links: { functions: `${url}/Functions`, assets: `${url}/Assets`, environments: `${url}/Environments`, builds: `${url}/Builds` },
    };
  }

  environment(environment: ServerlessEnvironment): Record<string, unknown> {
    const url = environmentUrl(environment.serviceSid, environment.sid);
    return {
      sid: environment.sid,
      account_sid: this.accountSid,
      service_sid: environment.serviceSid,
      build_sid: environment.buildSid,
      unique_name: environment.uniqueName,
      domain_suffix: environment.domainSuffix,
      domain_name: this.domainName(environment),
      ...dates(environment),
      url,
      links: { variables: `${url}/Variables`, deployments: `${url}/Deployments`, logs: `${url}/Logs` },
    };
  }

  /** The fields a Variable and a Deployment start with, in Twilio's order. */
  private inEnvironment(item: InEnvironment & { sid: string }) {
    return { sid: item.sid, account_sid: this.accountSid, service_sid: item.serviceSid, environment_sid: item.environmentSid };
  }

  variable(variable: ServerlessVariable): Record<string, unknown> {
    return {
      ...this.inEnvironment(variable),
      key: variable.key,
      value: variable.value,
      ...dates(variable),
      url: `${environmentUrl(variable.serviceSid, variable.environmentSid)}/Variables/${variable.sid}`,
    };
  }

  deployment(deployment: ServerlessDeployment): Record<string, unknown> {
    return {
      ...this.inEnvironment(deployment),
      build_sid: deployment.buildSid,
      ...dates(deployment),
      url: `${environmentUrl(deployment.serviceSid, deployment.environmentSid)}/Deployments/${deployment.sid}`,
    };
  }

  resource(resource: ServerlessResource): Record<string, unknown> {
    const url = resourceUrl(resource.serviceSid, resource.kind, resource.sid);
    return {
      sid: resource.sid,
      account_sid: this.accountSid,
      service_sid: resource.serviceSid,
      friendly_name: resource.friendlyName,
      ...dates(resource),
      url,
      links: { [RESOURCE_NAMES[resource.kind].versions]: `${url}/Versions` },
    };
  }

  /** A Function Version or an Asset Version (they differ in the parent's key and the links). */
  version(version: ServerlessVersion): Record<string, unknown> {
    const url = versionUrl(version);
    const common = {
      sid: version.sid,
      account_sid: this.accountSid,
      service_sid: version.serviceSid,
      path: version.path,
      visibility: version.visibility,
      date_created: iso8601(version.created),
      url,
    };
    return version.kind === 'function'
      ? { ...common, function_sid: version.resourceSid, links: { function_version_content: `${url}/Content` } }
      : { ...common, asset_sid: version.resourceSid };
  }

  versionContent(version: ServerlessVersion): Record<string, unknown> {
    const url = `${versionUrl(version)}/Content`;
    return {
      sid: version.sid,
      account_sid: this.accountSid,
      service_sid: version.serviceSid,
      function_sid: version.resourceSid,
      content: version.content.toString('utf8'),
      url,
    };
  }

  /** A Build lists its Versions as whole Version objects, not SIDs. */
  build(build: ServerlessBuild): Record<string, unknown> {
    const url = buildUrl(build);
    const versions = (sids: string[]) => sids.flatMap((sid) => {
      const version = this.versionBySid(sid);
      return version ? [this.version(version)] : [];
    });
    return {
      sid: build.sid,
      account_sid: this.accountSid,
      service_sid: build.serviceSid,
      status: build.status,
      asset_versions: versions(build.assetVersions),
      function_versions: versions(build.functionVersions),
      dependencies: build.dependencies,
      runtime: build.runtime,
      ...dates(build),
      url,
      links: { build_status: `${url}/Status` },
    };
  }

  buildStatus(build: ServerlessBuild): Record<string, unknown> {
    return {
      sid: build.sid,
      account_sid: this.accountSid,
      service_sid: build.serviceSid,
      status: build.status,
      url: `${buildUrl(build)}/Status`,
    };
  }
}
