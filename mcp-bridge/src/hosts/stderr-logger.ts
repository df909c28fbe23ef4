/**
 * The bridge's log: stderr only, because stdout carries the MCP protocol and one stray line
 * breaks the client. Phone numbers and bodies are masked by the callers through `mask`.
 */
import { maskBody, maskPhone, maskPhonesIn } from '../../../lib/mask';
import type { Logger } from '../server/logger';

export type { Logger } from '../server/logger';

export function createLogger(options: { logPii: boolean; write?: (line: string) => void }): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Numbers are masked in the whole line too: error texts from Twilio quote them.
  const line = (level: string) => (message: string) => write(`${new Date().toISOString()} [twilio-sms-mcp] ${level} ${maskPhonesIn(message, options)}`);
  return {
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    phone: (value) => maskPhone(value, options),
    body: (value) => maskBody(value, options),
  };
}
