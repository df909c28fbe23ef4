/**
 * Confirmation tokens in Twilio Sync: an item `c_<token>` in the guard owner's `sent_` Map (one
 * Map per owner, whatever the recipient: lib/sync-names.ts), expiring after 10 minutes. Any bridge of the same owner redeems
 * it, and only one: the redeeming delete is conditional on the revision that was read, so of two
 * bridges redeeming at once one deletes and the other gets 412 or 404. A Sync failure throws, and
 * send_sms then refuses: nothing is sent on a token that could not be checked.
 */
import * as z from 'zod';
import { isRevisionConflict, type SyncGateway } from '../store/sync-gateway';
import { sentMapName, shortHash } from '../sync-names';
import { confirmationKey, CONFIRMATION_TTL_SECONDS, type Confirmations, newConfirmationToken } from './confirmations';

const TokenSchema = z.object({ key: z.string(), expiresAt: z.number() });
/** What newConfirmationToken makes; anything else is not looked up (nor used as a Sync key). */
const TOKEN = /^[A-Za-z0-9_-]{12}$/;

export class SyncConfirmations implements Confirmations {
  constructor(
    private readonly sync: () => Promise<SyncGateway>,
    private readonly owner: string,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(to: string, body: string, media: readonly string[], sendAt?: string): Promise<string> {
    const token = newConfirmationToken();
    const data = { key: shortHash(confirmationKey(to, body, media, sendAt)), expiresAt: this.now() + CONFIRMATION_TTL_SECONDS * 1000 };
    await (await this.sync()).mapCreate(sentMapName(this.owner), `c_${token}`, data, { ttlSeconds: CONFIRMATION_TTL_SECONDS });
    return token;
  }

  async redeem(token: string, to: string, body: string, media: readonly string[], sendAt?: string): Promise<boolean> {
    if (!TOKEN.test(token)) return false;
    const sync = await this.sync();
    const map = sentMapName(this.owner);
    const found = await sync.mapGet(map, `c_${token}`);
    const entry = TokenSchema.safeParse(found?.data);
    if (!found || !entry.success || entry.data.expiresAt <= this.now() || entry.data.key !== shortHash(confirmationKey(to, body, media, sendAt))) return false;
    try {
      return await sync.mapDelete(map, `c_${token}`, found.revision);
    } catch (error) {
      if (isRevisionConflict(error)) return false; // another bridge redeemed it first
      throw error;
    }
  }
}
