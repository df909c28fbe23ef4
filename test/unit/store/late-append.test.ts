/**
 * An append that lands late: the client gave up on it (its timeout), but Sync had it queued and
 * applies it after the retry's search (burst.test.ts under CPU starvation: the emulator, paused,
 * read a pooled connection's search before the abandoned append still waiting in its accept
 * queue). A List append is not idempotent, so the retry's search misses that copy, the retry
 * appends another, and the thread held the message twice, handed over twice.
 *
 * A proxy in front of the in-process emulator holds the first append of a thread (the client's
 * timeout fires), and forwards it at a chosen moment: after the retry's search, or after the
 * retry's own append. Real twilio client, SyncGateway and MessageStore.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MessageStore } from '../../../lib/store/message-store';
import { SyncGateway } from '../../../lib/store/sync-gateway';
import { createTwilioClient } from '../../../lib/twilio-client';
import type { MessageRecord } from '../../../lib/message-record';
import { threadListName } from '../../../lib/sync-names';
import { conversationIdFor } from '../../../lib/conversation-id';
import { inboundRecord, OURS, outboundRecord, QUICK_RETRY, useStoreHarness } from '../support/store-harness';

const h = useStoreHarness();
const APPEND = /\/Lists\/thread_[^/]+\/Items$/;
/** The client's per-request timeout: the held append fails after this, as no answer. */
const CLIENT_TIMEOUT_MS = 300;

type Moment = 'after the retry searched' | 'after the retry appended';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Forwards every request to the emulator, except the first append once `holdNextAppend` is armed. */
class LateProxy {
  private server: http.Server | undefined;
  private held: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer } | null = null;
  private armed: Moment | null = null;
  private appendsSinceHold = 0;
  /** The held append's answer status once it was forwarded (it landed), else null. */
  landed: number | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.handle(req, Buffer.concat(chunks), res).catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The next append is held unanswered; it lands at `moment` of the retry. */
  holdNextAppend(moment: Moment): void {
    this.armed = moment;
  }

  private async handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://proxy.invalid').pathname;
    const request = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
    const isAppend = request.method === 'POST' && APPEND.test(path);
    const isSearch = request.method === 'GET' && APPEND.test(path);
    if (isAppend && this.armed && !this.held) {
      this.held = request; // never answered: the client's timeout fires
      return;
    }
    const answer = await this.forward(request);
    if (this.held && this.landed === null) {
      if (isAppend) this.appendsSinceHold += 1;
      const due = this.armed === 'after the retry searched' ? isSearch : isAppend && this.appendsSinceHold === 1;
      // The late append lands before this request's answer leaves: the client's next step sees it.
      if (due) this.landed = (await this.forward(this.held)).status;
    }
    res.writeHead(answer.status, answer.headers).end(answer.body);
  }

  private async forward(request: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }): Promise<Answer> {
    const target = new URL(request.url, h.emulator.url);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) headers[name] = value;
    }
    const response = await fetch(target, { method: request.method, headers, ...(request.method === 'GET' ? {} : { body: request.body }) });
    const answerHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!['connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(name)) answerHeaders[name] = value;
    });
    return { status: response.status, headers: answerHeaders, body: Buffer.from(await response.arrayBuffer()) };
  }
}

let proxy: LateProxy;
let sender = 0;
const nextSender = () => `+1415556${(1000 + sender++).toString().padStart(4, '0')}`;

beforeEach(async () => {
  proxy = new LateProxy();
  await proxy.start();
});

afterEach(async () => {
  await proxy.close();
});

/** A store whose Sync calls go through the proxy, with a short client timeout and quick retries. */
function storeThroughProxy() {
  const client = createTwilioClient({ accountSid: h.emulator.accountSid, authToken: h.emulator.authToken }, { apiBaseUrl: proxy.url, timeoutMs: CLIENT_TIMEOUT_MS });
  const gateway = new SyncGateway(client, h.emulator.createSyncService(), { retry: QUICK_RETRY });
  return { gateway, store: new MessageStore(gateway, { now: () => new Date(h.clock) }) };
}

async function threadOf(gateway: SyncGateway, them: string): Promise<{ index: number; sid: string }[]> {
  const page = await gateway.listPage<MessageRecord>(threadListName(conversationIdFor(OURS, them)), { order: 'asc', pageSize: 100 });
  return page.items.map((item) => ({ index: item.index, sid: item.data.sid }));
}

describe.each<Moment>(['after the retry searched', 'after the retry appended'])('an abandoned append that lands %s', (moment) => {
  test('incoming: the thread keeps one copy, counted once at its index, handed over once', async () => {
    const { gateway, store } = storeThroughProxy();
    const them = nextSender();
    const first = inboundRecord(them, 'first');
    await store.recordInbound(first); // the thread, the maps and the inbox entry exist
    const record = inboundRecord(them, 'lands late');
    proxy.holdNextAppend(moment);
    expect(await store.recordInbound(record)).toBe('stored');
    expect(proxy.landed).toBe(201); // the abandoned append did take effect
    const thread = await threadOf(gateway, them);
    expect(thread.map((item) => item.sid)).toEqual([first.sid, record.sid]);
    const conversationId = conversationIdFor(OURS, them);
    const entry = (await store.conversationEntry(OURS, them))?.entry;
    expect(entry).toMatchObject({ inboundCount: 2, messageCount: 2, lastInboundIndex: thread[1]!.index });
    // A later message makes everything up to it visible: the reader gets each message once.
    const next = inboundRecord(them, 'next');
    await store.recordInbound(next);
    const handed = (await store.takeNew(conversationId)).messages.map((message) => message.sid);
    expect(handed).toEqual([first.sid, record.sid, next.sid]);
  });

  test('outbound: one copy, and the index and revision returned are that copy’s', async () => {
    const { gateway } = storeThroughProxy();
    const them = nextSender();
    const list = threadListName(conversationIdFor(OURS, them));
    const same = (sid: string) => (data: unknown) => (data as { sid?: string }).sid === sid;
    const first = outboundRecord(them, 'first');
    await gateway.appendOnceItem(list, first, same(first.sid));
    const record = outboundRecord(them, 'lands late');
    proxy.holdNextAppend(moment);
    const appended = await gateway.appendOnceItem(list, record, same(record.sid));
    expect(proxy.landed).toBe(201);
    const thread = await threadOf(gateway, them);
    expect(thread.map((item) => item.sid)).toEqual([first.sid, record.sid]);
    expect(appended.index).toBe(thread[1]!.index);
    // The revision is the kept item's: an If-Match update with it succeeds.
    await expect(gateway.listUpdate(list, appended.index, { ...record, status: 'sent' }, appended.revision)).resolves.toEqual(expect.any(String));
  });
});
