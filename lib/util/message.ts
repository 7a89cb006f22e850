import { escapeLines } from './escape';

/** `nodeinstrument: <message>`, once (some errors carry the prefix already). */
export function withPrefix(message: string): string {
  return message.startsWith('nodeinstrument: ') ? message : `nodeinstrument: ${message}`;
}

/**
 * Prints a message of the CLI on stderr, prefixed. Messages quote what users
 * and files gave (paths, option values, a session's fields, JSON.parse's
 * excerpt of a file), so control characters are escaped here, where every
 * message passes, rather than trusted to each place that builds one.
 */
export function printMessage(message: string): void {
  process.stderr.write(`${escapeLines(withPrefix(message))}\n`);
}
