/** The page: header, view tabs, the controls they share, and the three views. */
import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { Tooltip } from './canvas';
import { FlamePanel, MemoryPanel, TimelinePanel } from './canvas-panels';
import { formatSeconds, formatShortCount, formatValue, Timing } from './format';
import { ViewLink } from './memory-chart';
import { Header } from './header';
import { buildLabelTree } from './label-tree';
import { frameText, type ReportModel } from './model';
import { matchFrames } from './search';
import { buildTimelineRows } from './timeline-rows';
import { TreeView } from './tree-view';
import { processView, rulesOf } from './view-tree';
import { visibleStacks } from './visible-stacks';

export type Tab = 'tree' | 'timeline' | 'flame';

const TABS: ReadonlyArray<{ id: Tab; label: string }> = [
  { id: 'tree', label: 'Call tree' },
  { id: 'timeline', label: 'Timeline' },
  { id: 'flame', label: 'Flame graph' },
];

export interface AppProps {
  model: ReportModel;
  tooltip: Tooltip;
  /** The tab shown first (the thread selector remounts the page on the tab the user was on). */
  initialTab?: Tab;
  onTab?: (tab: Tab) => void;
  /** The thread selector, for profiles with worker threads. */
  threadPicker?: ComponentChildren;
}

export function App({ model, tooltip, initialTab = 'tree', onTab, threadPicker }: AppProps) {
  const settings = model.data.settings;
  const [tab, setTab] = useState<Tab>(initialTab);
  const [visited, setVisited] = useState<ReadonlySet<Tab>>(new Set([initialTab]));
  const [timing, setTiming] = useState<Timing>(settings.timing);
  const [query, setQuery] = useState('');
  const [thresholdText, setThresholdText] = useState(String(+(settings.minShare * 100).toFixed(2)));
  const [showAll, setShowAll] = useState(settings.showAll);
  const [openGroups, setOpenGroups] = useState<ReadonlySet<string>>(new Set());
  // Index into data.labels.pairs, or -1 for all samples.
  const [labelPair, setLabelPair] = useState(-1);
  const viewLink = useMemo(() => new ViewLink(), []);
  const memory = model.data.memory;
  const isAlloc = model.unit === 'bytes';

  const threshold = Number(thresholdText);
  const minShare = Number.isFinite(threshold) && threshold > 0 ? Math.min(threshold, 100) / 100 : 0;
  const rules = useMemo(() => rulesOf(settings, showAll), [showAll]);
  const tree = useMemo(() => (labelPair === -1 ? model.tree : buildLabelTree(model.data, model.frames, labelPair)), [labelPair]);
  const view = useMemo(() => processView(tree, rules, openGroups, model.frames.length), [tree, rules, openGroups]);
  const text = useMemo(() => frameText(model, view.blocks), [view]);
  const matches = useMemo(() => matchFrames(query, model.frames, model.locations), [query]);

  // The timeline and the flame graph are prepared when first shown.
  const timelineInput = useMemo(() => {
    if (!visited.has('timeline') || isAlloc) return undefined;
    const visible = visibleStacks(model.data.stacks, model.frames, rules);
    const rows = buildTimelineRows(model.segments(), visible);
    return { rows, visible, frames: model.frames, labels: model.labels, locations: model.locations, colors: model.colors, totalTime: model.tree.totalTime };
  }, [rules, visited.has('timeline')]);
  const flameInput = useMemo(
    () =>
      visited.has('flame')
        ? { view, labels: text.labels, locations: text.locations, colors: text.colors, formatValue: (value: number) => formatValue(value, model.unit) }
        : undefined,
    [view, text, visited.has('flame')],
  );

  const selectTab = (next: Tab): void => {
    setTab(next);
    onTab?.(next);
    if (!visited.has(next)) setVisited(new Set([...visited, next]));
  };
  const toggleGroup = (key: string): void => {
    const next = new Set(openGroups);
    if (!next.delete(key)) next.add(key);
    setOpenGroups(next);
  };
  const resampled = model.data.timeline.resampled;
  const resampleNote = resampled
    ? `timeline resampled: ${formatShortCount(model.data.timeline.sampleCount)} samples shown as ${formatShortCount(resampled.buckets)} buckets of ${formatSeconds(resampled.bucketSeconds)}`
    : undefined;
  const labelPairs = model.data.labels?.pairs;
  const timelineNote = [labelPair === -1 ? undefined : 'the timeline shows all samples, whatever their labels', resampleNote].filter(Boolean).join('; ') || undefined;

  return (
    <div class="page">
      <Header model={model} />
      <nav class="toolbar">
        <div class="tabs" role="tablist" aria-label="Views">
          {TABS.map(({ id, label }) => (
            <button type="button" role="tab" id={`tab-${id}`} aria-selected={tab === id} aria-controls={`panel-${id}`} class={tab === id ? 'tab active' : 'tab'} onClick={() => selectTab(id)}>
              {label}
            </button>
          ))}
        </div>
        <div class="controls">
          {threadPicker}
          {labelPairs && (
            <label class="label-filter" title="Only the samples that carry this label (withLabels)">
              labels
              <select aria-label="Show the samples with this label" onChange={(event) => setLabelPair(Number(event.currentTarget.value))}>
                <option value="-1">all samples</option>
                {labelPairs.map((pair, index) => (
                  <option value={index}>{pair}</option>
                ))}
              </select>
            </label>
          )}
          <input
            type="search"
            class="search"
            placeholder="Filter: function or file"
            aria-label="Filter by function name or file"
            value={query}
            onInput={(event) => setQuery(event.currentTarget.value)}
          />
          <div class="switch" role="group" aria-label="Time shown as">
            <button type="button" aria-pressed={timing === 'seconds'} onClick={() => setTiming('seconds')}>
              {isAlloc ? 'bytes' : 'seconds'}
            </button>
            <button type="button" aria-pressed={timing === 'percent'} onClick={() => setTiming('percent')}>
              %
            </button>
          </div>
          <label class="threshold" title="Leave out of the call tree the calls under this share of the total time">
            hide under
            <input type="number" min="0" max="100" step="0.1" value={thresholdText} onInput={(event) => setThresholdText(event.currentTarget.value)} />%
          </label>
          <label class="show-all" title="Show Node's internals and every library frame">
            <input type="checkbox" checked={showAll} onChange={(event) => setShowAll(event.currentTarget.checked)} />
            show all frames
          </label>
        </div>
      </nav>
      <main>
        <section id="panel-tree" role="tabpanel" aria-labelledby="tab-tree" hidden={tab !== 'tree'} class="panel tree-panel">
          <TreeView model={model} view={view} text={text} timing={timing} minShare={minShare} matches={matches} openGroups={openGroups} onToggleGroup={toggleGroup} />
        </section>
        <section id="panel-timeline" role="tabpanel" aria-labelledby="tab-timeline" hidden={tab !== 'timeline'} class="panel">
          {timelineInput && <TimelinePanel input={timelineInput} matches={matches} tooltip={tooltip} note={timelineNote} link={memory ? viewLink : undefined} />}
          {isAlloc && (
            <p class="memory-title">
              V8's sampling heap profiler records the order of allocations, not their time: the allocation profile is in the call tree and the flame graph.
            </p>
          )}
          {visited.has('timeline') && memory && memory.time.length > 0 && (
            <>
              <div class="memory-title">Process memory (RSS and V8 heap used, sampled every 100 ms)</div>
              <MemoryPanel series={memory} tooltip={tooltip} link={isAlloc ? undefined : viewLink} range={{ start: 0, end: model.data.meta.duration }} />
            </>
          )}
        </section>
        <section id="panel-flame" role="tabpanel" aria-labelledby="tab-flame" hidden={tab !== 'flame'} class="panel">
          {flameInput && <FlamePanel input={flameInput} matches={matches} tooltip={tooltip} />}
        </section>
      </main>
    </div>
  );
}
