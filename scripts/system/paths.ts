/** Where the project and its built artefacts are, from source (ts-jest, tsc) and from a bundle in build/. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PACKAGE_NAME = 'twilio-sms-mcp';

/**
 * The project folder, found from this file: scripts/system/ under ts-jest, build/scripts/ or
 * build/bench/ when bundled. Printed paths are absolute because Claude Desktop may start the
 * bridge in `/`.
 */
export function projectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (name === PACKAGE_NAME) return dir;
    }
    if (dirname(dir) === dir) throw new Error(`Cannot find the ${PACKAGE_NAME} folder above ${from}.`);
  }
}

/** The built bridge (package.json `bin`). */
export function bridgePath(root: string = projectRoot()): string {
  return join(root, 'mcp-bridge', 'dist', 'index.js');
}

/** twilio-run's own entry, run by path so no shell or npx sits between us and the Functions. */
export function twilioRunPath(root: string = projectRoot()): string {
  return join(root, 'node_modules', 'twilio-run', 'bin', 'twilio-run.js');
}
