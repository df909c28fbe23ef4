/**
 * `npm run sandbox`: the whole product offline, on loopback. The project's Twilio emulator runs
 * in this process; the Functions run under the real `twilio-run start`; provision.ts (the code of
 * `npm run setup`) wires them as on a real account. Then it prints the MCP client configuration
 * that connects the bridge to it, and stays up until Ctrl-C.
 *
 * `npm run sandbox -- text <from> <message>` and `-- outbox` talk to a running sandbox from a
 * second terminal through the emulator's /_emulator control routes.
 *
 * startSandbox() is also the start of `npm run demo`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startEmulator, type Emulator, type InboundResult, type MessageResource } from '../test/emulator';
import { parseSandboxArgs, SANDBOX_NUMBER, SANDBOX_USAGE, type SandboxCommand } from './cli-args';
import { describeSteps, provision, type ProvisionResult } from './provision';
import { claudeDesktopJson, librechatYaml } from './client-config';
import { type Io, stdio } from './script-io';
import { bridgePath, projectRoot } from './setup';

/**
 * The sandbox's Sync service has a fixed SID (the emulator CLI's too), so MCP client configuration
 * pasted from one run keeps working after a restart. provision() reuses it as it would reuse the
 * TWILIO_SYNC_SERVICE_SID of a real account.
 */
export const SANDBOX_SYNC_SERVICE_SID = 'ISb1c2d3e4f5a60718293a4b5c6d7e8f90';

/** Where twilio-run serves; twilio-run itself sets DOMAIN_NAME=localhost:PORT, which the Functions sign-check against. */
export const functionsBaseUrl = (port: number): string => `http://localhost:${port}`;

// ---------------------------------------------------------------------------------------------
// Ports

/** Binds like twilio-run does (all addresses), so any listener on the port counts as taken. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The Functions under `twilio-run start`

interface FunctionsProcess {
  url: string;
  /** Resolves when twilio-run exits, however that happens. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Every child this process started, so that exiting in any way never leaves one holding a port. */
const children = new Set<ChildProcess>();

/** However this process ends (an exception included), it must not leave twilio-run holding a port. */
export function killChildrenOnExit(): void {
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
}

function lineWriter(write: (line: string) => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') write(line.trimEnd());
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: 'localhost' });
    socket.setTimeout(1000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

async function startFunctions(options: {
  root: string;
  port: number;
  envFile: string;
  log: (line: string) => void;
  signal?: AbortSignal | undefined;
}): Promise<FunctionsProcess> {
  const { root, port, envFile, log } = options;
  const twilioRun = join(root, 'node_modules', 'twilio-run', 'bin', 'twilio-run.js');
  // --no-fork-process: one process serves every request (≈10 ms instead of ≈0.3 s a request);
  // --no-live: keep modules loaded between requests, as a warm deployed Function does (twilio-run's
  // default reloads the bundle and twilio-node for every webhook, ≈30× slower). Rebuild + restart
  // after changing code.
  const args = [twilioRun, 'start', '--port', String(port), '--env', envFile, '--no-fork-process', '--no-live', '--log-level', 'warn'];
  // twilio-run replaces process.env with the .env file anyway; CI=true keeps it non-interactive.
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const write = lineWriter((line) => log(`[functions] ${line}`));
  child.stdout.on('data', write);
  child.stderr.on('data', write);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(force);
    }
  };

  const url = functionsBaseUrl(port);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`twilio-run start exited (${child.exitCode ?? child.signalCode}) before serving on ${url}; its output is above.`);
    }
    // twilio-run registers every route before it listens, so an accepted connection means ready
    // (a TCP probe, unlike an HTTP one, leaves no 404 in the Functions' log).
    if (await accepts(port)) break;
    if (options.signal?.aborted || Date.now() > deadline) {
      await stop();
      throw new Error(options.signal?.aborted ? 'Stopped while the Functions were starting.' : `twilio-run start did not serve on ${url} within 30 s.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, exited, stop };
}

// ---------------------------------------------------------------------------------------------
// The system

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

export interface Sandbox {
  emulator: Emulator;
  functionsUrl: string;
  ourNumber: string;
  syncServiceSid: string;
  provisioned: ProvisionResult;
  envFile: string;
  /** The bridge's environment: what the printed LibreChat/Claude Desktop configuration holds. */
  bridgeEnv: Record<string, string>;
  /** Resolves if twilio-run exits. */
  functionsExited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  close(): Promise<void>;
}

/** The artefacts the sandbox runs; a fresh clone has none until `npm install` (or `npm run build`). */
export function missingBuild(root: string): string[] {
  return [join(root, 'build', 'functions', 'sms', 'incoming.protected.js'), join(root, 'mcp-bridge', 'dist', 'index.js'), join(root, 'node_modules', 'twilio-run', 'bin', 'twilio-run.js')]
    .filter((path) => !existsSync(path))
    .map((path) => relative(root, path));
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const root = projectRoot();
  const { log } = options;
  const cleanups: (() => Promise<void> | void)[] = [];
  let closing: Promise<void> | undefined;
  // Undone in reverse order of starting, once however often close() is called.
  const cleanup = (): Promise<void> =>
    (closing ??= (async () => {
      for (const step of [...cleanups].reverse()) await step();
    })());
  try {
    const emulator = await startEmulator({
      port: options.emulatorPort,
      host: '127.0.0.1',
      phoneNumbers: [SANDBOX_NUMBER],
      syncServices: [SANDBOX_SYNC_SERVICE_SID],
      ...(options.deliveryStepMs !== undefined ? { deliveryStepMs: options.deliveryStepMs } : {}),
      ...(options.verbose ? { log: (line: string) => log(`[emulator] ${line}`) } : {}),
    });
    cleanups.push(() => emulator.close());
    log(`Twilio emulator  ${emulator.url}  account ${emulator.accountSid}, number ${SANDBOX_NUMBER} (fake test credentials)`);

    const functionsUrl = functionsBaseUrl(options.functionsPort);
    // Exactly what `npm run setup` does on a real account, with the emulator's credentials.
    const provisioned = await provision({
      credentials: { accountSid: emulator.accountSid, authToken: emulator.authToken },
      phoneNumber: SANDBOX_NUMBER,
      functionsBaseUrl: functionsUrl,
      syncServiceSid: SANDBOX_SYNC_SERVICE_SID,
      apiBaseUrl: emulator.url,
    });
    const [first, ...more] = describeSteps(provisioned.steps);
    log(`Provisioned      ${first ?? ''}`);
    for (const line of more) log(`                 ${line}`);

    // The Functions' .env, as a developer's would be (twilio-run reads only this file).
    const envDir = mkdtempSync(join(tmpdir(), 'twilio-sms-mcp-sandbox-'));
    cleanups.push(() => rmSync(envDir, { recursive: true, force: true }));
    const envFile = join(envDir, '.env');
    const functionsEnv = {
      ACCOUNT_SID: emulator.accountSid,
      AUTH_TOKEN: emulator.authToken,
      SYNC_SERVICE_SID: provisioned.syncServiceSid,
      TWILIO_API_BASE_URL: emulator.url,
    };
    writeFileSync(envFile, `${Object.entries(functionsEnv).map(([k, v]) => `${k}=${v}`).join('\n')}\n`, { mode: 0o600 });

    const functions = await startFunctions({ root, port: options.functionsPort, envFile, log, signal: options.signal });
    cleanups.push(() => functions.stop());
    log(`Functions        ${functions.url}  twilio-run start: POST /sms/incoming, POST /sms/status (env file ${envFile})`);

    return {
      emulator,
      functionsUrl: functions.url,
      ourNumber: SANDBOX_NUMBER,
      syncServiceSid: provisioned.syncServiceSid,
      provisioned,
      envFile,
      bridgeEnv: {
        TWILIO_ACCOUNT_SID: emulator.accountSid,
        TWILIO_AUTH_TOKEN: emulator.authToken,
        TWILIO_PHONE_NUMBER: SANDBOX_NUMBER,
        TWILIO_SYNC_SERVICE_SID: provisioned.syncServiceSid,
        TWILIO_API_BASE_URL: emulator.url,
        STATUS_CALLBACK_BASE_URL: functions.url,
      },
      functionsExited: functions.exited,
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// `npm run sandbox`

function portCommand(command: { emulatorPort: number }): string {
  return command.emulatorPort === 4010 ? '' : ` --port ${command.emulatorPort}`;
}

/** Shell lines with their comments lined up. */
function aligned(rows: [command: string, comment: string][]): string[] {
  const width = Math.max(...rows.map(([command]) => command.length));
  return rows.map(([command, comment]) => `  ${command.padEnd(width)}   # ${comment}`);
}

function banner(sandbox: Sandbox, command: Extract<SandboxCommand, { kind: 'start' }>): string[] {
  const bridge = bridgePath();
  const port = portCommand(command);
  return [
    '',
    'Connect an MCP client to the sandbox (the values are the emulator\'s fake test credentials):',
    '',
    'LibreChat, librechat.yaml (LibreChat running on this machine, not in Docker):',
    ...librechatYaml(bridge, sandbox.bridgeEnv).map((line) => `  ${line}`),
    '',
    'Claude Desktop, claude_desktop_config.json:',
    ...claudeDesktopJson(bridge, sandbox.bridgeEnv),
    '',
    'Then, from a second terminal:',
    ...aligned([
      [`npm run sandbox -- text +14155550100 "Hi there"${port}`, `a handset texts ${sandbox.ourNumber}`],
      [`npm run sandbox -- outbox${port}`, 'what the assistant has sent'],
      ['npm run demo', 'a scripted conversation through a real MCP client'],
    ]),
    '',
  ];
}

type Stop = { kind: 'signal'; name: string } | { kind: 'functions-exited'; code: number | null; signal: NodeJS.Signals | null };

async function serve(command: Extract<SandboxCommand, { kind: 'start' }>, io: Io, stopSignal: AbortSignal): Promise<number> {
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
    void sandbox.functionsExited.then(({ code, signal }) => resolve({ kind: 'functions-exited', code, signal }));
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

// ---------------------------------------------------------------------------------------------
// `npm run sandbox -- text …` and `-- outbox`: a second terminal driving the running sandbox

async function control(port: number, path: string, init?: RequestInit): Promise<Response | string> {
  const url = `http://127.0.0.1:${port}${path}`;
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
  } catch {
    return `No sandbox is running on port ${port}. Start it with npm run sandbox in another terminal (or pass --port <n> if it runs on another port).`;
  }
}

export async function sendText(command: Extract<SandboxCommand, { kind: 'text' }>, io: Io): Promise<number> {
  const response = await control(command.emulatorPort, '/_emulator/inbound', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ from: command.from, to: SANDBOX_NUMBER, body: command.body }),
  });
  if (typeof response === 'string') {
    io.err(response);
    return 1;
  }
  const payload = (await response.json().catch(() => null)) as (InboundResult & { error?: string }) | null;
  if (!response.ok || !payload || !Array.isArray(payload.attempts)) {
    io.err(`The emulator on port ${command.emulatorPort} refused the text (HTTP ${response.status}): ${payload?.error ?? 'not the sandbox\'s emulator?'}`);
    return 1;
  }
  io.out(`${command.from} texted ${SANDBOX_NUMBER}: ${JSON.stringify(command.body)} (${payload.messageSid})`);
  if (payload.attempts.length === 0) {
    io.err(`${SANDBOX_NUMBER} has no incoming SMS webhook, so nothing was delivered. Is this the sandbox's emulator (npm run sandbox), provisioned?`);
    return 1;
  }
  for (const attempt of payload.attempts) {
    const answer = attempt.status === null ? `no answer (${attempt.error ?? 'connection failed'})` : `${attempt.status} ${attempt.body.trim().slice(0, 120)}`;
    io.out(`Webhook POST ${attempt.url} → ${answer}`);
  }
  if (!payload.delivered) {
    io.err('The Functions did not store the message (no 2xx answer). Check the sandbox terminal for the Functions\' log.');
    return 1;
  }
  io.out('Stored. The assistant sees it with receive_sms or list_conversations.');
  return 0;
}

export async function showOutbox(command: Extract<SandboxCommand, { kind: 'outbox' }>, io: Io): Promise<number> {
  const response = await control(command.emulatorPort, '/_emulator/messages');
  if (typeof response === 'string') {
    io.err(response);
    return 1;
  }
  const messages = (await response.json().catch(() => null)) as MessageResource[] | null;
  if (!response.ok || !Array.isArray(messages)) {
    io.err(`The emulator on port ${command.emulatorPort} did not list messages (HTTP ${response.status}); is it the sandbox's?`);
    return 1;
  }
  const sent = messages.filter((m) => m.direction.startsWith('outbound'));
  if (sent.length === 0) {
    io.out('Outbox is empty: the assistant has not sent anything yet.');
    return 0;
  }
  io.out(`Outbox: ${sent.length} message${sent.length === 1 ? '' : 's'} the assistant sent, oldest first:`);
  for (const m of sent) {
    const error = m.error_code ? ` (error ${m.error_code})` : '';
    io.out(`  ${new Date(m.date_created).toISOString()}  to ${m.to}  ${m.status}${error}  ${m.sid}`);
    io.out(`      ${JSON.stringify(m.body)}`);
  }
  return 0;
}

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
