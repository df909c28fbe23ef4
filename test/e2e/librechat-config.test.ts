/**
 * The librechat.yaml we document and print is one LibreChat accepts: every ```yaml block under
 * the README's "## LibreChat", under docs/librechat.md's team section and docs/http-and-docker.md's
 * Docker section, and the snippet `npm run setup` prints are validated by LibreChat's own schema
 * (librechat-data-provider's `configSchema.strict()`, as its loader runs it), and the `${VAR}`
 * filling is LibreChat's own. No processes: the markdown is read at run time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { librechatYaml, CLIENT_ENTRY_NAME } from '../../scripts/client-config';
import { ROOT } from '../support/paths';
import {
  fillUserPlaceholders,
  formatForModel,
  modelViewOf,
  parseLibrechatYaml,
  processMCPEnv,
  validateLibrechatConfig,
  withLibrechatEnv,
  yamlBlocksUnder,
  type ParsedStdioOptions,
} from '../support/librechat';

const SID = `AC${'0123456789abcdef'.repeat(2)}`;

/** The ```yaml blocks under `## <heading>` of a markdown file of this repository. */
function yamlBlocksOf(file: string, heading: string): string[] {
  return yamlBlocksUnder(readFileSync(join(ROOT, file), 'utf8'), heading);
}

/** The personal entry lives in the README, the team entry in docs/librechat.md. */
function documentedLibrechatYamlBlocks(): string[] {
  return [...yamlBlocksOf('README.md', 'LibreChat'), ...yamlBlocksOf('docs/librechat.md', 'A team: one inbox per LibreChat user')];
}

function stdioEntry(text: string, name: string, dotenv: Record<string, string> = {}): ParsedStdioOptions {
  const entry = withLibrechatEnv(dotenv, () => parseLibrechatYaml(text))[name];
  if (!entry || !('command' in entry)) throw new Error(`${name} is not a stdio entry`);
  return entry;
}

const readmeBlocks = yamlBlocksOf('README.md', 'LibreChat');
const documentedBlocks = documentedLibrechatYamlBlocks();

describe("docs/http-and-docker.md's Docker section", () => {
  const blocks = yamlBlocksOf('docs/http-and-docker.md', 'Beside LibreChat in Docker');

  test('shows both streamable-http entries, and LibreChat accepts each', () => {
    expect(blocks).toHaveLength(2);
    for (const block of blocks) {
      expect(validateLibrechatConfig(block).success).toBe(true);
      const entry = withLibrechatEnv({ TWILIO_SMS_MCP_TOKEN: 'x'.repeat(32) }, () => parseLibrechatYaml(block))[CLIENT_ENTRY_NAME];
      expect(entry).toMatchObject({ type: 'streamable-http', url: 'http://twilio-sms:3030/mcp', requiresOAuth: false });
    }
  });
});

describe("the LibreChat entries of the README and docs/librechat.md", () => {
  // One source for the entries: what `npm run setup` and the sandbox print is what the docs show.
  test.each([
    ['personal', 'README.md', 'LibreChat'],
    ['team', 'docs/librechat.md', 'A team: one inbox per LibreChat user'],
  ] as const)('shows the %s entry exactly as client-config.ts writes it, in %s', (shape, file, heading) => {
    const generated = librechatYaml('/absolute/path/to/twilio-sms-mcp/mcp-bridge/dist/index.js', {}, shape).join('\n');
    expect(yamlBlocksOf(file, heading)).toContain(generated);
  });

  test('the README shows the LibreChat entry once', () => {
    expect(readmeBlocks.filter((block) => block.includes(`${CLIENT_ENTRY_NAME}:`))).toHaveLength(1);
  });

  test('the team entry fills SMS_USER per user: LibreChat then starts one process per user', () => {
    const team = librechatYaml('/x/index.js', {}, 'team').join('\n');
    const entry = stdioEntry(team, CLIENT_ENTRY_NAME, { TWILIO_ACCOUNT_SID: SID });
    const filled = processMCPEnv(entry, { user: { id: 'u1', email: 'Alice@Example.com' } });
    expect(filled.env?.SMS_USER).toBe('Alice@Example.com');
    expect(filled.env?.SMS_USER_NUMBERS).toBe('${SMS_USER_NUMBERS}');
  });

  test('has at least one yaml block with an mcpServers entry', () => {
    expect(readmeBlocks.length).toBeGreaterThan(0);
    expect(readmeBlocks.some((block) => /^mcpServers:/m.test(block))).toBe(true);
  });

  test.each(documentedBlocks.map((block, index) => [index + 1, block] as const))('yaml block %i is a config LibreChat accepts', (_index, block) => {
    const result = validateLibrechatConfig(block);
    expect(result.success).toBe(true);
  });

  test(`its ${CLIENT_ENTRY_NAME} entry is stdio, absolute, and gets ${'${VAR}'} filled only from what .env sets`, () => {
    const block = readmeBlocks.find((text) => text.includes(`${CLIENT_ENTRY_NAME}:`));
    if (!block) throw new Error(`no README yaml block defines ${CLIENT_ENTRY_NAME}`);
    const entry = stdioEntry(block, CLIENT_ENTRY_NAME, { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: '' });
    expect(entry.type).toBe('stdio');
    expect(entry.args[0]).toMatch(/^\//);
    const env = entry.env ?? {};
    expect(env.TWILIO_ACCOUNT_SID).toBe(SID);
    // Empty and unset variables reach the bridge as the literal placeholder.
    expect(env.TWILIO_AUTH_TOKEN).toBe('${TWILIO_AUTH_TOKEN}');
    expect(env.TWILIO_PHONE_NUMBER).toBe('${TWILIO_PHONE_NUMBER}');
  });
});

describe("`npm run setup`'s librechat.yaml", () => {
  const printed = (env: Record<string, string>) => librechatYaml('/opt/twilio-sms-mcp/mcp-bridge/dist/index.js', env).join('\n');

  test('with ${VAR} placeholders, as setup prints it, LibreChat accepts it', () => {
    const text = printed({ TWILIO_ACCOUNT_SID: '${TWILIO_ACCOUNT_SID}', TWILIO_AUTH_TOKEN: '${TWILIO_AUTH_TOKEN}', TWILIO_PHONE_NUMBER: '${TWILIO_PHONE_NUMBER}' });
    expect(validateLibrechatConfig(text).success).toBe(true);
    const entry = stdioEntry(text, CLIENT_ENTRY_NAME, { TWILIO_AUTH_TOKEN: 'tok' });
    expect(entry.args).toEqual(['/opt/twilio-sms-mcp/mcp-bridge/dist/index.js']);
    expect(entry.env?.TWILIO_AUTH_TOKEN).toBe('tok');
  });

  test('with literal values that yaml would read as numbers, booleans or comments, they stay strings', () => {
    const env = { TWILIO_PHONE_NUMBER: '+15005550006', SEND_WAIT_SECONDS: '30', LOG_PII: 'true', NOTE: 'a # b', EMPTY: '' };
    const text = printed(env);
    expect(validateLibrechatConfig(text).success).toBe(true);
    const written = stdioEntry(text, CLIENT_ENTRY_NAME).env ?? {};
    expect(written).toMatchObject(env);
    // Every other setting is there as its placeholder (CLIENT_TIMEOUT_SECONDS as the entry's own figure).
    expect(written.SEND_ALLOWLIST).toBe('${SEND_ALLOWLIST}');
    expect(written.CLIENT_TIMEOUT_SECONDS).toBe('60');
  });

  test('a path with spaces or yaml syntax stays one arg', () => {
    const text = librechatYaml('/Users/Jo Smith/my: tools/#1/index.js', { TWILIO_AUTH_TOKEN: '${TWILIO_AUTH_TOKEN}' }).join('\n');
    expect(validateLibrechatConfig(text).success).toBe(true);
    expect(stdioEntry(text, CLIENT_ENTRY_NAME).args).toEqual(['/Users/Jo Smith/my: tools/#1/index.js']);
  });
});

describe('the validator itself', () => {
  const entry = (env: string) => `mcpServers:\n  s:\n    type: stdio\n    command: node\n    args: ["/x.js"]\n    env:\n      ${env}\n`;

  test('rejects an env value that is a number (unquoted in yaml)', () => {
    expect(() => validateLibrechatConfig(entry('SEND_WAIT_SECONDS: 30'))).toThrow(/mcpServers\.s.*env\.SEND_WAIT_SECONDS: Expected string, received number/);
    expect(() => parseLibrechatYaml(entry('SEND_WAIT_SECONDS: 30'))).toThrow(/env\.SEND_WAIT_SECONDS/);
  });

  test('rejects a key LibreChat does not know (the loader is strict) and a missing command', () => {
    expect(() => validateLibrechatConfig(`${entry('A: "1"')}mcpServer: {}\n`)).toThrow(/unrecognized key/i);
    expect(() => validateLibrechatConfig('mcpServers:\n  s:\n    type: stdio\n    args: []\n')).toThrow(/mcpServers\.s/);
  });

  test('fills ${VAR} like LibreChat: set values, literal when unset or empty, never infrastructure secrets, values trimmed', () => {
    const env = stdioEntry(
      entry('A: "${A}"\n      B: "${B}"\n      C: "${C}"\n      J: "${JWT_SECRET}"\n      M: " x-${A}-y "'),
      's',
      { A: 'one', C: '', JWT_SECRET: 'secret' },
    ).env;
    expect(env).toEqual({ A: 'one', B: '${B}', C: '${C}', J: '${JWT_SECRET}', M: 'x-one-y' });
  });

  test('withLibrechatEnv hides the real environment and restores it', () => {
    const saved = process.env;
    const seen = withLibrechatEnv({ ONLY: '1' }, () => ({ ...process.env }));
    expect(seen).toEqual({ ONLY: '1' });
    expect(process.env).toBe(saved);
  });
});

describe('per-user placeholders (processMCPEnv)', () => {
  const user = { id: 'u1', email: 'jo@example.com', name: null, username: 'jo', emailVerified: true };

  test('known fields filled, null becomes empty, absent fields and unknown names stay literal', () => {
    expect(
      fillUserPlaceholders(
        {
          ID: '{{LIBRECHAT_USER_ID}}',
          WHO: '{{LIBRECHAT_USER_USERNAME}} <{{LIBRECHAT_USER_EMAIL}}>',
          NAME: '[{{LIBRECHAT_USER_NAME}}]',
          OK: '{{LIBRECHAT_USER_EMAILVERIFIED}}',
          ROLE: '{{LIBRECHAT_USER_ROLE}}',
          PHONE: '{{LIBRECHAT_USER_PHONE}}',
        },
        user,
      ),
    ).toEqual({ ID: 'u1', WHO: 'jo <jo@example.com>', NAME: '[]', OK: 'true', ROLE: '{{LIBRECHAT_USER_ROLE}}', PHONE: '{{LIBRECHAT_USER_PHONE}}' });
    expect(fillUserPlaceholders({ ID: '{{LIBRECHAT_USER_ID}}' }, { ...user, id: '' })).toEqual({ ID: '{{LIBRECHAT_USER_ID}}' });
  });

  test('at connect: customUserVars, then the user, then ${VAR} again from .env', () => {
    const parsed = stdioEntry(entry('A: "{{MY_KEY}}"\n      B: "{{LIBRECHAT_USER_EMAIL}}"\n      C: "${LATE}"'), 's');
    const processed = withLibrechatEnv({ LATE: 'now' }, () => processMCPEnv(parsed, { user, customUserVars: { MY_KEY: 'k' } }));
    expect(processed.env).toEqual({ A: 'k', B: 'jo@example.com', C: 'now' });
    expect(parsed.env?.A).toBe('{{MY_KEY}}');
  });

  function entry(env: string): string {
    return `mcpServers:\n  s:\n    command: node\n    args: ["/x.js"]\n    env:\n      ${env}\n`;
  }
});

describe('what the model sees (formatToolContent)', () => {
  test('text joined by a blank line; structuredContent and isError ignored when there is content', () => {
    expect(
      formatForModel({
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
        structuredContent: { secret: 'not shown' },
        isError: true,
      }),
    ).toBe('one\n\ntwo');
  });

  test('resource_link JSON-stringified; embedded resource as lines; images out of the text', () => {
    const link = { type: 'resource_link' as const, uri: 'https://example.com/m.jpg', name: 'm.jpg', mimeType: 'image/jpeg' };
    const view = modelViewOf({
      content: [
        { type: 'text', text: 'Got it.' },
        link,
        { type: 'resource', resource: { uri: 'sms://SM1', mimeType: 'text/plain', text: 'hello' } },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
      ],
    });
    expect(view.text).toBe(`Got it.\n\n${JSON.stringify(link, null, 2)}\n\nResource Text: hello\nResource URI: sms://SM1\nResource MIME Type: text/plain`);
    expect(view.images).toEqual(['data:image/png;base64,AAAA']);
  });

  test('empty content: structuredContent as JSON, else "(No response)"', () => {
    expect(formatForModel({ content: [], structuredContent: { a: 1 } })).toBe('{\n  "a": 1\n}');
    expect(formatForModel({ content: [], structuredContent: {} })).toBe('(No response)');
    expect(formatForModel({ content: [] })).toBe('(No response)');
    expect(formatForModel({ content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }] })).toBe('');
  });
});
