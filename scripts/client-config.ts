/**
 * What connects an MCP client to the bridge: the librechat.yaml entry and Claude Desktop's JSON,
 * printed by `npm run setup` (with `${VAR}` placeholders) and `npm run sandbox` (with the
 * emulator's literal values), and shown in the README (personal) and docs/librechat.md (team), which a test keeps equal to it.
 */
import { ADMIN_SETTINGS, DEVELOPMENT_SETTINGS, ENTRY_SETTINGS } from '../mcp-bridge/src/hosts/env-config';

/**
 * The server's key in librechat.yaml's mcpServers and Claude Desktop's mcpServers: what those
 * clients show and prefix its tools with (LibreChat: `<tool>_mcp_twilio-sms`). The bridge's own
 * name in MCP's initialize is mcp-bridge/src/server/create-server.ts SERVER_NAME.
 */
export const CLIENT_ENTRY_NAME = 'twilio-sms';

/** LibreChat's request timeout when an entry sets none (the MCP SDK's 60 s); the entry sets it anyway. */
export const CLIENT_TIMEOUT_SECONDS = 60;

/**
 * personal: one process for the whole LibreChat instance, one inbox (LibreChat starts one process
 * for all users unless the entry names a user placeholder). team: one process per signed-in user,
 * who sees and sends only from the numbers SMS_USER_NUMBERS gives them.
 */
export type EntryShape = 'personal' | 'team';

/** YAML plain scalars for simple paths, double-quoted (JSON syntax is valid YAML) otherwise. */
function yamlScalar(value: string, alwaysQuote: boolean): string {
  return !alwaysQuote && /^[\w./@+-]+$/.test(value) ? value : JSON.stringify(value);
}

/**
 * The `mcpServers` entry of librechat.yaml. It names every setting an administrator may want, so
 * that setting it in LibreChat's .env is enough (LibreChat passes the bridge nothing else); a
 * value in `values` is written as it is, any other as its `${NAME}` placeholder, which the bridge
 * takes as unset when LibreChat leaves it unfilled. Values of other settings (the sandbox's
 * TWILIO_API_BASE_URL) come last.
 */
export function librechatYaml(bridge: string, values: Readonly<Record<string, string>> = {}, shape: EntryShape = 'personal'): string[] {
  const line = (name: string, fallback = `\${${name}}`) => `      ${name}: ${yamlScalar(values[name] ?? fallback, true)}`;
  const listed = new Set<string>(ENTRY_SETTINGS);
  const groups = ADMIN_SETTINGS.flatMap(({ group, names }) => {
    for (const name of names) listed.add(name);
    return [`      # ${group}`, ...names.map((name) => line(name))];
  });
  const others = Object.keys(values).filter((name) => !listed.has(name));
  return [
    'mcpServers:',
    `  ${CLIENT_ENTRY_NAME}:`,
    '    type: stdio',
    '    command: node',
    '    args:',
    `      - ${yamlScalar(bridge, false)}`,
    '    env:',
    ...groups,
    ...(shape === 'team'
      ? [
          '      # One inbox per LibreChat user: LibreChat fills in who is signed in (users cannot change it),',
          '      # SMS_USER_NUMBERS (yours, in .env) gives each user their numbers: alice@example.com=+14155550100,…',
          line('SMS_USER', '{{LIBRECHAT_USER_EMAIL}}'),
          line('SMS_USER_NUMBERS'),
        ]
      : []),
    '      # No tool call outlives the client: keep this equal to `timeout` below, in seconds',
    line('CLIENT_TIMEOUT_SECONDS', String(CLIENT_TIMEOUT_SECONDS)),
    ...(others.length ? [`      # ${others.every((name) => (DEVELOPMENT_SETTINGS as readonly string[]).includes(name)) ? 'The local emulator (sandbox only)' : 'Other settings'}`, ...others.map((name) => line(name))] : []),
    `    timeout: ${Number(values.CLIENT_TIMEOUT_SECONDS ?? CLIENT_TIMEOUT_SECONDS) * 1000}      # ms: how long LibreChat waits for one tool call`,
    '    initTimeout: 20000',
    '    serverInstructions: true',
  ];
}

/**
 * claude_desktop_config.json. The command is this Node's absolute path: Claude Desktop passes
 * only USER, HOME and PATH, and a GUI app's PATH often lacks a version-managed `node`.
 */
export function claudeDesktopJson(bridge: string, env: Readonly<Record<string, string>>, node: string = process.execPath): string[] {
  const config = { mcpServers: { [CLIENT_ENTRY_NAME]: { command: node, args: [bridge], env } } };
  return JSON.stringify(config, null, 2).split('\n');
}

/** The env variable LibreChat's .env holds the hosted endpoint's token in. */
export const HOSTED_TOKEN_VARIABLE = 'TWILIO_SMS_MCP_TOKEN';

/**
 * LibreChat's request timeout for the hosted /mcp, in ms: Twilio ends a Function after 10 s, and
 * every call answers within its 8 s budget (mcp-bridge/src/hosts/function/function-settings.ts), so
 * 15 s covers the slowest answer plus the network and never cuts one short.
 */
export const HOSTED_TIMEOUT_MS = 15_000;

/** The librechat.yaml entry for the MCP server hosted in the account's Functions (`url`: …/mcp). */
export function hostedLibrechatYaml(url: string, tokenValue = `\${${HOSTED_TOKEN_VARIABLE}}`): string[] {
  return [
    'mcpServers:',
    `  ${CLIENT_ENTRY_NAME}:`,
    '    type: streamable-http',
    `    url: ${url}`,
    '    headers:',
    `      Authorization: ${JSON.stringify(`Bearer ${tokenValue}`)}`,
    '    requiresOAuth: false',
    `    timeout: ${HOSTED_TIMEOUT_MS}      # ms: every call answers within 10 s (a Function's limit)`,
    '    initTimeout: 20000',
    '    serverInstructions: true',
  ];
}

/**
 * claude_desktop_config.json for the hosted /mcp, through mcp-remote (Claude Desktop starts stdio
 * servers; mcp-remote bridges them to Streamable HTTP). The header's value comes from env, and
 * `Authorization:${AUTH_HEADER}` has no space, as mcp-remote's README advises (Claude Desktop on
 * Windows splits arguments at spaces).
 */
export function hostedClaudeDesktopJson(url: string, token: string): string[] {
  const config = {
    mcpServers: {
      [CLIENT_ENTRY_NAME]: { command: 'npx', args: ['-y', 'mcp-remote', url, '--header', 'Authorization:${AUTH_HEADER}'], env: { AUTH_HEADER: `Bearer ${token}` } },
    },
  };
  return JSON.stringify(config, null, 2).split('\n');
}
