/** `npm run sandbox -- outbox`: what the assistant has sent through the running sandbox, oldest first. */
import type { MessageResource } from '../../emulator';
import type { SandboxCommand } from '../cli-args';
import type { Io } from '../script-io';
import { control } from './control';

export async function showOutbox(command: Extract<SandboxCommand, { kind: 'outbox' }>, io: Io): Promise<number> {
  const response = await control(command.emulatorPort, '/_emulator/messages');
  if (typeof response === 'string') {
    io.err(response);
    return 1;
  }
  const messages = (await response.json().catch(() => null)) as MessageResource[] | null;
  if (!response.ok || !Array.isArray(messages)) {
    io.err(`The emulator on port ${command.emulatorPort} did not list messages (HTTP ${response.status}); is it the sandbox's?`);
    return 1;
  }
  const sent = messages.filter((m) => m.direction.startsWith('outbound'));
  if (sent.length === 0) {
    io.out('Outbox is empty: the assistant has not sent anything yet.');
    return 0;
  }
  io.out(`Outbox: ${sent.length} message${sent.length === 1 ? '' : 's'} the assistant sent, oldest first:`);
  for (const m of sent) {
    const error = m.error_code ? ` (error ${m.error_code})` : '';
    io.out(`  ${new Date(m.date_created).toISOString()}  to ${m.to}  ${m.status}${error}  ${m.sid}`);
    io.out(`      ${JSON.stringify(m.body)}`);
  }
  return 0;
}
