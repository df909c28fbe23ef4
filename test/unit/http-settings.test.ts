import { matchToken, parseTokens } from '../../mcp-bridge/src/hosts/http/bearer-tokens';
import { loadHttpSettings, wantsHttp } from '../../mcp-bridge/src/hosts/http/http-settings';

const TOKEN_A = 'a'.repeat(16);
const TOKEN_B = 'b'.repeat(32);

describe('wantsHttp', () => {
  test.each<[Record<string, string>, string[], boolean]>([
    [{}, [], false],
    [{}, ['--http'], true],
    [{ MCP_TRANSPORT: 'http' }, [], true],
    [{ MCP_TRANSPORT: 'HTTP ' }, [], true],
    [{ MCP_TRANSPORT: 'http' }, ['--stdio'], false],
    [{ MCP_TRANSPORT: '${MCP_TRANSPORT}' }, [], false],
  ])('%j %j → http %s', (env, argv, http) => {
    expect(wantsHttp(env, argv)).toEqual({ ok: true, http });
  });

  test('an unknown argument or transport says what is accepted', () => {
    expect(wantsHttp({}, ['--port=3'])).toEqual({ ok: false, error: 'Unknown argument "--port=3". The bridge takes --http or --stdio; everything else is set in its environment.' });
    expect(wantsHttp({ MCP_TRANSPORT: 'sse' }, [])).toEqual({ ok: false, error: 'MCP_TRANSPORT must be "stdio" or "http".' });
  });
});

describe('loadHttpSettings', () => {
  test('defaults: loopback 3030, no tokens, loopback hosts only', () => {
    const loaded = loadHttpSettings({});
    expect(loaded).toMatchObject({ ok: true, settings: { host: '127.0.0.1', port: 3030, tokens: [], allowedOrigins: [], sessionIdleMs: 1_800_000 } });
    if (loaded.ok) expect([...loaded.settings.allowedHosts].sort()).toEqual(['127.0.0.1', '::1', '[::1]', 'localhost']);
  });

  test('a host other machines reach needs tokens; with them, its allowed hosts are the named ones', () => {
    expect(loadHttpSettings({ MCP_HTTP_HOST: '0.0.0.0' })).toEqual({ ok: false, error: expect.stringMatching(/^MCP_HTTP_HOST is 0\.0\.0\.0, reachable from other machines, but MCP_HTTP_TOKENS is not set/) });
    const loaded = loadHttpSettings({ MCP_HTTP_HOST: '0.0.0.0', MCP_HTTP_TOKENS: TOKEN_A, MCP_HTTP_ALLOWED_HOSTS: 'Twilio-SMS, sms.example.com' });
    expect(loaded.ok && loaded.settings.allowedHosts).toEqual(expect.arrayContaining(['twilio-sms', 'sms.example.com', 'localhost']));
    expect(loaded.ok && loaded.settings.allowedHosts).not.toContain('0.0.0.0');
  });

  test.each([
    [{ MCP_HTTP_PORT: '70000' }, 'MCP_HTTP_PORT must be 0–65535. Fix MCP_HTTP_PORT in the bridge\'s environment.'],
    [{ MCP_HTTP_PORT: 'abc' }, 'MCP_HTTP_PORT must be a port number. Fix MCP_HTTP_PORT in the bridge\'s environment.'],
    [{ MCP_HTTP_TOKENS: 'short' }, 'MCP_HTTP_TOKENS entry 1: a token must be at least 16 characters without spaces (e.g. from `openssl rand -hex 32`).'],
    [{ MCP_HTTP_TOKENS: `${TOKEN_A},${TOKEN_B}=` }, 'MCP_HTTP_TOKENS entry 2: nothing after "=". Use token=identity (an SMS_USER_NUMBERS identity), or the token alone for the whole account.'],
  ])('%j: %s', (env, error) => {
    expect(loadHttpSettings(env)).toEqual({ ok: false, error });
  });

  test('the error about a bad token never quotes it', () => {
    const loaded = loadHttpSettings({ MCP_HTTP_TOKENS: 'secret-pw' });
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.error).not.toContain('secret-pw');
  });
});

describe('bearer tokens', () => {
  const parsed = parseTokens(`${TOKEN_A}=alice@example.com, ${TOKEN_B}`);
  const tokens = parsed.ok ? parsed.tokens : [];

  test('token=identity binds an identity; a bare token has none', () => {
    expect(tokens.map(({ id, identity }) => ({ id, identity }))).toEqual([{ id: 1, identity: 'alice@example.com' }, { id: 2, identity: null }]);
    // Only digests are kept.
    expect(JSON.stringify(tokens)).not.toContain(TOKEN_A);
  });

  test.each<[string | undefined, number | null]>([
    [`Bearer ${TOKEN_A}`, 1],
    [`bearer   ${TOKEN_B}`, 2],
    [`Bearer ${TOKEN_A}x`, null],
    [`Bearer ${TOKEN_A.slice(1)}`, null],
    [`Basic ${TOKEN_A}`, null],
    ['Bearer', null],
    ['', null],
    [undefined, null],
  ])('%j → token %s', (header, id) => {
    expect(matchToken(header, tokens)?.id ?? null).toBe(id);
  });
});
