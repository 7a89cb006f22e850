/**
 * `nodeinstrument diff BEFORE AFTER [options]`: loads two saved profiles,
 * compares them (lib/diff/diff.ts) and writes the comparison as text, HTML or
 * JSON. The argument parser is pure; runDiff does the I/O.
 */
import { basename } from 'node:path';
import { DiffError, DiffModeError, diffSessions, SessionDiff } from './diff';
import { readProfiles } from '../loaders/profiles';
import { readDisplayOption } from '../cli/display-args';
import { renderDiffHtml } from '../renderers/diff-html';
import { renderDiffText } from '../renderers/diff-text';
import { isOption, outfileOf, readOption, UsageError } from '../util/argv';
import { printMessage } from '../util/message';
import { writeFileAtomic } from '../util/write-file';

export type DiffFormat = 'text' | 'html' | 'json';

export interface DiffCliOptions {
  help: boolean;
  before?: string;
  after?: string;
  renderer?: DiffFormat;
  outfile?: string;
  root?: string;
  percent: boolean;
  showAll: boolean;
  hide?: RegExp;
  show?: RegExp;
  unicode?: boolean;
  color?: boolean;
  /** Smallest change of share reported, 0..1. */
  minChange?: number;
  cpu: boolean;
  /** --thread: the thread to compare in profiles with worker threads (default main). */
  thread?: string;
}

export const DIFF_USAGE = `Usage: nodeinstrument diff <before> <after> [options]

Compares two profiles of the same program and shows which functions and call paths got faster or
slower, in seconds and in share of the total, marking what is within noise. Each side is a session
(nodeinstrument -o run.json app.js), a set of runs (nodeinstrument --repeat 5 -o runs.json app.js),
a V8 CPU profile (node --cpu-prof app.js) or a directory of them. With several runs per side the
program's own run-to-run variation is measured; with one it is assumed.

Options:
  -r, --renderer <name>  text (default), html or json
  -o, --outfile <path>   write to a file; .html/.htm give html, .json json, anything else text
      --root <name>      compare only the time under this function, as shares of it
      --percent          rows show shares (percent of the total or root) instead of seconds
      --cpu              compare CPU time instead of wall time: steadier when the machine was
                         busier in one run than the other (waiting drops out)
      --min-change <pct> smallest change of share reported, in percent (default 2)
      --thread <name|id> profiles with worker threads: compare this thread (main, a threadId,
                         or a part of its name; default main)
      --show-all         show every frame: Node internals and library frames too
      --hide <regex>     hide frames whose file path matches
      --show <regex>     always show frames whose file path matches
      --unicode, --no-unicode, --color, --no-color
  -h, --help             show this help`;

const FORMATS: readonly DiffFormat[] = ['text', 'html', 'json'];

export function parseDiffArgs(argv: readonly string[]): DiffCliOptions {
  const options: DiffCliOptions = { help: false, percent: false, showAll: false, cpu: false };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!isOption(arg)) {
      positional.push(arg);
      continue;
    }
    const option = readOption(argv, i);
    const { name, value, flag } = option;
    switch (name) {
      case '-h':
      case '--help':
        options.help = flag();
        break;
      case '-r':
      case '--renderer': {
        const format = value();
        if (!FORMATS.includes(format as DiffFormat)) throw new UsageError(`diff writes ${FORMATS.join(', ')}, not '${format}'`);
        options.renderer = format as DiffFormat;
        break;
      }
      case '-o':
      case '--outfile':
        options.outfile = outfileOf(name, value());
        break;
      case '--root':
        options.root = value();
        if (options.root === '') throw new UsageError('--root needs a function name');
        break;
      case '--cpu':
        options.cpu = flag();
        break;
      case '--min-change': {
        const text = value();
        const percent = Number(text.replace(/%$/, ''));
        if (text.trim() === '' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
          throw new UsageError(`invalid --min-change '${text}' (a percentage from 0 to 100)`);
        }
        options.minChange = percent / 100;
        break;
      }
      case '--thread':
        options.thread = value();
        if (options.thread.trim() === '') throw new UsageError('--thread needs a thread name or id (main, 2, worker.js)');
        break;
      default:
        if (!readDisplayOption(option, options)) throw new UsageError(`unknown diff option ${name}`);
    }
    i = option.last;
  }
  if (options.help) return options;
  if (positional.length !== 2) throw new UsageError(`diff needs two profiles, BEFORE and AFTER (got ${positional.length})`);
  [options.before, options.after] = positional as [string, string];
  return options;
}

export function diffFormatOf(options: DiffCliOptions): DiffFormat {
  if (options.renderer) return options.renderer;
  const lower = options.outfile?.toLowerCase() ?? '';
  if (lower.endsWith('.html') || lower.endsWith('.htm')) return 'html';
  if (lower.endsWith('.json')) return 'json';
  return 'text';
}

/** Runs `nodeinstrument diff`; returns the exit status (2 for bad usage, 1 for unreadable input). */
export function runDiff(argv: readonly string[]): number {
  let options: DiffCliOptions;
  try {
    options = parseDiffArgs(argv);
  } catch (error) {
    printMessage(`${(error as Error).message}\nTry 'nodeinstrument diff --help'.`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${DIFF_USAGE}\n`);
    return 0;
  }
  let diff: SessionDiff;
  try {
    const before = readProfiles(options.before!);
    const after = readProfiles(options.after!);
    diff = diffSessions(before, after, {
      processor: { showAll: options.showAll, hide: options.hide, show: options.show },
      root: options.root,
      minChange: options.minChange,
      time: options.cpu ? 'cpu' : 'wall',
      thread: options.thread,
    });
  } catch (error) {
    printMessage(`${error instanceof DiffError ? 'cannot compare: ' : ''}${(error as Error).message}`);
    // Profiles of different modes are a wrong pair of arguments, like bad usage; a broken file is not.
    return error instanceof DiffModeError ? 2 : 1;
  }
  const format = diffFormatOf(options);
  const toTerminal = !options.outfile && process.stdout.isTTY === true;
  const labels: [string, string] = [basename(options.before!), basename(options.after!)];
  const timing = options.percent ? 'percent' : 'seconds';
  const output =
    format === 'json'
      ? `${JSON.stringify(diff, null, 1)}\n`
      : format === 'html'
        ? renderDiffHtml(diff, { labels, timing })
        : renderDiffText(diff, {
            labels,
            timing,
            unicode: options.unicode ?? toTerminal,
            color: options.color ?? (toTerminal && !('NO_COLOR' in process.env)),
          });
  try {
    if (options.outfile) {
      writeFileAtomic(options.outfile, output);
      printMessage(`wrote ${format} diff to ${options.outfile}`);
    } else {
      process.stdout.write(output);
    }
  } catch (error) {
    printMessage((error as Error).message);
    return 1;
  }
  return 0;
}
