/** Parses nodeinstrument's command line. Pure: no I/O, throws UsageError. */
import { parseLabelFilterArg } from './labels-filter';
import { checkInterval, DEFAULT_INTERVAL } from './options';
import type { ProfileMode } from './session';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CliOptions {
  help: boolean;
  version: boolean;
  interval: number;
  maxStackDepth?: number;
  renderer?: string;
  outfile?: string;
  /** Open the written HTML report in the browser. */
  open: boolean;
  load?: string;
  showAll: boolean;
  hide?: RegExp;
  show?: RegExp;
  unicode?: boolean;
  color?: boolean;
  percent: boolean;
  /** The text renderer's mode. */
  mode: 'tree' | 'flat' | 'timeline';
  /** --filter-label key=value pairs: only samples with these labels are reported. */
  labelFilter: Array<[string, string]>;
  /** What is profiled (--mode): wall-clock time or allocated bytes. */
  profileMode: ProfileMode;
  /** --alloc-interval: mean bytes between sampled allocations. */
  allocationInterval?: number;
  /** --live: alloc mode counts only the objects still live at the end. */
  live: boolean;
  nodeArgs: string[];
  /** The script and its arguments. */
  script?: string;
  scriptArgs: string[];
}

export const USAGE = `Usage: nodeinstrument [options] <script> [args...]
       nodeinstrument --load <session.json> [options]
       nodeinstrument diff <before.json> <after.json> [options]   (see nodeinstrument diff --help)

Runs a Node.js script (CommonJS, ESM or TypeScript) with the sampling profiler and prints
where its wall-clock time went as a call tree.

Options:
  -i, --interval <time>     sampling interval: seconds, or with a unit: 1ms, 100us (default 1ms)
      --mode <wall|alloc>   wall (default): where wall-clock time goes; alloc: where memory
                            is allocated, in bytes (V8's sampling heap profiler)
      --alloc-interval <size>   alloc: mean bytes between sampled allocations: 32768, 64k,
                            1m (default 32k)
      --live                alloc: count only objects still live at the end (in-use
                            rather than allocated bytes)
  -r, --renderer <name>     output format (default text):
                              text        the call tree (.txt)
                              session     JSON that --load reads back (.json)
                              speedscope  for speedscope.app (.speedscope.json)
                              pprof       gzipped protobuf for go tool pprof (.pb.gz, .pprof)
                              cpuprofile  for Chrome DevTools and VS Code (.cpuprofile)
                              collapsed   folded stacks for flame graph tools (.collapsed, .folded)
                              summary     hotspots and run conditions in Markdown, for a ticket (.md)
                              html        call tree, timeline and flame graph in one offline
                                          page (.html, .htm); on a terminal without -o it is
                                          written to a temporary file whose path is printed
  -o, --outfile <path>      write the report to a file; the format follows the extension
                            unless -r is given
      --open                open the HTML report in the browser (writes a temporary file
                            when there is no -o)
      --load <file>         render a saved session instead of running a script
      --show-all            show every frame: Node internals and library frames too
      --hide <regex>        hide frames whose file path matches
      --show <regex>        always show frames whose file path matches
      --flat                text: functions by self time instead of the call tree
      --timeline            text: the call tree in time order, repeated calls kept apart
      --percent             show time as a percentage of the total
      --filter-label <k=v>  only samples labelled k=v (withLabels); repeat a key for any
                            of its values, give several keys for all of them
      --unicode, --no-unicode   box-drawing characters (default: when writing to a terminal)
      --color, --no-color       colours (default: when writing to a terminal; NO_COLOR disables)
      --max-stack-depth <n> deepest stack recorded (default 255)
      --node-arg <flag>     pass a flag to Node, e.g. --node-arg=--stress-compaction (repeatable)
  -h, --help                show this help
  -V, --version             show the version`;

/** Parses "0.001", "1ms", "100us", "250µs", "2s" into seconds. */
export function parseInterval(text: string): number {
  const match = /^(\d+(?:\.\d*)?|\.\d+)(s|ms|us|µs|ns)?$/.exec(text.trim());
  if (!match) throw new UsageError(`invalid interval '${text}' (examples: 0.001, 1ms, 100us)`);
  const scale = { s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 }[match[2] ?? 's']!;
  const seconds = Number(match[1]) * scale;
  try {
    return checkInterval(seconds);
  } catch (error) {
    throw new UsageError(`invalid interval '${text}': ${(error as Error).message}`);
  }
}

/** Parses "32768", "64k", "1m" (KiB, MiB) into bytes. */
export function parseByteSize(text: string, flag: string): number {
  const match = /^(\d+)([kmKM]i?[bB]?|[bB])?$/.exec(text.trim());
  const scale = match ? ({ k: 1024, m: 1024 * 1024 } as Record<string, number>)[(match[2] ?? '').charAt(0).toLowerCase()] ?? 1 : 0;
  const bytes = match ? Number(match[1]) * scale : NaN;
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 2 ** 30) {
    throw new UsageError(`invalid ${flag} '${text}' (bytes from 1 to 1g, e.g. 32768, 64k, 1m)`);
  }
  return bytes;
}

function parseRegex(text: string, flag: string): RegExp {
  try {
    return new RegExp(text);
  } catch (error) {
    throw new UsageError(`invalid regular expression for ${flag}: ${(error as Error).message}`);
  }
}

function parseDepth(text: string): number {
  const depth = Number(text);
  if (!Number.isInteger(depth) || depth < 2 || depth > 4096) {
    throw new UsageError(`invalid --max-stack-depth '${text}' (an integer from 2 to 4096)`);
  }
  return depth;
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = {
    help: false,
    version: false,
    interval: DEFAULT_INTERVAL,
    open: false,
    showAll: false,
    percent: false,
    mode: 'tree',
    labelFilter: [],
    profileMode: 'wall',
    live: false,
    nodeArgs: [],
    scriptArgs: [],
  };
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`${name} needs a value`);
      i++;
      return next;
    };
    const noValue = (): void => {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
    };
    switch (name) {
      case '-h':
      case '--help':
        noValue();
        options.help = true;
        break;
      case '-V':
      case '--version':
        noValue();
        options.version = true;
        break;
      case '-i':
      case '--interval':
        options.interval = parseInterval(value());
        break;
      case '--mode': {
        const mode = value();
        if (mode !== 'wall' && mode !== 'alloc') throw new UsageError(`invalid --mode '${mode}' (wall or alloc)`);
        options.profileMode = mode;
        break;
      }
      case '--alloc-interval':
        options.allocationInterval = parseByteSize(value(), '--alloc-interval');
        break;
      case '--live':
        noValue();
        options.live = true;
        break;
      case '-r':
      case '--renderer':
        options.renderer = value();
        break;
      case '-o':
      case '--outfile':
        options.outfile = value();
        break;
      case '--open':
        noValue();
        options.open = true;
        break;
      case '--load':
        options.load = value();
        break;
      case '--show-all':
        noValue();
        options.showAll = true;
        break;
      case '--hide':
        options.hide = parseRegex(value(), '--hide');
        break;
      case '--show':
        options.show = parseRegex(value(), '--show');
        break;
      case '--percent':
        noValue();
        options.percent = true;
        break;
      case '--flat':
      case '--timeline':
        noValue();
        if (options.mode !== 'tree' && options.mode !== name.slice(2)) throw new UsageError('give --flat or --timeline, not both');
        options.mode = name === '--flat' ? 'flat' : 'timeline';
        break;
      case '--unicode':
      case '--no-unicode':
        noValue();
        options.unicode = name === '--unicode';
        break;
      case '--color':
      case '--no-color':
        noValue();
        options.color = name === '--color';
        break;
      case '--filter-label':
        try {
          options.labelFilter.push(parseLabelFilterArg(value()));
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        break;
      case '--max-stack-depth':
        options.maxStackDepth = parseDepth(value());
        break;
      case '--node-arg':
        options.nodeArgs.push(value());
        break;
      default:
        throw new UsageError(`unknown option ${name} (Node flags go through --node-arg=${name})`);
    }
    i++;
  }
  if (i < argv.length) {
    options.script = argv[i];
    options.scriptArgs = argv.slice(i + 1);
  }
  if (!options.help && !options.version) {
    if (options.load !== undefined && options.script !== undefined) {
      throw new UsageError('give either a script to run or --load, not both');
    }
    if (options.load === undefined && options.script === undefined) {
      throw new UsageError('no script given');
    }
    if (options.profileMode !== 'alloc' && (options.live || options.allocationInterval !== undefined)) {
      throw new UsageError(`${options.live ? '--live' : '--alloc-interval'} applies to --mode alloc`);
    }
  }
  return options;
}
