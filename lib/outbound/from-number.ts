/**
 * Which of our numbers sends a message. A user may have several (SMS_USER_NUMBERS): the one asked
 * for, else the one this person last talked with (a reply comes from the number they texted),
 * else the first. Only numbers in the user's scope are ever used.
 */
import type { InboxSnapshot } from '../store/message-store';
import type { Channel } from '../whatsapp';

export type FromNumberChoice =
  | { ok: true; number: string | undefined; inbox: InboxSnapshot | undefined }
  | { ok: false; reason: string };

/** The numbers the sender is chosen from, before anything is read: the one asked for, if it is ours. */
export function fromNumberCandidates(numbers: readonly string[] | null, asked: string | undefined): { ok: true; candidates: readonly string[] } | { ok: false; reason: string } {
  if (asked !== undefined && !(numbers ?? []).includes(asked.trim())) {
    return { ok: false, reason: `"${asked.trim().slice(0, 24)}" is not one of your Twilio numbers${numbers?.length ? ` (${numbers.join(', ')})` : ''}. Leave "from" out, or use one of those.` };
  }
  return { ok: true, candidates: asked !== undefined ? [asked.trim()] : numbers ?? [] };
}

/**
 * `numbers`: the scope's numbers (null: a Messaging Service picks); `entryOf`: the conversation's
 * inbox entry for one of our numbers, or null without a store (then nothing is read).
 */
export async function chooseFromNumber(
  numbers: readonly string[] | null,
  asked: string | undefined,
  entryOf: ((ourNumber: string) => Promise<InboxSnapshot>) | null,
): Promise<FromNumberChoice> {
  const allowed = fromNumberCandidates(numbers, asked);
  if (!allowed.ok) return allowed;
  const { candidates } = allowed;
  if (candidates.length === 0) return { ok: true, number: undefined, inbox: undefined };
  if (!entryOf) return { ok: true, number: candidates[0], inbox: undefined };
  const entries = await Promise.all(candidates.map(async (number) => ({ number, inbox: await entryOf(number) })));
  const latest = entries
    .filter((e) => e.inbox)
    .sort((a, b) => b.inbox!.entry.lastActivityAt.localeCompare(a.inbox!.entry.lastActivityAt))[0];
  return { ok: true, ...(latest ?? entries[0]!) };
}

/** The bridge's configured senders, as the bridge's config holds them (Sender). */
export interface ConfiguredSenders { phoneNumber?: string; messagingServiceSid?: string; whatsappNumber?: string }

/**
 * Our side of the conversation: the configured number, else the sender Twilio picked (or will
 * pick: a scheduled message through a service with one sender), else (not picked yet, a pool of
 * several) the service.
 */
export function ourNumberOf(config: { sender: ConfiguredSenders }, from: string | null, channel: Channel = 'sms'): string {
  return (channel === 'whatsapp' ? config.sender.whatsappNumber : config.sender.phoneNumber) ?? from ?? config.sender.messagingServiceSid ?? '';
}
