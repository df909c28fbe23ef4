/** The bridge's settings against the emulator alone (no Functions, no Sync service). */
import type { Emulator } from '../../emulator';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';

export function emulatorBridgeEnv(emulator: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: emulator.authToken,
    TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER,
    TWILIO_API_BASE_URL: emulator.url,
    ...extra,
  };
}
