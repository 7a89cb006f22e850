/** Reads the profile the page embeds and decodes it into what the views use. */
import type { FrameInfo } from '../session/frame';
import type { HtmlReportData } from '../renderers/html-format';

export const DATA_ELEMENT_ID = 'nodeinstrument-data';

export function readReportData(doc: Document): HtmlReportData {
  const element = doc.getElementById(DATA_ELEMENT_ID);
  if (!element || !element.textContent) throw new Error('this page holds no profile data');
  return JSON.parse(element.textContent) as HtmlReportData;
}

/** The frames, one object each: what lib/session/tree.ts and lib/processors/processors.ts work with. */
export function decodeFrames(data: HtmlReportData): FrameInfo[] {
  const { name, file, line, column, kind } = data.frames;
  return name.map((frameName, id) => ({ name: frameName, file: file[id]!, line: line[id]!, column: column[id]!, kind: kind[id]! }));
}

/** The timeline's segments with absolute times, seconds since the session start. */
export interface Segments {
  readonly count: number;
  readonly stack: Int32Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
}

export function decodeSegments(data: HtmlReportData): Segments {
  const { stack, gap, length } = data.timeline;
  const count = stack.length;
  const start = new Float64Array(count);
  const end = new Float64Array(count);
  let micros = 0;
  for (let i = 0; i < count; i++) {
    micros += gap[i]!;
    start[i] = micros / 1e6;
    micros += length[i]!;
    end[i] = micros / 1e6;
  }
  return { count, stack: Int32Array.from(stack), start, end };
}
