// A deliberately bad import graph for test/unit/layering.test.ts (not compiled: tsconfig excludes it).
// import { never } from '../mcp-bridge/src/hosts/host'; (a comment: not an import)
import type { B } from './b';
export type A = B;
