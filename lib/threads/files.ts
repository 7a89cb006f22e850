/**
 * Formats that hold one thread per file (.cpuprofile): with worker threads,
 * the requested file gets the main thread and each worker gets a file of its
 * own beside it, `out.worker-2.cpuprofile` for threadId 2. Pure: says what to
 * write; the CLI writes it.
 */
import type { Session, ThreadInfo } from '../session/session';
import { hasThreads, sessionOfThread, threadsOf } from './threads';

/** Renderers whose files hold one thread. */
const ONE_THREAD_FORMATS: ReadonlySet<string> = new Set(['cpuprofile']);

export interface ThreadFile {
  path: string;
  thread: ThreadInfo;
  /** The thread's samples as a session of their own, to render. */
  session: Session;
}

/** True when `renderer` can show only the main thread of this session in one file. */
export function writesOneThread(session: Session, renderer: string): boolean {
  return ONE_THREAD_FORMATS.has(renderer) && hasThreads(session);
}

/** The files for the worker threads (every thread but the main one, which goes in `outfile`). */
export function workerThreadFiles(session: Session, renderer: string, outfile: string): ThreadFile[] {
  if (!writesOneThread(session, renderer)) return [];
  return threadsOf(session)
    .map((thread, index) => ({ thread, index }))
    .filter(({ index }) => index !== 0)
    .map(({ thread, index }) => ({ path: threadFilePath(outfile, thread), thread, session: sessionOfThread(session, index) }));
}

/** `out.cpuprofile` -> `out.worker-2.cpuprofile`; a name without an extension gets the suffix at its end. */
export function threadFilePath(outfile: string, thread: ThreadInfo): string {
  const slash = outfile.lastIndexOf('/');
  const dot = outfile.lastIndexOf('.');
  const suffix = `.worker-${thread.threadId}`;
  return dot > slash + 1 ? `${outfile.slice(0, dot)}${suffix}${outfile.slice(dot)}` : `${outfile}${suffix}`;
}
