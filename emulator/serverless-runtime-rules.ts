/**
 * What Twilio's Build create checks before it builds: the Node.js runtime, and the
 * @twilio/runtime-handler version among the dependencies. Twilio serves its own handler versions,
 * not npm's; the two lists overlap but differ, and a build naming one npm has but Twilio does not
 * serve is refused before anything is built.
 *
 * Sources (read 2026-12-07; where they disagree the emulator takes the stricter reading):
 * - Handler versions: https://www.twilio.com/docs/serverless/functions-assets/handler ("Runtime
 *   Handler", table "Versions"): 2.1.2 ("Added support for Node.js 24"), 2.0.1 ("the new default
 *   version"), 2.0.0, 1.3.1, 1.3.0, 1.2.5, 1.2.4, 1.2.3, 1.2.2, 1.2.1, … The copy read stops at 1.2.1;
 *   1.2.0 (twilio-labs/serverless-toolkit#313), 1.1.1 and 1.1.0 (Twilio changelog, 2021-06-22 and
 *   -30: "available on the Serverless API") and 1.0.1 (the end of the page's list) complete it.
 *   npm's 2.1.0, 2.0.3, 2.0.2, 1.1.3 and 1.0.2 are not on the page: refused. (#557 reports 2.0.3
 *   deploying in 2026-06, #538 reports it refused in 2025-02: refused.)
 * - The refusal, 400 / 20001, text as twilio-run prints it: twilio-labs/serverless-toolkit#538
 *   (2.0.3) and #564 (2.1.0, on node24): "Some dependencies could not be validated. No matching
 *   version found for @twilio/runtime-handler@2.1.0. You can find the valid versions at
 *   https://www.twilio.com/docs/serverless/functions-assets/handler", More info
 *   https://www.twilio.com/docs/errors/20001. #564 shows the list is checked before the node24
 *   upgrade below: 2.1.0 on node24 is refused, not upgraded.
 * - node24: https://www.twilio.com/en-us/changelog/node-js-v24-is-now-available-for-twilio-functions
 *   (2026-07-08): node24 needs 2.1.2; a service naming 1.2.0–2.1.2 is upgraded to 2.1.2 at deploy;
 *   below 1.2.0 "your build will fail with an error asking you to upgrade manually" (that text is
 *   not published; the emulator's is its own). 2.1.2 was never published to npm (#564), and Twilio
 *   gives it for node24 only: named on another runtime, it is refused like an unknown version.
 * - Runtimes: https://www.twilio.com/en-us/changelog/node-js-v18-support-ending-for-twilio-functions-and-assets
 *   (2025-05-29): from 2025-11-10 "Any new deployments … must use Node.js v22", node18 deploys fail.
 *   The upgrade guide ("Functions and Assets Node.js v22 Upgrade",
 *   https://twilio.com/docs/runtime/twilio-functions-nodejs-v10-upgrade) still says "Node.js v20 or
 *   v22"; on twilio-labs/serverless-toolkit#555 (2026-06-26) a maintainer answers "Yes, we…" to
 *   dropping node20 (the copy read is cut there): node20 is refused. An unsupported runtime is
 *   error 82007 "Unsupported Runtime" (https://www.twilio.com/docs/errors/82007). node22 stays the
 *   default (changelog 2026-07-08).
 */
import { badRequest, invalidParameter } from './errors';
import type { Dependency } from './serverless-store';

export const RUNTIME_HANDLER = '@twilio/runtime-handler';
export const HANDLER_VERSIONS_URL = 'https://www.twilio.com/docs/serverless/functions-assets/handler';

/** Every handler version Twilio serves, newest first. */
export const HANDLER_VERSIONS: readonly string[] = ['2.1.2', '2.0.1', '2.0.0', '1.3.1', '1.3.0', '1.2.5', '1.2.4', '1.2.3', '1.2.2', '1.2.1', '1.2.0', '1.1.1', '1.1.0', '1.0.1'];
/** Handler versions named only with this runtime (2.1.2 exists for node24 alone). */
const HANDLER_ONLY_ON: Readonly<Record<string, string>> = { '2.1.2': 'node24' };

/** Runtimes a Build may ask for today. Twilio's enum still lists node8…node20; it builds none of them. */
export const RUNTIMES: readonly string[] = ['node22', 'node24'];
export const DEFAULT_RUNTIME = 'node22';

/** node24's handler, and the oldest version it upgrades to it (older ones fail). */
const NODE24_HANDLER = '2.1.2';
const NODE24_UPGRADES_FROM = '1.2.0';

/** Twilio's code for a Build's runtime it does not (or no longer) build. */
const UNSUPPORTED_RUNTIME = 82007;

/** The Build's runtime: the one asked for, else the platform default; one Twilio no longer builds is 82007. */
export function buildRuntime(requested: string | null): string {
  const runtime = requested || DEFAULT_RUNTIME;
  if (!RUNTIMES.includes(runtime)) {
    throw badRequest(UNSUPPORTED_RUNTIME, `Unsupported Runtime: ${runtime} is not supported on the platform; use one of ${RUNTIMES.join(', ')}`);
  }
  return runtime;
}

/**
 * The dependencies the Build records: as asked, except the runtime handler, which must be a version
 * Twilio serves (20001 with Twilio's text) and, on node24, is 2.1.2 (1.2.0 and later upgraded to it,
 * older refused).
 */
export function buildDependencies(dependencies: readonly Dependency[], runtime: string): Dependency[] {
  return dependencies.map((dependency) => {
    if (dependency.name !== RUNTIME_HANDLER) return { ...dependency };
    const { version } = dependency;
    const onlyOn = HANDLER_ONLY_ON[version];
    if (!HANDLER_VERSIONS.includes(version) || (onlyOn !== undefined && onlyOn !== runtime)) {
      throw invalidParameter(
        `Some dependencies could not be validated. No matching version found for ${RUNTIME_HANDLER}@${version}. You can find the valid versions at ${HANDLER_VERSIONS_URL}`,
      );
    }
    if (runtime !== 'node24') return { ...dependency };
    if (compareVersions(version, NODE24_UPGRADES_FROM) < 0) {
      throw invalidParameter(
        `${RUNTIME_HANDLER}@${version} cannot run on node24, which needs ${NODE24_HANDLER}: upgrade ${RUNTIME_HANDLER} to ${NODE24_UPGRADES_FROM} or later (it is then upgraded to ${NODE24_HANDLER}). See ${HANDLER_VERSIONS_URL}`,
      );
    }
    return { name: RUNTIME_HANDLER, version: NODE24_HANDLER };
  });
}

/** Orders two plain `x.y.z` versions (the only form the list holds). */
function compareVersions(a: string, b: string): number {
  const [pa, pb] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) {
    const diff = (pa![i] ?? 0) - (pb![i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
