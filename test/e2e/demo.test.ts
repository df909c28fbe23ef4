/**
 * `npm run demo` as a user runs it: the built script, offline, exit 0, and a transcript that shows
 * each step of the conversation through the real processes.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../support/paths';

function demo(args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(ROOT, 'build', 'scripts', 'demo.js'), ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, timeout: 50_000 }, (_error, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr, ms: Date.now() - started }),
    );
  });
}

test('the scripted conversation runs end to end through a real MCP client and exits 0', async () => {
  const result = await demo();
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const out = result.stdout;
  const steps = [
    /Provisioned {6}Sync service: unchanged \(IS[0-9a-f]{32}, given as TWILIO_SYNC_SERVICE_SID\)/,
    /\+15005550006 incoming SMS webhook: updated to POST http:\/\/localhost:\d+\/sms\/incoming \(was: not set\)/,
    /Assistant connected to the bridge over stdio; tools: .*send_sms.*receive_sms/,
    /handset \+14155550100 {2}texts \+15005550006: "Hi! Is my order #1042 ready for pickup\?"/,
    /Twilio → POST http:\/\/localhost:\d+\/sms\/incoming → 200/,
    /assistant → list_conversations \{\}\n {10}← 1 conversation: conv_[0-9a-f]{16} with \+14155550100, 1 unread/,
    /assistant → receive_sms \{\}\n {10}← 1 new message; from \+14155550100: "Hi! Is my order #1042 ready for pickup\?"/,
    /assistant → send_sms \{"to":"\+14155550100","body":"Yes, order #1042 is ready\. We are open until 6pm today\."\}\n {10}← \[FINAL\] SMS sent to \+14155550100 \(SID SM[0-9a-f]{32}\)/,
    /assistant → get_conversation \{"conversationId":"conv_[0-9a-f]{16}"\}/,
    /← assistant said "Yes, order #1042 is ready\. We are open until 6pm today\." \[delivered\]/,
    /Demo finished in \d+\.\d s: the reply was delivered, and its status reached the thread through \/sms\/status\./,
  ];
  let from = 0;
  for (const step of steps) {
    // In this order: each step is looked for after the previous one.
    const match = step.exec(out.slice(from));
    if (!match) throw new Error(`transcript lacks ${step} after offset ${from}:\n${out}`);
    from += match.index + match[0].length;
  }
  expect(result.ms).toBeLessThan(20_000);
}, 60_000);

test('a stray argument is a clear message and exit 1', async () => {
  const result = await demo(['--fast']);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("Unknown option '--fast'. npm run demo takes no arguments (see --help).");
});
