/**
 * Sync state: services holding Lists, Maps and Documents. Expiry (TTL) is checked lazily on
 * access, as documented behaviour only promises that an expired object is gone, not when.
 * List indexes only grow; a deleted index is never reused.
 */
import { TwilioApiError } from './errors';
import type { SyncRateLimiter } from './rate-limit';
import type { EmulatorContext } from './state';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface Stamped {
  /** Incremented on every change; rendered as a string. */
  revision: number;
  created: number;
  updated: number;
  /** null: never expires. */
  expires: number | null;
}

export interface SyncListItem extends Stamped {
  index: number;
  data: JsonObject;
}

export interface SyncMapItem extends Stamped {
  key: string;
  data: JsonObject;
}

interface SyncObjectBase extends Stamped {
  sid: string;
  uniqueName: string | null;
  serviceSid: string;
  /** Creation order: object lists page by it. */
  seq: number;
}

export interface SyncList extends SyncObjectBase {
  kind: 'list';
  /** Sorted by index (appends only grow it). */
  items: SyncListItem[];
  nextIndex: number;
}

export interface SyncMap extends SyncObjectBase {
  kind: 'map';
  items: Map<string, SyncMapItem>;
}

export interface SyncDocument extends SyncObjectBase {
  kind: 'document';
  data: JsonObject;
}

export interface SyncObjectKinds {
  list: SyncList;
  map: SyncMap;
  document: SyncDocument;
}
export type SyncObjectKind = keyof SyncObjectKinds;
export type SyncObject = SyncObjectKinds[SyncObjectKind];

export const SID_PREFIX: Readonly<Record<SyncObjectKind, string>> = { list: 'ES', map: 'MP', document: 'ET' };

export interface SyncService {
  sid: string;
  seq: number;
  friendlyName: string | null;
  webhookUrl: string | null;
  aclEnabled: boolean;
  reachabilityWebhooksEnabled: boolean;
  webhooksFromRestEnabled: boolean;
  created: number;
  updated: number;
  objects: { [K in SyncObjectKind]: Map<string, SyncObjectKinds[K]> };
  /** uniqueName → sid, one namespace per object kind. */
  names: Record<SyncObjectKind, Map<string, string>>;
}

function isExpired(stamped: Stamped, now: number): boolean {
  return stamped.expires !== null && stamped.expires <= now;
}

export class SyncStore {
  private readonly services = new Map<string, SyncService>();
  private serviceSeq = 0;
  private objectSeq = 0;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly limiter: SyncRateLimiter,
  ) {}

  now(): number {
    return this.ctx.clock.now();
  }

  /** ttl seconds → expiry time; 0 means never. */
  expiryFor(ttlSeconds: number): number | null {
    return ttlSeconds === 0 ? null : this.now() + ttlSeconds * 1000;
  }

  createService(friendlyName: string | null, sid = this.ctx.newSid('IS')): SyncService {
    const now = this.now();
    const service: SyncService = {
      sid,
      seq: this.serviceSeq++,
      friendlyName,
      webhookUrl: null,
      aclEnabled: false,
      reachabilityWebhooksEnabled: false,
      webhooksFromRestEnabled: false,
      created: now,
      updated: now,
      objects: { list: new Map(), map: new Map(), document: new Map() },
      names: { list: new Map(), map: new Map(), document: new Map() },
    };
    this.services.set(sid, service);
    return service;
  }

  service(sid: string): SyncService | undefined {
    return this.services.get(sid);
  }

  allServices(): SyncService[] {
    return [...this.services.values()];
  }

  deleteService(service: SyncService): void {
    for (const kind of ['list', 'map', 'document'] as const) {
      for (const sid of service.objects[kind].keys()) this.limiter.forget(sid);
    }
    this.services.delete(service.sid);
  }

  createObject<K extends SyncObjectKind>(
    service: SyncService,
    kind: K,
    uniqueName: string | null,
    ttlSeconds: number,
    data: JsonObject = {},
  ): SyncObjectKinds[K] {
    if (uniqueName !== null && this.find(service, kind, uniqueName)) {
      throw new TwilioApiError(409, 54301, `Unique name already exists: ${uniqueName}`);
    }
    const now = this.now();
    const base = {
      sid: this.ctx.newSid(SID_PREFIX[kind]),
      uniqueName,
      serviceSid: service.sid,
      seq: this.objectSeq++,
      revision: 0,
      created: now,
      updated: now,
      expires: this.expiryFor(ttlSeconds),
    };
    const made: SyncObject =
      kind === 'list'
        ? { ...base, kind: 'list', items: [], nextIndex: 0 }
        : kind === 'map'
          ? { ...base, kind: 'map', items: new Map() }
          : { ...base, kind: 'document', data };
    const object = made as SyncObjectKinds[K];
    service.objects[kind].set(object.sid, object);
    if (uniqueName !== null) service.names[kind].set(uniqueName, object.sid);
    return object;
  }

  /** By SID or unique name; an expired object is removed and not found. */
  find<K extends SyncObjectKind>(service: SyncService, kind: K, sidOrName: string): SyncObjectKinds[K] | undefined {
    const objects = service.objects[kind];
    const sid = objects.has(sidOrName) ? sidOrName : service.names[kind].get(sidOrName);
    const object = sid === undefined ? undefined : objects.get(sid);
    if (object && isExpired(object, this.now())) {
      this.deleteObject(service, object);
      return undefined;
    }
    return object;
  }

  /** Live objects of a kind in creation order. */
  objectsOf<K extends SyncObjectKind>(service: SyncService, kind: K): SyncObjectKinds[K][] {
    const now = this.now();
    const live: SyncObjectKinds[K][] = [];
    for (const object of [...service.objects[kind].values()]) {
      if (isExpired(object, now)) this.deleteObject(service, object);
      else live.push(object);
    }
    return live;
  }

  deleteObject(service: SyncService, object: SyncObject): void {
    service.objects[object.kind].delete(object.sid);
    if (object.uniqueName !== null) service.names[object.kind].delete(object.uniqueName);
    this.limiter.forget(object.sid);
  }

  /** Marks a change: new revision and update time. */
  touch(stamped: Stamped): void {
    stamped.revision += 1;
    stamped.updated = this.now();
  }

  appendListItem(list: SyncList, data: JsonObject, ttlSeconds: number): SyncListItem {
    const now = this.now();
    const item: SyncListItem = {
      index: list.nextIndex++,
      data,
      revision: 0,
      created: now,
      updated: now,
      expires: this.expiryFor(ttlSeconds),
    };
    list.items.push(item);
    this.touch(list);
    return item;
  }

  private listPosition(list: SyncList, index: number): number {
    let lo = 0;
    let hi = list.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list.items[mid]!.index < index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  listItem(list: SyncList, index: number): SyncListItem | undefined {
    const position = this.listPosition(list, index);
    const item = list.items[position];
    if (!item || item.index !== index) return undefined;
    if (isExpired(item, this.now())) {
      list.items.splice(position, 1);
      return undefined;
    }
    return item;
  }

  /** Live items in index order (expired ones are purged). */
  listItems(list: SyncList): SyncListItem[] {
    const now = this.now();
    if (list.items.some((item) => isExpired(item, now))) {
      list.items = list.items.filter((item) => !isExpired(item, now));
    }
    return list.items;
  }

  deleteListItem(list: SyncList, item: SyncListItem): void {
    const position = this.listPosition(list, item.index);
    if (list.items[position] === item) list.items.splice(position, 1);
    this.touch(list);
  }

  addMapItem(map: SyncMap, key: string, data: JsonObject, ttlSeconds: number): SyncMapItem {
    if (this.mapItem(map, key)) throw new TwilioApiError(409, 54208, `Map Item with key ${key} already exists`);
    const now = this.now();
    const item: SyncMapItem = { key, data, revision: 0, created: now, updated: now, expires: this.expiryFor(ttlSeconds) };
    map.items.set(key, item);
    this.touch(map);
    return item;
  }

  mapItem(map: SyncMap, key: string): SyncMapItem | undefined {
    const item = map.items.get(key);
    if (item && isExpired(item, this.now())) {
      map.items.delete(key);
      return undefined;
    }
    return item;
  }

  /** Live items in key order (string order, as Sync sorts keys). */
  mapItems(map: SyncMap): SyncMapItem[] {
    const now = this.now();
    const live: SyncMapItem[] = [];
    for (const item of [...map.items.values()]) {
      if (isExpired(item, now)) map.items.delete(item.key);
      else live.push(item);
    }
    return live.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  deleteMapItem(map: SyncMap, item: SyncMapItem): void {
    map.items.delete(item.key);
    this.touch(map);
  }
}
