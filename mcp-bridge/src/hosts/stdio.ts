/** The bridge over stdio: one client, one scope, for as long as the client keeps the pipe open. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { BridgeConfig } from '../server/bridge-config';
import { createServer } from '../server/create-server';
import { createDeps, createShared } from '../server/deps';
import type { Logger } from '../server/logger';
import { processHost } from './process-host';

/**
 * Once the first tools/list answer is written, loads the Twilio client (mcp-bridge/dist/twilio-client.js)
 * while the client and its model decide what to call: the first tool call that needs Twilio then
 * finds it loaded. Nothing is sent to Twilio; initialize and tools/list never wait for it.
 */
function loadTwilioAfterToolsList(transport: StdioServerTransport, load: () => Promise<unknown>): StdioServerTransport {
  const send = transport.send.bind(transport);
  let loading = false;
  transport.send = async (message: JSONRPCMessage) => {
    await send(message);
    if (!loading && 'result' in message && Array.isArray((message.result as { tools?: unknown }).tools)) {
      loading = true;
      setImmediate(() => void load().catch(() => undefined)); // a failure shows on the call that needs it
    }
  };
  return transport;
}

export async function serveStdio(config: BridgeConfig, log: Logger): Promise<void> {
  const deps = createDeps(config, log, createShared(config, log, processHost(config, log)));
  const server = createServer(deps);
  await server.connect(deps.delivery.wrap(loadTwilioAfterToolsList(new StdioServerTransport(), deps.twilio)));
  log.info('ready on stdio');
  // Closing cancels calls in flight; what they took is given back before the process ends.
  const stop = () => void server.close().then(() => deps.delivery.settled()).finally(() => process.exit(0));
  process.stdin.on('close', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
