/**
 * Turning a captured session into what an on-demand capture hands out: the
 * body and content type of an HTTP response, or report files in a directory.
 */
import { join } from 'node:path';
import { rendererByName, renderers } from '../../renderers';
import { Session } from '../../session/session';
import { writeFileAtomic } from '../../util/write-file';

export const FORMAT_NAMES: readonly string[] = renderers.map((renderer) => renderer.name);

/** Throws a clear error for a format name that is not a renderer. */
export function checkFormat(format: string, what: string): string {
  if (!FORMAT_NAMES.includes(format)) {
    throw new RangeError(`${what} must be one of ${FORMAT_NAMES.join(', ')}; got '${format}'`);
  }
  return format;
}

export interface RenderedReport {
  body: string | Uint8Array;
  contentType: string;
  /** The file extension of the format, with the dot. */
  extension: string;
}

export function renderReport(session: Session, format: string, title?: string): RenderedReport {
  const renderer = rendererByName(format);
  return {
    body: renderer.render(session, { title, color: false, unicode: true }),
    contentType: renderer.contentType,
    extension: renderer.extensions[0] ?? `.${format}`,
  };
}

/** Writes the session in each format as `dir/baseName.ext` (atomically); the paths written. */
export function writeReports(session: Session, dir: string, baseName: string, formats: readonly string[], title?: string): string[] {
  return formats.map((format) => {
    const report = renderReport(session, format, title);
    const path = join(dir, baseName + report.extension);
    writeFileAtomic(path, report.body);
    return path;
  });
}

/** A UTC time stamp for file names, sortable, with milliseconds: 20261126T035647.123Z. */
export function fileTimeStamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '');
}
