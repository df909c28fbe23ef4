/**
 * What both deploy tests share (test/e2e/deploy.test.ts runs `npm run deploy`,
 * deploy-twilio-cli.test.ts runs `twilio serverless:deploy`): the project a user's checkout holds
 * for a deploy, the environment a deploying child process gets (the CONNECT proxy in front of the
 * emulator, a throwaway HOME, nothing else of the machine's), and what a deploy left in the
 * emulator's Serverless API, read back through Twilio's API as a user would.
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import type { Twilio } from 'twilio';
import type { ConnectProxy } from './connect-proxy';
import { ROOT } from './paths';

/** The built Functions, the assets and the two files twilio-run reads, copied into `dir`. */
export function copyDeployProject(dir: string): void {
  cpSync(join(ROOT, 'build', 'functions'), join(dir, 'build', 'functions'), { recursive: true });
  cpSync(join(ROOT, 'assets'), join(dir, 'assets'), { recursive: true });
  for (const file of ['package.json', '.twilioserverlessrc']) cpSync(join(ROOT, file), join(dir, file));
}

/** A deploying process's whole environment: Twilio's hosts reached through `proxy`, HOME at `home`. */
export function deployEnv(proxy: ConnectProxy, home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    CI: 'true',
    HTTP_PROXY: proxy.url,
    HTTPS_PROXY: proxy.url,
    NODE_EXTRA_CA_CERTS: proxy.caFile,
    ...extra,
  };
}

export interface Deployed {
  serviceSid: string;
  environmentSid: string;
  domainName: string;
  variables: Record<string, string>;
  functions: { path: string; visibility: string; sid: string }[];
  assets: { path: string; visibility: string; sid: string }[];
  dependencies: { name: string; version: string }[];
  runtime: string;
  buildSid: string;
}

/** What the `dev` environment of the account's one Service runs, read back through Twilio's API. */
export async function readDeployed(client: Twilio): Promise<Deployed> {
  const serverless = client.serverless.v1;
  const [service] = await serverless.services.list();
  const environments = await serverless.services(service!.sid).environments.list();
  const environment = environments.find((e) => e.domainSuffix === 'dev')!;
  const build = await serverless.services(service!.sid).builds(environment.buildSid).fetch();
  const variables = await serverless.services(service!.sid).environments(environment.sid).variables.list();
  const versions = (list: unknown) => (list as { path: string; visibility: string; sid: string }[]).map(({ path, visibility, sid }) => ({ path, visibility, sid }));
  return {
    serviceSid: service!.sid,
    environmentSid: environment.sid,
    domainName: environment.domainName,
    variables: Object.fromEntries(variables.map((v) => [v.key, v.value])),
    functions: versions(build.functionVersions).sort((a, b) => a.path.localeCompare(b.path)),
    assets: versions(build.assetVersions),
    dependencies: build.dependencies as { name: string; version: string }[],
    runtime: build.runtime,
    buildSid: build.sid,
  };
}

/** Waits for `child` to exit, with its stdout and stderr together. */
export function exited(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}
