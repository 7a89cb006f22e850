/**
 * Colours of frames in the timeline and the flame graph: the program's own
 * code in cool hues, libraries and Node's modules in warm ones, V8 builtins
 * and native code in greys, each function keeping its colour everywhere.
 */
import { AWAIT, FrameInfo } from '../session/frame';
import { isApplicationFrame, packageName } from '../processors/processors';

function hash(text: string): number {
  let value = 2166136261;
  for (let i = 0; i < text.length; i++) {
    value ^= text.charCodeAt(i);
    value = Math.imul(value, 16777619);
  }
  return value >>> 0;
}

export function frameColor(frame: FrameInfo): string {
  if (frame.kind === 'special') {
    // Waiting, for anything or at an await of the profiled context: one colour.
    if (frame.name === '(idle)' || frame.name === AWAIT) return 'hsl(210, 12%, 80%)';
    if (frame.name === '(garbage collection)') return 'hsl(32, 85%, 72%)';
    return 'hsl(0, 0%, 76%)';
  }
  const value = hash(`${frame.name}\u0000${frame.file}`);
  const lightness = 68 + (value % 12);
  if (frame.kind === 'native') return `hsl(220, 10%, ${lightness}%)`;
  if (frame.kind === 'builtin') return `hsl(190, 22%, ${lightness}%)`;
  if (isApplicationFrame(frame)) return `hsl(${170 + ((value >>> 8) % 110)}, 55%, ${lightness}%)`;
  // Libraries: one hue per package (or core module), varied in lightness per function.
  const library = packageName(frame.file) ?? frame.file.split('/')[0] ?? '';
  return `hsl(${15 + (hash(library) % 45)}, 70%, ${lightness}%)`;
}

/** Colours the canvases take from the page's theme (CSS custom properties). */
export interface Theme {
  background: string;
  text: string;
  dimText: string;
  grid: string;
  frameText: string;
  highlight: string;
}

export function readTheme(element: Element): Theme {
  const style = getComputedStyle(element);
  const get = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    background: get('--canvas-bg', '#1f2327'),
    text: get('--text', '#e6e6e6'),
    dimText: get('--dim', '#8a9199'),
    grid: get('--grid', 'rgba(255,255,255,0.08)'),
    frameText: get('--frame-text', '#111'),
    highlight: get('--highlight', '#fff'),
  };
}
