/**
 * The output formats, by name and by file extension. Each renderer turns a
 * session into the bytes of one file.
 */
import type * as ProfilerWork from '../processors/profiler-work';
import type { Session } from '../session/session';
import type * as Collapsed from './collapsed';
import type * as CpuProfile from './cpuprofile';
import type * as Html from './html';
import type * as Pprof from './pprof';
import type * as Speedscope from './speedscope';
import type * as Summary from './summary';
import type * as Text from './text';
import type { TextRenderOptions } from './text';

// Each format's module is loaded when it renders: a run writes one format, and
// loading them all (the pprof encoder, the HTML page) delayed every CLI start.
// The text renderer and the processors too: the CLI chooses a renderer before the program starts, and renders after it ends.
const text = (): typeof Text => require('./text') as typeof Text;
const profilerWork = (): typeof ProfilerWork => require('../processors/profiler-work') as typeof ProfilerWork;
const collapsed = (): typeof Collapsed => require('./collapsed') as typeof Collapsed;
const cpuProfile = (): typeof CpuProfile => require('./cpuprofile') as typeof CpuProfile;
const html = (): typeof Html => require('./html') as typeof Html;
const pprof = (): typeof Pprof => require('./pprof') as typeof Pprof;
const speedscope = (): typeof Speedscope => require('./speedscope') as typeof Speedscope;
const summary = (): typeof Summary => require('./summary') as typeof Summary;

export interface Renderer {
  readonly name: string;
  readonly description: string;
  /** File extensions (with the dot) that select this renderer for -o. */
  readonly extensions: readonly string[];
  /** The media type an HTTP answer gives it (the pprof endpoint, the middleware). */
  readonly contentType: string;
  /** Writes bytes that do not belong on a terminal. */
  readonly binary?: boolean;
  /** Text, or bytes for binary formats (pprof). */
  render(session: Session, options: TextRenderOptions): string | Uint8Array;
}

/**
 * What a report shows of a session: all of it with showAll, else without the
 * profiler's own work (lib/processors/profiler-work.ts). The text, HTML and
 * summary renderers do this themselves, as the API calls them directly; the
 * session format keeps everything.
 */
function readerView(session: Session, options: TextRenderOptions): Session {
  return options.processor?.showAll ? session : profilerWork().withoutProfilerWork(session);
}

export const renderers: readonly Renderer[] = [
  {
    name: 'text',
    description: 'call tree as text',
    extensions: ['.txt', '.text'],
    contentType: 'text/plain; charset=utf-8',
    render: (session, options) => text().renderText(session, options),
  },
  {
    name: 'session',
    description: 'the session as JSON, to render later with --load',
    extensions: ['.json'],
    contentType: 'application/json',
    render: (session) => JSON.stringify(session),
  },
  {
    name: 'speedscope',
    description: 'speedscope JSON, for https://www.speedscope.app',
    extensions: ['.speedscope.json'],
    contentType: 'application/json',
    render: (session, options) => speedscope().renderSpeedscope(readerView(session, options), { title: options.title }),
  },
  {
    name: 'pprof',
    description: 'gzipped pprof protobuf, for go tool pprof (binary)',
    extensions: ['.pb.gz', '.pprof'],
    contentType: 'application/octet-stream',
    binary: true,
    render: (session, options) => pprof().renderPprof(readerView(session, options)),
  },
  {
    name: 'cpuprofile',
    description: 'V8 .cpuprofile, for Chrome DevTools and VS Code',
    extensions: ['.cpuprofile'],
    contentType: 'application/json',
    render: (session, options) => cpuProfile().renderCpuProfile(readerView(session, options)),
  },
  {
    name: 'html',
    description: 'interactive call tree, timeline and flame graph in one offline page',
    extensions: ['.html', '.htm'],
    contentType: 'text/html; charset=utf-8',
    render: (session, options) => html().renderHtml(session, options),
  },
  {
    name: 'collapsed',
    description: 'folded stacks with sample counts, for flamegraph.pl, inferno and speedscope',
    extensions: ['.collapsed', '.folded'],
    contentType: 'text/plain; charset=utf-8',
    render: (session, options) => collapsed().renderCollapsed(readerView(session, options)),
  },
  {
    name: 'summary',
    description: 'hotspot summary in Markdown (conditions, top 3 branches and functions, warnings) for a ticket',
    extensions: ['.md'],
    contentType: 'text/markdown; charset=utf-8',
    render: (session, options) => summary().renderSummary(session, options),
  },
];

export function rendererByName(name: string): Renderer {
  const renderer = renderers.find((candidate) => candidate.name === name);
  if (!renderer) {
    throw new Error(`unknown renderer '${name}' (known: ${renderers.map((r) => r.name).join(', ')})`);
  }
  return renderer;
}

/**
 * The renderer for an output path's extension, or undefined. The longest
 * matching extension wins, so `x.speedscope.json` is speedscope, not session.
 */
export function rendererForPath(path: string): Renderer | undefined {
  const lower = path.toLowerCase();
  let best: { renderer: Renderer; length: number } | undefined;
  for (const renderer of renderers) {
    for (const extension of renderer.extensions) {
      if (lower.endsWith(extension) && extension.length > (best?.length ?? 0)) best = { renderer, length: extension.length };
    }
  }
  return best?.renderer;
}

/** The renderer a name asks for, else the one an output path's extension says, else text. */
export function chooseRenderer(name: string | undefined, outfile: string | undefined): Renderer {
  if (name) return rendererByName(name);
  return (outfile ? rendererForPath(outfile) : undefined) ?? rendererByName('text');
}
