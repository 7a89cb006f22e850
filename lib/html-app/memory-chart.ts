/**
 * The memory track under the timeline: RSS and V8 heap used over time, drawn
 * as two step lines on a canvas over the same time range as the timeline
 * above it (which tells it when its view changes). Hover shows the values.
 */
import type { MemorySeries } from '../memory/series';
import { formatBytes, maximum } from '../memory/series';
import { ScrollCanvas, Tooltip, TooltipLine } from './canvas';
import { readTheme, Theme } from './colors';
import { formatSeconds } from './format';

export const MEMORY_COLORS = { rss: 'hsl(200, 70%, 58%)', heapUsed: 'hsl(32, 85%, 60%)' } as const;

const TOP = 18;
const BOTTOM = 4;

/** Shares one time range between the timeline and the memory track. */
export class ViewLink {
  private readonly listeners = new Set<(start: number, end: number) => void>();
  start = NaN;
  end = NaN;

  emit(start: number, end: number): void {
    if (start === this.start && end === this.end) return;
    this.start = start;
    this.end = end;
    for (const listener of this.listeners) listener(start, end);
  }

  subscribe(listener: (start: number, end: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export class MemoryChart {
  private readonly surface: ScrollCanvas;
  private readonly theme: Theme;
  private viewStart: number;
  private viewEnd: number;
  private readonly peak: number;
  private hoverX: number | undefined;
  /** Incremented on every draw (tests wait for it). */
  drawCount = 0;

  constructor(
    container: HTMLElement,
    private readonly series: MemorySeries,
    private readonly tooltip: Tooltip,
    /** The session's time range, used until the timeline says otherwise. */
    range: { start: number; end: number },
  ) {
    this.surface = new ScrollCanvas(container, (context, width, height) => this.draw(context, width, height));
    this.theme = readTheme(container);
    this.viewStart = range.start;
    this.viewEnd = range.end > range.start ? range.end : range.start + 1;
    this.peak = Math.max(1, maximum(series.rss), maximum(series.heapUsed));
    this.surface.canvas.setAttribute('aria-label', 'Memory over time: resident set size and V8 heap used');
    this.surface.canvas.addEventListener('mousemove', (event) => {
      this.hoverX = this.surface.pointer(event).x;
      this.surface.requestDraw();
      const lines = this.describe(this.hoverX);
      if (lines) this.tooltip.show(event.clientX, event.clientY, lines);
      else this.tooltip.hide();
    });
    this.surface.canvas.addEventListener('mouseleave', () => {
      this.hoverX = undefined;
      this.tooltip.hide();
      this.surface.requestDraw();
    });
  }

  setView(start: number, end: number): void {
    if (!(end > start)) return;
    this.viewStart = start;
    this.viewEnd = end;
    this.surface.requestDraw();
  }

  destroy(): void {
    this.surface.destroy();
  }

  /** The last point at or before `time` (the series holds values as of each point). */
  private indexAt(time: number): number {
    const { time: times } = this.series;
    let low = 0;
    let high = times.length - 1;
    if (high < 0 || time < times[0]!) return -1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (times[middle]! <= time) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  private draw(context: CanvasRenderingContext2D, width: number, height: number): void {
    this.drawCount++;
    this.surface.canvas.dataset.drawCount = String(this.drawCount);
    const theme = this.theme;
    context.fillStyle = theme.background;
    context.fillRect(0, 0, width, height);
    const scaleX = width / (this.viewEnd - this.viewStart);
    const plotHeight = Math.max(1, height - TOP - BOTTOM);
    const y = (bytes: number): number => TOP + plotHeight - (bytes / this.peak) * plotHeight;
    // A grid line at half the peak, labelled.
    context.fillStyle = theme.grid;
    context.fillRect(0, Math.round(y(this.peak / 2)), width, 1);
    context.fillRect(0, Math.round(y(this.peak)), width, 1);
    context.font = '11px system-ui, sans-serif';
    context.textBaseline = 'middle';
    context.fillStyle = theme.dimText;
    context.fillText(formatBytes(this.peak), width - 70, y(this.peak) + 8);
    context.fillText(formatBytes(this.peak / 2), width - 70, y(this.peak / 2) + 8);
    for (const key of ['rss', 'heapUsed'] as const) this.drawLine(context, this.series[key], key, scaleX, width, y);
    // Legend.
    let x = 6;
    for (const [key, label] of [
      ['rss', 'RSS'],
      ['heapUsed', 'V8 heap used'],
    ] as const) {
      context.fillStyle = MEMORY_COLORS[key];
      context.fillRect(x, 6, 10, 3);
      context.fillStyle = theme.text;
      context.fillText(label, x + 14, 8);
      x += 14 + context.measureText(label).width + 14;
    }
    if (this.hoverX !== undefined) {
      context.fillStyle = theme.highlight;
      context.fillRect(Math.round(this.hoverX), TOP, 1, plotHeight);
    }
  }

  private drawLine(
    context: CanvasRenderingContext2D,
    values: readonly number[],
    key: keyof typeof MEMORY_COLORS,
    scaleX: number,
    width: number,
    y: (bytes: number) => number,
  ): void {
    const times = this.series.time;
    if (times.length === 0) return;
    context.strokeStyle = MEMORY_COLORS[key];
    context.lineWidth = 1.5;
    context.beginPath();
    const first = Math.max(0, this.indexAt(this.viewStart));
    for (let i = first; i < times.length; i++) {
      const x = Math.min(width + 1, Math.max(-1, (times[i]! - this.viewStart) * scaleX));
      if (i === first) context.moveTo(x, y(values[i]!));
      else context.lineTo(x, y(values[i]!));
      if (times[i]! > this.viewEnd) break;
    }
    context.stroke();
  }

  private describe(x: number): TooltipLine[] | undefined {
    const time = this.viewStart + (x / this.surface.width) * (this.viewEnd - this.viewStart);
    const index = this.indexAt(time);
    if (index < 0) return undefined;
    const { time: times, rss, heapUsed } = this.series;
    return [
      { text: `at ${formatSeconds(times[index]!, 3)}`, className: 'tooltip-title' },
      { text: `RSS ${formatBytes(rss[index]!)}` },
      { text: `V8 heap used ${formatBytes(heapUsed[index]!)}` },
    ];
  }
}
