/**
 * 6. send_sms latency overhead: the bridge's own time per send, without the emulator's simulated
 * delivery clock (SEND_WAIT_SECONDS=0: the bridge returns after the create and the thread write),
 * set against the emulator's create alone and a tool call that never reaches Twilio.
 */
import { MessageStore } from '../lib/store/message-store';
import { SyncGateway } from '../lib/store/sync-gateway';
import { createTwilioClient } from '../lib/twilio-client';
import { startEmulator } from '../emulator';
import { startBridge } from '../scripts/system/bridge-process';
import { type BenchOptions, handset, UNREACHED_SEND_LIMITS, MAGIC_FROM_NUMBER } from './common';
import type { Metric, SectionResult } from './report';
import { ratio, single, summarize, timed } from './stats';

export async function runSendLatency(options: BenchOptions): Promise<Omit<SectionResult, 'seconds'>> {
  const sends = options.quick ? 3 : 30;
  const emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER] });
  const serviceSid = emulator.createSyncService('bench-send-latency');
  const bridge = await startBridge({
    TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: emulator.authToken, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER,
    TWILIO_SYNC_SERVICE_SID: serviceSid, TWILIO_API_BASE_URL: emulator.url,
    SEND_WAIT_SECONDS: '0', ...UNREACHED_SEND_LIMITS,
  });
  try {
    const client = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url });
    const store = new MessageStore(new SyncGateway(client, serviceSid));
    const problems: string[] = [];

    // The first send also loads twilio-node (lazily, after tools/list) and opens the connection.
    const first = await timed(() => bridge.call('send_sms', { to: handset(0, 7), body: 'first' }));

    const refused: number[] = [];
    const sendMs: number[] = [];
    const sendApi: number[] = [];
    const sendSync: number[] = [];
    const createMs: number[] = [];
    const writeMs: number[] = [];
    await client.messages.create({ to: handset(0, 8), from: MAGIC_FROM_NUMBER, body: 'warm-up' });
    options.log(`send latency: ${sends} sends to distinct numbers`);
    for (let i = 1; i <= sends; i++) {
      // A call refused before Twilio: stdio + MCP SDK + validation, no network.
      refused.push((await timed(() => bridge.call('send_sms', { to: 'not a number', body: 'x' }))).ms);

      emulator.resetCounts();
      const sent = await timed(() => bridge.call('send_sms', { to: handset(i, 7), body: `latency ${i}` }));
      const outcome = (sent.value.structuredContent as { outcome?: unknown; warning?: unknown } | undefined) ?? {};
      if (outcome.outcome !== 'sent' || outcome.warning) problems.push(`send ${i}: ${JSON.stringify(outcome)}`);
      if (outcome.outcome === 'sent') {
        sendMs.push(sent.ms);
        sendApi.push(emulator.count({ product: 'api' }));
        sendSync.push(emulator.count({ product: 'sync' }));
      }

      // The same create from this process: the emulator's own cost (plus twilio-node's).
      const created = await timed(() => client.messages.create({ to: handset(i, 8), from: MAGIC_FROM_NUMBER, body: `create only ${i}` }));
      createMs.push(created.ms);
      // The thread write alone (new conversation, as each send above), in-process.
      const at = new Date().toISOString();
      writeMs.push((await timed(() => store.recordOutbound({
        sid: created.value.sid, direction: 'outbound', from: MAGIC_FROM_NUMBER, to: handset(i, 8), body: `create only ${i}`, media: [], numSegments: 1,
        status: 'queued', errorCode: null, createdAt: at, statusAt: at, processed: true,
      }))).ms);
    }

    // The same numbers again: a conversation that exists (no containers to create).
    const againMs: number[] = [];
    const againSync: number[] = [];
    for (let i = 1; i <= sends; i++) {
      emulator.resetCounts();
      const sent = await timed(() => bridge.call('send_sms', { to: handset(i, 7), body: `latency ${i} again` }));
      const outcome = (sent.value.structuredContent as { outcome?: unknown } | undefined)?.outcome;
      if (outcome !== 'sent') {
        problems.push(`send ${i} again: ${String(outcome)}`);
        continue;
      }
      againMs.push(sent.ms);
      againSync.push(emulator.count({ product: 'sync' }));
    }

    const send = summarize(sendMs);
    const create = summarize(createMs);
    const write = summarize(writeMs);
    const rpc = summarize(refused);
    const metrics: Metric[] = [
      { id: 'send.ms', label: 'send_sms over stdio (SEND_WAIT_SECONDS=0)', unit: 'ms', value: send, note: `new conversation: api ${summarize(sendApi).median} + sync ${summarize(sendSync).median} calls, one after another` },
      { id: 'send.existingMs', label: 'send_sms, existing conversation', unit: 'ms', value: summarize(againMs), note: `create + sync ${summarize(againSync).median} calls` },
      { id: 'send.firstMs', label: 'first send_sms of the process', unit: 'ms', value: single(first.ms), note: 'includes loading twilio-node lazily' },
      { id: 'send.createMs', label: 'emulator Messages create alone (in-process twilio client)', unit: 'ms', value: create },
      { id: 'send.threadWriteMs', label: 'thread write alone (MessageStore.recordOutbound, in-process)', unit: 'ms', value: write, note: 'new conversation (recordOutbound only: no opt-out read)' },
      { id: 'send.rpcMs', label: 'send_sms refused before Twilio (bad number)', unit: 'ms', value: rpc, note: 'stdio + MCP SDK + validation: the floor of any tool call' },
      { id: 'send.overheadMs', label: 'bridge overhead: send_sms − create alone', unit: 'ms', value: single(send.median - create.median), note: 'the Sync round trips around the create: one before it (the guard beside the opt-out read), two after it (the thread item with the inbox count and the guard record, then the sid entry)' },
      { id: 'send.ratio', label: 'send_sms / create alone', unit: '×', value: ratio(send, create) },
    ];
    const notes = [
      `Method: one emulator (its delivery clock never waited for: SEND_WAIT_SECONDS=0), one bridge over stdio with every SEND_LIMIT_* set to 0 (none) so the guard never refuses; ${sends} sends to distinct numbers, each followed by the same create and thread write from the bench process for comparison.`,
    ];
    if (problems.length) notes.push(`Problems: ${problems.slice(0, 3).join('; ')}.`);
    return { name: 'send-latency', title: '6. send_sms latency overhead', metrics, targets: [], notes };
  } finally {
    await bridge.close();
    await emulator.close();
  }
}
