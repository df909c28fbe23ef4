/**
 * Serverless state: Services holding Environments (with their Variables and Deployments),
 * Functions and Assets (with their uploaded Versions) and Builds. What a deploy creates, keeps and
 * reads back; the routes validate parameters and render, this keeps the relations consistent.
 */
import { TwilioApiError } from './errors';
import type { EmulatorContext } from './state';

export type Visibility = 'public' | 'protected' | 'private';
export type BuildStatus = 'building' | 'completed' | 'failed';

interface Stamped {
  sid: string;
  /** Creation order: lists page by it. */
  seq: number;
  created: number;
  updated: number;
}

export interface ServerlessService extends Stamped {
  uniqueName: string;
  friendlyName: string;
  includeCredentials: boolean;
  uiEditable: boolean;
  /** `{uniqueName}-{4 digits}`: every Environment's domain starts with it. */
  domainBase: string;
}

/** What belongs to a Service (everything but the Service). */
export interface InService {
  serviceSid: string;
}

/** What belongs to an Environment: its Variables and Deployments. */
export interface InEnvironment extends InService {
  environmentSid: string;
}

export interface ServerlessEnvironment extends Stamped, InService {
  uniqueName: string;
  domainSuffix: string | null;
  /** The Build its latest Deployment activated. */
  buildSid: string | null;
}

export interface ServerlessVariable extends Stamped, InEnvironment {
  key: string;
  value: string;
}

export interface ServerlessDeployment extends Stamped, InEnvironment {
  buildSid: string;
}

export type ResourceKind = 'function' | 'asset';

/** A Function or an Asset: a name that Versions are uploaded under (both 'ZH…', like Twilio's). */
export interface ServerlessResource extends Stamped, InService {
  kind: ResourceKind;
  friendlyName: string;
}

export interface ServerlessVersion extends Stamped, InService {
  kind: ResourceKind;
  resourceSid: string;
  path: string;
  visibility: Visibility;
  content: Buffer;
  contentType: string;
}

export interface Dependency {
  name: string;
  version: string;
}

export interface ServerlessBuild extends Stamped, InService {
  status: BuildStatus;
  functionVersions: string[];
  assetVersions: string[];
  dependencies: Dependency[];
  runtime: string;
}

/** Twilio's 409 for a unique name or key already taken (the code is the emulator's choice). */
function conflict(message: string): TwilioApiError {
  return new TwilioApiError(409, 20409, message);
}

export class ServerlessStore {
  private seq = 0;
  private readonly services = new Map<string, ServerlessService>();
  private readonly environments = new Map<string, ServerlessEnvironment>();
  private readonly variables = new Map<string, ServerlessVariable>();
  private readonly deployments = new Map<string, ServerlessDeployment>();
  private readonly resources = new Map<string, ServerlessResource>();
  private readonly versions = new Map<string, ServerlessVersion>();
  private readonly builds = new Map<string, ServerlessBuild>();

  constructor(private readonly ctx: EmulatorContext) {}

  private stamp(prefix: string): Stamped {
    const now = this.ctx.clock.now();
    return { sid: this.ctx.newSid(prefix), seq: this.seq++, created: now, updated: now };
  }

  private static of<T extends { seq: number }>(map: Map<string, T>, keep: (item: T) => boolean): T[] {
    return [...map.values()].filter(keep).sort((a, b) => a.seq - b.seq);
  }

  /** The item with this SID if it is the parent's: another Service's (or Environment's) SID is not found, as at Twilio. */
  private static owned<T>(map: Map<string, T>, sid: string, belongs: (item: T) => boolean): T | undefined {
    const found = map.get(sid);
    return found !== undefined && belongs(found) ? found : undefined;
  }

  touch(item: Stamped): void {
    item.updated = this.ctx.clock.now();
  }

  // Services: addressed by SID or by unique name, as Twilio allows in the URL path.

  createService(input: { uniqueName: string; friendlyName: string; includeCredentials: boolean; uiEditable: boolean }): ServerlessService {
    if (this.service(input.uniqueName)) throw conflict(`Service with UniqueName ${input.uniqueName} already exists`);
    const digits = String(Math.floor(this.ctx.random() * 9000) + 1000);
    const service: ServerlessService = { ...this.stamp('ZS'), ...input, domainBase: `${input.uniqueName}-${digits}` };
    this.services.set(service.sid, service);
    return service;
  }

  service(sidOrName: string): ServerlessService | undefined {
    return this.services.get(sidOrName) ?? [...this.services.values()].find((s) => s.uniqueName === sidOrName);
  }

  allServices(): ServerlessService[] {
    return ServerlessStore.of(this.services, () => true);
  }

  /** Deleting a Service deletes everything in it. */
  deleteService(service: ServerlessService): void {
    this.services.delete(service.sid);
    for (const map of [this.environments, this.variables, this.deployments, this.resources, this.versions, this.builds] as Map<string, InService>[]) {
      for (const [sid, item] of map) if (item.serviceSid === service.sid) map.delete(sid);
    }
  }

  // Environments and what belongs to them.

  createEnvironment(service: ServerlessService, uniqueName: string, domainSuffix: string | null): ServerlessEnvironment {
    const taken = this.environmentsOf(service).some((e) => e.uniqueName === uniqueName || (domainSuffix !== null && e.domainSuffix === domainSuffix));
    if (taken) throw conflict('Environment with this UniqueName or DomainSuffix already exists.');
    const environment: ServerlessEnvironment = { ...this.stamp('ZE'), serviceSid: service.sid, uniqueName, domainSuffix, buildSid: null };
    this.environments.set(environment.sid, environment);
    return environment;
  }

  environment(service: ServerlessService, sid: string): ServerlessEnvironment | undefined {
    return ServerlessStore.owned(this.environments, sid, (e) => e.serviceSid === service.sid);
  }

  environmentsOf(service: ServerlessService): ServerlessEnvironment[] {
    return ServerlessStore.of(this.environments, (e) => e.serviceSid === service.sid);
  }

  deleteEnvironment(environment: ServerlessEnvironment): void {
    this.environments.delete(environment.sid);
    for (const map of [this.variables, this.deployments] as Map<string, InEnvironment>[]) {
      for (const [sid, item] of map) if (item.environmentSid === environment.sid) map.delete(sid);
    }
  }

  /** The environment's domain: `{domainBase}[-{suffix}].twil.io`, as Twilio names it. */
  domainName(environment: ServerlessEnvironment): string {
    const base = this.services.get(environment.serviceSid)?.domainBase ?? '';
    return `${base}${environment.domainSuffix ? `-${environment.domainSuffix}` : ''}.twil.io`;
  }

  createVariable(environment: ServerlessEnvironment, key: string, value: string): ServerlessVariable {
    if (this.variablesOf(environment).some((v) => v.key === key)) throw conflict(`Variable with Key ${key} already exists`);
    const variable: ServerlessVariable = { ...this.stamp('ZV'), serviceSid: environment.serviceSid, environmentSid: environment.sid, key, value };
    this.variables.set(variable.sid, variable);
    return variable;
  }

  updateVariable(variable: ServerlessVariable, changes: { key?: string; value?: string }): void {
    if (changes.key !== undefined && changes.key !== variable.key) {
      const siblings = ServerlessStore.of(this.variables, (v) => v.environmentSid === variable.environmentSid);
      if (siblings.some((v) => v.key === changes.key)) throw conflict(`Variable with Key ${changes.key} already exists`);
    }
    Object.assign(variable, changes);
    this.touch(variable);
  }

  variable(environment: ServerlessEnvironment, sid: string): ServerlessVariable | undefined {
    return ServerlessStore.owned(this.variables, sid, (v) => v.environmentSid === environment.sid);
  }

  variablesOf(environment: ServerlessEnvironment): ServerlessVariable[] {
    return ServerlessStore.of(this.variables, (v) => v.environmentSid === environment.sid);
  }

  deleteVariable(variable: ServerlessVariable): void {
    this.variables.delete(variable.sid);
  }

  /** Activates a completed Build in the Environment. */
  createDeployment(environment: ServerlessEnvironment, build: ServerlessBuild): ServerlessDeployment {
    const deployment: ServerlessDeployment = { ...this.stamp('ZD'), serviceSid: environment.serviceSid, environmentSid: environment.sid, buildSid: build.sid };
    this.deployments.set(deployment.sid, deployment);
    environment.buildSid = build.sid;
    this.touch(environment);
    return deployment;
  }

  deployment(environment: ServerlessEnvironment, sid: string): ServerlessDeployment | undefined {
    return ServerlessStore.owned(this.deployments, sid, (d) => d.environmentSid === environment.sid);
  }

  deploymentsOf(environment: ServerlessEnvironment): ServerlessDeployment[] {
    return ServerlessStore.of(this.deployments, (d) => d.environmentSid === environment.sid);
  }

  // Functions and Assets, and their Versions.

  createResource(service: ServerlessService, kind: ResourceKind, friendlyName: string): ServerlessResource {
    const resource: ServerlessResource = { ...this.stamp('ZH'), kind, serviceSid: service.sid, friendlyName };
    this.resources.set(resource.sid, resource);
    return resource;
  }

  resource(service: ServerlessService, kind: ResourceKind, sid: string): ServerlessResource | undefined {
    return ServerlessStore.owned(this.resources, sid, (r) => r.serviceSid === service.sid && r.kind === kind);
  }

  resourcesOf(service: ServerlessService, kind: ResourceKind): ServerlessResource[] {
    return ServerlessStore.of(this.resources, (r) => r.serviceSid === service.sid && r.kind === kind);
  }

  /** Twilio refuses to delete a Function or Asset that a Build still uses. */
  deleteResource(resource: ServerlessResource): void {
    const used = [...this.builds.values()].some((b) =>
      [...b.functionVersions, ...b.assetVersions].some((sid) => this.versions.get(sid)?.resourceSid === resource.sid),
    );
    if (used) throw conflict(`The ${resource.kind} ${resource.sid} is used by a Build`);
    this.resources.delete(resource.sid);
    for (const [sid, version] of this.versions) if (version.resourceSid === resource.sid) this.versions.delete(sid);
  }

  createVersion(resource: ServerlessResource, input: { path: string; visibility: Visibility; content: Buffer; contentType: string }): ServerlessVersion {
    const version: ServerlessVersion = { ...this.stamp('ZN'), kind: resource.kind, serviceSid: resource.serviceSid, resourceSid: resource.sid, ...input };
    this.versions.set(version.sid, version);
    return version;
  }

  /** Any Version by SID (a Build names them without their parent). */
  versionBySid(sid: string): ServerlessVersion | undefined {
    return this.versions.get(sid);
  }

  version(resource: ServerlessResource, sid: string): ServerlessVersion | undefined {
    return ServerlessStore.owned(this.versions, sid, (v) => v.resourceSid === resource.sid);
  }

  versionsOf(resource: ServerlessResource): ServerlessVersion[] {
    return ServerlessStore.of(this.versions, (v) => v.resourceSid === resource.sid);
  }

  // Builds.

  createBuild(service: ServerlessService, input: { functionVersions: string[]; assetVersions: string[]; dependencies: Dependency[]; runtime: string }): ServerlessBuild {
    const build: ServerlessBuild = { ...this.stamp('ZB'), serviceSid: service.sid, status: 'building', ...input };
    this.builds.set(build.sid, build);
    return build;
  }

  /**
   * A Build is `building` when created and `completed` from the first read on: Twilio's npm
   * install takes seconds to minutes, which only slows tests (twilio-run polls every second).
   */
  private settle(build: ServerlessBuild): ServerlessBuild {
    if (build.status === 'building') {
      build.status = 'completed';
      this.touch(build);
    }
    return build;
  }

  build(service: ServerlessService, sid: string): ServerlessBuild | undefined {
    const found = ServerlessStore.owned(this.builds, sid, (b) => b.serviceSid === service.sid);
    return found && this.settle(found);
  }

  buildsOf(service: ServerlessService): ServerlessBuild[] {
    return ServerlessStore.of(this.builds, (b) => b.serviceSid === service.sid).map((b) => this.settle(b));
  }

  /** Twilio refuses to delete a Build that an Environment runs. */
  deleteBuild(build: ServerlessBuild): void {
    if ([...this.environments.values()].some((e) => e.buildSid === build.sid)) throw conflict(`The Build ${build.sid} is deployed`);
    this.builds.delete(build.sid);
  }
}
