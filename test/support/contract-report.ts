/**
 * Sorts the exchanges the contract router recorded into what the contract test fails on
 * (requests Twilio's description does not allow, routes it does not have) and what it reports
 * (the emulator's answers that the description does not allow), grouped by kind.
 */
import { type Description, isObject } from './contract-description';
import { errorShapeProblem, unseenByPrism } from './contract-unseen';
import { type DescribedLane, type Exchange, isDescribed, type PrismViolation } from './contract-router';

/** Prism's input warning when no path + method of the description matches the request. */
export const ROUTE_NOT_FOUND = 'Selected route not found';
/** Prism's output violation when the answer's status code is not among the operation's responses. */
export const UNDESCRIBED_STATUS = 'Unable to match the returned status code';

export interface Kind {
  /** e.g. "body.messages[].uri: must match format \"uri\"". */
  kind: string;
  count: number;
  /** "METHOD /lane/template" (see ContractSummary.operations), with how often each produced this kind. */
  operations: Record<string, number>;
}

export interface ContractSummary {
  exchanges: number;
  byLane: Record<string, number>;
  /**
   * "METHOD /lane/template" → requests, for the operations that went through Prism: the
   * description's template below the router's product label, as the product calls it
   * ("GET /sync/v1/Services/{Sid}", "GET /messaging/v1/Services/{ServiceSid}/PhoneNumbers"),
   * since Sync's and Messaging's v1 templates alone can be the same.
   */
  operations: Record<string, number>;
  /** Requests through Prism that match no route of the description. */
  unmatchedRoutes: string[];
  /** Requests that went to no Prism: products the descriptions here do not cover. */
  outsideDescriptions: string[];
  /** Media content fetches: a documented Twilio route the description leaves out. */
  mediaContent: number;
  requestViolations: Kind[];
  responseViolations: Kind[];
  /** What Prism passes unchecked: omitted properties, Twilio's own formats, example links (contract-unseen.ts). */
  unseenByPrism: Kind[];
  /** Exchanges whose violation header Prism cut off at 8 KiB (their counts are a floor). */
  truncated: number;
  /** Error answers by "status code" (e.g. "404 20404"): the descriptions list none of them. */
  errorAnswers: Record<string, number>;
  /** Error answers not in Twilio's error shape {code, message, more_info, status}. */
  malformedErrors: string[];
}

/** Array indices folded away, so one wrong field in 40 list items is one kind. */
export function kindOf(violation: PrismViolation, status: number): string {
  // Prism names the codes the description lists; the one answered is what tells kinds apart.
  if (violation.message.startsWith(UNDESCRIBED_STATUS)) return `status ${status} answered: ${violation.message}`;
  const where = violation.location
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? '[]' : `.${part}`))
    .join('')
    .replace(/^\./, '');
  return where ? `${where}: ${violation.message}` : violation.message;
}

function group(items: { kind: string; operation: string }[]): Kind[] {
  const kinds = new Map<string, Kind>();
  for (const { kind, operation } of items) {
    const entry = kinds.get(kind) ?? { kind, count: 0, operations: {} };
    entry.count++;
    entry.operations[operation] = (entry.operations[operation] ?? 0) + 1;
    kinds.set(kind, entry);
  }
  return [...kinds.values()].sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
}

/** The unseenByPrism kinds of one answer, each once however many list items have it. */
function unseenIn(description: Description, template: string, exchange: Exchange): Set<string> {
  const found = new Set<string>();
  const schema = description.responseSchema(exchange.method, template, exchange.status);
  if (schema && exchange.body !== undefined) {
    unseenByPrism(description, schema, exchange.body, 'body', description.exampleMaps(exchange.method, template, exchange.status), found);
  }
  return found;
}

export function summarize(exchanges: readonly Exchange[], descriptions: Record<DescribedLane, Description>): ContractSummary {
  const byLane: Record<string, number> = {};
  const operations: Record<string, number> = {};
  const unmatched: string[] = [];
  const requests: { kind: string; operation: string }[] = [];
  const responses: { kind: string; operation: string }[] = [];
  const unseen: { kind: string; operation: string }[] = [];
  const errorAnswers: Record<string, number> = {};
  const malformedErrors: string[] = [];
  for (const exchange of exchanges) {
    if (exchange.status >= 400 && exchange.lane !== 'media-content') {
      const code = isObject(exchange.body) ? String(exchange.body.code) : '?';
      errorAnswers[`${exchange.status} ${code}`] = (errorAnswers[`${exchange.status} ${code}`] ?? 0) + 1;
      const problem = errorShapeProblem(exchange.status, exchange.body);
      if (problem) malformedErrors.push(`${exchange.method} ${exchange.url}: ${problem}`);
    }
    byLane[exchange.lane] = (byLane[exchange.lane] ?? 0) + 1;
    const lane = exchange.lane;
    if (!isDescribed(lane)) continue;
    const path = exchange.url.split('?')[0]!.slice(lane.length + 1);
    const template = descriptions[lane].match(path);
    const operation = `${exchange.method} /${lane}${template ?? path}`;
    if (template) for (const kind of unseenIn(descriptions[lane], template, exchange)) unseen.push({ kind, operation });
    operations[operation] = (operations[operation] ?? 0) + 1;
    for (const violation of exchange.violations) {
      const side = violation.location[0];
      if (side === 'request' && violation.message === ROUTE_NOT_FOUND) unmatched.push(`${exchange.method} ${exchange.url}`);
      else (side === 'request' ? requests : responses).push({ kind: kindOf(violation, exchange.status), operation });
    }
  }
  return {
    exchanges: exchanges.length,
    byLane,
    operations: Object.fromEntries(Object.entries(operations).sort(([a], [b]) => a.localeCompare(b))),
    unmatchedRoutes: unmatched,
    outsideDescriptions: exchanges.filter((e) => e.lane === 'outside').map((e) => `${e.method} ${e.url}`),
    mediaContent: byLane['media-content'] ?? 0,
    requestViolations: group(requests),
    responseViolations: group(responses),
    unseenByPrism: group(unseen),
    truncated: exchanges.filter((e) => e.truncated).length,
    errorAnswers,
    malformedErrors,
  };
}

/** The console / summary-file text: counts first, then each kind with the operations behind it. */
export function formatSummary(title: string, summary: ContractSummary): string {
  const total = (kinds: Kind[]) => kinds.reduce((sum, k) => sum + k.count, 0);
  const lines = [
    `${title}: ${summary.exchanges} Twilio requests (${Object.entries(summary.byLane).map(([lane, n]) => `${lane} ${n}`).join(', ')})`,
    `  operations used: ${Object.keys(summary.operations).length}`,
    ...Object.entries(summary.operations).map(([op, n]) => `    ${String(n).padStart(4)} × ${op}`),
    `  routes not in the description: ${summary.unmatchedRoutes.length + summary.outsideDescriptions.length}`,
    ...[...summary.unmatchedRoutes, ...summary.outsideDescriptions].map((r) => `    ${r}`),
    `  media content fetches (documented, not in the description): ${summary.mediaContent}`,
    `  request violations: ${total(summary.requestViolations)}`,
    ...summary.requestViolations.flatMap(describe),
    `  response violations: ${total(summary.responseViolations)} in ${summary.responseViolations.length} kinds${summary.truncated ? ` (at least: ${summary.truncated} headers cut off)` : ''}`,
    ...summary.responseViolations.flatMap(describe),
    `  answers Prism passes unchecked (omitted properties, Twilio's own formats, example links): ${total(summary.unseenByPrism)} in ${summary.unseenByPrism.length} kinds`,
    ...summary.unseenByPrism.flatMap(describe),
    `  error answers (Twilio's error shape checked here, no description has it): ${Object.entries(summary.errorAnswers).map(([key, n]) => `${n} × ${key}`).join(', ') || 'none'}`,
    ...summary.malformedErrors.map((m) => `    not Twilio's error shape: ${m}`),
  ];
  return lines.join('\n');
}

function describe(kind: Kind): string[] {
  return [`    ${kind.count} × ${kind.kind}`, ...Object.entries(kind.operations).map(([op, n]) => `        ${n} × ${op}`)];
}
