/**
 * `npm run sandbox`: the whole product offline, on loopback. The project's Twilio emulator runs
 * in this process; the Functions run under the real `twilio-run start`; provision.ts (the code of
 * `npm run setup`) wires them as on a real account. Then it prints the MCP client configuration
 * that connects the bridge to it, and stays up until Ctrl-C.
 *
 * `npm run sandbox -- text <from> <message>` and `-- outbox` talk to a running sandbox from a
 * second terminal through the emulator's /_emulator control routes.
 *
 * One job a module: start-sandbox.ts starts it (also the start of `npm run demo`), serve.ts keeps
 * it up, banner.ts prints what to connect, text.ts and outbox.ts are the second terminal's commands.
 */
import { parseSandboxArgs, SANDBOX_USAGE } from '../cli-args';
import { type Io, stdio } from '../script-io';
import { killChildrenOnExit } from '../system/functions-process';
import { showOutbox } from './outbox';
import { serve } from './serve';
import { sendText } from './text';

export async function sandboxMain(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: Io, stopSignal: AbortSignal): Promise<number> {
  const command = parseSandboxArgs(argv, env);
  switch (command.kind) {
    case 'help':
      io.out(SANDBOX_USAGE);
      return 0;
    case 'error':
      io.err(command.message);
      return 1;
    case 'text':
      return sendText(command, io);
    case 'outbox':
      return showOutbox(command, io);
    case 'start':
      return serve(command, io, stopSignal);
  }
}

/** The bundle's entry (build/scripts/sandbox.js) calls this; importing the module starts nothing. */
export function run(): void {
  const stop = new AbortController();
  // npm forwards the terminal's Ctrl-C, so a signal can arrive twice: the first one stops; the
  // shutdown is bounded (twilio-run gets 5 s before SIGKILL), so later ones need not force it.
  const onSignal = (name: NodeJS.Signals) => stop.abort(name);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  killChildrenOnExit();
  void sandboxMain(process.argv.slice(2), process.env, stdio, stop.signal).then(
    (code) => process.exit(code),
    (error: unknown) => {
      stdio.err(`The sandbox failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
