/** Sync Maps and their items: /v1/Services/{ServiceSid}/Maps… (shared route logic in sync-object-routes.ts). */
import { invalidParameter } from './errors';
import type { RouteDef } from './router';
import { invalidMapKey, MAX_KEY_LENGTH, type SyncDeps } from './sync-common';
import { collectionObjectSpec, syncItemRoutes, syncObjectRoutes } from './sync-object-routes';
import { mapUrl, renderMap, renderMapItem } from './sync-render';
import type { SyncMap, SyncMapItem } from './sync-store';

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function syncMapRoutes(deps: SyncDeps): RouteDef[] {
  const { ctx, store } = deps;
  const { accountSid } = ctx.options;
  return [
    ...syncObjectRoutes(deps, collectionObjectSpec(deps, 'map', 'Maps', (map: SyncMap) => renderMap(accountSid, map))),
    ...syncItemRoutes<'map', SyncMapItem, string, string>(deps, {
      kind: 'map',
      segment: 'Maps',
      parentParam: 'MapSid',
      keyParam: 'Key',
      ifMatch: { code: 54205, what: 'Map Item' },
      parseKey: (raw) => (raw.length > 0 ? raw : undefined),
      keyOf: (item) => item.key,
      compare: compareKeys,
      items: (map) => store.mapItems(map),
      find: (map, key) => store.mapItem(map, key),
      parseNew: (req) => {
        const key = req.form.get('Key');
        if (key === null) throw invalidParameter('Missing required parameter Key in the post body');
        if (key.length < 1 || key.length > MAX_KEY_LENGTH) throw invalidMapKey();
        return key;
      },
      add: (map, key, data, ttl) => store.addMapItem(map, key, data, ttl),
      remove: (map, item) => store.deleteMapItem(map, item),
      url: mapUrl,
      render: (map, item) => renderMapItem(accountSid, map, item),
    }),
  ];
}
