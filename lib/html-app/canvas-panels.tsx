/** Preact hosts for the canvas views, which draw outside Preact's DOM diffing. */
import { useEffect, useRef } from 'preact/hooks';
import type { Tooltip } from './canvas';
import { FlameGraph, FlameInput } from './flamegraph';
import type { FrameMatches } from './search';
import { MemoryChart, ViewLink } from './memory-chart';
import type { MemorySeries } from '../memory/series';
import { Timeline, TimelineInput } from './timeline';

interface CanvasView<Input> {
  setInput(input: Input): void;
  setMatches(matches: FrameMatches): void;
  resetZoom(): void;
  destroy(): void;
}

/** Creates the view once, then passes it each new input and search. */
function useCanvasView<Input>(create: (host: HTMLElement) => CanvasView<Input>, input: Input, matches: FrameMatches) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<CanvasView<Input> | null>(null);
  useEffect(() => {
    view.current = create(host.current!);
    return () => view.current?.destroy();
  }, []);
  useEffect(() => view.current?.setInput(input), [input]);
  useEffect(() => view.current?.setMatches(matches), [matches]);
  return { host, resetZoom: () => view.current?.resetZoom() };
}

/** A canvas view with its bar: a reset button, how to use it, and an optional note. */
function CanvasPanel({ view, hint, note, hostClass }: { view: ReturnType<typeof useCanvasView>; hint: string; note?: string | undefined; hostClass: string }) {
  return (
    <div class="canvas-panel">
      <div class="panel-bar">
        <button type="button" onClick={view.resetZoom}>
          Reset zoom
        </button>
        <span class="hint">{hint}</span>
        {note && <span class="resample-note">{note}</span>}
      </div>
      <div class={`canvas-host ${hostClass}`} ref={view.host} />
    </div>
  );
}

export function TimelinePanel({ input, matches, tooltip, note, link }: { input: TimelineInput; matches: FrameMatches; tooltip: Tooltip; note: string | undefined; link?: ViewLink }) {
  const view = useCanvasView(
    (element) => {
      const timeline = new Timeline(element, tooltip);
      if (link) timeline.onView = (start, end) => link.emit(start, end);
      return timeline;
    },
    input,
    matches,
  );
  return <CanvasPanel view={view} hostClass="timeline-host" note={note} hint="wheel: zoom · drag: pan · shift+wheel: scroll · double-click: zoom to a call · keys: arrows, + − 0" />;
}

export function FlamePanel({ input, matches, tooltip }: { input: FlameInput; matches: FrameMatches; tooltip: Tooltip }) {
  const view = useCanvasView((element) => new FlameGraph(element, tooltip), input, matches);
  return <CanvasPanel view={view} hostClass="flame-host" hint="click: zoom into a function · click above it or Escape: zoom out · Backspace: up one level" />;
}

/** The memory track: RSS and V8 heap used, over the timeline's time range when there is one. */
export function MemoryPanel({ series, tooltip, link, range }: { series: MemorySeries; tooltip: Tooltip; link?: ViewLink; range: { start: number; end: number } }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const chart = new MemoryChart(host.current!, series, tooltip, range);
    if (link && link.end > link.start) chart.setView(link.start, link.end);
    const unsubscribe = link?.subscribe((start, end) => chart.setView(start, end));
    return () => {
      unsubscribe?.();
      chart.destroy();
    };
  }, []);
  return <div class="canvas-host memory-host" ref={host} />;
}
