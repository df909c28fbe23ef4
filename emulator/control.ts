/**
 * Control routes under /_emulator (JSON, no auth, loopback only) so that a process other than
 * the test runner (the sandbox, a shell, the bridge's end-to-end tests) can drive the emulator.
 */
import type { RequestRecorder } from './recorder';
import type {
  DeliveryOutcome,
  Emulator,
  FaultKind,
  FaultSpec,
  InboundMedia,
  InboundSpec,
  Product,
} from './types';

export interface ControlResponse {
  status: number;
  body?: unknown;
}

type JsonRecord = Record<string, unknown>;

class ControlError extends Error {}

function asRecord(value: unknown): JsonRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ControlError('expected a JSON object');
  return value as JsonRecord;
}

function str(obj: JsonRecord, name: string): string;
function str(obj: JsonRecord, name: string, optional: true): string | undefined;
function str(obj: JsonRecord, name: string, optional = false): string | undefined {
  const value = obj[name];
  if (value === undefined || value === null) {
    if (optional) return undefined;
    throw new ControlError(`${name} is required`);
  }
  if (typeof value !== 'string') throw new ControlError(`${name} must be a string`);
  return value;
}

function num(obj: JsonRecord, name: string): number | undefined {
  const value = obj[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ControlError(`${name} must be a number`);
  return value;
}

function parseInbound(body: JsonRecord): InboundSpec {
  const spec: InboundSpec = { from: str(body, 'from'), to: str(body, 'to'), body: str(body, 'body', true) ?? '' };
  if (body.media !== undefined) {
    if (!Array.isArray(body.media)) throw new ControlError('media must be an array');
    spec.media = body.media.map((m): InboundMedia => {
      const item = asRecord(m);
      return { url: str(item, 'url'), contentType: str(item, 'contentType') };
    });
  }
  const retries = num(body, 'retries');
  const retryDelayMs = num(body, 'retryDelayMs');
  const messageSid = str(body, 'messageSid', true);
  if (retries !== undefined) spec.retries = retries;
  if (retryDelayMs !== undefined) spec.retryDelayMs = retryDelayMs;
  if (messageSid !== undefined) spec.messageSid = messageSid;
  return spec;
}

const FAULT_KINDS: readonly FaultKind[] = [429, 500, 503, 'timeout', 'reset'];

/** JSON cannot carry a RegExp: `route` matches exactly, `routePattern` is a RegExp source. */
function parseFault(body: JsonRecord): FaultSpec {
  const kind = FAULT_KINDS.find((k) => k === body.kind);
  if (kind === undefined) throw new ControlError(`kind must be one of ${FAULT_KINDS.join(', ')}`);
  const spec: FaultSpec = { kind };
  const method = str(body, 'method', true);
  const product = str(body, 'product', true);
  const route = str(body, 'route', true);
  const routePattern = str(body, 'routePattern', true);
  if (method !== undefined) spec.method = method;
  if (product !== undefined) {
    if (product !== 'api' && product !== 'sync') throw new ControlError("product must be 'api' or 'sync'");
    spec.product = product satisfies Product;
  }
  if (route !== undefined) spec.route = route;
  if (routePattern !== undefined) spec.route = new RegExp(routePattern);
  const times = num(body, 'times');
  const probability = num(body, 'probability');
  const delayMs = num(body, 'delayMs');
  if (times !== undefined) spec.times = times;
  if (probability !== undefined) spec.probability = probability;
  if (delayMs !== undefined) spec.delayMs = delayMs;
  if (body.afterHandling !== undefined) spec.afterHandling = body.afterHandling === true;
  return spec;
}

function parseOutcome(body: JsonRecord): { to: string; outcome: DeliveryOutcome } {
  const to = str(body, 'to');
  const status = str(body, 'status');
  if (status === 'delivered' || status === 'sent') return { to, outcome: { status } };
  if (status === 'undelivered' || status === 'failed') {
    const errorCode = num(body, 'errorCode');
    if (errorCode === undefined) throw new ControlError(`errorCode is required for ${status}`);
    return { to, outcome: { status, errorCode } };
  }
  throw new ControlError('status must be delivered, sent, undelivered or failed');
}

export type ControlHandler = (method: string, path: string, query: URLSearchParams, rawBody: string) => Promise<ControlResponse>;

export function createControlHandler(emulator: Emulator, recorder: RequestRecorder): ControlHandler {
  const json = (rawBody: string): JsonRecord => {
    try {
      return asRecord(rawBody ? JSON.parse(rawBody) : {});
    } catch (error) {
      if (error instanceof ControlError) throw error;
      throw new ControlError('body must be JSON');
    }
  };

  return async (method, path, query, rawBody) => {
    try {
      switch (`${method} ${path}`) {
        case 'GET /_emulator/health':
          return { status: 200, body: { status: 'ok', url: emulator.url, accountSid: emulator.accountSid } };
        case 'POST /_emulator/inbound':
          try {
            return { status: 200, body: await emulator.simulateInbound(parseInbound(json(rawBody))) };
          } catch (error) {
            if (error instanceof ControlError) throw error;
            return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
          }
        case 'GET /_emulator/messages': {
          const direction = query.get('direction');
          const messages = emulator.messages().filter((m) => direction === null || m.direction === direction);
          return { status: 200, body: messages };
        }
        case 'GET /_emulator/requests':
          return { status: 200, body: recorder.summary() };
        case 'DELETE /_emulator/requests':
          emulator.resetCounts();
          return { status: 204 };
        case 'POST /_emulator/faults':
          emulator.injectFault(parseFault(json(rawBody)));
          return { status: 201, body: { ok: true } };
        case 'DELETE /_emulator/faults':
          emulator.clearFaults();
          return { status: 204 };
        case 'POST /_emulator/delivery-outcome': {
          const { to, outcome } = parseOutcome(json(rawBody));
          emulator.setDeliveryOutcome(to, outcome);
          return { status: 204 };
        }
        case 'POST /_emulator/sync-services': {
          const friendlyName = str(json(rawBody), 'friendlyName', true);
          return { status: 201, body: { sid: emulator.createSyncService(friendlyName) } };
        }
        default:
          return { status: 404, body: { error: `no control route ${method} ${path}` } };
      }
    } catch (error) {
      // Bad control input is the caller's mistake: say what is wrong, as a 400.
      const message = error instanceof Error ? error.message : String(error);
      return { status: 400, body: { error: message } };
    }
  };
}
