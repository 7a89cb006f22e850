/**
 * Reading one option off a command line: `-o x`, `--outfile x`, `--outfile=x`
 * or a bare flag. Shared by the main CLI (cli-args.ts) and `nodeinstrument
 * diff` (diff-cli.ts), so both take values the same way and word their errors
 * alike. Pure: no I/O, throws UsageError.
 */

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Is this argument an option? '-' alone (stdin, by convention) is not; '--' is, and callers handle it first. */
export function isOption(arg: string): boolean {
  return arg.startsWith('-') && arg !== '-';
}

export interface OptionArg {
  /** The option as written, without any `=value`: '-o', '--outfile'. */
  readonly name: string;
  /** Its value: the text after `=`, else the next argument, which it then uses up. */
  value(): string;
  /** Checks that it was written without `=value`; returns true, for `options.x = option.flag()`. */
  flag(): true;
  /** Index of the last argument it used: its own, or its value's once value() took the next one. */
  readonly last: number;
}

/** The option at argv[index]. Only long options take `=value`: `-o=x` is the option named '-o=x'. */
export function readOption(argv: readonly string[], index: number): OptionArg {
  const arg = argv[index]!;
  const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
  const name = eq === -1 ? arg : arg.slice(0, eq);
  const inline = eq === -1 ? undefined : arg.slice(eq + 1);
  let last = index;
  return {
    name,
    get last() {
      return last;
    },
    value() {
      if (inline !== undefined) return inline;
      const next = argv[index + 1];
      if (next === undefined) throw new UsageError(`${name} needs a value`);
      last = index + 1;
      return next;
    },
    flag() {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      return true;
    },
  };
}

/** A regular expression given on the command line (--hide, --show). */
export function parseRegex(text: string, flag: string): RegExp {
  try {
    return new RegExp(text);
  } catch (error) {
    throw new UsageError(`invalid regular expression for ${flag}: ${(error as Error).message}`);
  }
}

/** The value of -o/--outfile: an empty one would otherwise fall back, unnoticed, to stdout. */
export function outfileOf(flag: string, path: string): string {
  if (path === '') throw new UsageError(`${flag} needs a file name (leave it out to write to stdout)`);
  return path;
}
