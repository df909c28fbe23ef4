/**
 * Segments end to end: the built bridge over stdio and the emulator, which counts num_segments its
 * own way (emulator/segments.ts). What send_sms says a body costs must be what Twilio reports;
 * SEND_MAX_SEGMENTS refuses before any Messages API call; SEND_SMART_ENCODING sends look-alikes as
 * GSM-7.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describeSegments, segmentInfo, type SegmentInfo } from '../../lib/segments';
import { startEmulator, type Emulator } from '../../emulator';
import { startBridge, textOf, type BridgeProcess } from '../../scripts/system/bridge-process';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';
import { emulatorBridgeEnv } from '../support/emulator-bridge-env';

let emulator: Emulator;
let bridge: BridgeProcess;
let recipient = 0;
/** A new recipient per send: the loop guard would take a repeated body to one number as a retry. */
const nextRecipient = () => `+1415555${String(4000 + recipient++)}`;

function bridgeEnv(extra: Record<string, string> = {}): Record<string, string> {
  return emulatorBridgeEnv(emulator, { SEND_WAIT_SECONDS: '0', SEND_LIMIT_PER_MINUTE: '100', SEND_LIMIT_PER_HOUR: '1000', ...extra });
}

async function withBridge<T>(env: Record<string, string>, run: (bridge: BridgeProcess) => Promise<T>): Promise<T> {
  const own = await startBridge(bridgeEnv(env));
  try {
    return await run(own);
  } finally {
    await own.close();
  }
}

const creates = () => emulator.count({ method: 'POST', product: 'api', route: /Messages\.json$/ });

/** What the emulator stored for the message the result names. */
function twilioSide(result: CallToolResult): { body: string; num_segments: string } {
  const sid = result.structuredContent?.sid;
  const message = emulator.messages().find((m) => m.sid === sid);
  if (!message) throw new Error(`no message ${String(sid)} in the emulator: ${textOf(result)}`);
  return message;
}

beforeAll(async () => {
  emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER], deliveryStepMs: 20 });
  bridge = await startBridge(bridgeEnv());
});

afterAll(async () => {
  await bridge?.close();
  await emulator?.close();
});

beforeEach(() => emulator.resetCounts());

describe('send_sms says what Twilio will count', () => {
  test.each<[string, string, SegmentInfo['encoding'], number]>([
    ['plain text', 'Your table is ready.', 'GSM-7', 1],
    ['161 characters', 'Your order is ready. '.repeat(8).slice(0, 161), 'GSM-7', 2],
    ['€ and braces counted twice', `Total {incl. tax} [2 items]: 40 € ~ ${'a'.repeat(124)}`, 'GSM-7', 2],
    ['an escape pair is not split across parts', `${'a'.repeat(152)}€${'a'.repeat(152)}`, 'GSM-7', 3],
    ['one á among GSM-7 accents forces UCS-2', 'Señor Müller, su café está listo à 5 €', 'UCS-2', 1],
    ['é ü Ñ only', 'Café für Ñoño, 5 €', 'GSM-7', 1],
    ['an emoji', 'See you at 6 😀', 'UCS-2', 1],
    ['UCS-2 at 67 per part', '中'.repeat(135), 'UCS-2', 3],
    ['curly quotes without Smart Encoding', `“${'a'.repeat(148)}”`, 'UCS-2', 3],
  ])('%s', async (_label, body, encoding, segments) => {
    const result = await bridge.call('send_sms', { to: nextRecipient(), body });
    expect(result.structuredContent).toMatchObject({ outcome: 'sent', segments: { encoding, segments } });
    const info = result.structuredContent?.segments as SegmentInfo;
    expect(info).toEqual(segmentInfo(body));
    expect(twilioSide(result)).toMatchObject({ body, num_segments: String(segments) });
    expect(textOf(result)).toContain(` Twilio bills it as ${describeSegments(info)}.`);
    expect(textOf(result)).toMatch(/^\[FINAL\] SMS sent to /);
  });

  test('the text names the character that forced UCS-2', async () => {
    const result = await bridge.call('send_sms', { to: nextRecipient(), body: 'Olá! Até amanhã' });
    expect(textOf(result)).toContain('Twilio bills it as 1 segment (UCS-2 because of "á" (U+00E1): 15 of 70 per single message, 67 per part).');
    expect(twilioSide(result).num_segments).toBe('1');
  });
});

describe('SEND_MAX_SEGMENTS', () => {
  test('the default (10) refuses an 11-segment body before any Twilio call, naming count, limit and what to do', async () => {
    const result = await bridge.call('send_sms', { to: nextRecipient(), body: 'a'.repeat(1600) });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ outcome: 'refused', segments: { encoding: 'GSM-7', segments: 11 } });
    expect(textOf(result)).toBe(
      '[FINAL] Not sent: The message would take 11 segments (GSM-7, 1600 characters at 153 per part); this server sends at most 10 segments per message (SEND_MAX_SEGMENTS). Shorten it, or ask the administrator to raise SEND_MAX_SEGMENTS. Nothing was sent. Do not retry the same call; fix the input or tell the user.',
    );
    expect(emulator.count()).toBe(0);
  });

  test('a UCS-2 body over the limit also suggests leaving out the characters outside GSM-7', async () => {
    await withBridge({ SEND_MAX_SEGMENTS: '2' }, async (limited) => {
      const body = `Olá ${'a'.repeat(140)}`; // 144 UCS-2 units: 3 parts; 1 as GSM-7 without the á
      const result = await limited.call('send_sms', { to: nextRecipient(), body });
      expect(textOf(result)).toMatch(/^\[FINAL\] Not sent: The message would take 3 segments \(UCS-2 because of "á" \(U\+00E1\): 144 characters at 67 per part/);
      expect(textOf(result)).toContain('this server sends at most 2 segments per message (SEND_MAX_SEGMENTS). Shorten it, or leave out the characters outside GSM-7');
      expect(creates()).toBe(0);
      // At the limit it goes.
      const fits = await limited.call('send_sms', { to: nextRecipient(), body: 'a'.repeat(306) });
      expect(fits.structuredContent).toMatchObject({ outcome: 'sent', segments: { segments: 2 } });
      expect(twilioSide(fits).num_segments).toBe('2');
    });
  });

  test('0 means no limit', async () => {
    await withBridge({ SEND_MAX_SEGMENTS: '0' }, async (unlimited) => {
      const result = await unlimited.call('send_sms', { to: nextRecipient(), body: 'a'.repeat(1600) });
      expect(result.structuredContent).toMatchObject({ outcome: 'sent', segments: { segments: 11 } });
      expect(twilioSide(result).num_segments).toBe('11');
    });
  });

  test('a message with media goes as one MMS: no segment limit, no segment count', async () => {
    const result = await bridge.call('send_sms', { to: nextRecipient(), body: 'a'.repeat(1600), mediaUrl: ['https://example.com/menu.png'] });
    expect(result.structuredContent).toMatchObject({ outcome: 'sent' });
    expect(result.structuredContent?.segments).toBeUndefined();
    expect(textOf(result)).not.toContain('segment');
  });
});

describe('SEND_SMART_ENCODING', () => {
  test('curly quotes go as GSM-7: one segment, and Twilio stores the replaced body', async () => {
    await withBridge({ SEND_SMART_ENCODING: 'true' }, async (smart) => {
      const body = `“${'a'.repeat(148)}”`;
      const result = await smart.call('send_sms', { to: nextRecipient(), body });
      expect(result.structuredContent).toMatchObject({ outcome: 'sent', segments: { encoding: 'GSM-7', segments: 1, smartReplaced: ['“', '”'] } });
      expect(twilioSide(result)).toEqual(expect.objectContaining({ body: `"${'a'.repeat(148)}"`, num_segments: '1' }));
      expect(textOf(result)).toContain('Twilio bills it as 1 segment (GSM-7, 150 of 160 characters; Smart Encoding replaces `“` `”` to stay GSM-7).');
    });
  });

  test('an emoji keeps the body UCS-2, unchanged, as Twilio does', async () => {
    await withBridge({ SEND_SMART_ENCODING: 'true' }, async (smart) => {
      const body = 'It’s here 😀';
      const result = await smart.call('send_sms', { to: nextRecipient(), body });
      expect(result.structuredContent).toMatchObject({ segments: { encoding: 'UCS-2', segments: 1, ucs2Character: '’', smartReplaced: [] } });
      expect(twilioSide(result)).toMatchObject({ body, num_segments: '1' });
    });
  });

  test('it counts toward SEND_MAX_SEGMENTS after the replacements', async () => {
    await withBridge({ SEND_SMART_ENCODING: 'true', SEND_MAX_SEGMENTS: '1' }, async (smart) => {
      const sent = await smart.call('send_sms', { to: nextRecipient(), body: `“${'a'.repeat(148)}”` });
      expect(sent.structuredContent).toMatchObject({ outcome: 'sent' });
      const refused = await smart.call('send_sms', { to: nextRecipient(), body: `“${'a'.repeat(160)}”` });
      expect(refused.structuredContent).toMatchObject({ outcome: 'refused', segments: { encoding: 'GSM-7', segments: 2 } });
      expect(creates()).toBe(1);
    });
  });
});

describe('confirmation preview', () => {
  test('says the size before anyone approves', async () => {
    await withBridge({ SEND_CONFIRMATION: 'true' }, async (confirming) => {
      const preview = await confirming.call('send_sms', { to: nextRecipient(), body: `${'a'.repeat(168)}€` });
      expect(textOf(preview)).toMatch(/^\[PREVIEW, NOT SENT\] To \+1\d+: show the user this exact message and ask them to approve\. Twilio will bill it as 2 segments \(GSM-7, 170 characters at 153 per part; `€` counts twice\)\. Only if they approve/);
      expect(preview.structuredContent).toMatchObject({ outcome: 'needs_confirmation', segments: { segments: 2 } });
      expect(creates()).toBe(0);
    });
  });
});
