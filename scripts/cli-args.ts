/**
 * Command lines of the scripts (node:util parseArgs). Pure functions of argv and the
 * environment, so tests check every case without starting anything.
 */
import { parseArgs } from 'node:util';
import { checkRecipientAddress } from '../lib/whatsapp';
import { MAGIC_FROM_NUMBER } from '../emulator/magic-numbers';

export const DEFAULT_EMULATOR_PORT = 4010;
export const DEFAULT_FUNCTIONS_PORT = 3000;
/** The sandbox's own number: Twilio's magic test sender, owned by the emulator's account. */

export const SANDBOX_USAGE = `Usage:
  npm run sandbox [-- [--port <n>] [--functions-port <n>] [--verbose]]
      Start the offline sandbox: the Twilio emulator, the Functions under twilio-run, provisioned.
  npm run sandbox -- text <from> <message…> [--port <n>]
      A handset texts the sandbox number (${MAGIC_FROM_NUMBER}), e.g. text +14155550100 "Hi there";
      whatsapp:+14155550100 messages its WhatsApp sender (whatsapp:${MAGIC_FROM_NUMBER}) instead.
  npm run sandbox -- outbox [--port <n>]
      List the messages the assistant sent, with their delivery status.

Options:
  --port <n>            the emulator's port (env SANDBOX_PORT; default ${DEFAULT_EMULATOR_PORT})
  --functions-port <n>  the Functions' port (env SANDBOX_FUNCTIONS_PORT; default ${DEFAULT_FUNCTIONS_PORT})
  --verbose             log every request the emulator answers
  -h, --help            this text`;

export type SandboxCommand =
  | { kind: 'start'; emulatorPort: number; functionsPort: number; verbose: boolean }
  | { kind: 'text'; emulatorPort: number; from: string; body: string }
  | { kind: 'outbox'; emulatorPort: number }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

type Env = Readonly<Record<string, string | undefined>>;

/** A port from a flag (wins) or an environment variable; a message naming both when malformed. */
function port(flagValue: string | undefined, env: Env, flag: string, envName: string, fallback: number): number | string {
  const raw = flagValue ?? env[envName];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < 1 || value > 65535) {
    const from = flagValue !== undefined ? flag : envName;
    return `${from} must be a port number from 1 to 65535, got '${raw}'. Pass ${flag} <n> or set ${envName}.`;
  }
  return value;
}

export function parseSandboxArgs(argv: readonly string[], env: Env): SandboxCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        'functions-port': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return { kind: 'error', message: `${error instanceof Error ? error.message : String(error)}. See npm run sandbox -- --help.` };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };

  const emulatorPort = port(values.port, env, '--port', 'SANDBOX_PORT', DEFAULT_EMULATOR_PORT);
  if (typeof emulatorPort === 'string') return { kind: 'error', message: emulatorPort };
  const [command, ...rest] = positionals;

  if (command === undefined) {
    const functionsPort = port(values['functions-port'], env, '--functions-port', 'SANDBOX_FUNCTIONS_PORT', DEFAULT_FUNCTIONS_PORT);
    if (typeof functionsPort === 'string') return { kind: 'error', message: functionsPort };
    if (functionsPort === emulatorPort) {
      return { kind: 'error', message: `The emulator and the Functions cannot share port ${emulatorPort}. Pass different --port and --functions-port.` };
    }
    return { kind: 'start', emulatorPort, functionsPort, verbose: values.verbose === true };
  }
  if (values['functions-port'] !== undefined || values.verbose) {
    return { kind: 'error', message: `--functions-port and --verbose apply only when starting the sandbox, not to '${command}'.` };
  }
  if (command === 'text') {
    const [from, ...words] = rest;
    if (from === undefined) return { kind: 'error', message: 'text needs the handset number and the message, e.g. text +14155550100 "Hi there".' };
    // whatsapp:+E.164 plays a WhatsApp handset messaging the sandbox number's WhatsApp sender.
    const phone = checkRecipientAddress(from);
    if (!phone.ok) return { kind: 'error', message: `The handset number is not usable: ${phone.reason}` };
    if (phone.phone === MAGIC_FROM_NUMBER) return { kind: 'error', message: `${MAGIC_FROM_NUMBER} is the sandbox's own number; text it from another number, e.g. +14155550100.` };
    const body = words.join(' ');
    if (body.trim() === '') return { kind: 'error', message: `text needs the message after the number, e.g. text ${phone.address} "Hi there".` };
    return { kind: 'text', emulatorPort, from: phone.address, body };
  }
  if (command === 'outbox') {
    if (rest.length > 0) return { kind: 'error', message: `outbox takes no arguments, got '${rest.join(' ')}'.` };
    return { kind: 'outbox', emulatorPort };
  }
  return { kind: 'error', message: `Unknown command '${command}'. Run npm run sandbox to start, or use text or outbox (see --help).` };
}

/** demo and setup take no arguments but --help; anything else is a mistake worth saying. */
export function parseHelpOnly(argv: readonly string[], script: string): { kind: 'run' } | { kind: 'help' } | { kind: 'error'; message: string } {
  try {
    const { values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { help: { type: 'boolean', short: 'h' } } });
    return values.help ? { kind: 'help' } : { kind: 'run' };
  } catch (error) {
    return { kind: 'error', message: `${error instanceof Error ? error.message : String(error)}. npm run ${script} takes no arguments (see --help).` };
  }
}
