/** Twilio's two date formats: v2010 speaks RFC 2822, Sync (v1) speaks ISO 8601. */

/** 'Tue, 24 Nov 2026 08:00:00 +0000' (v2010 resources). */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** '2026-11-24T08:00:00Z', seconds precision like Twilio (Sync resources). */
export function iso8601(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
