/**
 * The output formats, by name and by file extension. Each renderer turns a
 * session into the bytes of one file.
 */
import { Session } from '../session';
import { renderText, TextRenderOptions } from './text';

export interface Renderer {
  readonly name: string;
  readonly description: string;
  /** File extensions (with the dot) that select this renderer for -o. */
  readonly extensions: readonly string[];
  render(session: Session, options: TextRenderOptions): string;
}

export const renderers: readonly Renderer[] = [
  {
    name: 'text',
    description: 'call tree as text',
    extensions: ['.txt', '.text'],
    render: (session, options) => renderText(session, options),
  },
  {
    name: 'session',
    description: 'the session as JSON, to render later with --load',
    extensions: ['.json'],
    render: (session) => JSON.stringify(session),
  },
];

export function rendererByName(name: string): Renderer {
  const renderer = renderers.find((candidate) => candidate.name === name);
  if (!renderer) {
    throw new Error(`unknown renderer '${name}' (known: ${renderers.map((r) => r.name).join(', ')})`);
  }
  return renderer;
}

/** The renderer for an output path's extension, or undefined. */
export function rendererForPath(path: string): Renderer | undefined {
  const lower = path.toLowerCase();
  return renderers.find((renderer) => renderer.extensions.some((extension) => lower.endsWith(extension)));
}
