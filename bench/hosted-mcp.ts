/**
 * The hosted /mcp (functions/mcp.ts) under the real `twilio-run start`: a cold call (the first
 * request of a fresh twilio-run, which loads the Function bundle), warm calls (the same instance
 * again), both with twilio-run in-process (`--no-fork-process`, as a warm deployed instance) and
 * forked (twilio-run's default: a process per request, so every call is cold), and the bundle's
 * size. Each call is one POST with a bearer token, as a client sends it (stateless: no session).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { conversationIdFor } from '../lib/conversation-id';
import { roundTripsOf, startEmulator, type Emulator } from '../emulator';
import { startBridge } from '../scripts/system/bridge-process';
import { startFunctions } from '../scripts/system/functions-process';
import { type BenchOptions, MAGIC_FROM_NUMBER, ROOT, UNREACHED_SEND_LIMITS } from './common';
import type { Metric, SectionResult } from './report';
import { summarize } from './stats';

export const TITLE = '11. Hosted /mcp (a Twilio Function under twilio-run)';
const TOKEN = 'bench-mcp-token-0123456789abcdef';

const body = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const INITIALIZE = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } };

async function timedPost(url: string, payload: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${TOKEN}`, 'Mcp-Protocol-Version': '2025-06-18' }, body: payload });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`/mcp answered ${response.status}: ${text.slice(0, 200)}`);
  return performance.now() - started;
}

const RTT_MS = 150;
const TOOLS = ['send_sms', 'receive_sms', 'get_conversation', 'list_conversations'] as const;

/**
 * Each tool at 150 ms per Twilio answer (emulator latency on the API and Sync), over /mcp (warm,
 * in-process twilio-run) and over stdio, one after another: wall time in round trips, and the
 * Twilio round trips one after another in the emulator's log.
 */
async function atRealRtt(emulator: Emulator, call: (name: string, args: Record<string, unknown>) => Promise<unknown>, reps: number, first: number) {
  const result: Record<string, { ms: number[]; trips: number[] }> = {};
  for (const name of TOOLS) result[name] = { ms: [], trips: [] };
  for (let rep = 0; rep < reps; rep++) {
    const handset = `+1415555${String(first + rep).padStart(4, '0')}`;
    const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
    const args: Record<string, Record<string, unknown>> = {
      send_sms: { to: handset, body: `Bench ${first + rep}` },
      receive_sms: { conversationId },
      get_conversation: { conversationId },
      list_conversations: { limit: 5 },
    };
    for (const name of TOOLS) {
      emulator.setLatency({ api: RTT_MS, sync: RTT_MS });
      const before = emulator.requests().length;
      const started = performance.now();
      await call(name, args[name]!);
      result[name]!.ms.push(performance.now() - started);
      result[name]!.trips.push(roundTripsOf(emulator.requests().slice(before)).length);
      emulator.setLatency(undefined);
    }
  }
  return result;
}

export async function runHostedMcp(options: BenchOptions): Promise<Omit<SectionResult, 'seconds'>> {
  const warmCalls = options.quick ? 5 : 30;
  const forkedCalls = options.quick ? 2 : 5;
  const emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER] });
  const syncServiceSid = emulator.createSyncService('twilio-sms-mcp');
  const env = { ACCOUNT_SID: emulator.accountSid, AUTH_TOKEN: emulator.authToken, SYNC_SERVICE_SID: syncServiceSid, TWILIO_API_BASE_URL: emulator.url, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER, MCP_TOKENS: TOKEN, MCP_MAX_CONCURRENT: '30' };
  const metrics: Metric[] = [];
  try {
    for (const forkProcess of [false, true]) {
      const functions = await startFunctions(env, { forkProcess });
      const url = `${functions.url}/mcp`;
      const mode = forkProcess ? 'forked' : 'inProcess';
      try {
        options.log(`hosted /mcp, twilio-run ${forkProcess ? 'forked' : 'in-process'}`);
        const cold = await timedPost(url, body(1, 'initialize', INITIALIZE));
        const coldCall = await timedPost(url, body(2, 'tools/call', { name: 'list_conversations', arguments: {} }));
        const list: number[] = [];
        const calls: number[] = [];
        const count = forkProcess ? forkedCalls : warmCalls;
        for (let i = 0; i < count; i++) list.push(await timedPost(url, body(10 + i, 'tools/list')));
        for (let i = 0; i < count; i++) calls.push(await timedPost(url, body(100 + i, 'tools/call', { name: 'list_conversations', arguments: {} })));
        metrics.push(
          { id: `hosted.${mode}.coldInitializeMs`, label: `${forkProcess ? 'forked' : 'in-process'}: first request (initialize) of a fresh twilio-run`, unit: 'ms', value: summarize([cold]) },
          { id: `hosted.${mode}.firstToolCallMs`, label: `${forkProcess ? 'forked' : 'in-process'}: first tools/call (list_conversations: Twilio client, Sync)`, unit: 'ms', value: summarize([coldCall]) },
          { id: `hosted.${mode}.toolsListMs`, label: `${forkProcess ? 'forked' : 'in-process'}: tools/list, ${count} calls`, unit: 'ms', value: summarize(list) },
          { id: `hosted.${mode}.toolCallMs`, label: `${forkProcess ? 'forked' : 'in-process'}: list_conversations, ${count} calls`, unit: 'ms', value: summarize(calls) },
        );
      } finally {
        await functions.close();
      }
    }
    // Round trips at 150 ms: /mcp against stdio, the same account and Sync service.
    const reps = options.quick ? 1 : 3;
    const functions = await startFunctions({ ...env, SEND_WAIT_SECONDS: '0', ...UNREACHED_SEND_LIMITS });
    const client = new Client({ name: 'bench', version: '1' });
    const stdio = await startBridge({ TWILIO_ACCOUNT_SID: emulator.accountSid, TWILIO_AUTH_TOKEN: emulator.authToken, TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER, TWILIO_SYNC_SERVICE_SID: syncServiceSid, TWILIO_API_BASE_URL: emulator.url, SEND_WAIT_SECONDS: '0', ...UNREACHED_SEND_LIMITS });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${functions.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
      options.log(`hosted /mcp against stdio at ${RTT_MS} ms per Twilio answer`);
      const overMcp = await atRealRtt(emulator, (name, args) => client.callTool({ name, arguments: args }), reps, 6000);
      const overStdio = await atRealRtt(emulator, (name, args) => stdio.call(name, args), reps, 7000);
      for (const name of TOOLS) {
        for (const [via, samples] of [['mcp', overMcp[name]!], ['stdio', overStdio[name]!]] as const) {
          metrics.push({
            id: `hosted.rtt150.${via}.${name}`,
            label: `at ${RTT_MS} ms, ${name} over ${via === 'mcp' ? '/mcp' : 'stdio'}: round trips (wall time / RTT)`,
            unit: 'count',
            value: summarize(samples.ms.map((ms) => ms / RTT_MS)),
            note: `Twilio round trips one after another: ${samples.trips.join(', ')}`,
          });
        }
      }
    } finally {
      await client.close();
      await stdio.close();
      await functions.close();
    }
  } finally {
    emulator.setLatency(undefined);
    await emulator.close();
  }
  const bytes = statSync(join(ROOT, 'build', 'functions', 'mcp.js')).size;
  metrics.push({ id: 'hosted.bundleBytes', label: 'build/functions/mcp.js', unit: 'kB', value: summarize([bytes / 1000]) });
  return {
    name: 'hosted-mcp',
    title: TITLE,
    metrics,
    targets: [],
    notes: [
      'One POST per call with a bearer token, against the emulator on loopback (0 ms RTT). Over /mcp every call is one client round trip plus the same Twilio round trips as stdio; a client connecting makes three requests (initialize, notifications/initialized, a GET answered 405).',
      `At ${RTT_MS} ms the emulator holds every API and Sync answer; the client's own hop to /mcp is loopback here. Deployed, that hop is the client's RTT to twil.io (one per call) while the Twilio round trips run inside Twilio's network, where stdio makes them from the user's machine.`,
    ],
  };
}
