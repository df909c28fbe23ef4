import { startEmulator, type Emulator } from '../../emulator';
import { raw, restError, tokenClient } from './test-helpers';

/** What @twilio-labs/serverless-api posts to serverless-upload.twilio.com: a multipart form. */
async function upload(emulator: Emulator, path: string, fields: { Path: string; Visibility: string; content?: string }, auth = true) {
  const form = new FormData();
  form.append('Path', fields.Path);
  form.append('Visibility', fields.Visibility);
  if (fields.content !== undefined) form.append('Content', new Blob([fields.content], { type: 'application/javascript' }), 'file.js');
  const headers: Record<string, string> = auth ? { Authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}` } : {};
  const response = await fetch(`${emulator.url}/serverless-upload/v1/Services/${path}/Versions`, { method: 'POST', body: form, headers });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('emulated Serverless API', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  const serverless = () => tokenClient(emulator).serverless.v1;

  it('creates a Service with credentials included by default, finds it by SID or unique name, and refuses a taken name (409)', async () => {
    const created = await serverless().services.create({ uniqueName: 'svc-a', friendlyName: 'Service A' });
    expect(created.sid).toMatch(/^ZS[0-9a-f]{32}$/);
    expect(created).toMatchObject({
      uniqueName: 'svc-a',
      includeCredentials: true,
      uiEditable: false,
      url: `https://serverless.twilio.com/v1/Services/${created.sid}`,
    });
    expect(created.domainBase).toMatch(/^svc-a-\d{4}$/);
    expect((await serverless().services('svc-a').fetch()).sid).toBe(created.sid);
    expect(await restError(serverless().services.create({ uniqueName: 'svc-a', friendlyName: 'again' }))).toMatchObject({ status: 409 });
    expect(await restError(serverless().services.create({ uniqueName: 'has space', friendlyName: 'x' }))).toMatchObject({ status: 400 });
    const updated = await serverless().services(created.sid).update({ includeCredentials: false });
    expect(updated.includeCredentials).toBe(false);
  });

  it('names Environment domains after the Service and suffix, and refuses a duplicate suffix', async () => {
    const service = await serverless().services.create({ uniqueName: 'svc-env', friendlyName: 'env' });
    const environments = serverless().services(service.sid).environments;
    const dev = await environments.create({ uniqueName: 'dev-environment', domainSuffix: 'dev' });
    const production = await environments.create({ uniqueName: 'production' });
    expect(dev.sid).toMatch(/^ZE[0-9a-f]{32}$/);
    expect(dev).toMatchObject({ domainSuffix: 'dev', domainName: `${service.domainBase}-dev.twil.io`, buildSid: null });
    expect(production).toMatchObject({ domainSuffix: null, domainName: `${service.domainBase}.twil.io` });
    expect(await restError(environments.create({ uniqueName: 'other', domainSuffix: 'dev' }))).toMatchObject({ status: 409 });
    expect((await environments.list()).map((e) => e.uniqueName)).toEqual(['dev-environment', 'production']);
  });

  it('keeps Variables per Environment: create, update, list with paging, delete; one key once, values ≤ 450 bytes', async () => {
    const service = await serverless().services.create({ uniqueName: 'svc-vars', friendlyName: 'vars' });
    const environment = await serverless().services(service.sid).environments.create({ uniqueName: 'dev-environment', domainSuffix: 'dev' });
    const variables = serverless().services(service.sid).environments(environment.sid).variables;
    const reply = await variables.create({ key: 'AUTO_REPLY_TEXT', value: 'Thanks' });
    expect(reply.sid).toMatch(/^ZV[0-9a-f]{32}$/);
    expect(await restError(variables.create({ key: 'AUTO_REPLY_TEXT', value: 'again' }))).toMatchObject({ status: 409 });
    expect(await restError(variables.create({ key: 'BIG', value: 'x'.repeat(451) }))).toMatchObject({ status: 400 });
    await variables.create({ key: 'LOG_PII', value: 'false' });
    expect((await variables(reply.sid).update({ value: 'Hello' })).value).toBe('Hello');
    const page = await raw(emulator, 'GET', `/serverless/v1/Services/${service.sid}/Environments/${environment.sid}/Variables?PageSize=1`, { auth: 'token' });
    expect(page.json).toMatchObject({ meta: { key: 'variables', page_size: 1, next_page_url: expect.stringMatching(/^https:\/\/serverless\.twilio\.com\/v1\/Services\/ZS/) } });
    expect((await variables.list({ pageSize: 1 })).map((v) => v.key)).toEqual(['AUTO_REPLY_TEXT', 'LOG_PII']);
    expect(await variables(reply.sid).remove()).toBe(true);
    expect((await variables.list()).map((v) => v.key)).toEqual(['LOG_PII']);
  });

  it('uploads Function and Asset Versions as multipart forms on serverless-upload, and serves Function code back', async () => {
    const service = await serverless().services.create({ uniqueName: 'svc-up', friendlyName: 'up' });
    const fn = await serverless().services(service.sid).functions.create({ friendlyName: '/sms/incoming' });
    expect(fn.sid).toMatch(/^ZH[0-9a-f]{32}$/);
    const code = 'exports.handler = (context, event, callback) => callback(null, "ok");';
    const uploaded = await upload(emulator, `${service.sid}/Functions/${fn.sid}`, { Path: 'sms/incoming', Visibility: 'protected', content: code });
    expect(uploaded.status).toBe(201);
    expect(uploaded.json).toMatchObject({ path: '/sms/incoming', visibility: 'protected', function_sid: fn.sid });
    const versionSid = String(uploaded.json.sid);
    expect(versionSid).toMatch(/^ZN[0-9a-f]{32}$/);
    const content = await serverless().services(service.sid).functions(fn.sid).functionVersions(versionSid).functionVersionContent().fetch();
    expect(content.content).toBe(code);
    expect(emulator.uploadedContent(versionSid)?.toString()).toBe(code);

    const asset = await serverless().services(service.sid).assets.create({ friendlyName: '/index.html' });
    const page = await upload(emulator, `${service.sid}/Assets/${asset.sid}`, { Path: '/index.html', Visibility: 'public', content: '<h1>hi</h1>' });
    expect(page.json).toMatchObject({ asset_sid: asset.sid, path: '/index.html', visibility: 'public' });
    expect(emulator.uploadedContent(String(page.json.sid))?.toString()).toBe('<h1>hi</h1>');

    expect((await upload(emulator, `${service.sid}/Functions/${fn.sid}`, { Path: '/x', Visibility: 'secret', content: code })).status).toBe(400);
    expect((await upload(emulator, `${service.sid}/Functions/${fn.sid}`, { Path: '/x', Visibility: 'public' })).status).toBe(400);
    expect((await upload(emulator, `${service.sid}/Functions/${fn.sid}`, { Path: '/x', Visibility: 'public', content: code }, false)).status).toBe(401);
  });

  it('builds the uploaded Versions with their dependencies and runtime, completes, and deploys the Build to an Environment', async () => {
    const service = await serverless().services.create({ uniqueName: 'svc-build', friendlyName: 'build' });
    const fn = await serverless().services(service.sid).functions.create({ friendlyName: '/sms/status' });
    const version = await upload(emulator, `${service.sid}/Functions/${fn.sid}`, { Path: '/sms/status', Visibility: 'protected', content: 'exports.handler = () => {};' });
    const versionSid = String(version.json.sid);
    const builds = serverless().services(service.sid).builds;
    // The toolkit's form exactly: Dependencies as JSON wrapped in an extra pair of quotes.
    const created = await raw(emulator, 'POST', `/serverless/v1/Services/${service.sid}/Builds`, {
      auth: 'token',
      form: { FunctionVersions: versionSid, Dependencies: `"${JSON.stringify([{ name: 'twilio', version: '6.2.0' }])}"`, Runtime: 'node22' },
    });
    expect(created.status).toBe(201);
    const buildSid = String((created.json as { sid: string }).sid);
    expect(created.json).toMatchObject({ status: 'building', runtime: 'node22', dependencies: [{ name: 'twilio', version: '6.2.0' }] });
    expect((await builds(buildSid).buildStatus().fetch()).status).toBe('completed');
    const build = await builds(buildSid).fetch();
    expect(build.functionVersions).toEqual([expect.objectContaining({ sid: versionSid, path: '/sms/status', visibility: 'protected' })]);

    expect(await restError(builds.create({ functionVersions: [versionSid], runtime: 'node18' }))).toMatchObject({ status: 400, code: 82007 });
    expect(await restError(builds.create({ functionVersions: [`ZN${'0'.repeat(32)}`] }))).toMatchObject({ status: 400 });
    expect((await builds.create({ functionVersions: [versionSid] })).runtime).toBe('node22');

    const environment = await serverless().services(service.sid).environments.create({ uniqueName: 'production' });
    const deployment = await serverless().services(service.sid).environments(environment.sid).deployments.create({ buildSid });
    expect(deployment).toMatchObject({ buildSid, environmentSid: environment.sid });
    expect((await serverless().services(service.sid).environments(environment.sid).fetch()).buildSid).toBe(buildSid);
    expect(await restError(builds(buildSid).remove())).toMatchObject({ status: 409 });
    expect(await restError(serverless().services(service.sid).functions(fn.sid).remove())).toMatchObject({ status: 409 });
  });

  describe('Build create checks the runtime and the runtime handler as Twilio does', () => {
    let serviceSid: string;
    let versionSid: string;

    beforeAll(async () => {
      const service = await serverless().services.create({ uniqueName: 'svc-rules', friendlyName: 'rules' });
      serviceSid = service.sid;
      const fn = await serverless().services(serviceSid).functions.create({ friendlyName: '/f' });
      versionSid = String((await upload(emulator, `${serviceSid}/Functions/${fn.sid}`, { Path: '/f', Visibility: 'protected', content: 'exports.handler = () => {};' })).json.sid);
    });

    /** The Build create @twilio-labs/serverless-api 5.7 sends: package.json's dependencies as quoted JSON, Runtime when configured. */
    const createBuild = (dependencies: Record<string, string>, runtime?: string) =>
      raw(emulator, 'POST', `/serverless/v1/Services/${serviceSid}/Builds`, {
        auth: 'token',
        form: {
          FunctionVersions: versionSid,
          Dependencies: `"${JSON.stringify(Object.entries(dependencies).map(([name, version]) => ({ name, version })))}"`,
          ...(runtime && { Runtime: runtime }),
        },
      });
    const handlerOf = (json: unknown) => (json as { dependencies: { name: string; version: string }[] }).dependencies.find((d) => d.name === '@twilio/runtime-handler')?.version;

    it.each(['2.1.0', '2.0.3', '2.0.2', '^2.0.1', '2.1.2'])('refuses @twilio/runtime-handler %s on node22 with 400 / 20001 and Twilio\'s text', async (version) => {
      const refused = await createBuild({ twilio: '6.2.0', '@twilio/runtime-handler': version }, 'node22');
      expect(refused).toMatchObject({ status: 400 });
      expect(refused.json).toEqual({
        code: 20001,
        message: `Some dependencies could not be validated. No matching version found for @twilio/runtime-handler@${version}. You can find the valid versions at https://www.twilio.com/docs/serverless/functions-assets/handler`,
        more_info: 'https://www.twilio.com/docs/errors/20001',
        status: 400,
      });
    });

    it('builds with a handler version Twilio serves, as named, on node22 and by default', async () => {
      for (const version of ['2.0.1', '2.0.0', '1.3.1', '1.1.0']) {
        const built = await createBuild({ twilio: '6.2.0', '@twilio/runtime-handler': version }, 'node22');
        expect(built.status).toBe(201);
        expect(handlerOf(built.json)).toBe(version);
      }
      const byDefault = await createBuild({ '@twilio/runtime-handler': '2.0.1' });
      expect(byDefault.json).toMatchObject({ runtime: 'node22', dependencies: [{ name: '@twilio/runtime-handler', version: '2.0.1' }] });
      // No handler named: nothing to check (twilio-run itself refuses to deploy without one).
      expect((await createBuild({ twilio: '6.2.0' })).status).toBe(201);
    });

    it('on node24 records 2.1.2 for a named 1.2.0–2.1.2, refuses older ones, and checks the list first', async () => {
      for (const version of ['1.2.0', '1.3.1', '2.0.1', '2.1.2']) {
        const built = await createBuild({ twilio: '6.2.0', '@twilio/runtime-handler': version }, 'node24');
        expect(built.status).toBe(201);
        expect(built.json).toMatchObject({ runtime: 'node24' });
        expect(handlerOf(built.json)).toBe('2.1.2');
      }
      const old = await createBuild({ '@twilio/runtime-handler': '1.1.1' }, 'node24');
      expect(old.json).toMatchObject({ status: 400, code: 20001, message: expect.stringContaining('upgrade @twilio/runtime-handler to 1.2.0 or later') });
      // twilio-labs/serverless-toolkit#564: npm's 2.1.0 on node24 is refused, not upgraded.
      expect((await createBuild({ '@twilio/runtime-handler': '2.1.0' }, 'node24')).json).toMatchObject({
        status: 400,
        code: 20001,
        message: expect.stringContaining('No matching version found for @twilio/runtime-handler@2.1.0.'),
      });
    });

    it.each(['node18', 'node20', 'node16', 'node26'])('refuses runtime %s, which Twilio does not build, with 400 / 82007', async (runtime) => {
      expect((await createBuild({ '@twilio/runtime-handler': '2.0.1' }, runtime)).json).toMatchObject({
        status: 400,
        code: 82007,
        message: expect.stringContaining(`${runtime} is not supported`),
        more_info: 'https://www.twilio.com/docs/errors/82007',
      });
    });
  });

  it('authenticates like the other products and records serverless requests by route', async () => {
    expect((await raw(emulator, 'GET', '/serverless/v1/Services')).status).toBe(401);
    expect((await raw(emulator, 'GET', `/serverless/v1/Services/ZS${'0'.repeat(32)}`, { auth: 'token' })).status).toBe(404);
    expect(emulator.count({ product: 'serverless', route: '/v1/Services' })).toBeGreaterThan(0);
    expect(emulator.count({ product: 'serverless-upload' })).toBeGreaterThan(0);
  });
});
