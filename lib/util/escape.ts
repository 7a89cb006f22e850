/**
 * Text from outside (a session file, a function name, a query parameter, a
 * command-line argument) on its way to a terminal or an HTTP error body.
 */

/**
 * Makes control characters visible (`\x1b`, `\x07`, `\u202e`) so that names
 * and paths from the profiled program cannot move the cursor, recolour the
 * terminal or reorder the text around them.
 */
export function escapeControl(text: string): string {
  // C0, DEL, C1; line and paragraph separators; bidirectional overrides and isolates.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * escapeControl for a message of several lines: the newlines between them
 * stay. For messages that may carry outside text anywhere, escaped once
 * where they are printed (escaping twice changes nothing: `\x1b` is plain text).
 */
export function escapeLines(text: string): string {
  return text.split('\n').map(escapeControl).join('\n');
}
