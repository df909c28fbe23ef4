/**
 * Entry point: `node mcp-bridge/dist/index.js` (LibreChat and Claude Desktop start it over stdio:
 * stdio.ts), or with `--http` / MCP_TRANSPORT=http as one Streamable HTTP service (http/http-server.ts).
 * Configuration comes from the environment only; stdout is the protocol, logs go to stderr.
 */
import { logPiiFrom } from '../../../lib/mask';
import { type BridgeConfig, describeConfig, loadConfig } from './env-config';
import { createLogger, type Logger } from './stderr-logger';
import { loadHttpSettings, wantsHttp } from './http/http-settings';
import { serveStdio } from './stdio';

function fail(message: string): never {
  createLogger({ logPii: logPiiFrom(process.env.LOG_PII) }).error(`configuration: ${message}`);
  process.exit(1);
}

async function serveHttp(config: BridgeConfig, log: Logger): Promise<void> {
  const loaded = loadHttpSettings(process.env);
  if (!loaded.ok) fail(loaded.error);
  // Loaded only here: stdio, the common case, does not pay for the HTTP transport.
  const { startHttpService } = require('./http/http-server') as typeof import('./http/http-server');
  const bridge = await startHttpService(config, loaded.settings, log);
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
