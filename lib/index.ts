/** nodeinstrument: a readable, low-overhead sampling profiler for Node.js. */
export { Profiler, profile } from './profiler';
export type { ProfilerOptions } from './options';
export { Session, SessionFormatError } from './session';
export type { SessionMeta, SessionData, StackTable, SampleTable } from './session';
export type { FrameInfo, FrameKind } from './frame';
export { buildCallTree } from './tree';
export type { CallNode } from './tree';
export { processTree } from './processors';
export type { ProcessorOptions } from './processors';
export { renderText } from './renderers/text';
export type { TextRenderOptions } from './renderers/text';
export { renderPprof } from './renderers/pprof';
export { renderSpeedscope } from './renderers/speedscope';
export { renderCpuProfile } from './renderers/cpuprofile';
export { renderCollapsed } from './renderers/collapsed';
export { renderers, rendererByName, rendererForPath } from './renderers';
export type { Renderer } from './renderers';
