/** `npm run sandbox -- text <from> <message>`: a handset texts the running sandbox's number. */
import type { InboundResult } from '../../emulator';
import { type SandboxCommand } from '../cli-args';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';
import { channelOf, whatsappAddress } from '../../lib/whatsapp';
import type { Io } from '../script-io';
import { control } from './control';

export async function sendText(command: Extract<SandboxCommand, { kind: 'text' }>, io: Io): Promise<number> {
  // A WhatsApp handset writes to the number's WhatsApp sender: the same number, on that channel.
  const ourAddress = channelOf(command.from) === 'whatsapp' ? whatsappAddress(MAGIC_FROM_NUMBER) : MAGIC_FROM_NUMBER;
  const response = await control(command.emulatorPort, '/_emulator/inbound', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ from: command.from, to: ourAddress, body: command.body }),
  });
  if (typeof response === 'string') {
    io.err(response);
    return 1;
  }
  const payload = (await response.json().catch(() => null)) as (InboundResult & { error?: string }) | null;
  if (!response.ok || !payload || !Array.isArray(payload.attempts)) {
    io.err(`The emulator on port ${command.emulatorPort} refused the text (HTTP ${response.status}): ${payload?.error ?? 'not the sandbox\'s emulator?'}`);
    return 1;
  }
  io.out(`${command.from} texted ${ourAddress}: ${JSON.stringify(command.body)} (${payload.messageSid})`);
  if (payload.attempts.length === 0) {
    io.err(`${MAGIC_FROM_NUMBER} has no incoming SMS webhook, so nothing was delivered. Is this the sandbox's emulator (npm run sandbox), provisioned?`);
    return 1;
  }
  for (const attempt of payload.attempts) {
    const answer = attempt.status === null ? `no answer (${attempt.error ?? 'connection failed'})` : `${attempt.status} ${attempt.body.trim().slice(0, 120)}`;
    io.out(`Webhook POST ${attempt.url} → ${answer}`);
  }
  if (!payload.delivered) {
    io.err('The Functions did not store the message (no 2xx answer). Check the sandbox terminal for the Functions\' log.');
    return 1;
  }
  io.out('Stored. The assistant sees it with receive_sms or list_conversations.');
  return 0;
}
