/**
 * Entry point: `node mcp-bridge/dist/index.js` (LibreChat and Claude Desktop start it over stdio).
 * Configuration comes from the environment only; stdout is the protocol, logs go to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { logPiiFrom } from '../../lib/mask';
import { describeConfig, loadConfig } from './config';
import { createDeps } from './deps';
import { createLogger } from './logger';
import { createServer } from './server';

async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    createLogger({ logPii: logPiiFrom(process.env.LOG_PII) }).error(`configuration: ${loaded.error}`);
    process.exit(1);
  }
  const log = createLogger({ logPii: loaded.config.logPii });
  for (const note of loaded.notes) log.info(note);
  log.info(`configuration loaded: ${describeConfig(loaded.config)}`);
  const deps = createDeps(loaded.config, log);
  const server = createServer(deps);
  await server.connect(deps.delivery.wrap(new StdioServerTransport()));
  log.info('ready on stdio');
  const stop = () => void server.close().finally(() => process.exit(0));
  process.stdin.on('close', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`[twilio-sms-mcp] fatal: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
