import { iso8601, rfc2822 } from '../../emulator/dates';
import { decodePageToken, encodePageToken, slicePage } from '../../emulator/paging';
import { createRandom, createSidFactory } from '../../emulator/random';
import { Router } from '../../emulator/router';
import { countSegments } from '../../emulator/segments';
import { DEFAULT_ACCOUNT_SID, DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_AUTH_TOKEN } from '../../emulator';

describe('segments', () => {
  it.each([
    ['', 'GSM-7', 1],
    ['a'.repeat(160), 'GSM-7', 1],
    ['a'.repeat(161), 'GSM-7', 2],
    ['a'.repeat(306), 'GSM-7', 2],
    ['a'.repeat(307), 'GSM-7', 3],
    ['{'.repeat(80), 'GSM-7', 1], // escape characters take two septets
    ['{'.repeat(81), 'GSM-7', 2],
    ['é'.repeat(160), 'GSM-7', 1], // é is in the GSM-7 basic set
    ['ł'.repeat(70), 'UCS-2', 1],
    ['ł'.repeat(71), 'UCS-2', 2],
    ['😀'.repeat(35), 'UCS-2', 1], // astral: two UTF-16 units each
    ['😀'.repeat(36), 'UCS-2', 2],
    [`${'a'.repeat(152)}€${'a'.repeat(152)}`, 'GSM-7', 3], // an escape pair stays in one segment
    [`${'ł'.repeat(66)}😀${'ł'.repeat(66)}`, 'UCS-2', 3], // so does a surrogate pair
  ])('%#: %s', (body, encoding, segments) => {
    expect(countSegments(body)).toEqual({ encoding, segments });
  });
});

describe('dates', () => {
  it('formats v2010 dates as RFC 2822 and Sync dates as ISO 8601 seconds', () => {
    const at = Date.UTC(2026, 10, 24, 8, 0, 0, 123);
    expect(rfc2822(at)).toBe('Tue, 24 Nov 2026 08:00:00 +0000');
    expect(iso8601(at)).toBe('2026-11-24T08:00:00Z');
  });
});

describe('paging', () => {
  const items = [1, 2, 3, 4, 5, 6, 7];
  const page = (token?: string) =>
    slicePage(items, (n) => n, (a, b) => a - b, token === undefined ? { pageSize: 3, page: 0 } : { pageSize: 3, page: 1, token });

  it('walks forward and back with opaque tokens', () => {
    const first = page();
    expect(first.items).toEqual([1, 2, 3]);
    expect(first.previousToken).toBeNull();
    const second = page(first.nextToken!);
    expect(second.items).toEqual([4, 5, 6]);
    const third = page(second.nextToken!);
    expect(third).toMatchObject({ items: [7], nextToken: null });
    expect(page(third.previousToken!).items).toEqual([4, 5, 6]);
    expect(decodePageToken(first.nextToken!)).toEqual({ d: 'n', k: 3 });
  });

  it('rejects a forged token', () => {
    expect(() => page('garbage')).toThrow(/Invalid PageToken/);
    expect(() => page(encodePageToken('n', 'a-string-key'))).toThrow(/Invalid PageToken/);
  });
});

describe('router', () => {
  it('matches OpenAPI templates, prefers {Sid}.json over a bare {Sid}, and decodes params', () => {
    const router = new Router();
    const handlers = { GET: () => ({ status: 200 }) };
    router.add(
      { product: 'api', template: '/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}.json', handlers },
      { product: 'api', template: '/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}', handlers },
      { product: 'sync', template: '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}', handlers },
    );
    expect(router.match('api', '/2010-04-01/Accounts/AC1/Messages/SM1/Media/ME1.json')).toMatchObject({
      def: { template: '/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}.json' },
      params: { AccountSid: 'AC1', MessageSid: 'SM1', Sid: 'ME1' },
    });
    expect(router.match('api', '/2010-04-01/Accounts/AC1/Messages/SM1/Media/ME1')?.def.template).toMatch(/\{Sid\}$/);
    expect(router.match('sync', '/v1/Services/IS1/Maps/MP1/Items/conv%3A%2B1555')?.params.Key).toBe('conv:+1555');
    expect(router.match('api', '/v1/Services/IS1/Maps/MP1/Items/x')).toBeUndefined();
  });
});

describe('SIDs and defaults', () => {
  it('generates Twilio-shaped SIDs, reproducibly with a seed', () => {
    const a = createSidFactory(createRandom(1));
    const b = createSidFactory(createRandom(1));
    const sid = a('SM');
    expect(sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(b('SM')).toBe(sid);
  });

  it('exports well-formed default credentials', () => {
    expect(DEFAULT_ACCOUNT_SID).toMatch(/^AC[0-9a-f]{32}$/);
    expect(DEFAULT_AUTH_TOKEN).toMatch(/^[0-9a-f]{32}$/);
    expect(DEFAULT_API_KEY).toMatch(/^SK[0-9a-f]{32}$/);
    expect(DEFAULT_API_SECRET).toHaveLength(32);
  });
});
