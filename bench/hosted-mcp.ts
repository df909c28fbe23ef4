/**
 * The hosted /mcp (functions/mcp.ts) under the real `twilio-run start`: a cold call (the first
 * request of a fresh twilio-run, which loads the Function bundle), warm calls (the same instance
 * again), both with twilio-run in-process (`--no-fork-process`, as a warm deployed instance) and
 * forked (twilio-run's default: a process per request, so every call is cold), and the bundle's
 * size. Each call is one POST with a bearer token, as a client sends it (stateless: no session).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '../emulator';
import { startFunctions } from '../scripts/system/functions-process';
import { type BenchOptions, MAGIC_FROM_NUMBER, ROOT } from './common';
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
  } finally {
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
    ],
  };
}
