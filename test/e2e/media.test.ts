/**
 * get_media: inbound MMS media fetched with the account's credentials through the emulator's
 * media redirect, returned as image content or a resource link, and nothing fetched from a URL
 * that is not this account's Twilio media.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { conversationIdFor } from '../../lib/conversation-id';
import { textOf } from '../../scripts/system/bridge-process';
import { MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';

// A 1×1 transparent PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const PDF = Buffer.from('%PDF-1.4\n%fake\n');
let system: System;
let files: Server;
let hits = 0;
let filesUrl = '';

beforeAll(async () => {
  files = createServer((req, res) => {
    hits++;
    const [type, body] = req.url === '/cat.png' ? ['image/png', PNG] : req.url === '/menu.pdf' ? ['application/pdf', PDF] : req.url === '/huge.png' ? ['image/png', Buffer.alloc(2048)] : ['text/plain', Buffer.from('nope')];
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'Content-Type': type, 'Content-Length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  system = await startSystem({ bridgeEnv: { MEDIA_MAX_BYTES: '1024' } });
});

afterAll(async () => {
  await system?.close();
  await new Promise((resolve) => files?.close(resolve));
});

test('an image arrives as image content, a PDF as a resource link; the size limit holds', async () => {
  const handset = '+14155550201';
  await system.emulator.simulateInbound({
    from: handset,
    to: MAGIC_FROM_NUMBER,
    body: 'look',
    media: [
      { url: `${filesUrl}/cat.png`, contentType: 'image/png' },
      { url: `${filesUrl}/menu.pdf`, contentType: 'application/pdf' },
      { url: `${filesUrl}/huge.png`, contentType: 'image/png' },
    ],
  });
  const received = await system.bridge.call('receive_sms', { conversationId: conversationIdFor(MAGIC_FROM_NUMBER, handset) });
  const media = (received.structuredContent?.messages as { media: { url: string; contentType: string }[] }[])[0]!.media;
  expect(media.map((m) => m.contentType)).toEqual(['image/png', 'application/pdf', 'image/png']);

  const image = await system.bridge.call('get_media', { url: media[0]!.url });
  expect(image.structuredContent).toEqual({ contentType: 'image/png', bytes: PNG.length });
  expect(image.content).toContainEqual({ type: 'image', data: PNG.toString('base64'), mimeType: 'image/png' });

  const pdf = await system.bridge.call('get_media', { url: media[1]!.url });
  expect(pdf.structuredContent).toEqual({ contentType: 'application/pdf', bytes: PDF.length });
  expect(pdf.content).toContainEqual(expect.objectContaining({ type: 'resource_link', uri: media[1]!.url, mimeType: 'application/pdf' }));

  const huge = await system.bridge.call('get_media', { url: media[2]!.url });
  expect(huge.isError).toBe(true);
  expect(textOf(huge)).toBe('The media item is 2048 bytes, over the limit of 1024 (MEDIA_MAX_BYTES).');
});

test.each([
  [`${'http://127.0.0.1:1'}/cat.png`, /Not a Twilio media URL/],
  [`https://api.twilio.com/2010-04-01/Accounts/AC${'0'.repeat(32)}/Messages/MM${'1'.repeat(32)}/Media/ME${'2'.repeat(32)}`, /belongs to another Twilio account/],
  ['https://evil.example.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME', /Not a Twilio media URL/],
])('%s is refused without any request', async (url, reason) => {
  const before = hits;
  system.emulator.resetCounts();
  const result = await system.bridge.call('get_media', { url });
  expect(result.isError).toBe(true);
  expect(textOf(result)).toMatch(reason);
  expect(hits).toBe(before);
  expect(system.emulator.count()).toBe(0);
});
