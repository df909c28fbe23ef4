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
    // The WhatsApp part: the window refusal naming the templates, a template, the answer, a reply in the window.
    /assistant → send_sms \{"to":"whatsapp:\+14155550123","body":"Your order #1042 is ready\."\}\n {10}← \[FINAL\] Not sent: whatsapp:\+14155550123 has not messaged you on WhatsApp, so no 24-hour window is open\. WhatsApp allows only an approved template now \(Twilio error 63016 otherwise\)\..*order_update \(HX[0-9a-f]{32}/,
    /assistant → send_sms \{"to":"whatsapp:\+14155550123","body":"","contentSid":"HX[0-9a-f]{32}","contentVariables":"\{\\"1\\":\\"#1042\\"\}"\}\n {10}← \[FINAL\] WhatsApp message sent to whatsapp:\+14155550123/,
    /handset whatsapp:\+14155550123 {2}writes whatsapp:\+15005550006: "Great, I will come at 5\."/,
    /← 1 new message \(WhatsApp\); from whatsapp:\+14155550123: "Great, I will come at 5\."/,
    /assistant → send_sms \{"to":"whatsapp:\+14155550123","body":"See you at 5!"\}\n {10}← \[FINAL\] WhatsApp message sent to whatsapp:\+14155550123/,
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
