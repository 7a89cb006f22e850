/**
 * A session with only some of its samples, every per-sample column (labels,
 * executing lines, threads) kept in step. Frames and stacks stay as they are:
 * renderers only reach the ones the kept samples use.
 */
import type { SampleTable, Session, SessionMeta } from './session';

export function keepSamples(session: Session, keep: (index: number) => boolean, meta: SessionMeta): Session {
  const { stack, time, duration, cpu } = session.samples;
  const kept: SampleTable = { stack: [], time: [], duration: [], cpu: [] };
  const labels: number[] = [];
  const lines: number[] = [];
  const threads: number[] = [];
  for (let i = 0; i < stack.length; i++) {
    if (!keep(i)) continue;
    kept.stack.push(stack[i]!);
    kept.time.push(time[i]!);
    kept.duration.push(duration[i]!);
    kept.cpu.push(cpu[i]!);
    if (session.labels) labels.push(session.labels.sample[i]!);
    if (session.lines) lines.push(session.lines.sample[i]!);
    if (session.threads) threads.push(session.threads.sample[i]!);
  }
  return session.with({
    meta: { ...meta, sampleCount: kept.stack.length },
    samples: kept,
    labels: session.labels && { sets: session.labels.sets, sample: labels },
    lines: session.lines && { parent: session.lines.parent, line: session.lines.line, sample: lines },
    threads: session.threads && { list: session.threads.list, sample: threads },
  });
}
