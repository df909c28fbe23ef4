/**
 * 3. Twilio API calls per operation, counted by the emulator: the bridge over stdio, the Functions
 * under `twilio-run start`, the emulator posting signed webhooks — the whole system as wired by
 * scripts/system/bridged-system.ts. Each count comes with the reading of lib/store/*.ts that explains it.
 */
import twilio from 'twilio';
import { conversationIdFor } from '../lib/conversation-id';
import { allInboxShards } from '../lib/sync-names';
import { startBridge, type BridgeProcess } from '../scripts/system/bridge-process';
import { startSystem, type System } from '../scripts/system/bridged-system';
import { type BenchOptions, type CallCount, countCalls, handset, UNREACHED_SEND_LIMITS, MAGIC_FROM_NUMBER } from './common';
import type { Metric, SectionResult } from './report';
import { sleep, summarize } from './stats';

interface Operation {
  id: string;
  label: string;
  /** Sync calls the code implies (null when it depends on timing). */
  expectedSync: number | null;
  explain: string;
}

const OPERATIONS: Operation[] = [
  {
    id: 'send.new',
    label: 'send_sms, new conversation',
    expectedSync: 12,
    explain:
      'api: 1 create + status reads until final (polls at 250, 500, 750… ms); sync 12: together, the opt-out check\'s inbox entry read (MessageStore.conversationEntry, 404 here: a new conversation) and the send guard (SyncSendGuard): the duplicate claim in the sender\'s Map (1), the cap ledgers Map read (1 page) and the sender\'s item If-Match updated (1); while Twilio takes the message, the thread List and sid Map are created (2, prepareConversation); after the create, together, the claim records the SID (1), the thread append (1) and the inbox entry create (1) (MessageStore.recordOutbound), then the sid map item (1); after the delivery wait the final status on the claim and on the thread item, side by side (2)',
  },
  {
    id: 'send.existing',
    label: 'send_sms, existing conversation',
    expectedSync: 10,
    explain: 'api: 1 create + status reads; sync 10: together, the opt-out check (inbox entry read) and the guard\'s claim create, ledgers page and If-Match update of the sender\'s ledger; after the create, together, the SID on the claim, the thread append and the If-Match update of the entry read before sending, then the sid map item create; after the wait the final status on the claim and, with one If-Match write against the append\'s revision, on the thread item (the thread is written while the wait polls)',
  },
  {
    id: 'send.callbacks',
    label: 'send_sms + its status callbacks (new conversation)',
    expectedSync: null,
    explain:
      'the same send with STATUS_CALLBACK_BASE_URL set, counting what the Functions do too: each status callback reads the sid map item; before the bridge has recorded the message it parks the status there (creating the sid map for the first), afterwards it reads the thread item and updates it if the status advances; recordOutbound then meets the parked entry (409 → read → If-Match update); and this bridge\'s sender ("shared") had its ledger written by another bridge since its last send, so the count is an If-Match conflict, then a write against the ledgers\' read',
  },
  {
    id: 'status.advance',
    label: 'status callback that moves the status (queued → sent)',
    expectedSync: 3,
    explain: 'sync 3 (applyStatus): sid map item read (→ list index), list item read, If-Match list item update',
  },
  {
    id: 'status.stale',
    label: 'status callback that changes nothing (sent again)',
    expectedSync: 2,
    explain: 'sync 2: sid map item read, list item read; not written (never moves backwards)',
  },
  {
    id: 'incoming.new',
    label: 'incoming webhook, new conversation',
    expectedSync: null,
    explain:
      'sync 11 or 13 (recordInbound): claim = sid map item create 404 → create Map → create (3), thread append 404 → create List → append (3), inbox entry read (404) + create (2), claim marked done (1) beside the conversation\'s news mark: an update 404 → create (2), or 404 → create Map → create (4) when it is the first mark in its one of the number\'s eight mark Maps (lib/store/news.ts)',
  },
  {
    id: 'incoming.existing',
    label: 'incoming webhook, existing conversation',
    expectedSync: 6,
    explain: 'sync 6: claim (sid map item create), thread append, inbox entry read + If-Match update, claim done beside the conversation\'s news mark',
  },
  {
    id: 'incoming.replay',
    label: 'incoming webhook replayed (same MessageSid)',
    expectedSync: 2,
    explain: 'sync 2: claim create answers 409 (key exists), claim read finds it done → nothing stored',
  },
  {
    id: 'receive.one',
    label: 'receive_sms {conversationId}, 1 new message',
    expectedSync: 3,
    explain: 'sync 3 (takeNew): inbox entry read, one List page after the cursor (from, exclusive, asc), If-Match cursor update',
  },
  {
    id: 'receive.all.none',
    label: 'receive_sms {} (all), nothing new',
    expectedSync: 8,
    explain: 'sync 8: one Map page per inbox shard (a one-person bridge reads the inbox whole: it shares it with no one; a named reader (SMS_USER) pages its number\'s eight mark Maps instead, and reads the shards every 5–10 min, lib/store/news.ts)',
  },
  {
    id: 'receive.all.one',
    label: 'receive_sms {} (all), 1 conversation with 1 new',
    expectedSync: 10,
    explain: 'sync 8 + 2: the shard pages (which carry each entry and its revision), then for the conversation with news one List page after its cursor and the If-Match cursor update',
  },
  {
    id: 'receive.all.three',
    label: 'receive_sms {} (all), 3 conversations with 1 new each',
    expectedSync: 14,
    explain: 'sync 8 + 3 × 2: the shard pages, then per conversation with news a List page and a cursor update, the conversations side by side',
  },
  {
    id: 'list',
    label: 'list_conversations',
    expectedSync: 8,
    explain: 'sync 8: one Map page per inbox shard (listConversations reads the whole index, then sorts and pages in memory)',
  },
  {
    id: 'get',
    label: 'get_conversation (newest 20)',
    expectedSync: 2,
    explain: 'sync 2 (readThread): inbox entry read, one List page (desc, pageSize = limit)',
  },
];

/** Waits until the emulator has seen no request for `quietMs` (status callbacks, webhooks settle). */
async function quiet(system: System, quietMs = 300): Promise<void> {
  for (let last = -1; ; ) {
    const now = system.emulator.count();
    if (now === last) return;
    last = now;
    await sleep(quietMs);
  }
}

export async function runApiCalls(options: BenchOptions): Promise<Omit<SectionResult, 'seconds'>> {
  const reps = options.quick ? 1 : 5;
  // Reconciliation off: its turn (once per interval, not per call) would land on whichever read
  // comes first; test/e2e/reconcile.test.ts counts what a turn costs.
  const system = await startSystem({ bridgeEnv: { ...UNREACHED_SEND_LIMITS, RECONCILE_INTERVAL_SECONDS: '0' } });
  const bridges: BridgeProcess[] = [];
  try {
    // A system that has been running: every inbox shard exists (else the first conversation in a
    // shard pays 2 more calls to create it).
    const sync = system.twilio.sync.v1.services(system.syncServiceSid);
    for (const uniqueName of allInboxShards()) await sync.syncMaps.create({ uniqueName });
    // A sender of its own (SMS_USER): the other bridges here send as "shared", and a send whose
    // sender's ledger another bridge wrote since this one's last send pays an If-Match conflict
    // and one write more (the send.callbacks row, from the system's bridge, shows that case).
    const quietBridge = await startBridge(system.bridgeEnv({ STATUS_CALLBACK_BASE_URL: '', SMS_USER: 'api-calls@example.com' }));
    bridges.push(quietBridge);
    const noWaitBridge = await startBridge(system.bridgeEnv({ STATUS_CALLBACK_BASE_URL: '', SEND_WAIT_SECONDS: '0' }));
    bridges.push(noWaitBridge);
    // Warm-up: lazy twilio-node load in each bridge, first invocation of the Function.
    for (const bridge of [system.bridge, quietBridge, noWaitBridge]) await bridge.call('list_conversations');
    await system.emulator.simulateInbound({ from: handset(9999, 4), to: MAGIC_FROM_NUMBER, body: 'warm-up' });
    await system.bridge.call('receive_sms');
    // …and the send guard's Maps exist (a sender's first send ever creates its claims Map, the
    // first send on a service the ledgers Map: 2 more calls each), and the measured bridge has
    // sent once (a process's first send counts after the ledgers' read, without a conflict to pay).
    await system.bridge.call('send_sms', { to: handset(9999, 5), body: 'warm-up' });
    await quietBridge.call('send_sms', { to: handset(9999, 6), body: 'warm-up' });
    await quiet(system);

    const counts = new Map<string, CallCount[]>(OPERATIONS.map((op) => [op.id, []]));
    const measure = async (id: string, run: () => Promise<unknown>, settle = false) => {
      await quiet(system, 150);
      system.emulator.resetCounts();
      await run();
      if (settle) await quiet(system);
      counts.get(id)!.push(countCalls(system.emulator));
    };
    const statusPost = (sid: string, to: string, status: string) => {
      const url = `${system.functions.url}/sms/status`;
      const params = { MessageSid: sid, SmsSid: sid, AccountSid: system.emulator.accountSid, From: MAGIC_FROM_NUMBER, To: to, MessageStatus: status, SmsStatus: status, ApiVersion: '2010-04-01' };
      return fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(system.emulator.authToken, url, params) },
        body: new URLSearchParams(params).toString(),
      }).then(async (response) => {
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`/sms/status answered ${response.status}`);
      });
    };
    const problems: string[] = [];
    const send = async (bridge: BridgeProcess, to: string, body: string) => {
      const result = await bridge.call('send_sms', { to, body });
      const outcome = (result.structuredContent as { outcome?: unknown; sid?: unknown } | undefined) ?? {};
      if (outcome.outcome !== 'sent') problems.push(`send_sms to ${to}: ${String(outcome.outcome)}`);
      return String(outcome.sid);
    };
    const inbound = async (from: string, body: string, messageSid?: string) => {
      const result = await system.emulator.simulateInbound({ from, to: MAGIC_FROM_NUMBER, body, ...(messageSid ? { messageSid } : {}) });
      if (!result.delivered) throw new Error(`incoming webhook not delivered: ${JSON.stringify(result.attempts)}`);
      return result.messageSid;
    };

    for (let rep = 0; rep < reps; rep++) {
      options.log(`api calls: repetition ${rep + 1}/${reps}`);
      const a = handset(rep, 0);
      const b = handset(rep, 1);
      const c = handset(rep, 2);
      const s = handset(rep, 3);
      await measure('send.new', () => send(quietBridge, a, `bench ${rep}`));
      await measure('send.existing', () => send(quietBridge, a, `bench ${rep} again`));
      await measure('send.callbacks', () => send(system.bridge, b, `bench ${rep} with callbacks`), true);

      const sid = await send(noWaitBridge, s, `bench ${rep} status`);
      await measure('status.advance', () => statusPost(sid, s, 'sent'));
      await measure('status.stale', () => statusPost(sid, s, 'sent'));

      await measure('incoming.new', () => inbound(c, `hello ${rep}`));
      let replaySid = '';
      await measure('incoming.existing', async () => (replaySid = await inbound(c, `hello again ${rep}`)));
      await measure('incoming.replay', () => inbound(c, `hello again ${rep}`, replaySid));

      const conversation = conversationIdFor(MAGIC_FROM_NUMBER, c);
      await system.bridge.call('receive_sms', { conversationId: conversation });
      await inbound(c, `one new ${rep}`);
      await measure('receive.one', () => system.bridge.call('receive_sms', { conversationId: conversation }));
      await system.bridge.call('receive_sms');
      await measure('receive.all.none', () => system.bridge.call('receive_sms'));
      await inbound(c, `one new for all ${rep}`);
      await measure('receive.all.one', () => system.bridge.call('receive_sms'));
      await inbound(c, `three ${rep} c`);
      await inbound(a, `three ${rep} a`);
      await inbound(b, `three ${rep} b`);
      await measure('receive.all.three', () => system.bridge.call('receive_sms'));
      await measure('list', () => system.bridge.call('list_conversations'));
      await measure('get', () => system.bridge.call('get_conversation', { conversationId: conversation }));
    }

    const metrics: Metric[] = [];
    const notes: string[] = [];
    const mismatches: string[] = [];
    for (const op of OPERATIONS) {
      const samples = counts.get(op.id)!;
      const last = samples.at(-1)!;
      const api = summarize(samples.map((c) => c.api));
      const syncCalls = summarize(samples.map((c) => c.sync));
      const syncText = `sync ${syncCalls.median}${syncCalls.min !== syncCalls.max ? ` (${syncCalls.min}–${syncCalls.max})` : ''}: ${last.syncReads} reads, ${last.syncWrites} writes`;
      const apiText = api.max > 0 ? `api ${api.median}${api.min !== api.max ? ` (${api.min}–${api.max})` : ''}, ` : '';
      metrics.push({ id: `calls.${op.id}`, label: op.label, unit: 'calls', value: summarize(samples.map((c) => c.total)), note: `${apiText}${syncText} — ${op.explain}` });
      notes.push(`${op.label}: ${last.detail}`);
      if (op.expectedSync !== null && samples.some((c) => c.sync !== op.expectedSync)) mismatches.push(`${op.label}: expected ${op.expectedSync} Sync calls from the code, counted ${samples.map((c) => c.sync).join(', ')}`);
    }
    notes.unshift(
      `Method: startSystem (emulator, Functions under twilio-run start --no-fork-process, bridges over stdio); the emulator's request log is reset before each operation and read after it (after webhooks and callbacks have settled where they are part of the operation); ${reps} repetition(s) on fresh numbers. The inbox shards exist beforehand. "api" is the Messages API, "sync" Twilio Sync. The lines below list each operation's requests as the emulator saw them (last repetition; non-2xx statuses shown).`,
    );
    if (mismatches.length) notes.push(`Counts that differ from the reading of the code: ${mismatches.join('; ')}.`);
    if (problems.length) notes.push(`Problems: ${[...new Set(problems)].slice(0, 5).join('; ')}.`);
    return { name: 'api-calls', title: '3. Twilio API calls per operation', metrics, targets: [], notes };
  } finally {
    for (const bridge of bridges) await bridge.close().catch(() => undefined);
    await system.close();
  }
}
