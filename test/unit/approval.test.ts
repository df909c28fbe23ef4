/**
 * approval.ts: what the human is shown, and how each client answer (or none) maps to an
 * ApprovalAnswer — with a fake server for every branch, and with the SDK's own client and
 * server over an in-memory pair for the answers only the SDK produces (its timeout, an abort).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type ClientCapabilities, ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { approvalMessage, type ApprovalRequest, canElicitForm, clientApproval, type ElicitingServer } from '../../mcp-bridge/src/server/approval';

/** The form the human is asked with: one required boolean, so that form-mode clients draw a field (VS Code's Submit did nothing on an empty form, PrefectHQ/fastmcp #3910). */
const FORM = { type: 'object', properties: { send: { type: 'boolean', title: 'Send this text', description: 'Tick to send exactly this SMS.', default: false } }, required: ['send'] };

const REQUEST: ApprovalRequest = { to: '+14155550100', from: '+15005550006', messagingServiceSid: undefined, body: 'See you at 5.', mediaUrl: [], sendAt: undefined };

describe('canElicitForm', () => {
  test.each<[string, ClientCapabilities | undefined, boolean]>([
    ['no capabilities', undefined, false],
    ['no elicitation', { sampling: {} }, false],
    ['elicitation: {} (form, before 2025-11-25)', { elicitation: {} }, true],
    ['form', { elicitation: { form: {} } }, true],
    ['form and url', { elicitation: { form: {}, url: {} } }, true],
    ['url only', { elicitation: { url: {} } }, false],
  ])('%s', (_label, capabilities, expected) => {
    expect(canElicitForm(capabilities)).toBe(expected);
  });
});

describe('approvalMessage', () => {
  test('names the recipient, the sender and the exact text, then what each button does', () => {
    expect(approvalMessage(REQUEST, 50_000)).toBe(
      [
        'The assistant wants to send this SMS. Send it?',
        'To: +14155550100',
        'From: +15005550006',
        'Text (13 characters): "See you at 5."',
        'Tick "Send this text" and accept to send exactly this; anything else sends nothing. Unanswered after 50 s, nothing is sent.',
      ].join('\n'),
    );
  });

  test('a Messaging Service, the scheduled time and every attachment are shown', () => {
    const text = approvalMessage({ ...REQUEST, from: undefined, messagingServiceSid: `MG${'5'.repeat(32)}`, sendAt: '2030-01-02T03:04:05+01:00', mediaUrl: ['https://example.com/a.jpg', 'https://example.com/b.png'] }, 9_999);
    expect(text).toContain(`From: a number of Messaging Service MG${'5'.repeat(32)}\n`);
    expect(text).toContain('Scheduled for: 2030-01-02T02:04:05.000Z (UTC)\n');
    expect(text).toContain('Attachment 1: https://example.com/a.jpg\nAttachment 2: https://example.com/b.png\n');
    expect(text).toContain('Unanswered after 9 s');
  });

  test('the body cannot fake the lines around it: it is one JSON string, after the recipient', () => {
    const body = 'Hi"\nTo: +19995550000\nAccept sends';
    const text = approvalMessage({ ...REQUEST, body }, 50_000);
    expect(text).toContain(`Text (${body.length} characters): "Hi\\"\\nTo: +19995550000\\nAccept sends"`);
    expect(text.split('\n').filter((line) => line.startsWith('To: '))).toEqual(['To: +14155550100']);
  });
});

describe('clientApproval with a fake server', () => {
  type Elicit = ElicitingServer['elicitInput'];
  function fakeServer(capabilities: ClientCapabilities | undefined, answer: () => Promise<ElicitResult>) {
    const elicitInput = jest.fn<ReturnType<Elicit>, Parameters<Elicit>>(answer);
    return { server: { getClientCapabilities: () => capabilities, elicitInput }, elicitInput };
  }
  const call = () => ({ requestId: 7, signal: new AbortController().signal });

  test.each<[string, ElicitResult, string]>([
    ['accept with "Send this text" ticked', { action: 'accept', content: { send: true } }, 'accepted'],
    ['accept with it unticked: no', { action: 'accept', content: { send: false } }, 'declined'],
    ['accept with it missing: no', { action: 'accept', content: {} }, 'declined'],
    ['accept without content: no', { action: 'accept' }, 'declined'],
    ['accept with a non-boolean: no', { action: 'accept', content: { send: 'true' } }, 'declined'],
    ['decline', { action: 'decline' }, 'declined'],
    ['decline with it ticked: still no', { action: 'decline', content: { send: true } }, 'declined'],
    ['cancel', { action: 'cancel' }, 'cancelled'],
  ])('%s', async (_label, result, kind) => {
    const { server } = fakeServer({ elicitation: {} }, async () => result);
    expect(await clientApproval(server, call())(REQUEST, 50_000)).toEqual({ kind });
  });

  test('asks with a one-checkbox form, related to the tool call, bounded by the time left and the call signal', async () => {
    const { server, elicitInput } = fakeServer({ elicitation: { form: {} } }, async () => ({ action: 'accept', content: { send: true } }));
    const { signal } = new AbortController();
    await clientApproval(server, { requestId: 'call-1', signal })(REQUEST, 42_000);
    expect(elicitInput).toHaveBeenCalledTimes(1);
    expect(elicitInput).toHaveBeenCalledWith(
      { mode: 'form', message: approvalMessage(REQUEST, 42_000), requestedSchema: FORM },
      { relatedRequestId: 'call-1', signal, timeout: 42_000 },
    );
  });

  test.each<[string, ClientCapabilities | undefined]>([
    ['no capabilities', undefined],
    ['url mode only', { elicitation: { url: {} } }],
  ])('%s: unavailable, nothing asked', async (_label, capabilities) => {
    const { server, elicitInput } = fakeServer(capabilities, async () => ({ action: 'accept' }));
    expect(await clientApproval(server, call())(REQUEST, 50_000)).toEqual({ kind: 'unavailable' });
    expect(elicitInput).not.toHaveBeenCalled();
  });

  test('no time left: timed out, nothing asked', async () => {
    const { server, elicitInput } = fakeServer({ elicitation: {} }, async () => ({ action: 'accept' }));
    expect(await clientApproval(server, call())(REQUEST, 0)).toEqual({ kind: 'timed-out' });
    expect(elicitInput).not.toHaveBeenCalled();
  });

  test('an error answer fails, with its message', async () => {
    const { server } = fakeServer({ elicitation: {} }, async () => {
      throw new Error('prompt could not be drawn');
    });
    expect(await clientApproval(server, call())(REQUEST, 50_000)).toEqual({ kind: 'failed', error: 'prompt could not be drawn' });
  });
});

describe('clientApproval through the SDK (in-memory client and server)', () => {
  async function connect(capabilities: ClientCapabilities, answer?: (signal: AbortSignal) => Promise<ElicitResult>) {
    const server = new McpServer({ name: 'approval-test', version: '1.0.0' });
    const client = new Client({ name: 'approval-test-client', version: '1.0.0' }, { capabilities });
    if (answer) client.setRequestHandler(ElicitRequestSchema, (_request, extra) => answer(extra.signal));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    return { server: server.server, close: () => client.close() };
  }
  /** A human who never answers: the request stays open until the SDK cancels it. */
  const never = (signal: AbortSignal) => new Promise<ElicitResult>((resolve) => signal.addEventListener('abort', () => resolve({ action: 'cancel' })));

  test('the client answers accept, and the message it was shown is the exact one', async () => {
    const shown: string[] = [];
    const server = new McpServer({ name: 'approval-test', version: '1.0.0' });
    const client = new Client({ name: 'c', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      shown.push(request.params.message);
      return { action: 'accept', content: { send: true } };
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    try {
      expect(await clientApproval(server.server, { requestId: 1, signal: new AbortController().signal })(REQUEST, 5_000)).toEqual({ kind: 'accepted' });
      expect(shown).toEqual([approvalMessage(REQUEST, 5_000)]);
    } finally {
      await client.close();
    }
  });

  test.each<[string, ElicitResult]>([
    ['unticked', { action: 'accept', content: { send: false } }],
    ['missing (the SDK finds the content does not match the form)', { action: 'accept', content: {} }],
    ['not a boolean (likewise)', { action: 'accept', content: { send: 'yes' } }],
  ])('accept with "Send this text" %s: declined, not failed', async (_label, answer) => {
    const { server, close } = await connect({ elicitation: {} }, async () => answer);
    try {
      expect(await clientApproval(server, { requestId: 1, signal: new AbortController().signal })(REQUEST, 5_000)).toEqual({ kind: 'declined' });
    } finally {
      await close();
    }
  });

  test('no answer within the time: timed out (the SDK cancels the request)', async () => {
    let cancelled = false;
    const { server, close } = await connect({ elicitation: {} }, async (signal) => {
      const result = await never(signal);
      cancelled = true;
      return result;
    });
    try {
      // SDK 1.32.2's receiver ignores a cancellation of request id 0 (`if (!requestId) return`):
      // one ping first, so the elicitation is request 1 and its cancellation can be seen.
      await server.ping();
      const started = Date.now();
      expect(await clientApproval(server, { requestId: 1, signal: new AbortController().signal })(REQUEST, 300)).toEqual({ kind: 'timed-out' });
      expect(Date.now() - started).toBeLessThan(2_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(cancelled).toBe(true);
    } finally {
      await close();
    }
  });

  test('the tool call is cancelled while the human has not answered: cancelled', async () => {
    const { server, close } = await connect({ elicitation: {} }, never);
    try {
      const call = new AbortController();
      setTimeout(() => call.abort('client gave up'), 100);
      expect(await clientApproval(server, { requestId: 1, signal: call.signal })(REQUEST, 10_000)).toEqual({ kind: 'cancelled' });
    } finally {
      await close();
    }
  });

  test('a client that declared elicitation but answers with an error: failed', async () => {
    const { server, close } = await connect({ elicitation: {} }, async () => {
      throw new Error('no window to draw in');
    });
    try {
      const answer = await clientApproval(server, { requestId: 1, signal: new AbortController().signal })(REQUEST, 5_000);
      expect(answer).toEqual({ kind: 'failed', error: expect.stringContaining('no window to draw in') });
    } finally {
      await close();
    }
  });

  test('a client without the capability: unavailable', async () => {
    const { server, close } = await connect({});
    try {
      expect(await clientApproval(server, { requestId: 1, signal: new AbortController().signal })(REQUEST, 5_000)).toEqual({ kind: 'unavailable' });
    } finally {
      await close();
    }
  });
});
