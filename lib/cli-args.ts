/** Parses nodeinstrument's command line. Pure: no I/O, throws UsageError. */
import { checkInterval, DEFAULT_INTERVAL } from './options';
import type { ContinuousPreloadConfig } from './continuous/preload';
import { checkPyroscopeOptions, parseLabel, parseRetain, WINDOW_FORMATS, WindowFormat } from './continuous/options';

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
  nodeArgs: string[];
  /** Continuous mode (--continuous DIR and/or --pyroscope URL). */
  continuous?: ContinuousPreloadConfig;
  /** The script and its arguments. */
  script?: string;
  scriptArgs: string[];
}

export const USAGE = `Usage: nodeinstrument [options] <script> [args...]
       nodeinstrument --load <session.json> [options]

Runs a Node.js script (CommonJS, ESM or TypeScript) with the sampling profiler and prints
where its wall-clock time went as a call tree.

Options:
  -i, --interval <time>     sampling interval: seconds, or with a unit: 1ms, 100us (default 1ms)
  -r, --renderer <name>     output format (default text):
                              text        the call tree (.txt)
                              session     JSON that --load reads back (.json)
                              speedscope  for speedscope.app (.speedscope.json)
                              pprof       gzipped protobuf for go tool pprof (.pb.gz, .pprof)
                              cpuprofile  for Chrome DevTools and VS Code (.cpuprofile)
                              collapsed   folded stacks for flame graph tools (.collapsed, .folded)
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
      --unicode, --no-unicode   box-drawing characters (default: when writing to a terminal)
      --color, --no-color       colours (default: when writing to a terminal; NO_COLOR disables)
      --max-stack-depth <n> deepest stack recorded (default 255)
      --node-arg <flag>     pass a flag to Node, e.g. --node-arg=--stress-compaction (repeatable)
  -h, --help                show this help
  -V, --version             show the version

Continuous profiling (for services; no report at the end):
      --continuous <dir>    write the profile of every window into <dir> as it ends
      --window <time>       window length: 60s (default), 5m, 500ms
      --window-formats <list>  pprof (default), session, or pprof,session
      --retain <n|size>     keep the newest <n> files (default 1440) or up to a size (500MB)
      --pyroscope <url>     push every window to Grafana Pyroscope's /ingest (auth from
                            NODEINSTRUMENT_PYROSCOPE_TOKEN, or _USER and _PASSWORD)
      --service-name <name> the service name in Pyroscope (default: the script's name)
      --label <k=v>         a label of every pushed profile (repeatable)`;

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
    nodeArgs: [],
    scriptArgs: [],
  };
  // Continuous-mode flags, checked together at the end.
  const continuous: { dir?: string; window?: number; formats?: WindowFormat[]; retain?: ContinuousPreloadConfig['retain']; url?: string; name?: string; labels: Record<string, string> } = { labels: {} };
  const continuousFlags: string[] = [];
  const usage = <T>(parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
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
      case '--max-stack-depth':
        options.maxStackDepth = parseDepth(value());
        break;
      case '--node-arg':
        options.nodeArgs.push(value());
        break;
      case '--continuous':
        continuous.dir = value();
        break;
      case '--window':
        continuous.window = parseWindow(value());
        continuousFlags.push(name);
        break;
      case '--window-formats':
        continuous.formats = parseFormats(value());
        continuousFlags.push(name);
        break;
      case '--retain':
        continuous.retain = usage(() => parseRetain(value()));
        continuousFlags.push(name);
        break;
      case '--pyroscope':
        continuous.url = value();
        break;
      case '--service-name':
        continuous.name = value();
        continuousFlags.push(name);
        break;
      case '--label': {
        const [key, labelValue] = usage(() => parseLabel(value()));
        continuous.labels[key] = labelValue;
        continuousFlags.push(name);
        break;
      }
      default:
        throw new UsageError(`unknown option ${name} (Node flags go through --node-arg=${name})`);
    }
    i++;
  }
  if (i < argv.length) {
    options.script = argv[i];
    options.scriptArgs = argv.slice(i + 1);
  }
  if (continuous.dir !== undefined || continuous.url !== undefined) {
    options.continuous = continuousConfig(continuous, options);
  } else if (continuousFlags.length > 0) {
    throw new UsageError(`${continuousFlags[0]} is for continuous profiling: give --continuous <dir> or --pyroscope <url>`);
  }
  if (!options.help && !options.version) {
    if (options.load !== undefined && options.script !== undefined) {
      throw new UsageError('give either a script to run or --load, not both');
    }
    if (options.load === undefined && options.script === undefined) {
      throw new UsageError('no script given');
    }
  }
  return options;
}

/** "60s", "5m", "500ms", "1h" or plain seconds -> seconds, for --window. */
export function parseWindow(text: string): number {
  const match = /^(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new UsageError(`invalid --window '${text}' (examples: 60s, 5m, 500ms)`);
  const seconds = Number(match[1]) * { ms: 1e-3, s: 1, m: 60, h: 3600 }[match[2] ?? 's']!;
  if (seconds < 0.1) throw new UsageError(`invalid --window '${text}': at least 100ms`);
  return seconds;
}

function parseFormats(text: string): WindowFormat[] {
  const formats = text.split(',').map((format) => format.trim());
  for (const format of formats) {
    if (!WINDOW_FORMATS.includes(format as WindowFormat)) throw new UsageError(`invalid --window-formats '${text}' (pprof, session, or both: pprof,session)`);
  }
  return formats as WindowFormat[];
}

function continuousConfig(
  given: { dir?: string; window?: number; formats?: WindowFormat[]; retain?: ContinuousPreloadConfig['retain']; url?: string; name?: string; labels: Record<string, string> },
  options: CliOptions,
): ContinuousPreloadConfig {
  if (options.outfile !== undefined || options.renderer !== undefined || options.open) {
    throw new UsageError('continuous mode writes a profile per window (--continuous <dir>, --pyroscope <url>): -o, -r and --open are for one report at the end');
  }
  if (options.load !== undefined) throw new UsageError('--load renders a saved session; --continuous and --pyroscope profile a running program');
  if (given.dir === undefined && (given.formats !== undefined || given.retain !== undefined)) {
    throw new UsageError('--window-formats and --retain apply to --continuous <dir>');
  }
  const config: ContinuousPreloadConfig = { window: given.window, formats: given.formats, retain: given.retain };
  if (given.dir !== undefined) config.dir = given.dir;
  if (given.url !== undefined) {
    const scriptName = /([^/\\]+?)(?:\.[cm]?[jt]s)?$/.exec(options.script ?? '')?.[1] ?? 'node';
    const pyroscope = { url: given.url, name: given.name ?? scriptName.replace(/[^A-Za-z0-9_.\-/]/g, '_'), labels: given.labels };
    try {
      checkPyroscopeOptions(pyroscope);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    config.pyroscope = pyroscope;
  } else if (given.name !== undefined || Object.keys(given.labels).length > 0) {
    throw new UsageError('--service-name and --label apply to --pyroscope <url>');
  }
  return config;
}
