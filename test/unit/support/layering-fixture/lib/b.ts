export type { Core as B } from '../mcp-bridge/src/server/core';
export const a = () => require('./a') as typeof import('./a');
