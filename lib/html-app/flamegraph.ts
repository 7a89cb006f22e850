/**
 * The flame graph of the processed call tree, drawn as an icicle (the root
 * on top, callees below, width = time). Clicking a node zooms into it, its
 * ancestors staying on top across the full width; clicking one of them or
 * pressing Escape zooms out.
 */
import type { CallNode } from '../session/tree';
import { fitLabel, LABEL_FONT, ScrollCanvas, Tooltip, TooltipLine } from './canvas';
import { readTheme, Theme } from './colors';
import { formatPercent, formatSeconds } from './format';
import type { FrameMatches } from './search';
import type { ViewTree } from './view-tree';

export interface FlameInput {
  view: ViewTree;
  labels: readonly string[];
  locations: readonly string[];
  colors: readonly string[];
  /** Writes a node's weight (seconds, or bytes for an alloc session). */
  formatValue?: (value: number) => string;
}

const ROW_HEIGHT = 18;
const TOP_MARGIN = 4;

/** The tree laid out: node i spans [x[i], x[i] + node.totalTime) seconds at row depth[i]. */
interface Layout {
  nodes: CallNode[];
  x: Float64Array;
  depth: Int32Array;
  parent: Int32Array;
  maxDepth: number;
}

function layOut(root: CallNode): Layout {
  const nodes: CallNode[] = [];
  const x: number[] = [];
  const depth: number[] = [];
  const parent: number[] = [];
  const pending: Array<{ node: CallNode; x: number; depth: number; parent: number }> = [{ node: root, x: 0, depth: 0, parent: -1 }];
  let maxDepth = 0;
  for (let item = pending.pop(); item; item = pending.pop()) {
    const index = nodes.length;
    nodes.push(item.node);
    x.push(item.x);
    depth.push(item.depth);
    parent.push(item.parent);
    maxDepth = Math.max(maxDepth, item.depth);
    // Pushed right to left, so children are visited (and listed) left to right.
    let offset = item.node.children.reduce((end, child) => end + child.totalTime, item.x);
    for (let i = item.node.children.length - 1; i >= 0; i--) {
      const child = item.node.children[i]!;
      offset -= child.totalTime;
      pending.push({ node: child, x: offset, depth: item.depth + 1, parent: index });
    }
  }
  return { nodes, x: Float64Array.from(x), depth: Int32Array.from(depth), parent: Int32Array.from(parent), maxDepth };
}

export class FlameGraph {
  private readonly surface: ScrollCanvas;
  private input: FlameInput | undefined;
  private layout: Layout | undefined;
  private matches: FrameMatches;
  private theme: Theme;
  private charWidth = 6.6;
  private focus = 0;
  private hover = -1;
  drawCount = 0;

  constructor(
    container: HTMLElement,
    private readonly tooltip: Tooltip,
  ) {
    this.surface = new ScrollCanvas(container, (context, width, height, scrollTop) => this.draw(context, width, height, scrollTop));
    this.theme = readTheme(container);
    this.surface.canvas.setAttribute('aria-label', 'Flame graph of the call tree. Click a function to zoom into it; Escape zooms out.');
    this.listen();
  }

  setInput(input: FlameInput): void {
    // Keep the zoom on the same call when the tree is re-processed.
    const focusKey = this.layout && this.input ? this.input.view.key.get(this.layout.nodes[this.focus]!) : undefined;
    this.input = input;
    this.layout = layOut(input.view.root);
    this.focus = 0;
    if (focusKey) {
      const index = this.layout.nodes.findIndex((node) => input.view.key.get(node) === focusKey);
      if (index > 0) this.focus = index;
    }
    this.hover = -1;
    this.surface.setContentHeight(TOP_MARGIN + (this.layout.maxDepth + 2) * ROW_HEIGHT);
    this.surface.requestDraw();
  }

  setMatches(matches: FrameMatches): void {
    this.matches = matches;
    this.surface.requestDraw();
  }

  resetZoom(): void {
    this.focus = 0;
    this.surface.requestDraw();
  }

  destroy(): void {
    this.surface.destroy();
  }

  private draw(context: CanvasRenderingContext2D, width: number, height: number, scrollTop: number): void {
    this.drawCount++;
    this.surface.canvas.dataset.drawCount = String(this.drawCount);
    context.fillStyle = this.theme.background;
    context.fillRect(0, 0, width, height);
    const { layout, input } = this;
    if (!layout || !input) return;
    context.font = LABEL_FONT;
    context.textBaseline = 'middle';
    this.charWidth = context.measureText('M').width || this.charWidth;
    const focusNode = layout.nodes[this.focus]!;
    const viewStart = layout.x[this.focus]!;
    const span = focusNode.totalTime || 1;
    const scale = width / span;
    const focusDepth = layout.depth[this.focus]!;
    const firstDepth = Math.floor((scrollTop - TOP_MARGIN) / ROW_HEIGHT);
    const lastDepth = Math.ceil((scrollTop + height) / ROW_HEIGHT);
    // The last pixel column drawn in each row. Nodes come in depth-first
    // order, which at any one depth is left to right, so nodes narrower than
    // a pixel get a one-pixel column each unless their column is taken:
    // many tiny calls stay visible without drawing thousands of rectangles.
    const lastPixel = new Float64Array(layout.maxDepth + 1).fill(-1);
    for (let i = 0; i < layout.nodes.length; i++) {
      const depth = layout.depth[i]!;
      if (depth < firstDepth || depth > lastDepth) continue;
      const node = layout.nodes[i]!;
      const x0 = (layout.x[i]! - viewStart) * scale;
      const x1 = x0 + node.totalTime * scale;
      if (x1 <= 0 || x0 >= width || node.totalTime <= 0) continue;
      const y = TOP_MARGIN + depth * ROW_HEIGHT - scrollTop;
      const isRoot = i === 0;
      const matched = this.matches === undefined || (!isRoot && this.matches[node.frameId] === 1);
      // Ancestors of the zoomed node are context: paler.
      context.globalAlpha = !matched ? 0.25 : depth < focusDepth ? 0.6 : 1;
      context.fillStyle = isRoot ? this.theme.grid : input.colors[node.frameId]!;
      if (x1 - x0 < 1) {
        const pixel = Math.floor(x0);
        if (pixel > lastPixel[depth]!) {
          context.fillRect(pixel, y, 1, ROW_HEIGHT - 1);
          lastPixel[depth] = pixel;
        }
        context.globalAlpha = 1;
        continue;
      }
      const left = Math.max(0, x0);
      const right = Math.min(width, x1);
      context.fillRect(left, y, Math.max(1, right - left - (right - left > 3 ? 1 : 0)), ROW_HEIGHT - 1);
      lastPixel[depth] = Math.floor(right);
      context.globalAlpha = 1;
      const text = isRoot ? `all (${this.format(node.totalTime)})` : input.labels[node.frameId]!;
      const label = fitLabel(text, right - left - 6, this.charWidth);
      if (label) {
        context.fillStyle = isRoot ? this.theme.text : this.theme.frameText;
        context.fillText(label, left + 3, y + ROW_HEIGHT / 2);
      }
      if (i === this.hover) {
        context.strokeStyle = this.theme.highlight;
        context.lineWidth = 2;
        context.strokeRect(left + 1, y + 1, Math.max(1, right - left - 2), ROW_HEIGHT - 3);
      }
    }
  }

  private format(value: number): string {
    return (this.input?.formatValue ?? formatSeconds)(value);
  }

  private hitTest(x: number, y: number): number {
    const layout = this.layout;
    if (!layout) return -1;
    const depth = Math.floor((y + this.surface.scrollTop - TOP_MARGIN) / ROW_HEIGHT);
    const viewStart = layout.x[this.focus]!;
    const span = layout.nodes[this.focus]!.totalTime || 1;
    const time = viewStart + (x / this.surface.width) * span;
    for (let i = 0; i < layout.nodes.length; i++) {
      if (layout.depth[i] !== depth) continue;
      const start = layout.x[i]!;
      if (time >= start && time < start + layout.nodes[i]!.totalTime) return i;
    }
    return -1;
  }

  private describe(index: number): TooltipLine[] {
    const { input, layout } = this;
    const node = layout!.nodes[index]!;
    const root = layout!.nodes[0]!;
    if (index === 0) return [{ text: 'all samples', className: 'tooltip-title' }, { text: this.format(node.totalTime) }];
    const lines: TooltipLine[] = [{ text: input!.labels[node.frameId]!, className: 'tooltip-title' }];
    if (input!.locations[node.frameId]) lines.push({ text: input!.locations[node.frameId]!, className: 'tooltip-dim' });
    lines.push({ text: `total ${this.format(node.totalTime)} (${formatPercent(node.totalTime / (root.totalTime || 1))})` });
    lines.push({ text: `self ${this.format(node.selfTime)}` });
    if (node.hidden && node.hidden.frameCount > 0) {
      const names = node.hidden.libraries.length > 0 ? `  ${node.hidden.libraries.join(', ')}` : '';
      lines.push({ text: `[${node.hidden.frameCount} frame${node.hidden.frameCount === 1 ? '' : 's'} hidden]${names}`, className: 'tooltip-dim' });
    }
    return lines;
  }

  private listen(): void {
    const canvas = this.surface.canvas;
    this.surface.onHover((pointer) => {
      const { x, y } = this.surface.pointer(pointer);
      const hit = this.hitTest(x, y);
      if (hit !== this.hover) {
        this.hover = hit;
        this.surface.requestDraw();
      }
      if (hit >= 0) this.tooltip.show(pointer.clientX, pointer.clientY, this.describe(hit));
      else this.tooltip.hide();
    });
    canvas.addEventListener('mouseleave', () => {
      this.hover = -1;
      this.tooltip.hide();
      this.surface.requestDraw();
    });
    canvas.addEventListener('click', (event) => {
      const { x, y } = this.surface.pointer(event);
      const hit = this.hitTest(x, y);
      this.focus = hit >= 0 ? hit : 0;
      this.surface.requestDraw();
      if (hit >= 0) this.tooltip.show(event.clientX, event.clientY, this.describe(hit));
    });
    canvas.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' || event.key === '0') {
        this.resetZoom();
        event.preventDefault();
      } else if (event.key === 'Backspace' && this.layout) {
        this.focus = Math.max(0, this.layout.parent[this.focus]!);
        this.surface.requestDraw();
        event.preventDefault();
      }
    });
  }
}
