/** Sync Services: /v1/Services and /v1/Services/{Sid}. */
import { badRequest, invalidParameter } from './errors';
import { parsePaging, slicePage, SYNC_PAGING, syncPage } from './paging';
import type { RequestContext, RouteDef, RouteResponse } from './router';
import { requireService, type SyncDeps } from './sync-common';
import { renderService, SYNC_BASE_URL } from './sync-render';
import type { SyncService } from './sync-store';

function friendlyNameParam(form: URLSearchParams): string | undefined {
  const name = form.get('FriendlyName');
  if (name === null) return undefined;
  if (name.length < 1 || name.length > 255) throw badRequest(54053, 'Invalid friendly name: 1-255 characters');
  return name;
}

function boolParam(form: URLSearchParams, name: string): boolean | undefined {
  const raw = form.get(name);
  if (raw === null) return undefined;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw invalidParameter(`${name} must be true or false, got ${raw}`);
}

interface ServiceSettings {
  friendlyName?: string;
  webhookUrl?: string | null;
  aclEnabled?: boolean;
  reachabilityWebhooksEnabled?: boolean;
  webhooksFromRestEnabled?: boolean;
}

/** The writable settings shared by create and update, all validated before anything changes. */
function parseSettings(form: URLSearchParams): ServiceSettings {
  const settings: ServiceSettings = {};
  const friendlyName = friendlyNameParam(form);
  if (friendlyName !== undefined) settings.friendlyName = friendlyName;
  const webhookUrl = form.get('WebhookUrl');
  if (webhookUrl !== null) settings.webhookUrl = webhookUrl || null;
  const acl = boolParam(form, 'AclEnabled');
  if (acl !== undefined) settings.aclEnabled = acl;
  const reachability = boolParam(form, 'ReachabilityWebhooksEnabled');
  if (reachability !== undefined) settings.reachabilityWebhooksEnabled = reachability;
  const fromRest = boolParam(form, 'WebhooksFromRestEnabled');
  if (fromRest !== undefined) settings.webhooksFromRestEnabled = fromRest;
  return settings;
}

export function syncServiceRoutes(deps: SyncDeps): RouteDef[] {
  const { ctx, store } = deps;
  const render = (service: SyncService) => renderService(ctx.options.accountSid, service);

  const list = (req: RequestContext): RouteResponse => {
    const paging = parsePaging(req.query, SYNC_PAGING);
    const slice = slicePage(store.allServices(), (s) => s.seq, (a, b) => a - b, paging);
    return {
      status: 200,
      body: syncPage({ key: 'services', base: `${SYNC_BASE_URL}/Services`, filters: [], request: paging, slice, render }),
    };
  };

  const create = (req: RequestContext): RouteResponse => {
    const settings = parseSettings(req.form);
    const service = Object.assign(store.createService(null), settings);
    return { status: 201, body: render(service) };
  };

  const update = (req: RequestContext): RouteResponse => {
    const service = requireService(deps, req, 'Sid');
    Object.assign(service, parseSettings(req.form));
    service.updated = store.now();
    return { status: 200, body: render(service) };
  };

  return [
    { product: 'sync', template: '/v1/Services', handlers: { GET: list, POST: create } },
    {
      product: 'sync',
      template: '/v1/Services/{Sid}',
      handlers: {
        GET: (req) => ({ status: 200, body: render(requireService(deps, req, 'Sid')) }),
        POST: update,
        DELETE: (req) => {
          store.deleteService(requireService(deps, req, 'Sid'));
          return { status: 204 };
        },
      },
    },
  ];
}
