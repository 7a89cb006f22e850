/**
 * nodeinstrument's own work in a profile. The drains that turn the sampler's
 * buffers into stacks run on the profiled thread, so some samples land in the
 * profiler's own code (a few percent of a busy run). Reports leave those
 * samples out by default and say in a note what they weighed; `showAll`
 * keeps them. The recording names the directory of its own scripts
 * (meta.profilerScripts), so this works wherever the session is read.
 */
import { keepSamples } from '../session/keep-samples';
import type { Session } from '../session/session';

/** The session without the samples of the profiler's own work (its scripts the leaf-most JavaScript outside Node's modules and the libraries it runs). */
export function withoutProfilerWork(session: Session): Session {
  const own = profilerWorkSamples(session);
  if (own === undefined) return session;
  const { samples } = session;
  let removed = 0;
  let weight = 0;
  let total = 0;
  for (let i = 0; i < samples.stack.length; i++) {
    total += samples.duration[i]!;
    if (!own[i]) continue;
    removed++;
    weight += samples.duration[i]!;
  }
  const share = total > 0 ? ` (${((weight / total) * 100).toFixed(1)}%)` : '';
  const amount = session.meta.mode === 'alloc' ? `${removed} samples${share}` : `${weight.toFixed(3)} s${share} in ${removed} samples`;
  const note = `nodeinstrument's own work on this thread (its drains), ${amount}, is left out (--show-all shows it)`;
  return keepSamples(session, (i) => !own[i], { ...session.meta, notes: [...session.meta.notes, note] });
}

/** Per sample, whether it is the profiler's own work; undefined when none is. */
export function profilerWorkSamples(session: Session): boolean[] | undefined {
  const dir = session.meta.profilerScripts;
  if (!dir) return undefined;
  const { frames, stacks, samples } = session;
  // Whose work a sample is, decided by its leaf-most frame of JavaScript outside Node's own
  // modules: the profiler's drain calling node:fs is the profiler's; a request handler that
  // the profiler's middleware called (next()) is the program's.
  // The libraries the profiler runs (acorn...) decide nothing either: their caller does.
  const libraries = session.meta.profilerLibraries ?? [];
  const passes = (file: string): boolean => file.startsWith('node:') || libraries.some((library) => file.startsWith(library));
  const decides = frames.map((frame) => (frame.kind !== 'js' || passes(frame.file) ? undefined : frame.file.startsWith(dir)));
  if (!decides.includes(true)) return undefined;
  // Stacks share prefixes: a stack whose leaf does not decide has its parent's answer.
  const ownStack = new Map<number, boolean>();
  const isOwn = (stack: number): boolean => {
    const pending: number[] = [];
    let id = stack;
    let answer = false;
    while (id !== -1) {
      const known = ownStack.get(id) ?? decides[stacks.frame[id]!];
      if (known !== undefined) {
        answer = known;
        break;
      }
      pending.push(id);
      id = stacks.parent[id]!;
    }
    for (const seen of pending) ownStack.set(seen, answer);
    if (id !== -1) ownStack.set(id, answer);
    return answer;
  };
  const own = samples.stack.map((stack) => stack !== -1 && isOwn(stack));
  return own.includes(true) ? own : undefined;
}
