/**
 * `npm run demo`: one conversation through the whole system, offline, scripted. The sandbox
 * (sandbox/start-sandbox.ts, on free ports) plays Twilio and the Functions; a real MCP client (the SDK's
 * Client over stdio, as LibreChat and Claude Desktop use) plays the assistant:
 *
 *   handset texts → list_conversations → receive_sms → send_sms → delivered in get_conversation
 *
 * then the same on WhatsApp: a free-form text to a customer who has not written is refused before
 * Twilio (the 24-hour window; the refusal names the approved templates), a template goes instead,
 * the customer answers, and inside the window a free-form reply goes.
 *
 * The bridge runs with SEND_WAIT_SECONDS=0, so send_sms returns at once and the "delivered" that
 * get_conversation shows can only have come through Twilio's status callback to /sms/status.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { parseHelpOnly } from './cli-args';
import { missingBuild, startSandbox, type Sandbox } from './sandbox/start-sandbox';
import { type Io, stdio } from './script-io';
import { textOf } from './system/bridge-process';
import { killChildrenOnExit } from './system/functions-process';
import { bridgePath, projectRoot } from './system/paths';
import { freePort } from './system/ports';

const HANDSET = '+14155550100';
const QUESTION = 'Hi! Is my order #1042 ready for pickup?';
const REPLY = 'Yes, order #1042 is ready. We are open until 6pm today.';
const CALL_TIMEOUT_MS = 30_000;
const DELIVERY_WAIT_MS = 10_000;

/** The parts of each tool's structuredContent the demo checks (the tools' outputSchemas have more). */
const ListedSchema = z.object({ conversations: z.array(z.object({ conversationId: z.string(), theirNumber: z.string(), unreadCount: z.number() })) });
const ReceivedSchema = z.object({ messages: z.array(z.object({ conversationId: z.string(), sid: z.string(), from: z.string(), body: z.string() })) });
const SentSchema = z.object({ outcome: z.string(), sid: z.string().nullable(), status: z.string().nullable(), conversationId: z.string().nullable() });
const ThreadSchema = z.object({ messages: z.array(z.object({ sid: z.string(), direction: z.string(), body: z.string(), status: z.string() })) });

class DemoFailure extends Error {}

/** First line of a tool's text, shortened: the transcript shows what the model would read first. */
function firstLine(text: string, max = 200): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function structured<T>(schema: z.ZodType<T>, result: CallToolResult, tool: string): T {
  if (result.isError) throw new DemoFailure(`${tool} answered an error: ${textOf(result)}`);
  const parsed = schema.safeParse(result.structuredContent);
  if (!parsed.success) throw new DemoFailure(`${tool} returned unexpected structuredContent: ${JSON.stringify(result.structuredContent)}`);
  return parsed.data;
}

interface Transcript {
  handset(line: string): void;
  assistant(tool: string, args: Record<string, unknown>): void;
  result(line: string): void;
  note(line: string): void;
}

function transcript(io: Io): Transcript {
  return {
    handset: (line) => io.out(`\nhandset ${HANDSET}  ${line}`),
    assistant: (tool, args) => io.out(`\nassistant → ${tool} ${JSON.stringify(args)}`),
    result: (line) => io.out(`          ← ${line}`),
    note: (line) => io.out(`          ${line}`),
  };
}

async function connectBridge(sandbox: Sandbox, bridgeStderr: string[]): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bridgePath()],
    // What Claude Desktop would pass: PATH, HOME and the printed configuration, nothing else.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...sandbox.bridgeEnv, SEND_WAIT_SECONDS: '0' },
    stderr: 'pipe',
    cwd: '/',
  });
  transport.stderr?.on('data', (chunk: Buffer) => bridgeStderr.push(chunk.toString('utf8')));
  const client = new Client({ name: 'twilio-sms-mcp-demo', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function script(sandbox: Sandbox, client: Client, io: Io): Promise<void> {
  const t = transcript(io);
  const call = async (tool: string, args: Record<string, unknown> = {}): Promise<CallToolResult> => {
    t.assistant(tool, args);
    const result = (await client.callTool({ name: tool, arguments: args }, undefined, { timeout: CALL_TIMEOUT_MS })) as CallToolResult;
    return result;
  };

  const { tools } = await client.listTools();
  io.out(`Assistant connected to the bridge over stdio; tools: ${tools.map((tool) => tool.name).join(', ')}.`);

  // 1. A handset texts the sandbox number; the emulator posts Twilio's signed webhook.
  t.handset(`texts ${sandbox.ourNumber}: ${JSON.stringify(QUESTION)}`);
  const inbound = await sandbox.emulator.simulateInbound({ from: HANDSET, to: sandbox.ourNumber, body: QUESTION });
  for (const attempt of inbound.attempts) t.note(`Twilio → POST ${attempt.url} → ${attempt.status ?? attempt.error ?? 'no answer'}`);
  if (!inbound.delivered) throw new DemoFailure('The Functions did not accept the incoming-SMS webhook (see their log above).');

  // 2. The assistant looks at its inbox.
  const listed = structured(ListedSchema, await call('list_conversations'), 'list_conversations');
  const conversation = listed.conversations.find((c) => c.theirNumber === HANDSET);
  if (!conversation) throw new DemoFailure(`list_conversations does not show ${HANDSET}.`);
  const count = listed.conversations.length;
  t.result(`${count} conversation${count === 1 ? '' : 's'}: ${conversation.conversationId} with ${HANDSET}, ${conversation.unreadCount} unread`);

  // 3. It reads the new message (marking it processed).
  const received = structured(ReceivedSchema, await call('receive_sms'), 'receive_sms');
  const message = received.messages.find((m) => m.sid === inbound.messageSid);
  if (!message || message.body !== QUESTION) throw new DemoFailure(`receive_sms did not return the handset's message ${inbound.messageSid}.`);
  t.result(`${received.messages.length} new message${received.messages.length === 1 ? '' : 's'}; from ${message.from}: ${JSON.stringify(message.body)}`);

  // 4. It replies, once.
  const sendResult = await call('send_sms', { to: HANDSET, body: REPLY });
  const sent = structured(SentSchema, sendResult, 'send_sms');
  t.result(firstLine(textOf(sendResult)));
  if (!textOf(sendResult).startsWith('[FINAL]') || sent.outcome !== 'sent' || !sent.sid) {
    throw new DemoFailure(`send_sms did not send the reply: ${textOf(sendResult)}`);
  }

  // 5. The delivery receipt reaches the thread through the status callback.
  const args = { conversationId: conversation.conversationId };
  t.assistant('get_conversation', args);
  t.note('(polling until the status callback to /sms/status marks the reply delivered)');
  const deadline = Date.now() + DELIVERY_WAIT_MS;
  for (;;) {
    const result = (await client.callTool({ name: 'get_conversation', arguments: args }, undefined, { timeout: CALL_TIMEOUT_MS })) as CallToolResult;
    const thread = structured(ThreadSchema, result, 'get_conversation');
    const reply = thread.messages.find((m) => m.sid === sent.sid);
    if (reply?.status === 'delivered') {
      for (const m of thread.messages) {
        t.result(`${m.direction === 'inbound' ? `${HANDSET} said` : 'assistant said'} ${JSON.stringify(m.body)} [${m.status}]`);
      }
      await whatsapp(sandbox, call, t);
      return;
    }
    if (Date.now() > deadline) {
      throw new DemoFailure(`The reply ${sent.sid} is still "${reply?.status ?? 'missing'}" in the thread after ${DELIVERY_WAIT_MS / 1000} s: no delivered status callback reached /sms/status.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const WHATSAPP_HANDSET = 'whatsapp:+14155550123';

/** The WhatsApp part: the window refusal, a template, the answer, a free-form reply inside the window. */
async function whatsapp(sandbox: Sandbox, call: (tool: string, args?: Record<string, unknown>) => Promise<CallToolResult>, t: Transcript): Promise<void> {
  const ours = `whatsapp:${sandbox.ourNumber}`;
  t.note('');
  t.note(`On WhatsApp (the sandbox number is a WhatsApp sender too, ${ours}):`);
  const refused = await call('send_sms', { to: WHATSAPP_HANDSET, body: 'Your order #1042 is ready.' });
  const refusal = textOf(refused);
  t.result(firstLine(refusal, 700));
  if (!refusal.startsWith('[FINAL] Not sent:') || !/63016/.test(refusal)) throw new DemoFailure(`send_sms did not refuse the free-form WhatsApp text outside the window: ${refusal}`);
  const sid = /order_update \((HX[0-9a-f]{32})/.exec(refusal)?.[1];
  if (!sid) throw new DemoFailure(`The refusal names no approved order_update template: ${refusal}`);
  const template = await call('send_sms', { to: WHATSAPP_HANDSET, body: '', contentSid: sid, contentVariables: JSON.stringify({ 1: '#1042' }) });
  t.result(firstLine(textOf(template)));
  if (structured(SentSchema, template, 'send_sms').outcome !== 'sent') throw new DemoFailure(`The template was not sent: ${textOf(template)}`);
  const answer = 'Great, I will come at 5.';
  io(t, `${WHATSAPP_HANDSET}  writes ${ours}: ${JSON.stringify(answer)}`);
  const inbound = await sandbox.emulator.simulateInbound({ from: WHATSAPP_HANDSET, to: ours, body: answer });
  if (!inbound.delivered) throw new DemoFailure('The Functions did not accept the WhatsApp webhook.');
  const received = await call('receive_sms');
  const got = structured(ReceivedSchema, received, 'receive_sms').messages.find((m) => m.sid === inbound.messageSid);
  if (!got) throw new DemoFailure(`receive_sms did not return the WhatsApp message ${inbound.messageSid}.`);
  t.result(`1 new message (WhatsApp); from ${got.from}: ${JSON.stringify(got.body)}`);
  const reply = await call('send_sms', { to: WHATSAPP_HANDSET, body: 'See you at 5!' });
  t.result(firstLine(textOf(reply)));
  if (structured(SentSchema, reply, 'send_sms').outcome !== 'sent') throw new DemoFailure(`The reply inside the window was not sent: ${textOf(reply)}`);
}

/** A handset's line in the transcript, for a handset other than the SMS one. */
function io(t: Transcript, line: string): void {
  t.note('');
  t.note(`handset ${line}`);
}

export async function demoMain(argv: readonly string[], io: Io): Promise<number> {
  const args = parseHelpOnly(argv, 'demo');
  if (args.kind === 'help') {
    io.out('Usage: npm run demo\n\nRuns one scripted SMS conversation through the emulator, the Functions and the bridge (a real MCP client over stdio), offline.');
    return 0;
  }
  if (args.kind === 'error') {
    io.err(args.message);
    return 1;
  }
  const missing = missingBuild(projectRoot());
  if (missing.length > 0) {
    io.err(`The demo needs a build first; missing ${missing.join(', ')}. Run npm install (or npm run build).`);
    return 1;
  }

  const started = Date.now();
  io.out('twilio-sms-mcp demo: a handset and an assistant talk through the whole system, offline.');
  const log: string[] = [];
  const bridgeStderr: string[] = [];
  let sandbox: Sandbox | undefined;
  let client: Client | undefined;
  try {
    // The Functions' own log lines are kept for a failure report; the transcript stays readable.
    sandbox = await startSandbox({
      emulatorPort: 0,
      functionsPort: await freePort(),
      log: (line) => (line.startsWith('[') ? log.push(line) : io.out(`  ${line}`)),
    });
    client = await connectBridge(sandbox, bridgeStderr);
    await script(sandbox, client, io);
    io.out(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s: the reply was delivered, and its status reached the thread through /sms/status.`);
    return 0;
  } catch (error) {
    io.err(`\nDemo failed: ${error instanceof Error ? error.message : String(error)}`);
    if (log.length > 0) io.err(`Functions log:\n${log.slice(-20).join('\n')}`);
    const stderr = bridgeStderr.join('').trim();
    if (stderr) io.err(`Bridge log (stderr):\n${stderr.split('\n').slice(-20).join('\n')}`);
    return 1;
  } finally {
    await client?.close().catch(() => undefined);
    await sandbox?.close();
  }
}

/** The bundle's entry (build/scripts/demo.js) calls this; importing the module starts nothing. */
export function run(): void {
  killChildrenOnExit();
  void demoMain(process.argv.slice(2), stdio).then(
    (code) => process.exit(code),
    (error: unknown) => {
      stdio.err(`Demo failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
