/** On-demand capture from inside the process: the pprof endpoint and the signal trigger. */
export { pprofHandler } from './pprof-handler';
export type { PprofHandlerOptions, RequestHandler } from './pprof-handler';
export { startPprofServer } from './pprof-server';
export type { PprofServer, PprofServerOptions } from './pprof-server';
export { CaptureBusyError } from './capture';
export { armSignalTrigger, TRIGGER_SIGNALS } from './trigger';
export type { SignalTrigger, SignalTriggerOptions, TriggerSignal } from './trigger';
