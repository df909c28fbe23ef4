/**
 * The MCP Inspector CLI (the installed devDependency), as a user runs it: `--no` makes npx fail
 * rather than download, `--` keeps npm from reading `--cli`, and its own process group lets a
 * timeout end all of it.
 */
import { spawn } from 'node:child_process';
import { ROOT } from './paths';

export interface InspectorRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `target`: the server (a command and its args, or a URL and `--transport http`); then the method's args. */
export function runInspector(target: string[], methodArgs: string[]): Promise<InspectorRun> {
  const args = ['--no', '--', '@modelcontextprotocol/inspector', '--cli', ...target, ...methodArgs];
  return new Promise((resolve) => {
    const child = spawn('npx', args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 40_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
