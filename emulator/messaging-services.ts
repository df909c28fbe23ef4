/** Messaging Services configured at start (the emulator has no API to create them). */
import type { MessagingServiceSpec } from './types';

export class MessagingServiceRegistry {
  private readonly bySid = new Map<string, MessagingServiceSpec>();

  constructor(services: readonly MessagingServiceSpec[]) {
    for (const service of services) {
      if (!/^MG[0-9a-f]{32}$/.test(service.sid)) throw new Error(`Messaging Service SID must be 'MG' + 32 hex, got ${service.sid}`);
      this.bySid.set(service.sid, { ...service, phoneNumbers: [...service.phoneNumbers] });
    }
  }

  get(sid: string): MessagingServiceSpec | undefined {
    return this.bySid.get(sid);
  }

  /** The service whose sender pool holds this number, if any. */
  forNumber(phoneNumber: string): MessagingServiceSpec | undefined {
    for (const service of this.bySid.values()) if (service.phoneNumbers.includes(phoneNumber)) return service;
    return undefined;
  }

  /**
   * Whose opt-outs a number's inbound STOP, and a send from it, fall under: its service, whose
   * whole pool a STOP covers, else the number alone (opt-outs.ts).
   */
  optOutScope(phoneNumber: string): string {
    return this.forNumber(phoneNumber)?.sid ?? phoneNumber;
  }

  allNumbers(): string[] {
    return [...this.bySid.values()].flatMap((s) => s.phoneNumbers);
  }
}
