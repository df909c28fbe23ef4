/** Sync Documents: /v1/Services/{ServiceSid}/Documents… (shared route logic in sync-object-routes.ts). */
import type { RouteDef } from './router';
import { parseData, parseTtl, parseUniqueName, type SyncDeps } from './sync-common';
import { applyUpdate, syncObjectRoutes } from './sync-object-routes';
import { renderDocument } from './sync-render';

export function syncDocumentRoutes(deps: SyncDeps): RouteDef[] {
  const { ctx, store } = deps;
  return syncObjectRoutes(deps, {
    kind: 'document',
    segment: 'Documents',
    render: (document) => renderDocument(ctx.options.accountSid, document),
    create: (req, service) => {
      const uniqueName = parseUniqueName(req.form);
      const data = parseData(req.form, false) ?? {};
      const ttl = parseTtl(req.form, 'Ttl') ?? 0;
      return store.createObject(service, 'document', uniqueName, ttl, data);
    },
    update: (req, document) => applyUpdate(deps, req, document, { code: 54103, what: 'Document', ttlNames: ['Ttl'] }),
  });
}
