/** Sync v1 JSON shapes, with canonical https://sync.twilio.com urls in `url` and `links`. */
import { iso8601 } from './dates';
import type { Stamped, SyncDocument, SyncList, SyncListItem, SyncMap, SyncMapItem, SyncObject, SyncService } from './sync-store';

export const SYNC_BASE_URL = 'https://sync.twilio.com/v1';

/** Sync answers with createdBy 'system' for REST-made objects. */
const CREATED_BY = 'system';

export function serviceUrl(serviceSid: string): string {
  return `${SYNC_BASE_URL}/Services/${serviceSid}`;
}

export function listUrl(list: SyncList): string {
  return `${serviceUrl(list.serviceSid)}/Lists/${list.sid}`;
}

export function mapUrl(map: SyncMap): string {
  return `${serviceUrl(map.serviceSid)}/Maps/${map.sid}`;
}

export function documentUrl(document: SyncDocument): string {
  return `${serviceUrl(document.serviceSid)}/Documents/${document.sid}`;
}

function stamps(stamped: Stamped) {
  return {
    revision: String(stamped.revision),
    date_expires: stamped.expires === null ? null : iso8601(stamped.expires),
    date_created: iso8601(stamped.created),
    date_updated: iso8601(stamped.updated),
    created_by: CREATED_BY,
  };
}

export function renderService(accountSid: string, service: SyncService): Record<string, unknown> {
  const url = serviceUrl(service.sid);
  return {
    sid: service.sid,
    unique_name: null,
    account_sid: accountSid,
    friendly_name: service.friendlyName,
    date_created: iso8601(service.created),
    date_updated: iso8601(service.updated),
    url,
    webhook_url: service.webhookUrl,
    webhooks_from_rest_enabled: service.webhooksFromRestEnabled,
    reachability_webhooks_enabled: service.reachabilityWebhooksEnabled,
    acl_enabled: service.aclEnabled,
    reachability_debouncing_enabled: false,
    reachability_debouncing_window: 5000,
    links: { documents: `${url}/Documents`, lists: `${url}/Lists`, maps: `${url}/Maps`, streams: `${url}/Streams` },
  };
}

/** The fields every Sync object (List, Map, Document) starts with, in Twilio's order. */
function objectFields(accountSid: string, object: SyncObject, url: string) {
  return { sid: object.sid, unique_name: object.uniqueName, account_sid: accountSid, service_sid: object.serviceSid, url };
}

/** A List or a Map: the same shape, with a link to its items. */
function renderCollection(accountSid: string, object: SyncList | SyncMap, url: string): Record<string, unknown> {
  return { ...objectFields(accountSid, object, url), links: { items: `${url}/Items`, permissions: `${url}/Permissions` }, ...stamps(object) };
}

export function renderList(accountSid: string, list: SyncList): Record<string, unknown> {
  return renderCollection(accountSid, list, listUrl(list));
}

export function renderMap(accountSid: string, map: SyncMap): Record<string, unknown> {
  return renderCollection(accountSid, map, mapUrl(map));
}

export function renderDocument(accountSid: string, document: SyncDocument): Record<string, unknown> {
  const url = documentUrl(document);
  return { ...objectFields(accountSid, document, url), links: { permissions: `${url}/Permissions` }, data: document.data, ...stamps(document) };
}

export function renderListItem(accountSid: string, list: SyncList, item: SyncListItem): Record<string, unknown> {
  return {
    index: item.index,
    account_sid: accountSid,
    service_sid: list.serviceSid,
    list_sid: list.sid,
    url: `${listUrl(list)}/Items/${item.index}`,
    data: item.data,
    ...stamps(item),
  };
}

export function renderMapItem(accountSid: string, map: SyncMap, item: SyncMapItem): Record<string, unknown> {
  return {
    key: item.key,
    account_sid: accountSid,
    service_sid: map.serviceSid,
    map_sid: map.sid,
    url: `${mapUrl(map)}/Items/${encodeURIComponent(item.key)}`,
    data: item.data,
    ...stamps(item),
  };
}
