/**
 * What the HTML report's label selector needs: each `key=value` pair the
 * samples carry, with the self table of the samples that carry it (sparse:
 * only the stacks they ended in), so the page can rebuild the call tree of
 * one label without embedding every sample.
 */
import { Session } from '../session/session';
import type { HtmlLabels, HtmlLabelSelf } from './html-format';
import { escapeControl } from './text';

export function buildHtmlLabels(session: Session, roundNs: (seconds: number) => number): HtmlLabels | undefined {
  const labels = session.labels;
  if (!labels || labels.sets.length === 0) return undefined;
  // Pairs sorted for the selector; each set contributes to every pair it holds.
  const pairKeys = [...new Set(labels.sets.flatMap((set) => Object.entries(set).map(([key, value]) => `${key}=${value}`)))].sort();
  const pairIndex = new Map(pairKeys.map((pair, index) => [pair, index]));
  const pairsOfSet = labels.sets.map((set) => Object.entries(set).map(([key, value]) => pairIndex.get(`${key}=${value}`)!));
  const tables = pairKeys.map(() => ({ byStack: new Map<number, { time: number; samples: number }>(), emptyTime: 0, emptySamples: 0 }));
  const { stack, duration } = session.samples;
  for (let i = 0; i < stack.length; i++) {
    const set = labels.sample[i]!;
    if (set === -1) continue;
    for (const pair of pairsOfSet[set]!) {
      const table = tables[pair]!;
      const stackId = stack[i]!;
      if (stackId === -1) {
        table.emptyTime += duration[i]!;
        table.emptySamples++;
        continue;
      }
      const entry = table.byStack.get(stackId) ?? { time: 0, samples: 0 };
      entry.time += duration[i]!;
      entry.samples++;
      table.byStack.set(stackId, entry);
    }
  }
  return {
    // Values may hold anything a program passed: control characters shown, as in the text report.
    pairs: pairKeys.map(escapeControl),
    self: tables.map(({ byStack, emptyTime, emptySamples }): HtmlLabelSelf => {
      const stacks = [...byStack.keys()].sort((a, b) => a - b);
      return {
        stack: stacks,
        time: stacks.map((id) => roundNs(byStack.get(id)!.time)),
        samples: stacks.map((id) => byStack.get(id)!.samples),
        emptyStack: { time: roundNs(emptyTime), samples: emptySamples },
      };
    }),
  };
}
