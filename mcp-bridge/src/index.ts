/**
 * Entry point: `node mcp-bridge/dist/index.js` (LibreChat and Claude Desktop start it over stdio),
 * or with `--http` / MCP_TRANSPORT=http as one Streamable HTTP service (http/http-server.ts).
 * Configuration comes from the environment only; stdout is the protocol, logs go to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { logPiiFrom } from '../../lib/mask';
import { type BridgeConfig, describeConfig, loadConfig } from './config';
import { createDeps } from './deps';
import { createLogger, type Logger } from './logger';
import { createServer } from './server';
import { loadHttpSettings, wantsHttp } from './http/http-settings';

function fail(message: string): never {
  createLogger({ logPii: logPiiFrom(process.env.LOG_PII) }).error(`configuration: ${message}`);
  process.exit(1);
}

async function serveStdio(config: BridgeConfig, log: Logger): Promise<void> {
  const deps = createDeps(config, log);
  const server = createServer(deps);
  // The Twilio client (mcp-bridge/dist/twilio-client.js) loads on the first call that needs it,
  // not ahead of it: ≈5 MB resident in every bridge that is never used (LibreChat starts one per
  // signed-in user, issue 27), for ≈50–80 ms once on that first call.
  await server.connect(deps.delivery.wrap(new StdioServerTransport()));
  log.info('ready on stdio');
  // Closing cancels calls in flight; what they took is given back before the process ends.
  const stop = () => void server.close().then(() => deps.delivery.settled()).finally(() => process.exit(0));
  process.stdin.on('close', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function serveHttp(config: BridgeConfig, log: Logger): Promise<void> {
  const loaded = loadHttpSettings(process.env);
  if (!loaded.ok) fail(loaded.error);
  // Loaded only here: stdio, the common case, does not pay for the HTTP transport.
  const { startHttpBridge } = require('./http/http-server') as typeof import('./http/http-server');
  const bridge = await startHttpBridge(config, loaded.settings, log);
  const { tokens } = loaded.settings;
  log.info(`listening on ${bridge.url} (${tokens.length ? `${tokens.length} bearer token(s)` : 'no tokens: this machine only'})`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: finishing calls in flight, then stopping`);
    void bridge.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function main(): Promise<void> {
  const mode = wantsHttp(process.env, process.argv.slice(2));
  if (!mode.ok) fail(mode.error);
  const loaded = loadConfig(process.env);
  if (!loaded.ok) fail(loaded.error);
  const log = createLogger({ logPii: loaded.config.logPii });
  for (const note of loaded.notes) log.info(note);
  log.info(`configuration loaded: ${describeConfig(loaded.config)}`);
  await (mode.http ? serveHttp(loaded.config, log) : serveStdio(loaded.config, log));
}

main().catch((error: unknown) => {
  process.stderr.write(`[twilio-sms-mcp] fatal: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
