/** nodeinstrument: a readable, low-overhead sampling profiler for Node.js. */
import { registerWorkerThread } from './worker-registration';

// In a worker thread, the main thread's profiles can then sample this one.
registerWorkerThread();

export { Profiler, profile } from './profiler';
export { watchCode, unwatchCode, isWatchingCode } from './code-watcher';
export type { ProfilerOptions } from './options';
export type { ProfileMode } from './mode';
export { Session, SessionFormatError } from './session';
export type { SessionMeta, SessionData, StackTable, SampleTable, AllocationSettings, SessionLabels, SessionThreads, ThreadInfo } from './session';
export type { MemorySeries } from './memory-series';
export { withLabels, setLabels, getLabels, LabelError, LABEL_LIMITS } from './labels';
export type { Labels } from './labels';
export { filterSessionByLabels, LabelFilterError } from './labels-filter';
export type { LabelFilter } from './labels-filter';
export type { FrameInfo, FrameKind } from './frame';
export { applySourceMaps, SourceMapResolver } from './source-maps';
export { buildCallTree } from './tree';
export type { CallNode } from './tree';
export { processTree } from './processors';
export type { ProcessorOptions } from './processors';
export { renderText } from './renderers/text';
export type { TextRenderOptions } from './renderers/text';
export { renderHtml } from './renderers/html';
export { renderPprof } from './renderers/pprof';
export { renderSpeedscope } from './renderers/speedscope';
export { renderCpuProfile } from './renderers/cpuprofile';
export { renderCollapsed } from './renderers/collapsed';
export { renderers, rendererByName, rendererForPath } from './renderers';
export type { Renderer } from './renderers';
export * from './ondemand';
export * from './middleware';
export { diffSessions, DiffError } from './diff';
export type { DiffOptions, SessionDiff, DiffNode, FunctionDiff, DiffMeasure, DiffSide, Verdict } from './diff';
export { renderDiffText } from './renderers/diff-text';
export type { DiffTextOptions } from './renderers/diff-text';
export { renderDiffHtml } from './renderers/diff-html';
export { profileWarnings, WARNING_THRESHOLDS } from './warnings';
export type { ProfileWarning, WarningKind } from './warnings';
export { renderSummary } from './renderers/summary';
export { branchHotspots, selfHotspots } from './hotspots';
export type { Hotspot } from './hotspots';
export { loadProfile } from './diff-input';
export { loadCpuProfile } from './loaders/cpuprofile';
export { startContinuous, ContinuousProfiler } from './continuous/continuous';
export type { ContinuousStats } from './continuous/continuous';
export type { ContinuousOptions, PyroscopeOptions, RetentionLimit, WindowFormat, WindowInfo } from './continuous/options';
