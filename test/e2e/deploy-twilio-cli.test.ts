/**
 * The deploy command on the design card, `twilio serverless:deploy`, run as a user runs it: the
 * Twilio CLI (`twilio-cli`) with the serverless plugin (`@twilio-labs/plugin-serverless`), against
 * the emulator's Serverless API reached as https://serverless(-upload).twilio.com through the
 * CONNECT proxy, as test/e2e/deploy.test.ts reaches it for `npm run deploy`. It must deploy what
 * `npm run deploy` deploys (the same Functions with the same visibility and bytes, dependencies,
 * runtime and Variables), and it shows the one thing it cannot do: turn a setting off.
 *
 * The whole CLI, not the plugin's command called by hand: `twilio` is oclif loading the plugin,
 * running twilio-cli's hooks, then the plugin's TwilioClientCommand taking the credentials before
 * it hands over to twilio-run's deploy. It fits CI's budget: the two packages add ≈26 s and
 * ≈110 MB (603 packages) to `npm install`, and this file runs in ≈10 s (each `twilio` call ≈1 s).
 *
 * Installed by npm ci, not by `twilio plugins:install` in the test: both are devDependencies at
 * exact versions (twilio-cli 6.2.4, the plugin 3.1.3, the latest of each), so the lockfile fixes
 * their whole tree, including the twilio-run the plugin deploys with; the test then does what
 * `twilio plugins:install` ends with, a plugin registered in the CLI's own package.json under
 * HOME, by `twilio plugins:link` (which installs nothing when the plugin has no yarn.lock:
 * asserted). A `plugins:install` here would hit the registry on every run, unpinned below the
 * plugin. The one difference from a user's install: npm's `overrides` dedupe `twilio` to the
 * project's 6.2.0 in the CLI's tree too (they ship twilio 5); the deploy only reads the client's
 * username and password from it, and twilio-run uploads with @twilio-labs/serverless-api.
 *
 * What the plugin brings: twilio-run 3.5.4 (`^3.5.3`), not the project's 5.0.1. Its deploy reads
 * .twilioserverlessrc the same way (the same readSpecializedConfig and mergeFlagsAndConfig, JSON5
 * loader, `runtime` passed through) and both resolve the same @twilio-labs/serverless-api 5.7.0,
 * which uploads; the check of @twilio/runtime-handler's version is the same file. The test does
 * not rest on that reading: it compares what both commands asked for and what the emulator
 * stored, byte for byte. Credentials differ: the CLI's (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN
 * here, else its active profile), never `.env`'s ACCOUNT_SID / AUTH_TOKEN.
 *
 * Nothing of the machine leaks in: HOME is a temporary directory, the environment is built from
 * nothing, and twilio-cli's two network calls of its own are off (TWILIO_DISABLE_AUTOUPDATE: the
 * background `twilio update`; TWILIO_SKIP_NEW_VERSION_CHECK: the registry lookup). The proxy
 * refuses every host but Twilio's, and the test asserts it refused none.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../emulator';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';
import { tokenClient } from '../emulator/test-helpers';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy';
import { ROOT } from '../support/paths';
import { copyDeployProject, type Deployed, deployEnv, exited, readDeployed } from '../support/serverless-deploy';

const TWILIO_CLI = join(ROOT, 'node_modules', 'twilio-cli', 'bin', 'run');
const PLUGIN = join(ROOT, 'node_modules', '@twilio-labs', 'plugin-serverless');
const DEPLOY_SCRIPT = join(ROOT, 'build', 'scripts', 'deploy.js');
const versionOf = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;

/** An emulator, its proxy and a project copy: where one deploy command deploys. */
interface Target {
  emulator: Emulator;
  proxy: ConnectProxy;
  project: string;
  syncServiceSid: string;
}

describe('twilio serverless:deploy (twilio-cli and the serverless plugin) against the Serverless API', () => {
  const dirs: string[] = [];
  const targets: Target[] = [];
  let home: string;
  let cli: Target;
  let reference: Target;

  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  async function target(): Promise<Target> {
    const emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER] });
    const proxy = await startConnectProxy(emulator.url);
    const project = tempDir('sms-mcp-project-');
    copyDeployProject(project);
    const made = { emulator, proxy, project, syncServiceSid: emulator.createSyncService('twilio-sms-mcp') };
    targets.push(made);
    return made;
  }

  /** `twilio …` as a user types it, with the credentials a CI job gives the CLI. */
  async function twilio(args: string[], at: Target, expectCode = 0): Promise<string> {
    const child = spawn(process.execPath, [TWILIO_CLI, ...args], {
      cwd: at.project,
      env: deployEnv(at.proxy, home, {
        TWILIO_ACCOUNT_SID: at.emulator.accountSid,
        TWILIO_AUTH_TOKEN: at.emulator.authToken,
        TWILIO_DISABLE_AUTOUPDATE: '1',
        TWILIO_SKIP_NEW_VERSION_CHECK: '1',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { code, output } = await exited(child);
    if (code !== expectCode) throw new Error(`twilio ${args.join(' ')} exited ${code}, expected ${expectCode}:\n${output}`);
    return output;
  }

  /** `npm run deploy` without the build, as deploy.test.ts runs it. */
  async function npmRunDeploy(at: Target): Promise<string> {
    const child = spawn(process.execPath, [DEPLOY_SCRIPT], { cwd: at.project, env: deployEnv(at.proxy, home), stdio: ['ignore', 'pipe', 'pipe'] });
    const { code, output } = await exited(child);
    if (code !== 0) throw new Error(`npm run deploy exited ${code}:\n${output}`);
    return output;
  }

  const writeEnv = (at: Target, lines: string[]) => writeFileSync(join(at.project, '.env'), lines.join('\n'));
  const settings = (at: Target) => [
    `SYNC_SERVICE_SID=${at.syncServiceSid}`,
    'AUTO_REPLY_TEXT=Thanks, we got your message',
    'WEBHOOK_BASE_URL=https://sms.example.com',
    'SYNC_TTL_SECONDS=0',
    'LOG_PII=false',
  ];
  const credentials = (at: Target) => [`ACCOUNT_SID=${at.emulator.accountSid}`, `AUTH_TOKEN=${at.emulator.authToken}`];

  /** A deploy as comparable across two emulators: contents for SIDs, the Sync SID by name. */
  function comparable(at: Target, deployed: Deployed) {
    const content = (v: { path: string; visibility: string; sid: string }) => ({ path: v.path, visibility: v.visibility, bytes: at.emulator.uploadedContent(v.sid)!.toString('base64') });
    return {
      functions: deployed.functions.map(content),
      assets: deployed.assets.map(content),
      dependencies: deployed.dependencies,
      runtime: deployed.runtime,
      variables: { ...deployed.variables, SYNC_SERVICE_SID: deployed.variables.SYNC_SERVICE_SID === at.syncServiceSid ? '(the Sync service)' : deployed.variables.SYNC_SERVICE_SID },
    };
  }

  /** What the deploy's one Build creation asked for. */
  function buildRequest(at: Target) {
    const builds = at.proxy.requests.filter((r) => r.method === 'POST' && /^\/v1\/Services\/ZS\w+\/Builds$/.test(r.path));
    expect(builds).toHaveLength(1);
    const form = builds[0]!.form!;
    // Dependencies as the toolkit sends them: JSON inside quotes (@twilio-labs/serverless-api's triggerBuild).
    return { runtime: form.getAll('Runtime'), dependencies: form.getAll('Dependencies') };
  }

  beforeAll(async () => {
    home = tempDir('sms-mcp-home-');
    cli = await target();
    reference = await target();
  });

  afterAll(async () => {
    for (const { proxy, emulator } of targets) {
      await proxy.close();
      await emulator.close();
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('the plugin is linked into a CLI whose home is empty, and deploys with its own twilio-run 3', async () => {
    // plugins:link runs `yarn` in the plugin when it ships a yarn.lock: a network call.
    expect(existsSync(join(PLUGIN, 'yarn.lock'))).toBe(false);
    await twilio(['plugins:link', PLUGIN], cli);
    const config = JSON.parse(readFileSync(join(home, '.twilio-cli', 'package.json'), 'utf8')) as unknown;
    expect(config).toMatchObject({ oclif: { plugins: [{ type: 'link', name: '@twilio-labs/plugin-serverless', root: PLUGIN }] } });
    expect(await twilio(['plugins'], cli)).toContain('@twilio-labs/plugin-serverless 3.1.3 (link)');
    expect(versionOf(join(ROOT, 'node_modules', 'twilio-cli', 'package.json'))).toBe('6.2.4');
    // What the finding above rests on: a different twilio-run, the same upload library.
    const twilioRunOf = (root: string) => createRequire(join(root, 'package.json')).resolve('twilio-run/package.json');
    const serverlessApiOf = (twilioRun: string) => createRequire(twilioRun).resolve('@twilio-labs/serverless-api/package.json');
    expect(versionOf(twilioRunOf(PLUGIN))).toBe('3.5.4');
    expect(versionOf(twilioRunOf(ROOT))).toBe('5.0.1');
    expect(serverlessApiOf(twilioRunOf(PLUGIN))).toBe(serverlessApiOf(twilioRunOf(ROOT)));
    expect(versionOf(serverlessApiOf(twilioRunOf(ROOT)))).toBe('5.7.0');
  }, 30_000);

  test('deploys what npm run deploy deploys: the same Functions, visibility, bytes, dependencies, node22 and Variables', async () => {
    writeEnv(reference, [...credentials(reference), ...settings(reference)]);
    await npmRunDeploy(reference);
    // A user's .env, as the README has it filled; the CLI takes its credentials from its own environment.
    writeEnv(cli, [...credentials(cli), ...settings(cli)]);
    const output = await twilio(['serverless:deploy'], cli);

    const deployed = await readDeployed(tokenClient(cli.emulator));
    expect(comparable(cli, deployed)).toEqual(comparable(reference, await readDeployed(tokenClient(reference.emulator))));
    // And what that is, in plain terms.
    const services = await tokenClient(cli.emulator).serverless.v1.services.list();
    expect(services.map((s) => [s.uniqueName, s.includeCredentials])).toEqual([['twilio-sms-mcp', true]]);
    expect(deployed.functions.map(({ path, visibility }) => [path, visibility])).toEqual([
      ['/mcp', 'public'],
      ['/sms/incoming', 'protected'],
      ['/sms/status', 'protected'],
    ]);
    expect(deployed.runtime).toBe('node22');
    expect(deployed.variables).not.toHaveProperty('ACCOUNT_SID');
    expect(deployed.variables).not.toHaveProperty('AUTH_TOKEN');
    expect(output).toContain(deployed.domainName);
    // The same Runtime and Dependencies asked for: the emulator's default runtime is node22 too.
    expect(buildRequest(cli)).toEqual(buildRequest(reference));
    expect(buildRequest(cli).runtime).toEqual(['node22']);
    // Recorded where npm run deploy looks for the Service next time, under the same key.
    const deployInfo = (at: Target) => JSON.parse(readFileSync(join(at.project, '.twiliodeployinfo'), 'utf8')) as Record<string, { serviceSid: string }>;
    expect(deployInfo(cli)).toEqual({ [`${cli.emulator.accountSid}:us1`]: expect.objectContaining({ serviceSid: deployed.serviceSid }) });
    expect(Object.keys(deployInfo(reference))).toEqual([`${reference.emulator.accountSid}:us1`]);
    expect(new Set(cli.proxy.requests.map((r) => r.host))).toEqual(new Set(['serverless.twilio.com', 'serverless-upload.twilio.com']));
    expect(cli.proxy.refused).toEqual([]);
  }, 90_000);

  test('cannot turn a setting off: an emptied AUTO_REPLY_TEXT stays deployed until unset by hand, as docs/deploy.md says', async () => {
    const before = await readDeployed(tokenClient(cli.emulator));
    // .env's AUTH_TOKEN is not what the CLI deploys with: a wrong one changes nothing.
    writeEnv(cli, [`ACCOUNT_SID=${cli.emulator.accountSid}`, 'AUTH_TOKEN=not-the-token', `SYNC_SERVICE_SID=${cli.syncServiceSid}`, 'AUTO_REPLY_TEXT=', 'SYNC_TTL_SECONDS=86400', 'LOG_PII=false']);
    await twilio(['serverless:deploy'], cli);
    const after = await readDeployed(tokenClient(cli.emulator));
    expect(after.serviceSid).toBe(before.serviceSid);
    expect(after.buildSid).not.toBe(before.buildSid);
    // Updated where .env has a value; the emptied and the omitted setting still in force.
    expect(after.variables).toEqual({
      SYNC_SERVICE_SID: cli.syncServiceSid,
      AUTO_REPLY_TEXT: 'Thanks, we got your message',
      WEBHOOK_BASE_URL: 'https://sms.example.com',
      SYNC_TTL_SECONDS: '86400',
      LOG_PII: 'false',
    });
    // docs/deploy.md's first remedy, with the same CLI.
    await twilio(['serverless:env:unset', '--key', 'AUTO_REPLY_TEXT', '--environment', 'dev'], cli);
    expect((await readDeployed(tokenClient(cli.emulator))).variables).not.toHaveProperty('AUTO_REPLY_TEXT');
    expect(cli.proxy.refused).toEqual([]);
  }, 90_000);

  test('docs/deploy.md\'s other remedy: npm run deploy after it updates the same Service and turns off what .env no longer sets', async () => {
    const before = await readDeployed(tokenClient(cli.emulator));
    writeEnv(cli, [...credentials(cli), `SYNC_SERVICE_SID=${cli.syncServiceSid}`, 'SYNC_TTL_SECONDS=86400', 'LOG_PII=false']);
    const output = await npmRunDeploy(cli);
    const after = await readDeployed(tokenClient(cli.emulator));
    expect(after.serviceSid).toBe(before.serviceSid);
    expect(after.buildSid).not.toBe(before.buildSid);
    expect(after.variables).toEqual({ SYNC_SERVICE_SID: cli.syncServiceSid, SYNC_TTL_SECONDS: '86400', LOG_PII: 'false' });
    expect(output).toContain('Turned off');
    expect(output).toContain('WEBHOOK_BASE_URL');
  }, 60_000);
});
