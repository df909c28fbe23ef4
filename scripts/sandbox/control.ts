/** A second terminal's line to the running sandbox: its emulator's /_emulator control routes. */

/** The answer, or what to tell the user when no sandbox answers on `port`. */
export async function control(port: number, path: string, init?: RequestInit): Promise<Response | string> {
  const url = `http://127.0.0.1:${port}${path}`;
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
  } catch {
    return `No sandbox is running on port ${port}. Start it with npm run sandbox in another terminal (or pass --port <n> if it runs on another port).`;
  }
}
