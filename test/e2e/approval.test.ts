/**
 * SEND_CONFIRMATION=true with a client that can ask its user (MCP elicitation): the built bridge
 * as a child process over stdio, the SDK's client answering for the human, against the emulator.
 * Only an accept with "Send this text" ticked sends; an accept without it, decline, cancel and
 * silence send nothing; a token the model holds does
 * not stand in for the human; a client without the capability keeps the preview-and-token flow.
 */
import { ElicitRequestSchema, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { startBridge, textOf, type BridgeProcess } from '../../scripts/system/bridge-process';
import { connectHttp, spawnHttpBridge } from '../../scripts/system/http-bridge';
import { eventually, MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';

let system: System;
/** The elicitation-capable client's bridge, and the human behind it (set per test). */
let asking: BridgeProcess;
let human: (request: ElicitRequest, signal: AbortSignal) => Promise<ElicitResult>;
const asked: ElicitRequest[] = [];

const creates = () => system.emulator.count({ method: 'POST', product: 'api', route: /Messages\.json$/ });

function elicitingBridge(env: Record<string, string> = {}): Promise<BridgeProcess> {
  return startBridge(system.bridgeEnv({ SEND_WAIT_SECONDS: '0', ...env }), { capabilities: { elicitation: {} } }).then((bridge) => {
    bridge.client.setRequestHandler(ElicitRequestSchema, (request, extra) => {
      asked.push(request);
      return human(request, extra.signal);
    });
    return bridge;
  });
}

beforeAll(async () => {
  system = await startSystem({ bridgeEnv: { SEND_CONFIRMATION: 'true', SEND_WAIT_SECONDS: '0' } });
  asking = await elicitingBridge();
});

afterAll(async () => {
  await asking?.close();
  await system?.close();
});

beforeEach(() => {
  system.emulator.resetCounts();
  asked.length = 0;
});

test('accept with "Send this text" ticked: the human is shown the exact message, and it is sent once', async () => {
  human = async () => ({ action: 'accept', content: { send: true } });
  const result = await asking.call('send_sms', { to: '+14155550201', body: 'Your table for two is booked at 7 pm.' });
  expect(result.structuredContent).toMatchObject({ outcome: 'sent' });
  expect(textOf(result)).toMatch(/^\[FINAL\] SMS sent to \+14155550201/);
  expect(creates()).toBe(1);
  expect(asked).toHaveLength(1);
  const params = asked[0]!.params;
  // A real field: VS Code draws an empty form whose Submit does nothing (PrefectHQ/fastmcp #3910).
  expect(params).toMatchObject({ mode: 'form', requestedSchema: { type: 'object', properties: { send: { type: 'boolean', title: 'Send this text' } }, required: ['send'] } });
  expect(params.message).toContain('To: +14155550201\n');
  expect(params.message).toContain(`From: ${MAGIC_FROM_NUMBER}\n`);
  expect(params.message).toContain('Text (37 characters): "Your table for two is booked at 7 pm."\nBilled as 1 segment (GSM-7, 37 of 160 characters)\n');
});

test.each<[string, ElicitResult, RegExp]>([
  ['accept with the box unticked', { action: 'accept', content: { send: false } }, /^\[FINAL\] Not sent: The user declined this message when asked to approve it\. Nothing was sent/],
  ['accept with the box missing', { action: 'accept', content: {} }, /^\[FINAL\] Not sent: The user declined this message when asked to approve it\. Nothing was sent/],
  ['decline', { action: 'decline' }, /^\[FINAL\] Not sent: The user declined this message when asked to approve it\. Nothing was sent/],
  ['cancel', { action: 'cancel' }, /^\[FINAL\] Not sent: The user closed the approval prompt without approving this message\. Nothing was sent/],
])('%s: not sent, nothing reaches Twilio', async (label, answer, text) => {
  human = async () => answer;
  const result = await asking.call('send_sms', { to: '+14155550202', body: `Shall I book it? (${label})` });
  expect(textOf(result)).toMatch(text);
  expect(result.structuredContent).toMatchObject({ outcome: 'declined', sid: null });
  expect(result.isError).toBeFalsy();
  expect(asked).toHaveLength(1);
  expect(creates()).toBe(0);
});

test('a client without elicitation keeps the preview and token flow', async () => {
  const message = { to: '+14155550203', body: 'Reminder: dentist tomorrow at 9.' };
  const preview = await system.bridge.call('send_sms', message);
  expect(textOf(preview)).toMatch(/^\[PREVIEW, NOT SENT\] To \+14155550203: show the user this exact message/);
  expect(creates()).toBe(0);
  const sent = await system.bridge.call('send_sms', { ...message, confirmationToken: String(preview.structuredContent?.confirmationToken) });
  expect(sent.structuredContent).toMatchObject({ outcome: 'sent' });
  expect(creates()).toBe(1);
});

test("a valid token the model holds does not bypass the human: they are asked, and their no stands", async () => {
  const message = { to: '+14155550204', body: 'Transfer approved, see attached.' };
  // Issued by the bridge of a client without elicitation, on the same Sync service: valid anywhere.
  const preview = await system.bridge.call('send_sms', message);
  const token = String(preview.structuredContent?.confirmationToken);
  human = async () => ({ action: 'decline' });
  const result = await asking.call('send_sms', { ...message, confirmationToken: token });
  expect(textOf(result)).toMatch(/^\[FINAL\] Not sent: The user declined/);
  expect(asked).toHaveLength(1);
  expect(creates()).toBe(0);
  // stderr arrives on its own pipe, maybe after the result.
  await eventually(async () => asking.stderr().includes('confirmationToken ignored: this client asks the user to approve each text'));
});

test('a policy refusal comes before the human is asked', async () => {
  const bridge = await elicitingBridge({ SEND_ALLOWLIST: '+14155550299' });
  try {
    human = async () => ({ action: 'accept', content: { send: true } });
    const result = await bridge.call('send_sms', { to: '+14155550205', body: 'Not on the list.' });
    expect(textOf(result)).toMatch(/^\[FINAL\] Not sent: \+14155550205 is not on this server's recipient allowlist/);
    expect(asked).toHaveLength(0);
    expect(creates()).toBe(0);
  } finally {
    await bridge.close();
  }
});

test('a human who answers too late: not sent, and the result arrives before the client gives up', async () => {
  // CLIENT_TIMEOUT_SECONDS 13: a third each for the wait, the Sync calls after it and the answer's
  // margin (call-budget.ts): answers come by 8.7 s, so the human has 4.3 s and answers at 5 s.
  const bridge = await elicitingBridge({ CLIENT_TIMEOUT_SECONDS: '13' });
  try {
    let answered = false;
    human = async () => {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      answered = true;
      return { action: 'accept', content: { send: true } };
    };
    const started = Date.now();
    const result = await bridge.client.callTool({ name: 'send_sms', arguments: { to: '+14155550206', body: 'Are you coming tonight?' } }, undefined, { timeout: 13_000 });
    expect(Date.now() - started).toBeLessThan(8_700);
    expect(textOf(result as Parameters<typeof textOf>[0])).toMatch(/^\[FINAL\] Not sent: No answer from the user in time: the approval prompt waits at most [34] s/);
    expect(result.structuredContent).toMatchObject({ outcome: 'declined' });
    // The late accept reaches a request that is over: still nothing is sent.
    while (!answered) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(creates()).toBe(0);
  } finally {
    await bridge.close();
  }
});

test('the client cancels the call while the human has not answered: the prompt is withdrawn, nothing is sent', async () => {
  let withdrawn = false;
  let answer: () => void = () => {};
  human = (_request, signal) =>
    new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        withdrawn = true;
        resolve({ action: 'cancel' });
      });
      // Should the withdrawal not arrive, the human accepts afterwards: that must not send either.
      answer = () => resolve({ action: 'accept', content: { send: true } });
    });
  const call = new AbortController();
  const pending = asking.client.callTool({ name: 'send_sms', arguments: { to: '+14155550207', body: 'Never mind.' } }, undefined, { signal: call.signal });
  while (asked.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  call.abort('the user stopped the chat');
  await expect(pending).rejects.toThrow();
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(withdrawn).toBe(true);
  answer();
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(creates()).toBe(0);
});

test('over Streamable HTTP the question travels with the call: decline, then accept', async () => {
  const http = await spawnHttpBridge(system.bridgeEnv({ SEND_WAIT_SECONDS: '0' }));
  const client = await connectHttp(http.url, undefined, 'approval-http-tests', { capabilities: { elicitation: {} } });
  try {
    const answers: ElicitResult['action'][] = ['decline', 'accept'];
    client.client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request);
      const action = answers.shift() ?? 'decline';
      return action === 'accept' ? { action, content: { send: true } } : { action };
    });
    const message = { to: '+14155550208', body: 'Your parcel arrives today.' };
    expect(textOf(await client.call('send_sms', message))).toMatch(/^\[FINAL\] Not sent: The user declined/);
    expect(creates()).toBe(0);
    expect((await client.call('send_sms', message)).structuredContent).toMatchObject({ outcome: 'sent' });
    expect(asked).toHaveLength(2);
    expect(creates()).toBe(1);
  } finally {
    await client.close();
    await http.stop();
  }
});
