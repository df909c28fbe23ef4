/**
 * Serverless v1 JSON shapes, with canonical https://serverless.twilio.com urls in `url` and
 * `links` (twilio-run and twilio-node follow them), and its paging (a `meta` block like Sync's,
 * up to 1000 a page).
 */
import { iso8601 } from './dates';
import { badRequest } from './errors';
import type { PagingLimits } from './paging';
import type {
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

export function environmentUrl(environment: { serviceSid: string; sid: string }): string {
  return `${serviceUrl(environment.serviceSid)}/Environments/${environment.sid}`;
}

export function resourceUrl(resource: { serviceSid: string; sid: string; kind: ServerlessResource['kind'] }): string {
  return `${serviceUrl(resource.serviceSid)}/${resource.kind === 'function' ? 'Functions' : 'Assets'}/${resource.sid}`;
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
    const url = environmentUrl(environment);
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

  variable(variable: ServerlessVariable): Record<string, unknown> {
    return {
      sid: variable.sid,
      account_sid: this.accountSid,
      service_sid: variable.serviceSid,
      environment_sid: variable.environmentSid,
      key: variable.key,
      value: variable.value,
      ...dates(variable),
      url: `${environmentUrl({ serviceSid: variable.serviceSid, sid: variable.environmentSid })}/Variables/${variable.sid}`,
    };
  }

  deployment(deployment: ServerlessDeployment): Record<string, unknown> {
    return {
      sid: deployment.sid,
      account_sid: this.accountSid,
      service_sid: deployment.serviceSid,
      environment_sid: deployment.environmentSid,
      build_sid: deployment.buildSid,
      ...dates(deployment),
      url: `${environmentUrl({ serviceSid: deployment.serviceSid, sid: deployment.environmentSid })}/Deployments/${deployment.sid}`,
    };
  }

  resource(resource: ServerlessResource): Record<string, unknown> {
    const url = resourceUrl(resource);
    return {
      sid: resource.sid,
      account_sid: this.accountSid,
      service_sid: resource.serviceSid,
      friendly_name: resource.friendlyName,
      ...dates(resource),
      url,
      links: { [resource.kind === 'function' ? 'function_versions' : 'asset_versions']: `${url}/Versions` },
    };
  }

  /** A Function Version or an Asset Version (they differ in the parent's key and the links). */
  version(version: ServerlessVersion): Record<string, unknown> {
    const url = `${resourceUrl({ serviceSid: version.serviceSid, sid: version.resourceSid, kind: version.kind })}/Versions/${version.sid}`;
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
    const url = `${resourceUrl({ serviceSid: version.serviceSid, sid: version.resourceSid, kind: version.kind })}/Versions/${version.sid}/Content`;
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
    const url = `${serviceUrl(build.serviceSid)}/Builds/${build.sid}`;
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
      url: `${serviceUrl(build.serviceSid)}/Builds/${build.sid}/Status`,
    };
  }
}
