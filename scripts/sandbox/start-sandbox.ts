/**
 * The sandbox: the local system (../system/local-system.ts) on the sandbox's number and fixed
 * Sync service, provisioned by provision.ts as `npm run setup` provisions a real account. The
 * start of `npm run sandbox` and of `npm run demo`.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';
import { type LocalSystem, startLocalSystem } from '../system/local-system';
import { bridgePath, twilioRunPath } from '../system/paths';
import { whatsappAddress } from '../../lib/whatsapp';

/**
 * The sandbox's Sync service has a fixed SID (the emulator CLI's too), so MCP client configuration
 * pasted from one run keeps working after a restart. provision() reuses it as it would reuse the
 * TWILIO_SYNC_SERVICE_SID of a real account.
 */
export const SANDBOX_SYNC_SERVICE_SID = 'ISb1c2d3e4f5a60718293a4b5c6d7e8f90';

/**
 * The bearer token of the sandbox's /mcp (functions/mcp.ts under twilio-run), fixed for the same
 * reason; it guards fake credentials on loopback only, and a real account's comes from npm run setup.
 */
export const SANDBOX_MCP_TOKEN = 'sandbox-mcp-token-not-a-secret-0123456789';

export interface SandboxOptions {
  /** 0 picks a free port (the demo). */
  emulatorPort: number;
  functionsPort: number;
  log: (line: string) => void;
  /** Log every request the emulator answers. */
  verbose?: boolean;
  /** Time between an outbound message's status steps (queued → sent → delivered). */
  deliveryStepMs?: number;
  signal?: AbortSignal;
}

/** `provisioned` is always set: the sandbox is provisioned. */
export type Sandbox = LocalSystem;

/** The artefacts the sandbox runs; a fresh clone has none until `npm install` (or `npm run build`). */
export function missingBuild(root: string): string[] {
  return [join(root, 'build', 'functions', 'sms', 'incoming.protected.js'), bridgePath(root), twilioRunPath(root)]
    .filter((path) => !existsSync(path))
    .map((path) => relative(root, path));
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const { log } = options;
  const system = await startLocalSystem({
    ourNumber: MAGIC_FROM_NUMBER,
    wiring: { kind: 'provision', syncServiceSid: SANDBOX_SYNC_SERVICE_SID },
    emulator: {
      port: options.emulatorPort,
      host: '127.0.0.1',
      ...(options.deliveryStepMs !== undefined ? { deliveryStepMs: options.deliveryStepMs } : {}),
      ...(options.verbose ? { log: (line: string) => log(`[emulator] ${line}`) } : {}),
    },
    functionsPort: options.functionsPort,
    // /mcp reads the bridge's settings from the Functions' environment, as on a real account.
    functionsEnv: { MCP_TOKENS: SANDBOX_MCP_TOKEN, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER, TWILIO_WHATSAPP_NUMBER: whatsappAddress(MAGIC_FROM_NUMBER) },
    log,
    signal: options.signal,
  });
  // The number is a WhatsApp sender too (the emulator's rules: emulator/whatsapp.ts), so the
  // assistant can answer `text whatsapp:+…` handsets on WhatsApp.
  system.bridgeEnv.TWILIO_WHATSAPP_NUMBER = whatsappAddress(MAGIC_FROM_NUMBER);
  return system;
}
