/** Sync Lists and their items: /v1/Services/{ServiceSid}/Lists… (shared route logic in sync-object-routes.ts). */
import type { RouteDef } from './router';
import type { SyncDeps } from './sync-common';
import { collectionObjectSpec, syncItemRoutes, syncObjectRoutes } from './sync-object-routes';
import { listUrl, renderList, renderListItem } from './sync-render';
import type { SyncList, SyncListItem } from './sync-store';

function parseIndex(raw: string): number | undefined {
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

export function syncListRoutes(deps: SyncDeps): RouteDef[] {
  const { ctx, store } = deps;
  const { accountSid } = ctx.options;
  return [
    ...syncObjectRoutes(deps, collectionObjectSpec(deps, 'list', 'Lists', (list: SyncList) => renderList(accountSid, list))),
    ...syncItemRoutes<'list', SyncListItem, number, undefined>(deps, {
      kind: 'list',
      segment: 'Lists',
      parentParam: 'ListSid',
      keyParam: 'Index',
      ifMatch: { code: 54155, what: 'List Item' },
      parseKey: parseIndex,
      keyOf: (item) => item.index,
      compare: (a, b) => a - b,
      items: (list) => store.listItems(list),
      find: (list, index) => store.listItem(list, index),
      // A List item's index is the List's to give.
      parseNew: () => undefined,
      add: (list, _index, data, ttl) => store.appendListItem(list, data, ttl),
      remove: (list, item) => store.deleteListItem(list, item),
      url: listUrl,
      render: (list, item) => renderListItem(accountSid, list, item),
    }),
  ];
}
