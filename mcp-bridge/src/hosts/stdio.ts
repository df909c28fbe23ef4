/** The bridge over stdio: one client, one scope, for as long as the client keeps the pipe open. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { BridgeConfig } from '../server/bridge-config';
import { createServer } from '../server/create-server';
import { createDeps, createShared } from '../server/deps';
import type { Logger } from '../server/logger';
import { processHost } from './process-host';

export async function serveStdio(config: BridgeConfig, log: Logger): Promise<void> {
  const deps = createDeps(config, log, createShared(config, log, processHost(config, log)));
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
