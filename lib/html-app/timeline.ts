/**
 * The timeline: call stacks over time as a flame chart (x: time, y: stack
 * depth, one rectangle per run of one call), drawn on a canvas. Wheel zooms
 * around the pointer, dragging pans, double click zooms to a call; keys:
 * arrows pan and scroll, + and - zoom, 0 resets.
 */
import type { FrameInfo } from '../session/frame';
import { fitLabel, LABEL_FONT, movedBeyond, ScrollCanvas, Tooltip, TooltipLine } from './canvas';
import { readTheme, Theme } from './colors';
import { formatPercent, formatSeconds, niceStep } from './format';
import type { FrameMatches } from './search';
import { firstRunEndingAfter, TimelineRow, TimelineRows } from './timeline-rows';
import type { VisibleStacks } from './visible-stacks';

export interface TimelineInput {
  rows: TimelineRows;
  visible: VisibleStacks;
  frames: readonly FrameInfo[];
  labels: readonly string[];
  locations: readonly string[];
  colors: readonly string[];
  /** The whole profile's wall time, for shares in the tooltip. */
  totalTime: number;
}

const ROW_HEIGHT = 18;
const AXIS_HEIGHT = 22;
/** Narrowest time span a zoom reaches: a microsecond. */
const MIN_SPAN = 1e-6;

interface Hit {
  depth: number;
  index: number;
}

export class Timeline {
  private readonly surface: ScrollCanvas;
  private input: TimelineInput | undefined;
  private matches: FrameMatches;
  private theme: Theme;
  private charWidth = 6.6;
  /** The time range in view, seconds since the session start. */
  private viewStart = 0;
  private viewEnd = 1;
  private hover: Hit | undefined;
  private drag: { x: number; y: number; viewStart: number; scrollTop: number; moved: boolean } | undefined;
  /** Incremented on every draw: lets tests and the page know the canvas was drawn. */
  drawCount = 0;
  /** Told the time range in view at each draw (the memory track follows it). */
  onView: ((start: number, end: number) => void) | undefined;

  constructor(
    container: HTMLElement,
    private readonly tooltip: Tooltip,
  ) {
    this.surface = new ScrollCanvas(container, (context, width, height, scrollTop) => this.draw(context, width, height, scrollTop));
    this.theme = readTheme(container);
    this.surface.canvas.setAttribute('aria-label', 'Timeline: call stacks over time. Wheel or + and - to zoom, drag or arrow keys to pan, 0 to reset.');
    this.listen();
  }

  setInput(input: TimelineInput): void {
    const first = !this.input;
    this.input = input;
    this.hover = undefined;
    if (first) this.resetZoom();
    this.surface.setContentHeight(AXIS_HEIGHT + input.rows.rows.length * ROW_HEIGHT + ROW_HEIGHT);
    this.surface.requestDraw();
  }

  setMatches(matches: FrameMatches): void {
    this.matches = matches;
    this.surface.requestDraw();
  }

  resetZoom(): void {
    if (!this.input) return;
    const { start, end } = this.input.rows;
    this.viewStart = start;
    this.viewEnd = end > start ? end : start + 1;
    this.surface.requestDraw();
  }

  destroy(): void {
    this.surface.destroy();
  }

  // -------------------------------------------------------------------------
  // View changes.

  private zoom(factor: number, anchorX: number): void {
    if (!this.input) return;
    const { start, end } = this.input.rows;
    const full = Math.max(end - start, MIN_SPAN);
    const span = this.viewEnd - this.viewStart;
    const newSpan = Math.min(full, Math.max(MIN_SPAN, span * factor));
    const anchor = this.viewStart + (anchorX / this.surface.width) * span;
    this.setView(anchor - (anchorX / this.surface.width) * newSpan, newSpan);
  }

  private pan(seconds: number): void {
    this.setView(this.viewStart + seconds, this.viewEnd - this.viewStart);
  }

  /** Shows `span` seconds from `start`, kept within the profile. */
  private setView(start: number, span: number): void {
    if (!this.input) return;
    const { start: first, end: last } = this.input.rows;
    const clamped = Math.min(Math.max(start, first), Math.max(first, last - span));
    this.viewStart = clamped;
    this.viewEnd = clamped + span;
    this.surface.requestDraw();
  }

  // -------------------------------------------------------------------------
  // Drawing.

  private draw(context: CanvasRenderingContext2D, width: number, height: number, scrollTop: number): void {
    this.drawCount++;
    this.surface.canvas.dataset.drawCount = String(this.drawCount);
    const theme = this.theme;
    context.fillStyle = theme.background;
    context.fillRect(0, 0, width, height);
    const input = this.input;
    if (!input) return;
    this.onView?.(this.viewStart, this.viewEnd);
    context.font = LABEL_FONT;
    this.charWidth = context.measureText('M').width || this.charWidth;
    context.textBaseline = 'middle';

    const scale = width / (this.viewEnd - this.viewStart);
    const rows = input.rows.rows;
    const firstDepth = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT));
    const lastDepth = Math.min(rows.length - 1, Math.floor((scrollTop + height - AXIS_HEIGHT) / ROW_HEIGHT));
    this.drawGrid(context, height, scale);
    for (let depth = firstDepth; depth <= lastDepth; depth++) {
      const y = AXIS_HEIGHT + depth * ROW_HEIGHT - scrollTop;
      this.drawRow(context, rows[depth]!, y, width, scale, depth);
    }
    this.drawAxis(context, width, scale);
  }

  private drawRow(context: CanvasRenderingContext2D, row: TimelineRow, y: number, width: number, scale: number, depth: number): void {
    const input = this.input!;
    const { viewStart, viewEnd, matches } = this;
    let lastPixel = -1;
    let index = firstRunEndingAfter(row, viewStart);
    while (index < row.count && row.start[index]! < viewEnd) {
      const x0 = (row.start[index]! - viewStart) * scale;
      const x1 = (row.end[index]! - viewStart) * scale;
      const stack = row.stack[index]!;
      const frameId = input.visible.frame[stack]!;
      const dimmed = matches !== undefined && !matches[frameId];
      if (x1 - x0 < 1) {
        // Runs narrower than a pixel: one pixel column each, and the runs
        // that would fall in a column already drawn are skipped by a search.
        const pixel = Math.floor(x0);
        if (pixel <= lastPixel) {
          const next = firstRunEndingAfter(row, viewStart + (lastPixel + 1) / scale, index + 1);
          index = Math.max(index + 1, next);
          continue;
        }
        context.globalAlpha = dimmed ? 0.25 : 1;
        context.fillStyle = input.colors[frameId]!;
        context.fillRect(pixel, y, 1, ROW_HEIGHT - 1);
        lastPixel = pixel;
        index++;
        continue;
      }
      const left = Math.max(x0, -1);
      const right = Math.min(x1, width + 1);
      context.globalAlpha = dimmed ? 0.25 : 1;
      context.fillStyle = input.colors[frameId]!;
      context.fillRect(left, y, Math.max(1, right - left - (right - left > 3 ? 1 : 0)), ROW_HEIGHT - 1);
      const label = fitLabel(input.labels[frameId]!, right - left - 6, this.charWidth);
      if (label) {
        context.fillStyle = this.theme.frameText;
        context.fillText(label, left + 3, y + ROW_HEIGHT / 2);
      }
      if (this.hover && this.hover.depth === depth && this.hover.index === index) {
        context.globalAlpha = 1;
        context.strokeStyle = this.theme.highlight;
        context.lineWidth = 2;
        context.strokeRect(left + 1, y + 1, Math.max(1, right - left - 2), ROW_HEIGHT - 3);
      }
      lastPixel = Math.floor(x1);
      index++;
    }
    context.globalAlpha = 1;
  }

  private drawGrid(context: CanvasRenderingContext2D, height: number, scale: number): void {
    const step = niceStep(100 / scale);
    context.fillStyle = this.theme.grid;
    for (let t = Math.ceil(this.viewStart / step) * step; t < this.viewEnd; t += step) {
      context.fillRect(Math.round((t - this.viewStart) * scale), AXIS_HEIGHT, 1, height - AXIS_HEIGHT);
    }
  }

  private drawAxis(context: CanvasRenderingContext2D, width: number, scale: number): void {
    const theme = this.theme;
    context.fillStyle = theme.background;
    context.fillRect(0, 0, width, AXIS_HEIGHT);
    context.fillStyle = theme.grid;
    context.fillRect(0, AXIS_HEIGHT - 1, width, 1);
    const step = niceStep(100 / scale);
    const digits = Math.max(0, -Math.floor(Math.log10(step)));
    context.fillStyle = theme.dimText;
    context.textBaseline = 'middle';
    for (let t = Math.ceil(this.viewStart / step) * step; t < this.viewEnd; t += step) {
      const x = Math.round((t - this.viewStart) * scale);
      context.fillRect(x, AXIS_HEIGHT - 6, 1, 5);
      context.fillText(`${t.toFixed(Math.min(6, digits))} s`, x + 3, AXIS_HEIGHT / 2 - 1);
    }
  }

  // -------------------------------------------------------------------------
  // Pointer and keys.

  private hitTest(x: number, y: number): Hit | undefined {
    const input = this.input;
    if (!input || y < AXIS_HEIGHT) return undefined;
    const depth = Math.floor((y - AXIS_HEIGHT + this.surface.scrollTop) / ROW_HEIGHT);
    const row = input.rows.rows[depth];
    if (!row) return undefined;
    const scale = this.surface.width / (this.viewEnd - this.viewStart);
    const time = this.viewStart + x / scale;
    // Within a pixel: zoomed out, runs are narrower than the pointer.
    const index = firstRunEndingAfter(row, time - 1 / scale);
    if (index < row.count && row.start[index]! <= time + 1 / scale) return { depth, index };
    return undefined;
  }

  private describe(hit: Hit): TooltipLine[] {
    const input = this.input!;
    const row = input.rows.rows[hit.depth]!;
    const frameId = input.visible.frame[row.stack[hit.index]!]!;
    const start = row.start[hit.index]!;
    const end = row.end[hit.index]!;
    const lines: TooltipLine[] = [{ text: input.labels[frameId]!, className: 'tooltip-title' }];
    if (input.locations[frameId]) lines.push({ text: input.locations[frameId]!, className: 'tooltip-dim' });
    const share = input.totalTime > 0 ? ` (${formatPercent((end - start) / input.totalTime)} of the profile)` : '';
    lines.push({ text: `${formatSeconds(end - start)}${share}` });
    lines.push({ text: `from ${formatSeconds(start, 6)} to ${formatSeconds(end, 6)}`, className: 'tooltip-dim' });
    return lines;
  }

  private listen(): void {
    const canvas = this.surface.canvas;
    canvas.addEventListener(
      'wheel',
      (event) => {
        event.preventDefault();
        const scale = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? this.surface.height : 1;
        if (event.shiftKey) {
          this.surface.scrollTop += event.deltaY * scale;
        } else if (Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
          this.pan((event.deltaX * scale * (this.viewEnd - this.viewStart)) / this.surface.width);
        } else {
          this.zoom(Math.exp(event.deltaY * scale * 0.0015), this.surface.pointer(event).x);
          this.surface.rehover(); // the calls under the pointer changed with the zoom
        }
      },
      { passive: false },
    );
    canvas.addEventListener('mousedown', (event) => {
      if (event.button !== 0) return;
      this.drag = { x: event.clientX, y: event.clientY, viewStart: this.viewStart, scrollTop: this.surface.scrollTop, moved: false };
      canvas.focus({ preventScroll: true });
    });
    window.addEventListener('mousemove', (event) => {
      const drag = this.drag;
      if (drag) {
        const dx = event.clientX - drag.x;
        const dy = event.clientY - drag.y;
        if (!drag.moved && !movedBeyond(dx, dy)) return;
        drag.moved = true;
        this.tooltip.hide();
        const span = this.viewEnd - this.viewStart;
        this.setView(drag.viewStart - (dx / this.surface.width) * span, span);
        this.surface.scrollTop = drag.scrollTop - dy;
      }
    });
    window.addEventListener('mouseup', () => {
      this.drag = undefined;
    });
    this.surface.onHover((pointer) => {
      if (this.drag?.moved) return;
      const { x, y } = this.surface.pointer(pointer);
      const hit = this.hitTest(x, y);
      if (hit?.depth !== this.hover?.depth || hit?.index !== this.hover?.index) {
        this.hover = hit;
        this.surface.requestDraw();
      }
      if (hit) this.tooltip.show(pointer.clientX, pointer.clientY, this.describe(hit));
      else this.tooltip.hide();
    });
    canvas.addEventListener('mouseleave', () => {
      this.hover = undefined;
      this.tooltip.hide();
      this.surface.requestDraw();
    });
    canvas.addEventListener('dblclick', (event) => {
      const { x, y } = this.surface.pointer(event);
      const hit = this.hitTest(x, y);
      if (!hit || !this.input) return;
      const row = this.input.rows.rows[hit.depth]!;
      const start = row.start[hit.index]!;
      const end = row.end[hit.index]!;
      const margin = (end - start) * 0.05;
      this.setView(start - margin, Math.max(MIN_SPAN, end - start + 2 * margin));
    });
    canvas.addEventListener('keydown', (event) => {
      const span = this.viewEnd - this.viewStart;
      const handled = ((): boolean => {
        switch (event.key) {
          case 'ArrowLeft':
            this.pan(-span * 0.1);
            return true;
          case 'ArrowRight':
            this.pan(span * 0.1);
            return true;
          case 'ArrowUp':
            this.surface.scrollTop -= ROW_HEIGHT * 3;
            return true;
          case 'ArrowDown':
            this.surface.scrollTop += ROW_HEIGHT * 3;
            return true;
          case '+':
          case '=':
            this.zoom(0.8, this.surface.width / 2);
            return true;
          case '-':
          case '_':
            this.zoom(1.25, this.surface.width / 2);
            return true;
          case '0':
            this.resetZoom();
            return true;
          default:
            return false;
        }
      })();
      if (handled) event.preventDefault();
    });
  }
}
