/**
 * Public API of the local Twilio emulator: startEmulator() serves the slice of Twilio this
 * product uses (Messages, IncomingPhoneNumbers, Sync, and Serverless for deploys) on loopback,
 * for the real twilio client created by lib/twilio-client.ts with `apiBaseUrl` set to
 * `emulator.url`.
 */
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { accountRoutes } from './account';
import { createControlHandler } from './control';
import { DeliverySimulator } from './delivery';
import { FaultInjector } from './faults';
import { InboundSimulator } from './inbound';
import { Latency } from './latency';
import { contentRoutes } from './content-routes';
import { messageRoutes } from './message-routes';
import { MessageLog } from './messages';
import { MessagingServiceRegistry, messagingServiceRoutes } from './messaging-services';
import { PhoneNumberStore, phoneNumberRoutes } from './phone-numbers';
import { SyncRateLimiter } from './rate-limit';
import { RequestRecorder } from './recorder';
export { roundTripsOf } from './recorder';
import { Router } from './router';
import { createEmulatorServer } from './server';
import { serverlessBuildRoutes } from './serverless-build-routes';
import { ServerlessRenderer } from './serverless-render';
import { serverlessRoutes } from './serverless-routes';
import { ServerlessStore } from './serverless-store';
import { serverlessUploadRoutes } from './serverless-upload-routes';
import { createContext, resolveOptions, type ResolvedOptions } from './state';
import type { SyncDeps } from './sync-common';
import { syncDocumentRoutes } from './sync-document-routes';
import { syncListRoutes } from './sync-list-routes';
import { syncMapRoutes } from './sync-map-routes';
import { syncServiceRoutes } from './sync-service-routes';
import { SyncStore } from './sync-store';
import type { Emulator, EmulatorOptions } from './types';

export type {
  CountFilter,
  DeliveryOutcome,
  Emulator,
  EmulatorOptions,
  FaultKind,
  FaultSpec,
  InboundAttempt,
  InboundMedia,
  InboundResult,
  InboundSpec,
  LatencySpec,
  MessageDirection,
  MessageResource,
  MessageStatus,
  MessagingServiceSpec,
  Product,
  RecordedRequest,
  SyncLimits,
} from './types';
export {
  DEFAULT_ACCOUNT_SID,
  DEFAULT_API_KEY,
  DEFAULT_API_SECRET,
  DEFAULT_AUTH_TOKEN,
  DEFAULT_SYNC_LIMITS,
  MAGIC_FROM_NUMBER,
} from './state';

function validateOptions(options: ResolvedOptions): void {
  const checks: [boolean, string][] = [
    [/^AC[0-9a-fA-F]{32}$/.test(options.accountSid), `accountSid must be 'AC' + 32 hex, got ${options.accountSid}`],
    [/^SK[0-9a-fA-F]{32}$/.test(options.apiKey), `apiKey must be 'SK' + 32 hex, got ${options.apiKey}`],
    [options.authToken.length > 0, 'authToken must not be empty'],
    [options.apiSecret.length > 0, 'apiSecret must not be empty'],
    [Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535, `port must be 0-65535, got ${options.port}`],
    [options.deliveryStepMs >= 0, `deliveryStepMs must be >= 0, got ${options.deliveryStepMs}`],
    [options.webhookTimeoutMs > 0, `webhookTimeoutMs must be > 0, got ${options.webhookTimeoutMs}`],
    [
      options.syncLimits === false || (options.syncLimits.perObjectPerSecond > 0 && options.syncLimits.windowSeconds >= 1),
      'syncLimits needs perObjectPerSecond > 0 and windowSeconds >= 1 (or false)',
    ],
  ];
  for (const sid of options.syncServices) checks.push([/^IS[0-9a-f]{32}$/.test(sid), `Sync service SID must be 'IS' + 32 hex, got ${sid}`]);
  const failed = checks.find(([ok]) => !ok);
  if (failed) throw new Error(`Twilio emulator: ${failed[1]}`);
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** The URL clients use: a wildcard bind is still reached over loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved = resolveOptions(options);
  validateOptions(resolved);
  const ctx = createContext(resolved, options.log);

  const services = new MessagingServiceRegistry(resolved.messagingServices);
  const numbers = new PhoneNumberStore(ctx, [...resolved.phoneNumbers, ...services.allNumbers()]);
  const messages = new MessageLog(ctx);
  const delivery = new DeliverySimulator(ctx, messages, services);
  const inbound = new InboundSimulator(ctx, numbers, messages, services);
  const limiter = new SyncRateLimiter(resolved.syncLimits, () => ctx.clock.now());
  const sync = new SyncStore(ctx, limiter);
  for (const sid of resolved.syncServices) sync.createService(null, sid);
  const syncDeps: SyncDeps = { ctx, store: sync, limiter };
  const serverless = new ServerlessStore(ctx);
  const serverlessDeps = {
    store: serverless,
    render: new ServerlessRenderer(resolved.accountSid, (e) => serverless.domainName(e), (sid) => serverless.versionBySid(sid)),
  };

  const router = new Router();
  router.add(
    ...accountRoutes(ctx),
    ...phoneNumberRoutes(ctx, numbers),
    ...messageRoutes({ ctx, store: messages, numbers, services, delivery }),
    ...messagingServiceRoutes(ctx, services, numbers),
    ...contentRoutes(ctx),
    ...syncServiceRoutes(syncDeps),
    ...syncListRoutes(syncDeps),
    ...syncMapRoutes(syncDeps),
    ...syncDocumentRoutes(syncDeps),
    ...serverlessRoutes(serverlessDeps),
    ...serverlessBuildRoutes(serverlessDeps),
    ...serverlessUploadRoutes(serverlessDeps),
  );
  const faults = new FaultInjector(ctx.random);
  const recorder = new RequestRecorder();
  const latency = new Latency(options.latency, Latency.randomFor(resolved.seed));

  let port = resolved.port;
  let closing: Promise<void> | undefined;
  const emulator: Emulator = {
    get url() {
      return `http://${urlHost(resolved.host)}:${port}`;
    },
    get port() {
      return port;
    },
    accountSid: resolved.accountSid,
    authToken: resolved.authToken,
    apiKey: resolved.apiKey,
    apiSecret: resolved.apiSecret,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        ctx.timers.clearAll();
        ctx.webhooks.close();
        server.close(() => resolve());
        server.closeAllConnections(); // keep-alive sockets of twilio-node would hold close() open
      });
      return closing;
    },
    requests: () => recorder.all(),
    count: (filter) => recorder.count(filter),
    resetCounts: () => recorder.reset(),
    injectFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    setDeliveryOutcome: (to, outcome) => delivery.setOutcome(to, outcome),
    simulateInbound: (spec) => inbound.simulate(spec),
    messages: () => messages.all().map((m) => messages.render(m)),
    createSyncService: (friendlyName) => sync.createService(friendlyName ?? null).sid,
    advanceTime: (ms) => {
      ctx.clock.advance(ms);
      delivery.releaseDue();
    },
    uploadedContent: (sid) => serverless.versionBySid(sid)?.content,
    setLatency: (spec) => latency.set(spec),
  };

  const server = createEmulatorServer({
    ctx,
    router,
    faults,
    recorder,
    latency,
    control: createControlHandler(emulator, recorder),
    credentials: resolved,
  });
  await listen(server, resolved.port, resolved.host);
  port = (server.address() as AddressInfo).port;
  ctx.log(`listening on ${emulator.url}`);
  return emulator;
}
