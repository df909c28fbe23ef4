/** The Account resource (GET /2010-04-01/Accounts/{Sid}.json): credential checks use it. */
import { rfc2822 } from './dates';
import { authenticateError } from './errors';
import type { RouteDef } from './router';
import type { EmulatorContext } from './state';

const SUBRESOURCES = [
  'addresses', 'applications', 'authorized_connect_apps', 'available_phone_numbers', 'balance', 'calls',
  'conferences', 'connect_apps', 'incoming_phone_numbers', 'keys', 'messages', 'notifications',
  'outgoing_caller_ids', 'queues', 'recordings', 'short_codes', 'signing_keys', 'sip', 'transcriptions', 'usage',
] as const;

function subresourcePath(name: (typeof SUBRESOURCES)[number]): string {
  // As in Twilio's example answer: short codes still live under the old SMS/ path.
  const special: Partial<Record<(typeof SUBRESOURCES)[number], string>> = { sip: 'SIP', short_codes: 'SMS/ShortCodes' };
  return special[name] ?? name.split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

export function accountRoutes(ctx: EmulatorContext): RouteDef[] {
  const createdAt = ctx.clock.now();
  return [
    {
      product: 'api',
      template: '/2010-04-01/Accounts/{Sid}.json',
      handlers: {
        GET: (req) => {
          const { accountSid, authToken } = ctx.options;
          // Standard API keys cannot access the Accounts resource (Twilio answers 20003), and
          // nobody sees another account.
          if (req.params.Sid !== accountSid || req.principal !== 'authToken') throw authenticateError();
          const base = `/2010-04-01/Accounts/${accountSid}`;
          return {
            status: 200,
            body: {
              auth_token: authToken,
              date_created: rfc2822(createdAt),
              date_updated: rfc2822(createdAt),
              friendly_name: 'Twilio emulator account',
              owner_account_sid: accountSid,
              sid: accountSid,
              status: 'active',
              subresource_uris: Object.fromEntries(SUBRESOURCES.map((n) => [n, `${base}/${subresourcePath(n)}.json`])),
              type: 'Full',
              uri: `${base}.json`,
            },
          };
        },
      },
    },
  ];
}
