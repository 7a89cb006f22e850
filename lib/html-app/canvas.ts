/**
 * What the timeline and the flame graph share: a canvas that fills its
 * container at the screen's pixel density and scrolls vertically over
 * content taller than itself (a sticky canvas over a spacer, so the browser
 * draws a real scrollbar), a tooltip, and label fitting.
 */

export type DrawCallback = (context: CanvasRenderingContext2D, width: number, height: number, scrollTop: number) => void;

export class ScrollCanvas {
  readonly scroller: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly spacer: HTMLDivElement;
  private readonly context: CanvasRenderingContext2D;
  private readonly observer: ResizeObserver;
  private frameRequest = 0;
  width = 0;
  height = 0;

  constructor(
    container: HTMLElement,
    private readonly draw: DrawCallback,
  ) {
    this.scroller = document.createElement('div');
    this.scroller.className = 'canvas-scroller';
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'view-canvas';
    this.canvas.tabIndex = 0;
    this.spacer = document.createElement('div');
    this.scroller.append(this.canvas, this.spacer);
    container.append(this.scroller);
    const context = this.canvas.getContext('2d');
    if (!context) throw new Error('this browser cannot draw on a canvas');
    this.context = context;
    this.scroller.addEventListener('scroll', () => this.requestDraw());
    // Resizing clears the canvas, so it is redrawn at once; the first
    // drawing waits for a frame, as whoever creates this is not ready yet.
    this.observer = new ResizeObserver(() => {
      if (this.resize()) this.drawNow();
    });
    this.observer.observe(this.scroller);
    this.resize();
    this.requestDraw();
  }

  get scrollTop(): number {
    return this.scroller.scrollTop;
  }

  set scrollTop(value: number) {
    this.scroller.scrollTop = value;
  }

  /** The height of everything that can be scrolled to, CSS pixels. */
  setContentHeight(height: number): void {
    this.spacer.style.height = `${Math.max(0, height - this.height)}px`;
  }

  requestDraw(): void {
    if (this.frameRequest) return;
    this.frameRequest = requestAnimationFrame(() => {
      this.frameRequest = 0;
      this.drawNow();
    });
  }

  drawNow(): void {
    if (this.width === 0 || this.height === 0) return;
    const ratio = window.devicePixelRatio || 1;
    this.context.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.draw(this.context, this.width, this.height, this.scroller.scrollTop);
  }

  /** Pointer position in CSS pixels relative to the canvas. */
  pointer(event: { clientX: number; clientY: number }): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  /**
   * Calls `hover` with the pointer whenever it moves over the canvas, and
   * again when what is under a still pointer changes: the view scrolled (the
   * wheel, the scrollbar) or the owner moved its content (rehover()). With
   * mousemove alone, a tooltip would go on naming what was there before.
   */
  onHover(hover: (pointer: { clientX: number; clientY: number }) => void): void {
    this.hover = hover;
    this.canvas.addEventListener('mousemove', (event) => {
      this.lastPointer = { clientX: event.clientX, clientY: event.clientY };
      hover(this.lastPointer);
    });
    this.canvas.addEventListener('mouseleave', () => {
      this.lastPointer = undefined;
    });
    this.scroller.addEventListener('scroll', () => this.rehover());
  }

  /** Hovers again where the pointer is, if it is over the canvas. */
  rehover(): void {
    if (this.lastPointer && this.hover) this.hover(this.lastPointer);
  }

  private hover: ((pointer: { clientX: number; clientY: number }) => void) | undefined;
  private lastPointer: { clientX: number; clientY: number } | undefined;

  destroy(): void {
    this.observer.disconnect();
    cancelAnimationFrame(this.frameRequest);
    this.scroller.remove();
  }

  /** Fits the canvas to its container; true if its size changed. */
  private resize(): boolean {
    const width = this.scroller.clientWidth;
    const height = this.scroller.clientHeight;
    if (width === this.width && height === this.height) return false;
    const ratio = window.devicePixelRatio || 1;
    this.width = width;
    this.height = height;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    return true;
  }
}

export interface TooltipLine {
  text: string;
  className?: string;
}

/** A floating box of text lines near the pointer. Text only: lines are set with textContent. */
export class Tooltip {
  private readonly element: HTMLDivElement;

  constructor(parent: HTMLElement) {
    this.element = document.createElement('div');
    this.element.className = 'tooltip';
    this.element.hidden = true;
    this.element.setAttribute('role', 'tooltip');
    parent.append(this.element);
  }

  show(clientX: number, clientY: number, lines: readonly TooltipLine[]): void {
    this.element.replaceChildren(
      ...lines.map((line) => {
        const div = document.createElement('div');
        div.textContent = line.text;
        if (line.className) div.className = line.className;
        return div;
      }),
    );
    this.element.hidden = false;
    // Below and right of the pointer, flipped where it would leave the window.
    const { offsetWidth: width, offsetHeight: height } = this.element;
    const x = clientX + 14 + width > window.innerWidth ? Math.max(4, clientX - 14 - width) : clientX + 14;
    const y = clientY + 16 + height > window.innerHeight ? Math.max(4, clientY - 12 - height) : clientY + 16;
    this.element.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
  }

  hide(): void {
    this.element.hidden = true;
  }
}

/**
 * `text` cut to fit `width` pixels with an ellipsis, or '' if not even a few
 * characters fit. Labels use a monospace font, so one character's width
 * measures them all, with no text measuring per rectangle.
 */
export function fitLabel(text: string, width: number, charWidth: number): string {
  const fits = Math.floor(width / charWidth);
  if (fits >= text.length) return text;
  if (fits < 3) return '';
  return `${text.slice(0, fits - 1)}…`;
}

export const LABEL_FONT = '11px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace';

/** Whether a drag moved far enough to be a drag rather than a click. */
export function movedBeyond(dx: number, dy: number, pixels = 3): boolean {
  return dx * dx + dy * dy > pixels * pixels;
}
