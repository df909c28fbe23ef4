/** `npm run sandbox` (the start command): check the build and the ports, start, print, and stay up until stopped. */
import type { SandboxCommand } from '../cli-args';
import type { Io } from '../script-io';
import { projectRoot } from '../system/paths';
import { isPortFree } from '../system/ports';
import { banner } from './banner';
import { missingBuild, type Sandbox, startSandbox } from './start-sandbox';

type Stop = { kind: 'signal'; name: string } | { kind: 'functions-exited'; code: number | null; signal: NodeJS.Signals | null };

export async function serve(command: Extract<SandboxCommand, { kind: 'start' }>, io: Io, stopSignal: AbortSignal): Promise<number> {
  const root = projectRoot();
  const missing = missingBuild(root);
  if (missing.length > 0) {
    io.err(`The sandbox needs a build first; missing ${missing.join(', ')}. Run npm install (or npm run build) in ${root}.`);
    return 1;
  }
  // Checked before anything starts: twilio-run would otherwise stop and ask for another port.
  const busy: [number, string, string][] = [
    [command.emulatorPort, '--port', 'SANDBOX_PORT'],
    [command.functionsPort, '--functions-port', 'SANDBOX_FUNCTIONS_PORT'],
  ];
  for (const [port, flag, envName] of busy) {
    if (!(await isPortFree(port))) {
      io.err(`Port ${port} is already in use (is a sandbox already running?). Stop what uses it, or pick another port: npm run sandbox -- ${flag} <n> (or set ${envName}).`);
      return 1;
    }
  }

  io.out('Starting the twilio-sms-mcp sandbox: Twilio emulated on loopback, no account or network needed.');
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ emulatorPort: command.emulatorPort, functionsPort: command.functionsPort, verbose: command.verbose, log: io.out, signal: stopSignal });
  } catch (error) {
    if (stopSignal.aborted) {
      io.out('Sandbox stopped.');
      return 0;
    }
    io.err(`The sandbox could not start: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  for (const line of banner(sandbox, command)) io.out(line);
  io.out(`Sandbox ready in ${process.uptime().toFixed(1)} s. Press Ctrl-C to stop.`);

  const stop = await new Promise<Stop>((resolve) => {
    if (stopSignal.aborted) resolve({ kind: 'signal', name: String(stopSignal.reason) });
    stopSignal.addEventListener('abort', () => resolve({ kind: 'signal', name: String(stopSignal.reason) }), { once: true });
    void sandbox.functions.exited.then(({ code, signal }) => resolve({ kind: 'functions-exited', code, signal }));
  });
  // Ctrl-C in a terminal signals the whole process group, twilio-run included: its exit then
  // is part of stopping, not a crash.
  const crashed = stop.kind === 'functions-exited' && stop.code !== 0 && !['SIGINT', 'SIGTERM', 'SIGHUP'].includes(stop.signal ?? '');
  if (crashed) io.err(`The Functions (twilio-run) exited unexpectedly (${stop.code ?? stop.signal}); stopping the sandbox.`);
  io.out(stop.kind === 'signal' ? `Stopping (${stop.name})…` : 'Stopping…');
  await sandbox.close();
  io.out('Sandbox stopped.');
  return crashed ? 1 : 0;
}
