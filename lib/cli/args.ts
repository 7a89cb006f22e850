/** Parses nodeinstrument's command line. Pure: no I/O, throws UsageError. */
import { parseLabelFilterArg } from '../labels/filter';
import { checkProfileMode, ProfileMode } from '../session/mode';
import type { TextView } from '../renderers/text';
import { checkInterval, DEFAULT_INTERVAL, SAMPLER_KINDS, SamplerKind } from '../options';
import type { ContinuousPreloadConfig } from '../production/continuous/preload';
import { checkPyroscopeOptions, parseLabel, parseRetain, WINDOW_FORMATS, WindowFormat } from '../production/continuous/options';
import { readDisplayOption } from './display-args';
import { isOption, outfileOf, readOption, UsageError } from '../util/argv';
import { parseSeconds } from '../util/duration';

export { UsageError };

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
  /** The text report's view (--flat, --timeline, --lines; the tree by default). */
  view: TextView;
  /** --filter-label key=value pairs: only samples with these labels are reported. */
  labelFilter: Array<[string, string]>;
  /** --thread: only this thread's samples (worker_threads profiles): a name, threadId or unique part of a name. */
  thread?: string;
  /** What is profiled (--mode): wall-clock time, CPU time or allocated bytes. Not the text view (`view` above). */
  profileMode: ProfileMode;
  /** --sampler: how wall-mode samples are taken (ProfilerOptions.sampler); unset: NODEINSTRUMENT_SAMPLER, else signals. */
  sampler?: SamplerKind;
  /** --alloc-interval: mean bytes between sampled allocations. */
  allocationInterval?: number;
  /** --live: alloc mode counts only the objects still live at the end. */
  live: boolean;
  /** --awaits: idle time while the program waits at an await is shown under the await ([await]). */
  awaits: boolean;
  nodeArgs: string[];
  /** Continuous mode (--continuous DIR and/or --pyroscope URL). */
  continuous?: ContinuousPreloadConfig;
  /** The script and its arguments. */
  script?: string;
  scriptArgs: string[];
  /** --repeat: run the program this many times (a set of runs for diff; the report shows the median run). */
  repeat?: number;
  /** `nodeinstrument attach <pid>`: profile a running process instead of starting one. */
  attach?: { pid: number; duration: number; recompile: boolean };
}

/** Seconds `attach` records unless --duration says otherwise. */
export const DEFAULT_ATTACH_DURATION = 10;

export const USAGE = `Usage: nodeinstrument [options] <script> [args...]
       nodeinstrument --load <session.json> [options]
       nodeinstrument diff <before.json> <after.json> [options]   (see nodeinstrument diff --help)
       nodeinstrument attach <pid> [--duration <time>] [options]

Runs a Node.js script (CommonJS, ESM or TypeScript) with the sampling profiler and prints
where its wall-clock time went as a call tree.

attach profiles a running Node.js process (same user, or root) for --duration (default 10s):
SIGUSR1 opens its inspector on 127.0.0.1, the profiler is loaded through it, and the
inspector is closed again. Ctrl-C ends the recording early and still writes the report.

Options:
  -i, --interval <time>     sampling interval: seconds, or with a unit: 1ms, 100us (default 1ms)
      --mode <wall|cpu|alloc>   wall: where wall-clock time went, waiting included (default);
                            cpu: only the thread's time on the CPU, in CPU seconds;
                            alloc: where memory is allocated, in bytes (V8's sampling heap profiler)
      --alloc-interval <size>   alloc: mean bytes between sampled allocations: 32768, 64k,
                            1m (default 32k)
      --live                alloc: count only objects still live at the end (in-use
                            rather than allocated bytes)
      --awaits              show where async code waits: idle time while the program
                            is suspended at an await, under that await, as [await]
      --sampler <signal|hybrid>   wall: how samples are taken: signal (default), or
                            hybrid: V8 interrupts where served in time, cheaper, but time
                            in builtins and inlined helpers goes to the nearest loop or
                            call (docs/benchmarks.md, "Hybrid sampling")
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
      --load <file>         render a saved session instead of running a script (or a set of
                            runs: its median run; or a V8 .cpuprofile)
      --repeat <n>          run the script n times; -o runs.json keeps every run for
                            nodeinstrument diff, which then measures how much the program
                            varies between runs; other reports show the median run
      --show-all            show every frame: Node internals and library frames too
      --hide <regex>        hide frames whose file path matches
      --show <regex>        always show frames whose file path matches
      --flat                text: functions by self time instead of the call tree
      --timeline            text: the call tree in time order, repeated calls kept apart
      --lines               text: the hot lines within each function, by self time
      --percent             show time as a percentage of the total
      --filter-label <k=v>  only samples labelled k=v (withLabels); repeat a key for any
                            of its values, give several keys for all of them
      --thread <name|id>    only one thread of a profile with worker threads: main, a
                            worker's threadId, or a part of its name (default: every
                            thread, each shown apart)
      --unicode, --no-unicode   box-drawing characters (default: when writing to a terminal)
      --color, --no-color       colours (default: when writing to a terminal; NO_COLOR disables)
      --max-stack-depth <n> deepest stack recorded (default 255)
      --node-arg <flag>     pass a flag to Node, e.g. --node-arg=--stress-compaction (repeatable)
      --duration <time>     attach: how long to record: 30s, 500ms, 2m (default 10s)
      --no-recompile        attach: keep the code V8 optimized before the attach (functions
                            inlined into it then show as their caller)
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

/** Parses "0.001", "1e-3", "1ms", "100us", "250µs", "2s" into seconds (exactly: lib/util/duration.ts). */
export function parseInterval(text: string): number {
  const seconds = parseSeconds(text, ['s', 'ms', 'us', 'µs', 'ns']);
  if (Number.isNaN(seconds)) throw new UsageError(`invalid interval '${text}' (examples: 0.001, 1ms, 100us)`);
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

/** Parses "10", "10s", "500ms", "2m" into seconds (attach --duration). */
export function parseDuration(text: string): number {
  const seconds = parseSeconds(text, ['s', 'ms', 'm']);
  if (!(seconds >= 0.01 && seconds <= 86400)) {
    throw new UsageError(`invalid --duration '${text}' (examples: 10s, 500ms, 2m; from 10ms to 24 hours)`);
  }
  return seconds;
}

function parseProfileMode(text: string): ProfileMode {
  try {
    return checkProfileMode(text);
  } catch (error) {
    throw new UsageError(`invalid --mode: ${(error as Error).message}`);
  }
}

/** Runs --repeat allows: enough for a diff that knows run-to-run variation, few enough to be a mistake beyond. */
export const MAX_REPEAT = 100;

function parseRepeat(text: string): number {
  const runs = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(runs) || runs < 1 || runs > MAX_REPEAT) {
    throw new UsageError(`invalid --repeat '${text}' (a number of runs from 1 to ${MAX_REPEAT})`);
  }
  return runs;
}

function parseDepth(text: string): number {
  const depth = Number(text);
  if (!Number.isInteger(depth) || depth < 2 || depth > 4096) {
    throw new UsageError(`invalid --max-stack-depth '${text}' (an integer from 2 to 4096)`);
  }
  return depth;
}

export function parseArgs(commandLine: readonly string[]): CliOptions {
  const attach = commandLine[0] === 'attach';
  const argv = attach ? commandLine.slice(1) : commandLine;
  let duration: number | undefined;
  let recompile = true;
  const options: CliOptions = {
    help: false,
    version: false,
    interval: DEFAULT_INTERVAL,
    open: false,
    showAll: false,
    percent: false,
    view: 'tree',
    labelFilter: [],
    profileMode: 'wall',
    live: false,
    awaits: false,
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
    if (!isOption(arg)) {
      // attach: options may follow the PID.
      if (!attach || options.script !== undefined) break;
      options.script = arg;
      i++;
      continue;
    }
    const option = readOption(argv, i);
    const { name, value, flag: noValue } = option;
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
      case '--mode':
        options.profileMode = parseProfileMode(value());
        break;
      case '--sampler': {
        const kind = value();
        if (!SAMPLER_KINDS.includes(kind as SamplerKind)) throw new UsageError(`invalid --sampler '${kind}' (one of ${SAMPLER_KINDS.join(', ')})`);
        options.sampler = kind as SamplerKind;
        break;
      }
      case '--alloc-interval':
        options.allocationInterval = parseByteSize(value(), '--alloc-interval');
        break;
      case '--live':
        noValue();
        options.live = true;
        break;
      case '--awaits':
        noValue();
        options.awaits = true;
        break;
      case '-r':
      case '--renderer':
        options.renderer = value();
        break;
      case '-o':
      case '--outfile':
        options.outfile = outfileOf(name, value());
        break;
      case '--open':
        noValue();
        options.open = true;
        break;
      case '--load':
        options.load = value();
        break;
      case '--flat':
      case '--timeline':
      case '--lines':
        noValue();
        if (options.view !== 'tree' && options.view !== name.slice(2)) throw new UsageError('give one of --flat, --timeline and --lines');
        options.view = name.slice(2) as TextView;
        break;
      case '--filter-label':
        try {
          options.labelFilter.push(parseLabelFilterArg(value()));
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        break;
      case '--thread':
        options.thread = value();
        if (options.thread.trim() === '') throw new UsageError('--thread needs a thread name or id (main, 2, worker.js)');
        break;
      case '--repeat':
        options.repeat = parseRepeat(value());
        break;
      case '--max-stack-depth':
        options.maxStackDepth = parseDepth(value());
        break;
      case '--node-arg':
        options.nodeArgs.push(value());
        break;
      case '--duration':
        duration = parseDuration(value());
        break;
      case '--no-recompile':
        recompile = false;
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
      case '--pyroscope': {
        const url = value();
        // A command line is visible to every user of the machine (ps): no secrets in it.
        if (/^[a-z][\w+.-]*:\/\/[^/?#]*@/i.test(url)) {
          throw new UsageError(
            '--pyroscope: credentials in the URL would show in the process list (ps); give them in NODEINSTRUMENT_PYROSCOPE_USER and ' +
              'NODEINSTRUMENT_PYROSCOPE_PASSWORD (or NODEINSTRUMENT_PYROSCOPE_TOKEN), and the URL without them',
          );
        }
        continuous.url = url;
        break;
      }
      case '--service-name':
        continuous.name = value();
        continuousFlags.push(name);
        break;
      case '--label': {
        const [key, labelValue] = usage(() => parseLabel(value()));
        if (Object.hasOwn(continuous.labels, key) && continuous.labels[key] !== labelValue) {
          throw new UsageError(`--label ${key} was given twice (${continuous.labels[key]} and ${labelValue}); a pushed profile has one value per label`);
        }
        continuous.labels[key] = labelValue;
        continuousFlags.push(name);
        break;
      }
      default:
        if (!readDisplayOption(option, options)) throw new UsageError(`unknown option ${name} (Node flags go through --node-arg=${name})`);
    }
    i = option.last + 1;
  }
  if (i < argv.length) {
    if (attach && options.script !== undefined) options.scriptArgs = argv.slice(i);
    else {
      options.script = argv[i];
      options.scriptArgs = argv.slice(i + 1);
    }
  }
  if (options.repeat !== undefined && !options.help && !options.version) {
    if (attach) throw new UsageError('--repeat runs a script several times; attach records a running process once');
    if (options.load !== undefined) throw new UsageError('--repeat runs a script several times; --load renders a saved session');
    if (continuous.dir !== undefined || continuous.url !== undefined) throw new UsageError('--repeat runs a script several times; continuous mode profiles one long run');
  }
  if (attach && !options.help && !options.version) return withAttach(options, duration, recompile);
  if (duration !== undefined) throw new UsageError('--duration is for attach: nodeinstrument attach <pid> --duration 10s');
  if (!recompile) throw new UsageError('--no-recompile is for attach: nodeinstrument attach <pid> --no-recompile');
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
    if (options.sampler === 'hybrid' && options.profileMode !== 'wall') {
      throw new UsageError(`--sampler hybrid applies to --mode wall (${options.profileMode} mode takes its samples by signal)`);
    }
    if (options.profileMode !== 'alloc' && (options.live || options.allocationInterval !== undefined)) {
      throw new UsageError(`${options.live ? '--live' : '--alloc-interval'} applies to --mode alloc`);
    }
    if (options.awaits && (options.profileMode !== 'wall' || options.load !== undefined || options.continuous)) {
      const other = options.load !== undefined ? '--load (it shows a recorded profile)' : options.continuous ? 'continuous profiling' : `--mode ${options.profileMode}`;
      throw new UsageError(`--awaits applies to recording a program in wall mode, not with ${other}`);
    }
  }
  return options;
}

/** `attach <pid>`: the positional argument is the PID; no script, --load or Node flags. */
function withAttach(options: CliOptions, duration: number | undefined, recompile: boolean): CliOptions {
  const pidText = options.script;
  if (pidText === undefined) throw new UsageError('attach needs the PID of a running Node.js process: nodeinstrument attach <pid>');
  if (!/^[1-9]\d{0,9}$/.test(pidText)) throw new UsageError(`attach: '${pidText}' is not a PID`);
  if (options.scriptArgs.length > 0) throw new UsageError(`attach takes one PID, got also: ${options.scriptArgs.join(' ')}`);
  if (options.load !== undefined) throw new UsageError('give either attach or --load, not both');
  if (options.nodeArgs.length > 0) throw new UsageError('--node-arg does not apply to attach: the process is already running');
  if (options.awaits) throw new UsageError('--awaits does not apply to attach: the program\'s async code started before the profiler');
  const { script: _script, ...rest } = options;
  return { ...rest, scriptArgs: [], attach: { pid: Number(pidText), duration: duration ?? DEFAULT_ATTACH_DURATION, recompile } };
}

/** "60s", "5m", "500ms", "1h" or plain seconds -> seconds, for --window. */
export function parseWindow(text: string): number {
  const seconds = parseSeconds(text, ['ms', 's', 'm', 'h']);
  if (Number.isNaN(seconds)) throw new UsageError(`invalid --window '${text}' (examples: 60s, 5m, 500ms)`);
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
