/**
 * The log the core writes to, whatever carries it (a process: stderr, hosts/stderr-logger.ts;
 * stdout is the protocol). `phone` and `body` mask what LOG_PII does not allow to be logged.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  phone(value: string): string;
  body(value: string): string;
}
