/**
 * The bridge as LibreChat really runs it (test/support/librechat.ts): the entry the README shows
 * and `npm run setup` prints, validated and `${VAR}`-filled by LibreChat's own package, the
 * child's environment only that entry's `env` plus the MCP SDK's defaults, `{{LIBRECHAT_USER_*}}`
 * filled per user, no progress token, the entry's `timeout` with `notifications/cancelled` when it
 * fires, and the model shown only what LibreChat's formatToolContent passes on (the text).
 * Against the emulator and the Functions under the real `twilio-run start`.
 * Each test is one of the four ways the bridge failed LibreChat's users (issue 10).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { conversationIdFor } from '../../lib/conversation-id';
import { librechatYaml, CLIENT_ENTRY_NAME, type EntryShape } from '../../scripts/client-config';
import { modelViewOf, parseLibrechatYaml, startLibrechatBridge, withLibrechatEnv, type LibrechatBridge, type LibrechatUser } from '../support/librechat';
import { BRIDGE_BIN } from '../support/paths';
import { eventually, MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';

const SECOND_NUMBER = '+14155550111';
let system: System;
const bridges: LibrechatBridge[] = [];

beforeAll(async () => {
  system = await startSystem({ emulator: { phoneNumbers: [MAGIC_FROM_NUMBER, SECOND_NUMBER] } });
  const [second] = await system.twilio.incomingPhoneNumbers.list({ phoneNumber: SECOND_NUMBER });
  await system.twilio.incomingPhoneNumbers(second!.sid).update({ smsUrl: `${system.functions.url}/sms/incoming`, smsMethod: 'POST' });
});

afterEach(async () => {
  system.emulator.clearFaults();
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
});

afterAll(async () => {
  await system?.close();
});

/** The three variables a new user has in LibreChat's .env before deploying anything. */
function seedDotenv(): Record<string, string> {
  return { TWILIO_ACCOUNT_SID: system.emulator.accountSid, TWILIO_AUTH_TOKEN: system.emulator.authToken, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER };
}

/** After the deploy: the two values `npm run setup` prints added. */
function deployedDotenv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...seedDotenv(), TWILIO_SYNC_SERVICE_SID: system.syncServiceSid, STATUS_CALLBACK_BASE_URL: system.functions.url, ...extra };
}

/**
 * Starts the bridge from the printed entry (the README's, plus the emulator's URL as the sandbox
 * prints it). `values` are written into the entry; `timeoutMs` overrides its `timeout`.
 */
async function librechat(options: { dotenv: Record<string, string>; shape?: EntryShape; values?: Record<string, string>; user?: LibrechatUser; timeoutMs?: number }): Promise<LibrechatBridge> {
  const yaml = librechatYaml(BRIDGE_BIN, { ...options.values, TWILIO_API_BASE_URL: system.emulator.url }, options.shape).join('\n');
  const entry = withLibrechatEnv(options.dotenv, () => parseLibrechatYaml(yaml))[CLIENT_ENTRY_NAME];
  if (!entry) throw new Error('no entry');
  const bridge = await startLibrechatBridge(options.timeoutMs ? { ...entry, timeout: options.timeoutMs } : entry, {
    bridgePath: BRIDGE_BIN,
    dotenv: options.dotenv,
    ...(options.user ? { user: options.user } : {}),
  });
  bridges.push(bridge);
  return bridge;
}

/** What the model reads of a successful call. */
async function modelText(bridge: LibrechatBridge, tool: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = await bridge.call(tool, args);
  if (result.error) throw result.error;
  return result.text;
}

const conversationIn = (text: string): string => {
  const id = /Conversation (conv_[0-9a-f]{16})/.exec(text)?.[1];
  if (!id) throw new Error(`no conversation id in: ${text}`);
  return id;
};

describe('1. first start: unset settings are placeholders, not values', () => {
  test("the printed entry with only the three seed variables in LibreChat's .env starts, sends, and says what is off", async () => {
    const bridge = await librechat({ dotenv: seedDotenv() });
    expect(bridge.env.STATUS_CALLBACK_BASE_URL).toBe('${STATUS_CALLBACK_BASE_URL}');
    expect((await bridge.listTools()).map((tool) => tool.name).sort()).toEqual(['cancel_scheduled_sms', 'get_conversation', 'get_media', 'list_conversations', 'receive_sms', 'send_sms', 'wait_for_reply']);
    const stderr = bridge.stderr();
    expect(stderr).toContain(`STATUS_CALLBACK_BASE_URL is off: it is missing from LibreChat's .env (librechat.yaml passes "\${STATUS_CALLBACK_BASE_URL}" unfilled). Set it in LibreChat's .env to use it.`);
    expect(stderr).toContain('TWILIO_SYNC_SERVICE_SID is off');
    expect(stderr).not.toMatch(/\berror\b/);

    expect(await modelText(bridge, 'send_sms', { to: '+14155550150', body: 'First text' })).toMatch(/^\[FINAL\] SMS sent to \+14155550150 \(SID SM[0-9a-f]{32}\)/);
    expect(await modelText(bridge, 'receive_sms')).toMatch(/set TWILIO_SYNC_SERVICE_SID/);
  });

  test('a required variable missing from .env stops the start with one line naming it, which LibreChat logs', async () => {
    const { TWILIO_AUTH_TOKEN: _token, ...withoutToken } = seedDotenv();
    await expect(librechat({ dotenv: withoutToken })).rejects.toThrow(/MCP error -32000: Connection closed[\s\S]*TWILIO_AUTH_TOKEN is missing from LibreChat's \.env \(librechat\.yaml passes "\$\{TWILIO_AUTH_TOKEN\}" unfilled\)/);
  });
});

describe('2. no call outlives the client, and nothing is lost when one does', () => {
  test('with the timeout set in both places, a long wait_for_reply and a long delivery wait answer before it', async () => {
    const bridge = await librechat({ dotenv: deployedDotenv({ SEND_WAIT_SECONDS: '120' }), values: { CLIENT_TIMEOUT_SECONDS: '12' } });
    expect(bridge.entry.timeout).toBe(12_000);
    const handset = '+14155550151';
    // The carrier never reports delivery: send_sms would wait its 120 s.
    system.emulator.setDeliveryOutcome(handset, { status: 'sent' });
    let started = Date.now();
    const sent = await bridge.call('send_sms', { to: handset, body: 'Are you coming?' });
    expect(sent.error).toBeNull();
    expect(Date.now() - started).toBeLessThan(12_000 - 4_000);
    expect(sent.text).toMatch(/^\[FINAL\] SMS sent to \+14155550151 .*: sent; no delivery receipt yet\. Do not send it again\./);

    // The conversation id comes from the text alone: LibreChat shows the model nothing else.
    const conversationId = conversationIn(sent.text);
    expect(conversationId).toBe(conversationIdFor(MAGIC_FROM_NUMBER, handset));
    started = Date.now();
    const waited = await bridge.call('wait_for_reply', { conversationId, timeoutSeconds: 240 });
    const took = Date.now() - started;
    expect(waited.error).toBeNull();
    expect(took).toBeLessThan(12_000 - 4_000);
    const seconds = Number(/waited (\d+) s/.exec(waited.text)?.[1]);
    expect(Math.abs(seconds * 1000 - took)).toBeLessThan(1500);
    expect(waited.text).toBe(`No reply yet: waited ${seconds} s (the longest one call may wait here: the client's timeout is 12 s), nothing new in ${conversationId}. Call wait_for_reply again to keep waiting, or tell the user.`);
  });

  test('a short timeout (timeout: 6000, CLIENT_TIMEOUT_SECONDS "6") starts the bridge with one line saying what it shortened; it sends, and a wait answers within 6 s', async () => {
    // Issue 26: this entry used to stop the bridge ("must be at least 10"): LibreChat logged
    // "Connection closed" three times and the user had no SMS tools at all.
    const bridge = await librechat({ dotenv: deployedDotenv(), values: { CLIENT_TIMEOUT_SECONDS: '6' } });
    expect(bridge.entry.timeout).toBe(6_000);
    const shortened = bridge.stderr().split('\n').filter((line) => line.includes('CLIENT_TIMEOUT_SECONDS is 6'));
    expect(shortened).toHaveLength(1);
    expect(shortened[0]).toMatch(/waits end 2 s into a call .*answers are ready 4 s into it/);
    const tools = await bridge.listTools();
    expect(tools.find((tool) => tool.name === 'wait_for_reply')?.description).toMatch(/^Waits \(max 2 s\/call\)/);

    const handset = '+14155550154';
    let started = Date.now();
    const sent = await bridge.call('send_sms', { to: handset, body: 'Running late, 10 min.' });
    expect(sent.error).toBeNull();
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(sent.text).toMatch(/^\[FINAL\] SMS sent to \+14155550154 \(SID SM[0-9a-f]{32}\): /);

    const conversationId = conversationIn(sent.text);
    started = Date.now();
    const waited = await bridge.call('wait_for_reply', { conversationId, timeoutSeconds: 60 });
    expect(waited.error).toBeNull();
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(waited.text).toMatch(new RegExp(`^No reply yet: waited \\d s \\(the longest one call may wait here: the client's timeout is 6 s\\), nothing new in ${conversationId}\\. Call wait_for_reply again`));

    await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'No problem' });
    const replied = await eventually(async () => {
      const result = await bridge.call('wait_for_reply', { conversationId });
      expect(result.error).toBeNull();
      return result.text.includes('"No problem"') ? result.text : null;
    }, 15_000);
    expect(replied).toMatch(/^1 new message/);
  });

  test('a reply arriving right after the client gave up on wait_for_reply comes out of the next receive_sms', async () => {
    // CLIENT_TIMEOUT_SECONDS left at 60 while the entry's timeout is 3 s: the client gives up first.
    const bridge = await librechat({ dotenv: deployedDotenv(), timeoutMs: 3000 });
    const handset = '+14155550152';
    const conversationId = conversationIn(await modelText(bridge, 'send_sms', { to: handset, body: 'Dinner at 8?' }));
    const waited = await bridge.call('wait_for_reply', { conversationId, timeoutSeconds: 30 });
    expect(waited.error?.message).toMatch(/MCP error -32001: Request timed out/);
    expect(waited.text).toMatch(/tool call failed: MCP error -32001/);

    const reply = await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'Yes, see you then' });
    expect(reply.delivered).toBe(true);
    // Longer than any poll interval of the abandoned wait: had it kept polling, it took the reply by now.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const received = await modelText(bridge, 'receive_sms');
    expect(received).toContain('"Yes, see you then"');
    expect(received).toContain(reply.messageSid);
  });

  test('a receive whose answer the client never took (cancelled during the cursor write) gives the messages back', async () => {
    const bridge = await librechat({ dotenv: deployedDotenv({ TWILIO_TIMEOUT_MS: '3000' }), timeoutMs: 1500 });
    const handset = '+14155550153';
    const first = await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'Call me back' });
    // The cursor write lands, but its answer hangs past the client's timeout.
    system.emulator.injectFault({ kind: 'timeout', method: 'POST', product: 'sync', route: /\/Maps\/inbox_\d+\/Items\/conv_/, afterHandling: true, times: 1, delayMs: 10_000 });
    const abandoned = await bridge.call('receive_sms', { conversationId: conversationIdFor(MAGIC_FROM_NUMBER, handset) });
    expect(abandoned.error?.message).toMatch(/MCP error -32001/);
    // The bridge finds its write landed, sees the request cancelled, and gives the message back.
    const again = await eventually(async () => {
      const text = await modelText(bridge, 'receive_sms');
      return text.includes(first.messageSid) ? text : null;
    }, 15_000);
    expect(again).toMatch(/^1 new message/);
    expect(await modelText(bridge, 'receive_sms')).toBe('No new messages.');
    expect(bridge.stderr()).toContain('a result did not reach the client (the request was cancelled)');
  });
});

describe('3. the text alone is enough', () => {
  let files: Server;
  let filesUrl = '';
  // A 1×1 transparent PNG.
  const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

  beforeAll(async () => {
    files = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': PNG.length }).end(PNG));
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => files?.close(resolve));
  });

  test('a media url read from receive_sms text opens with get_media, as an image LibreChat passes to the model', async () => {
    const bridge = await librechat({ dotenv: deployedDotenv() });
    const handset = '+14155550154';
    await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'my cat', media: [{ url: `${filesUrl}/cat.png`, contentType: 'image/png' }] });
    const text = await modelText(bridge, 'receive_sms');
    const url = /media 1 \(image\/png, open with get_media\): (\S+)/.exec(text)?.[1];
    expect(url).toMatch(/^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Messages\/(SM|MM)[0-9a-f]{32}\/Media\/ME[0-9a-f]{32}$/);
    const media = await bridge.call('get_media', { url });
    expect(media.error).toBeNull();
    expect(media.text).toMatch(/^Media item: image\/png, \d+ bytes/);
    expect(modelViewOf(media.raw!).images).toEqual([`data:image/png;base64,${PNG.toString('base64')}`]);

    // The thread view names the same url.
    expect(await modelText(bridge, 'get_conversation', { conversationId: conversationIdFor(MAGIC_FROM_NUMBER, handset) })).toContain(`media 1 (image/png, open with get_media): ${url}`);
  });
});

describe('4. one inbox per LibreChat user', () => {
  const teamDotenv = () =>
    deployedDotenv({ SMS_USER_NUMBERS: `alice@example.com=${MAGIC_FROM_NUMBER},bob@example.com=${SECOND_NUMBER},dave@example.com=${MAGIC_FROM_NUMBER}` });
  const user = (name: string): LibrechatUser => ({ id: `id-${name}`, email: `${name}@example.com`, name });
  const team = (name: string) => librechat({ dotenv: teamDotenv(), shape: 'team', user: user(name) });

  test("each user's bridge reads and sends only within their own numbers, with their own cursor", async () => {
    const [alice, bob, dave] = await Promise.all([team('alice'), team('bob'), team('dave')]);
    expect(alice.env.SMS_USER).toBe('alice@example.com');
    const handset = '+14155550155';
    const toAlice = await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'for alice' });
    const toBob = await system.emulator.simulateInbound({ from: handset, to: SECOND_NUMBER, body: 'for bob' });

    const aliceGot = await modelText(alice, 'receive_sms');
    expect(aliceGot).toContain(toAlice.messageSid);
    expect(aliceGot).not.toContain(toBob.messageSid);
    const bobGot = await modelText(bob, 'receive_sms');
    expect(bobGot).toContain(toBob.messageSid);
    expect(bobGot).not.toContain(toAlice.messageSid);
    // Dave shares Alice's number and still gets the message: Alice's receive did not consume it.
    expect(await modelText(dave, 'receive_sms')).toContain(toAlice.messageSid);
    expect(await modelText(alice, 'receive_sms')).toBe('No new messages.');

    const bobsConversation = conversationIdFor(SECOND_NUMBER, handset);
    expect(await modelText(alice, 'list_conversations')).not.toContain(bobsConversation);
    expect(await modelText(alice, 'get_conversation', { conversationId: bobsConversation })).toMatch(/^No conversation conv_/);
    expect(await modelText(alice, 'send_sms', { to: handset, body: 'hi', from: SECOND_NUMBER })).toMatch(/^\[FINAL\] Not sent: "\+14155550111" is not one of your Twilio numbers \(\+15005550006\)/);

    // Bob replies from the number the person texted: his own.
    const replied = await modelText(bob, 'send_sms', { to: handset, body: 'Bob here' });
    expect(conversationIn(replied)).toBe(bobsConversation);
    const sid = /SID (SM[0-9a-f]{32})/.exec(replied)?.[1];
    expect(system.emulator.messages().find((message) => message.sid === sid)?.from).toBe(SECOND_NUMBER);
  });

  test('a user the administrator gave no number is refused with what to fix; the tool-listing process starts', async () => {
    const carol = await team('carol');
    const refusal = 'No Twilio number is assigned to carol@example.com on this server. Ask the administrator to add "carol@example.com=+<your number>" to SMS_USER_NUMBERS.';
    expect(await modelText(carol, 'receive_sms')).toBe(refusal);
    expect(await modelText(carol, 'send_sms', { to: '+14155550156', body: 'hello' })).toBe(`[FINAL] Not sent: ${refusal} Nothing was sent. Do not retry the same call; fix the input or tell the user.`);

    // LibreChat's own short-lived process that reads the tools has no user: the placeholder stays.
    const lister = await librechat({ dotenv: teamDotenv(), shape: 'team' });
    expect(lister.env.SMS_USER).toBe('{{LIBRECHAT_USER_EMAIL}}');
    expect((await lister.listTools()).length).toBe(7);
    expect(await modelText(lister, 'list_conversations')).toMatch(/no user identity reached it/);
  });
});

describe('5. the lives LibreChat gives the bridge (issue 25)', () => {
  const lifeDotenv = () => deployedDotenv({ SMS_USER_NUMBERS: `erin@example.com=${MAGIC_FROM_NUMBER},finn@example.com=${MAGIC_FROM_NUMBER}`, TWILIO_TIMEOUT_MS: '3000' });
  const user = (name: string): LibrechatUser => ({ id: `id-${name}`, email: `${name}@example.com`, name });
  // CLIENT_TIMEOUT_SECONDS 5: a handover not known delivered is settled 5 + 5 s after its take.
  const perUser = (name: string, timeoutMs?: number) => librechat({ dotenv: lifeDotenv(), shape: 'team', user: user(name), values: { CLIENT_TIMEOUT_SECONDS: '5' }, ...(timeoutMs ? { timeoutMs } : {}) });

  test("a per-user bridge closed by the idle timeout with a handover outstanding: the user's next bridge hands the messages over, once", async () => {
    const handset = '+14155550171';
    const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
    const first = await perUser('erin', 1500);
    // Erin's cursor item exists (her first receive made it): the next cursor write is an update.
    const hello = await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'hello' });
    expect(await modelText(first, 'receive_sms')).toContain(hello.messageSid);
    const taken = await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'Are we still on for Friday?' });
    // The cursor write lands, its answer hangs: LibreChat's timeout fires (notifications/cancelled)…
    system.emulator.injectFault({ kind: 'timeout', method: 'POST', product: 'sync', route: /\/Maps\/cursors_[0-9a-f]{16}_\d\/Items\/conv_/, afterHandling: true, times: 1, delayMs: 15_000 });
    const abandoned = await first.call('receive_sms', { conversationId });
    expect(abandoned.error?.message).toMatch(/MCP error -32001/);
    // …and the user's idle connection is closed (MCP_USER_CONNECTION_IDLE_TIMEOUT) while the bridge still waits.
    await first.close();
    system.emulator.clearFaults();

    const next = await perUser('erin');
    // Within the handover's deadline nobody hands it over (its bridge might still answer)…
    expect(await modelText(next, 'receive_sms')).toBe('No new messages.');
    // …after it, the user's new bridge does, once.
    const text = await eventually(async () => {
      const got = await modelText(next, 'receive_sms');
      return got.includes(taken.messageSid) ? got : null;
    }, 20_000);
    expect(text).toMatch(/^1 new message \(.*\): 1 of them handed over again: an earlier result may not have reached you\./);
    expect(await modelText(next, 'receive_sms')).toBe('No new messages.');
  }, 60_000);

  test('an ephemeral connection per call ({{LIBRECHAT_BODY_*}}): every call works, each message handed over once, and the cost is the process start', async () => {
    const yaml = librechatYaml(BRIDGE_BIN, { TWILIO_API_BASE_URL: system.emulator.url }, 'team').join('\n');
    const dotenv = lifeDotenv();
    const entry = withLibrechatEnv(dotenv, () => parseLibrechatYaml(yaml))[CLIENT_ENTRY_NAME];
    if (!entry || !('command' in entry)) throw new Error('no stdio entry');
    // A {{LIBRECHAT_BODY_*}} placeholder makes LibreChat open a connection for every tool call.
    const perCall = { ...entry, env: { ...entry.env, SMS_CHAT: '{{LIBRECHAT_BODY_CONVERSATIONID}}' } };
    const timings: { connect: number; call: number; close: number }[] = [];
    const once = async (chat: string, tool: string, args: Record<string, unknown> = {}) => {
      let at = Date.now();
      const bridge = await startLibrechatBridge(perCall, { bridgePath: BRIDGE_BIN, dotenv, user: user('finn'), body: { conversationId: chat, messageId: `m-${Date.now()}` } });
      const connect = Date.now() - at;
      at = Date.now();
      const result = await bridge.call(tool, args);
      const call = Date.now() - at;
      at = Date.now();
      await bridge.close();
      timings.push({ connect, call, close: Date.now() - at });
      expect(bridge.env.SMS_CHAT).toBe(chat);
      if (result.error) throw result.error;
      return result.text;
    };
    const handset = '+14155550172';
    const sent = await once('chat-1', 'send_sms', { to: handset, body: 'Table for two at 7?' });
    expect(sent).toMatch(/^\[FINAL\] SMS sent to \+14155550172/);
    const reply = await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'Yes please' });
    const got = await once('chat-1', 'receive_sms');
    expect(got).toContain(reply.messageSid);
    expect(got).not.toMatch(/handed over again/);
    expect(await once('chat-2', 'receive_sms')).toBe('No new messages.');
    expect(await once('chat-2', 'wait_for_reply', { conversationId: conversationIdFor(MAGIC_FROM_NUMBER, handset), timeoutSeconds: 1 })).toMatch(/^No reply yet/);
    // Each process recorded its handover delivered before it exited: past the deadline (5 + 5 s)
    // nothing comes back a second time.
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    expect(await once('chat-3', 'receive_sms')).toBe('No new messages.');

    // The same calls over one kept connection, for comparison.
    const kept = await perUser('finn');
    const keptTimes: number[] = [];
    for (const [tool, args] of [['receive_sms', {}], ['receive_sms', {}]] as const) {
      const at = Date.now();
      await kept.call(tool, args);
      keptTimes.push(Date.now() - at);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const figures = { connectMs: median(timings.map((t) => t.connect)), callMs: median(timings.slice(1).map((t) => t.call)), closeMs: median(timings.map((t) => t.close)), keptCallMs: median(keptTimes) };
    process.stderr.write(`[librechat ephemeral] ${JSON.stringify(figures)}\n`);
    // The process start (spawn, initialize) is what a connection per call adds; a call itself
    // costs what it costs on a kept connection plus the first use of Sync and Twilio clients.
    expect(figures.connectMs).toBeLessThan(3_000);
    expect(figures.closeMs).toBeLessThan(2_000);
  }, 90_000);
});
