/** What `npm run sandbox` prints once it is up: the MCP client configuration, and what to try next. */
import type { SandboxCommand } from '../cli-args';
import { claudeDesktopJson, hostedClaudeDesktopJson, hostedLibrechatYaml, librechatYaml } from '../client-config';
import { bridgePath } from '../system/paths';
import { type Sandbox, SANDBOX_MCP_TOKEN } from './start-sandbox';

/** The `--port` a second-terminal command needs, none for the default port. */
function portCommand(command: { emulatorPort: number }): string {
  return command.emulatorPort === 4010 ? '' : ` --port ${command.emulatorPort}`;
}

/** Shell lines with their comments lined up. */
function aligned(rows: [command: string, comment: string][]): string[] {
  const width = Math.max(...rows.map(([command]) => command.length));
  return rows.map(([command, comment]) => `  ${command.padEnd(width)}   # ${comment}`);
}

export function banner(sandbox: Sandbox, command: Extract<SandboxCommand, { kind: 'start' }>): string[] {
  const bridge = bridgePath();
  const port = portCommand(command);
  return [
    '',
    'Connect an MCP client to the sandbox (the values are the emulator\'s fake test credentials):',
    '',
    'LibreChat, librechat.yaml (LibreChat running on this machine, not in Docker):',
    ...librechatYaml(bridge, sandbox.bridgeEnv).map((line) => `  ${line}`),
    '',
    'Claude Desktop, claude_desktop_config.json:',
    ...claudeDesktopJson(bridge, sandbox.bridgeEnv),
    '',
    `Or the hosted endpoint, as your Twilio Functions serve it: ${sandbox.functions.url}/mcp, token ${SANDBOX_MCP_TOKEN}`,
    'Hosted, librechat.yaml (no bridge process; LibreChat in Docker reaches this machine as host.docker.internal):',
    ...hostedLibrechatYaml(`${sandbox.functions.url}/mcp`, SANDBOX_MCP_TOKEN).map((line) => `  ${line}`),
    '',
    'Hosted, Claude Desktop through mcp-remote:',
    ...hostedClaudeDesktopJson(`${sandbox.functions.url}/mcp`, SANDBOX_MCP_TOKEN),
    '',
    'Then, from a second terminal:',
    ...aligned([
      [`npm run sandbox -- text +14155550100 "Hi there"${port}`, `a handset texts ${sandbox.ourNumber}`],
      [`npm run sandbox -- outbox${port}`, 'what the assistant has sent'],
      ['npm run demo', 'a scripted conversation through a real MCP client'],
    ]),
    '',
  ];
}
