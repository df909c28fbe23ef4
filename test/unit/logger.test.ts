import { createLogger, type Logger } from '../../mcp-bridge/src/hosts/stderr-logger';

const LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z \[twilio-sms-mcp\] (info|warn|error) (.*)$/s;

function capture(logPii: boolean): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ logPii, write: (line) => lines.push(line) }), lines };
}

describe('createLogger', () => {
  test.each<['info' | 'warn' | 'error', string]>([
    ['info', 'started'],
    ['warn', 'rate limit reached'],
    ['error', 'Twilio error 20003'],
  ])('%s writes one timestamped line to the writer', (level, message) => {
    const { log, lines } = capture(false);
    log[level](message);
    expect(lines).toHaveLength(1);
    const match = LINE.exec(lines[0]!);
    expect(match?.[1]).toBe(level);
    expect(match?.[2]).toBe(message);
  });

  test('lines keep their order and do not reach stdout or stderr', () => {
    const stdout = jest.spyOn(process.stdout, 'write');
    const stderr = jest.spyOn(process.stderr, 'write');
    try {
      const { log, lines } = capture(false);
      log.info('one');
      log.warn('two');
      log.error('three');
      expect(lines.map((line) => LINE.exec(line)?.[2])).toEqual(['one', 'two', 'three']);
      expect(stdout).not.toHaveBeenCalled();
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });

  test('without a writer, lines go to stderr (never stdout, which carries MCP)', () => {
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      createLogger({ logPii: false }).info('to stderr');
      expect(stdout).not.toHaveBeenCalled();
      expect(stderr).toHaveBeenCalledTimes(1);
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(/\[twilio-sms-mcp\] info to stderr\n$/);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });

  test.each<[boolean, string, string]>([
    [false, '+14155550100', '+1••••••••00'],
    [true, '+14155550100', '+14155550100'],
  ])('logPii %s: phone(%j) → %j', (logPii, value, expected) => {
    expect(capture(logPii).log.phone(value)).toBe(expected);
  });

  test.each<[boolean, string, string]>([
    [false, 'my PIN is 1234', '[14 chars]'],
    [true, 'my PIN is 1234', '"my PIN is 1234"'],
  ])('logPii %s: body(%j) → %j', (logPii, value, expected) => {
    expect(capture(logPii).log.body(value)).toBe(expected);
  });

  test('a masked line carries neither the number nor the text', () => {
    const { log, lines } = capture(false);
    log.info(`sending to ${log.phone('+447911123456')}: ${log.body('my PIN is 1234')}`);
    expect(lines[0]).not.toContain('7911123456');
    expect(lines[0]).not.toContain('1234');
    expect(lines[0]).toContain('[14 chars]');
  });
});
