/**
 * Profiles with worker threads: the report data as one thread sees it. The
 * embedded data's top level is the main thread's; a worker's view replaces
 * its self table, timeline, warnings, labels and per-thread meta.
 */
import type { HtmlReportData, HtmlThread } from '../renderers/html-format';

export function dataOfThread(data: HtmlReportData, index: number): HtmlReportData {
  const thread = data.threads?.[index];
  const view = thread?.view;
  if (!thread || !view) return data;
  const count = data.stacks.parent.length;
  const time = new Array<number>(count).fill(0);
  const samples = new Array<number>(count).fill(0);
  view.self.stack.forEach((stackId, i) => {
    time[stackId] = view.self.time[i]!;
    samples[stackId] = view.self.samples[i]!;
  });
  // The main thread's labels are not this thread's.
  const shared: HtmlReportData = { ...data };
  delete shared.labels;
  return {
    ...shared,
    meta: { ...data.meta, sampleCount: thread.sampleCount, cpuTime: thread.cpuTime, achievedInterval: view.achievedInterval },
    self: { time, samples },
    emptyStack: view.self.emptyStack,
    timeline: view.timeline,
    warnings: view.warnings,
    ...(view.labels ? { labels: view.labels } : {}),
  };
}

/** `worker 2 crunch.js (1,234 samples, exited)` for the selector. */
export function threadOptionText(thread: HtmlThread): string {
  const facts = [`${thread.sampleCount.toLocaleString('en-US')} samples`];
  if (thread.exited) facts.push('exited');
  return `${thread.name} (${facts.join(', ')})`;
}
