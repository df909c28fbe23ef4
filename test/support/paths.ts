/** The project and the built bridge the tests run, by absolute path (scripts/system/paths.ts finds them). */
import { bridgePath, projectRoot } from '../../scripts/system/paths';

export const ROOT = projectRoot();
export const BRIDGE_BIN = bridgePath(ROOT);
