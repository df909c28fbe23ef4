/**
 * 4. Cost against thread length: receive_sms (3 new messages) and get_conversation (newest 20) on
 * threads of 10, 1,000 and 10,000 messages, through the real bridge over stdio. Threads are seeded
 * as test/e2e/thread-cost.test.ts does (scripts/system/seed-thread.ts; emulator without Sync rate limits).
 */
import { MessageStore } from '../lib/store/message-store';
import { SyncGateway } from '../lib/store/sync-gateway';
import { threadListName } from '../lib/sync-names';
import { createTwilioClient } from '../lib/twilio-client';
import { startEmulator } from '../emulator';
import { startBridge } from '../scripts/system/bridge-process';
import { addInbound, type SeededThread, seedThread } from '../scripts/system/seed-thread';
import { type BenchOptions, handset, messagesIn, MAGIC_FROM_NUMBER } from './common';
import type { Metric, SectionResult, Target } from './report';
import { type Figure, ratio, summarize, timed } from './stats';

export const THREAD_RATIO_TARGET = 1.1;

interface SizeResult {
  receiveMs: number[];
  receiveCalls: number[];
  getMs: number[];
  getCalls: number[];
  pageMs: number[];
  /** The List read receive_sms makes: asc, after the cursor, 3 items. */
  pageAfterMs: number[];
}

export async function runThreadLength(options: BenchOptions): Promise<Omit<SectionResult, 'seconds'>> {
  const sizes = options.quick ? [10, 200] : [10, 1_000, 10_000];
  const reps = options.quick ? 2 : 60;
  const emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER], syncLimits: false });
  const serviceSid = emulator.createSyncService('bench-thread-length');
  const client = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url });
  const sync = new SyncGateway(client, serviceSid);
  const store = new MessageStore(sync);
  const bridge = await startBridge({
    TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: emulator.authToken, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER,
    TWILIO_SYNC_SERVICE_SID: serviceSid, TWILIO_API_BASE_URL: emulator.url,
  });
  try {
    const addNew = (thread: SeededThread) => addInbound(store, MAGIC_FROM_NUMBER, thread);

    const threads: SeededThread[] = [];
    for (const [i, size] of sizes.entries()) {
      options.log(`thread length: seeding a thread of ${size.toLocaleString('en-US')} messages`);
      const thread = await seedThread(sync, MAGIC_FROM_NUMBER, handset(i, 5), size);
      await addNew(thread);
      threads.push(thread);
    }
    // Warm-up: the bridge loads twilio-node lazily on its first call; hand over the seeded news.
    for (const thread of threads) {
      await bridge.call('get_conversation', { conversationId: thread.conversationId, limit: 20 });
      await bridge.call('receive_sms', { conversationId: thread.conversationId });
    }

    const results = new Map<number, SizeResult>(sizes.map((size) => [size, { receiveMs: [], receiveCalls: [], getMs: [], getCalls: [], pageMs: [], pageAfterMs: [] }]));
    const problems: string[] = [];
    for (let rep = 0; rep < reps; rep++) {
      for (const thread of threads) {
        const result = results.get(thread.size)!;
        await addNew(thread);
        emulator.resetCounts();
        const received = await timed(() => bridge.call('receive_sms', { conversationId: thread.conversationId }));
        result.receiveMs.push(received.ms);
        result.receiveCalls.push(emulator.count({ product: 'sync' }));
        const count = messagesIn(received.value.structuredContent);
        if (count !== 3) problems.push(`receive_sms on ${thread.size} returned ${String(count)} messages, expected 3`);

        emulator.resetCounts();
        const got = await timed(() => bridge.call('get_conversation', { conversationId: thread.conversationId, limit: 20 }));
        result.getMs.push(got.ms);
        result.getCalls.push(emulator.count({ product: 'sync' }));
        const messages = messagesIn(got.value.structuredContent);
        if (messages !== 20 && thread.size >= 20) problems.push(`get_conversation on ${thread.size} returned ${String(messages)} messages, expected 20`);

        result.pageMs.push((await timed(() => sync.listPage(threadListName(thread.conversationId), { order: 'desc', pageSize: 20 }))).ms);
        result.pageAfterMs.push((await timed(() => sync.listPage(threadListName(thread.conversationId), { order: 'asc', pageSize: 100, from: thread.next - 4, bounds: 'exclusive' }))).ms);
      }
    }

    const metrics: Metric[] = [];
    const figures = new Map<number, { receiveMs: Figure; receiveCalls: Figure; getMs: Figure; getCalls: Figure }>();
    for (const size of sizes) {
      const r = results.get(size)!;
      const f = { receiveMs: summarize(r.receiveMs), receiveCalls: summarize(r.receiveCalls), getMs: summarize(r.getMs), getCalls: summarize(r.getCalls) };
      figures.set(size, f);
      const n = size.toLocaleString('en-US');
      metrics.push(
        { id: `thread.${size}.receiveCalls`, label: `receive_sms (3 new), thread of ${n}: Sync calls`, unit: 'calls', value: f.receiveCalls },
        { id: `thread.${size}.receiveMs`, label: `receive_sms (3 new), thread of ${n}: time`, unit: 'ms', value: f.receiveMs, note: 'MCP call over stdio, end to end' },
        { id: `thread.${size}.getCalls`, label: `get_conversation (newest 20), thread of ${n}: Sync calls`, unit: 'calls', value: f.getCalls },
        { id: `thread.${size}.getMs`, label: `get_conversation (newest 20), thread of ${n}: time`, unit: 'ms', value: f.getMs },
        { id: `thread.${size}.emulatorPageMs`, label: `  emulator alone: newest 20 (desc), thread of ${n}`, unit: 'ms', value: summarize(r.pageMs), note: 'the List read of get_conversation, from an in-process client: how much of the time is the emulator' },
        { id: `thread.${size}.emulatorPageAfterMs`, label: `  emulator alone: 3 after the cursor (asc), thread of ${n}`, unit: 'ms', value: summarize(r.pageAfterMs), note: 'the List read of receive_sms, likewise' },
      );
    }
    const small = figures.get(sizes[0]!)!;
    const large = figures.get(sizes.at(-1)!)!;
    const label = `${sizes.at(-1)!.toLocaleString('en-US')}/${sizes[0]}`;
    const ratios = {
      receiveCalls: ratio(large.receiveCalls, small.receiveCalls),
      receiveMs: ratio(large.receiveMs, small.receiveMs),
      getCalls: ratio(large.getCalls, small.getCalls),
      getMs: ratio(large.getMs, small.getMs),
    };
    metrics.push(
      { id: 'thread.ratio.receiveCalls', label: `receive_sms ${label}: Sync calls`, unit: '×', value: ratios.receiveCalls },
      { id: 'thread.ratio.receiveMs', label: `receive_sms ${label}: time`, unit: '×', value: ratios.receiveMs },
      { id: 'thread.ratio.getCalls', label: `get_conversation ${label}: Sync calls`, unit: '×', value: ratios.getCalls },
      { id: 'thread.ratio.getMs', label: `get_conversation ${label}: time`, unit: '×', value: ratios.getMs },
    );
    const growth = (pick: (r: SizeResult) => number[]) => summarize(pick(results.get(sizes.at(-1)!)!)).median - summarize(pick(results.get(sizes[0]!)!)).median;
    const emulatorGrowth = { receive: growth((r) => r.pageAfterMs), get: growth((r) => r.pageMs) };
    const targets: Target[] = (['receive', 'get'] as const).flatMap((tool) => {
      const name = tool === 'receive' ? 'receive_sms' : 'get_conversation';
      const calls = ratios[`${tool}Calls`].median;
      const time = ratios[`${tool}Ms`].median;
      const withoutEmulator = (figures.get(sizes.at(-1)!)![`${tool}Ms`].median - emulatorGrowth[tool]) / figures.get(sizes[0]!)![`${tool}Ms`].median;
      return [
        { label: `${name} Sync calls, thread ${label}`, goal: `≤ ${THREAD_RATIO_TARGET}×`, actual: `${calls.toFixed(2)}×`, met: calls <= THREAD_RATIO_TARGET },
        { label: `${name} time, thread ${label}`, goal: `≤ ${THREAD_RATIO_TARGET}×`, actual: `${time.toFixed(2)}× (${withoutEmulator.toFixed(2)}× without the emulator's own page-read growth)`, met: time <= THREAD_RATIO_TARGET },
      ];
    });
    const notes = [
      `Method: emulator without Sync rate limits (seeding speed); ${reps} repetitions interleaved across thread sizes; before each receive_sms, 3 new inbound messages are stored through MessageStore.recordInbound (not timed); each call is timed end to end over stdio through the built bridge and its Sync calls counted by the emulator.`,
    ];
    notes.push(
      `The emulator's own List reads grow with the list (it copies and filters the whole list per page: emulator/sync-object-routes.ts): +${emulatorGrowth.get.toFixed(2)} ms for get_conversation's read and +${emulatorGrowth.receive.toFixed(2)} ms for receive_sms's at ${sizes.at(-1)!.toLocaleString('en-US')} messages; the targets also show the time ratios without that growth. Times of a few ms over stdio vary by about ±1 ms between runs; the call counts are the stable measure.`,
    );
    if (problems.length) notes.push(`Problems: ${[...new Set(problems)].join('; ')}.`);
    return { name: 'thread-length', title: '4. Cost against thread length', metrics, targets, notes };
  } finally {
    await bridge.close();
    await emulator.close();
  }
}
