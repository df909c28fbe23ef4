import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const BRIDGE_BIN = join(ROOT, 'mcp-bridge', 'dist', 'index.js');
export const TWILIO_RUN_BIN = join(ROOT, 'node_modules', 'twilio-run', 'bin', 'twilio-run.js');
export const EMULATOR_BIN = join(ROOT, 'build', 'emulator', 'cli.js');
