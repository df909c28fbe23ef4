/**
 * `npm run sandbox` as a user runs it: the built script as a child process on free ports, driven
 * from "a second terminal" (more child processes), with the bridge started from the Claude Desktop
 * configuration the sandbox printed. Then Ctrl-C (SIGINT): exit 0, ports freed, nothing left.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { parseSandboxArgs } from '../../scripts/cli-args';
import { isPortFree } from '../../scripts/system/ports';
import { startBridge, textOf } from '../../scripts/system/bridge-process';
import { connectHttp } from '../../scripts/system/http-bridge';
import { parseLibrechatYaml, startLibrechatBridge, validateLibrechatConfig, withLibrechatEnv } from '../support/librechat';
import { freePort } from '../../scripts/system/ports';
import { BRIDGE_BIN, ROOT } from '../support/paths';

const SANDBOX = join(ROOT, 'build', 'scripts', 'sandbox.js');
const HANDSET = '+14155550100';

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A one-shot command, as typed in a second terminal. Asynchronous: the test's event loop keeps running. */
function runSandbox(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [SANDBOX, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (_error, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** The librechat.yaml the sandbox printed: the indented lines after its heading, up to a blank one. */
function printedLibrechatYaml(stdout: string): string {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith('LibreChat, librechat.yaml')) + 1;
  const end = lines.indexOf('', start);
  return lines.slice(start, end).map((line) => line.slice(2)).join('\n');
}

/** The Claude Desktop JSON block the sandbox printed: from a line "{" to the next line "}". */
function printedClaudeConfig(stdout: string): { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> } {
  const lines = stdout.split('\n');
  const start = lines.indexOf('{');
  const end = lines.indexOf('}', start);
  return JSON.parse(lines.slice(start, end + 1).join('\n')) as ReturnType<typeof printedClaudeConfig>;
}

describe('npm run sandbox (the built script)', () => {
  let sandbox: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  let emulatorPort: number;
  let functionsPort: number;

  beforeAll(() => {
    if (!existsSync(SANDBOX)) throw new Error(`${SANDBOX} is missing: run npm run build first.`);
  });

  afterAll(() => {
    // Only if a failed assertion left it running.
    if (sandbox && sandbox.exitCode === null && sandbox.signalCode === null) sandbox.kill('SIGKILL');
  });

  test('starts, takes a text, hands it to the bridge, lists the outbox, and stops cleanly on Ctrl-C', async () => {
    emulatorPort = await freePort();
    functionsPort = await freePort();
    sandbox = spawn(process.execPath, [SANDBOX, '--port', String(emulatorPort)], {
      cwd: ROOT,
      // The functions port through the environment, the emulator's through the flag: both work.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SANDBOX_FUNCTIONS_PORT: String(functionsPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = sandbox;
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

    const deadline = Date.now() + 30_000;
    while (!/Sandbox ready in \d+\.\d s\. Press Ctrl-C to stop\./.test(stdout)) {
      if (child.exitCode !== null) throw new Error(`sandbox exited ${child.exitCode}:\n${stdout}\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`sandbox not ready in 30 s:\n${stdout}\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(stderr).toBe('');
    expect(stdout).toContain(`Twilio emulator  http://127.0.0.1:${emulatorPort}`);
    expect(stdout).toContain(`+15005550006 incoming SMS webhook: updated to POST http://localhost:${functionsPort}/sms/incoming (was: not set)`);
    expect(stdout).toContain(`Functions        http://localhost:${functionsPort}`);
    // Both client configurations, with the bridge's absolute path.
    expect(stdout).toContain(`        - ${BRIDGE_BIN}`);
    expect(stdout).toContain(`STATUS_CALLBACK_BASE_URL: "http://localhost:${functionsPort}"`);
    const server = printedClaudeConfig(stdout).mcpServers['twilio-sms'];
    expect(server).toMatchObject({ command: process.execPath, args: [BRIDGE_BIN] });
    expect(Object.keys(server!.env).sort()).toEqual(
      ['STATUS_CALLBACK_BASE_URL', 'TWILIO_ACCOUNT_SID', 'TWILIO_API_BASE_URL', 'TWILIO_AUTH_TOKEN', 'TWILIO_PHONE_NUMBER', 'TWILIO_SYNC_SERVICE_SID', 'TWILIO_WHATSAPP_NUMBER'],
    );
    const envFile = /env file (\S+)\)/.exec(stdout)?.[1];
    expect(envFile && existsSync(envFile)).toBe(true);

    // A handset texts, from a second terminal.
    const text = await runSandbox(['text', HANDSET, 'Hi there', '--port', String(emulatorPort)]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${HANDSET} texted +15005550006: "Hi there"`);
    expect(text.stdout).toContain(`Webhook POST http://localhost:${functionsPort}/sms/incoming → 200`);
    expect(text.stdout).toContain('Stored.');

    // The bridge, configured exactly as printed, sees it; and replies.
    const bridge = await startBridge(server!.env);
    try {
      const received = await bridge.call('receive_sms');
      expect(received.isError).toBeFalsy();
      expect(textOf(received)).toMatch(/^1 new message/);
      expect(textOf(received)).toContain(`with ${HANDSET}`);
      expect(textOf(received)).toContain('"Hi there"');
      const sent = await bridge.call('send_sms', { to: HANDSET, body: 'Hello from the sandbox' });
      expect(textOf(sent)).toMatch(/^\[FINAL\] SMS sent to \+14155550100 \(SID SM[0-9a-f]{32}\): delivered/);
    } finally {
      await bridge.close();
    }

    // LibreChat accepts the printed entry, and the bridge it starts from it, with nothing in
    // LibreChat's .env (the sandbox's values are literal, every other setting a placeholder), works.
    const yaml = printedLibrechatYaml(stdout);
    expect(validateLibrechatConfig(yaml).success).toBe(true);
    const entry = withLibrechatEnv({}, () => parseLibrechatYaml(yaml))['twilio-sms'];
    const librechat = await startLibrechatBridge(entry!, { bridgePath: BRIDGE_BIN });
    try {
      const listed = await librechat.call('list_conversations');
      expect(listed.error).toBeNull();
      expect(listed.text).toMatch(new RegExp(`^1 conversation\\(s\\), most recent first:\n- conv_[0-9a-f]{16} with \\${HANDSET}: 2 message\\(s\\), 0 unread`));
    } finally {
      await librechat.close();
    }

    // The hosted endpoint the sandbox serves as a real account's Functions would: its printed
    // entry is one LibreChat accepts, and the token it names gets MCP through /mcp.
    const hostedLines = stdout.split('\n');
    const hostedStart = hostedLines.findIndex((line) => line.startsWith('Hosted, librechat.yaml')) + 1;
    const hostedYaml = hostedLines.slice(hostedStart, hostedLines.indexOf('', hostedStart)).map((line) => line.slice(2)).join('\n');
    expect(validateLibrechatConfig(hostedYaml).success).toBe(true);
    const hosted = withLibrechatEnv({}, () => parseLibrechatYaml(hostedYaml))['twilio-sms'] as { type: string; url: string; headers: Record<string, string> };
    expect(hosted).toMatchObject({ type: 'streamable-http', url: `http://localhost:${functionsPort}/mcp` });
    const overMcp = await connectHttp(hosted.url, hosted.headers);
    try {
      expect(textOf(await overMcp.call('list_conversations'))).toMatch(new RegExp(`^1 conversation\\(s\\), most recent first:\n- conv_[0-9a-f]{16} with \\${HANDSET}: 2 message\\(s\\)`));
    } finally {
      await overMcp.close();
    }

    const outbox = await runSandbox(['outbox'], { SANDBOX_PORT: String(emulatorPort) });
    expect(outbox.code).toBe(0);
    expect(outbox.stdout).toContain('Outbox: 1 message the assistant sent');
    expect(outbox.stdout).toMatch(/to \+14155550100 {2}delivered {2}SM[0-9a-f]{32}/);
    expect(outbox.stdout).toContain('"Hello from the sandbox"');

    // A WhatsApp handset messages the number's WhatsApp sender from a second terminal; the bridge
    // as printed sees it marked WhatsApp and answers on WhatsApp, inside the 24-hour window.
    const hola = await runSandbox(['text', `whatsapp:${HANDSET}`, 'Hola', '--port', String(emulatorPort)]);
    expect(hola.stderr).toBe('');
    expect(hola.code).toBe(0);
    expect(hola.stdout).toContain(`whatsapp:${HANDSET} texted whatsapp:+15005550006: "Hola"`);
    expect(hola.stdout).toContain('Stored.');
    const onWhatsApp = await startBridge(server!.env);
    try {
      const received = await onWhatsApp.call('receive_sms');
      expect(textOf(received)).toContain(`with whatsapp:${HANDSET} (WhatsApp):`);
      expect(textOf(received)).toContain('"Hola"');
      const sent = await onWhatsApp.call('send_sms', { to: `whatsapp:${HANDSET}`, body: '¡Hola! ¿Qué tal?' });
      expect(textOf(sent)).toMatch(/^\[FINAL\] WhatsApp message sent to whatsapp:\+14155550100 \(SID SM[0-9a-f]{32}\): delivered/);
    } finally {
      await onWhatsApp.close();
    }

    // Ctrl-C.
    child.kill('SIGINT');
    const exit = await exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stdout).toMatch(/Stopping \(SIGINT\)…\nSandbox stopped\.\n$/);
    expect(await isPortFree(emulatorPort)).toBe(true);
    expect(await isPortFree(functionsPort)).toBe(true);
    expect(existsSync(envFile!)).toBe(false);

    // With the sandbox gone, the second terminal says so.
    const orphan = await runSandbox(['text', HANDSET, 'anyone?', '--port', String(emulatorPort)]);
    expect(orphan.code).toBe(1);
    expect(orphan.stderr).toBe(`No sandbox is running on port ${emulatorPort}. Start it with npm run sandbox in another terminal (or pass --port <n> if it runs on another port).\n`);
  }, 60_000);

  describe('a port already in use: one line naming it and how to change it, exit 1, nothing started', () => {
    let blocker: Server;
    let busy: number;

    beforeEach(async () => {
      busy = await freePort();
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(busy, '127.0.0.1', resolve));
    });

    afterEach(async () => {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    });

    test('the emulator port (--port)', async () => {
      const other = await freePort();
      const result = await runSandbox(['--port', String(busy), '--functions-port', String(other)]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `Port ${busy} is already in use (is a sandbox already running?). Stop what uses it, or pick another port: npm run sandbox -- --port <n> (or set SANDBOX_PORT).\n`,
      );
      expect(await isPortFree(other)).toBe(true);
    });

    test('the Functions port (SANDBOX_FUNCTIONS_PORT)', async () => {
      const other = await freePort();
      const result = await runSandbox([], { SANDBOX_PORT: String(other), SANDBOX_FUNCTIONS_PORT: String(busy) });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        `Port ${busy} is already in use (is a sandbox already running?). Stop what uses it, or pick another port: npm run sandbox -- --functions-port <n> (or set SANDBOX_FUNCTIONS_PORT).`,
      ]);
      expect(await isPortFree(other)).toBe(true);
    });
  });

  test('bad arguments: a clear message and exit 1', async () => {
    const result = await runSandbox(['text', '4155550100', 'hi']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The handset number is not usable: "4155550100" has no country code.');
  });
});

describe('parseSandboxArgs', () => {
  test.each<[string[], Record<string, string>, ReturnType<typeof parseSandboxArgs>]>([
    [[], {}, { kind: 'start', emulatorPort: 4010, functionsPort: 3000, verbose: false }],
    [['--port', '5000', '--functions-port', '5001', '--verbose'], {}, { kind: 'start', emulatorPort: 5000, functionsPort: 5001, verbose: true }],
    [[], { SANDBOX_PORT: '6000', SANDBOX_FUNCTIONS_PORT: '6001' }, { kind: 'start', emulatorPort: 6000, functionsPort: 6001, verbose: false }],
    [['--port', '7000'], { SANDBOX_PORT: '6000' }, { kind: 'start', emulatorPort: 7000, functionsPort: 3000, verbose: false }],
    [['text', '+14155550100', 'Hi there'], {}, { kind: 'text', emulatorPort: 4010, from: '+14155550100', body: 'Hi there' }],
    [['text', '+14155550100', 'Hi', 'there', '--port', '5000'], {}, { kind: 'text', emulatorPort: 5000, from: '+14155550100', body: 'Hi there' }],
    [['text', 'whatsapp:+14155550100', 'Hola'], {}, { kind: 'text', emulatorPort: 4010, from: 'whatsapp:+14155550100', body: 'Hola' }],
    [['outbox'], { SANDBOX_PORT: '5000' }, { kind: 'outbox', emulatorPort: 5000 }],
    [['--help'], {}, { kind: 'help' }],
    [['outbox', '-h'], {}, { kind: 'help' }],
  ])('%p with env %p', (argv, env, expected) => {
    expect(parseSandboxArgs(argv, env)).toEqual(expected);
  });

  test.each<[string[], Record<string, string>, string]>([
    [['--port', 'abc'], {}, "--port must be a port number from 1 to 65535, got 'abc'. Pass --port <n> or set SANDBOX_PORT."],
    [[], { SANDBOX_FUNCTIONS_PORT: '70000' }, "SANDBOX_FUNCTIONS_PORT must be a port number from 1 to 65535, got '70000'. Pass --functions-port <n> or set SANDBOX_FUNCTIONS_PORT."],
    [['--port', '0'], {}, "--port must be a port number from 1 to 65535, got '0'."],
    [['--port', '5000', '--functions-port', '5000'], {}, 'cannot share port 5000'],
    [['--bogus'], {}, "Unknown option '--bogus'"],
    [['textt'], {}, "Unknown command 'textt'."],
    [['text'], {}, 'text needs the handset number and the message'],
    [['text', '+14155550100'], {}, 'text needs the message after the number'],
    [['text', '+15005550006', 'hi'], {}, "+15005550006 is the sandbox's own number"],
    [['text', '+1 415 555 0100', 'hi'], {}, 'must be written without spaces or punctuation: +14155550100'],
    [['outbox', 'now'], {}, "outbox takes no arguments, got 'now'."],
    [['outbox', '--functions-port', '3001'], {}, '--functions-port and --verbose apply only when starting the sandbox'],
  ])('%p with env %p is an error', (argv, env, message) => {
    const parsed = parseSandboxArgs(argv, env);
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' ? parsed.message : '').toContain(message);
  });
});
