/**
 * What every script shares: where it writes (an Io, so tests capture it), and how its bundle's
 * entry runs it.
 */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const stdio: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export type ScriptMain = (argv: readonly string[], env: NodeJS.ProcessEnv, io: Io) => Promise<number>;

/**
 * Runs `main` with this process's arguments and environment and exits with its code at once:
 * twilio-node's keep-alive sockets would otherwise hold the process open. `what` names the
 * script in the one line an unexpected error gets ("Setup failed: …").
 */
export function runMain(what: string, main: ScriptMain): void {
  void main(process.argv.slice(2), process.env, stdio).then(
    (code) => process.exit(code),
    (error: unknown) => {
      stdio.err(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
