/**
 * The signal trigger, for services without an HTTP port to spare: once armed,
 * `kill -USR2 <pid>` records the next N seconds and writes the reports into a
 * directory (nodeinstrument-<pid>-<time>.<ext>), each written atomically.
 *
 *   const trigger = armSignalTrigger({ dir: '/var/tmp/profiles', seconds: 10, formats: ['html', 'pprof'] });
 *   trigger.disarm();
 *
 * The preload arms it from NODEINSTRUMENT_TRIGGER_* variables (lib/production/ondemand/trigger-env.ts).
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { ProfilerOptions } from '../../options';
import { beginCapture, Capture } from './capture';
import { checkFormat, fileTimeStamp, writeReports } from './report-output';
import { Session } from '../../session/session';
import { printMessage } from '../../util/message';
import { watchCodeForCaptures } from '../../symbolize/code-watcher';
import { onTermination } from '../../recording/termination';
import { isMainThread } from 'node:worker_threads';

/**
 * Signals a trigger may take. The others are Node's (SIGUSR1 opens the
 * inspector), the sampler's or V8's (SIGPROF), uncatchable, or ask the
 * process to end (SIGINT, SIGTERM, SIGQUIT).
 */
export const TRIGGER_SIGNALS = ['SIGUSR2', 'SIGHUP', 'SIGWINCH', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGPWR'] as const;
export type TriggerSignal = (typeof TRIGGER_SIGNALS)[number];

export const DEFAULT_TRIGGER_SECONDS = 10;
export const MAX_TRIGGER_SECONDS = 3600;
export const DEFAULT_TRIGGER_FORMATS: readonly string[] = ['html', 'pprof'];

export interface SignalTriggerOptions extends ProfilerOptions {
  /** The signal that starts a recording (default 'SIGUSR2'). */
  trigger?: TriggerSignal;
  /** Where the reports go (default: the system's temporary directory); created if missing. */
  dir?: string;
  /** Seconds recorded per signal (default 10, at most 3600). */
  seconds?: number;
  /** Report formats written per recording (default html and pprof); any renderer name. */
  formats?: readonly string[];
  /** Called when a recording starts. Default: one line on stderr. */
  onStart?: () => void;
  /** Called with the files written. Default: one line on stderr. */
  onReport?: (files: string[], session: Session) => void;
  /** Called when a signal is ignored (a profile is running) or a recording fails. Default: one line on stderr. */
  onError?: (error: Error) => void;
}

export interface SignalTrigger {
  readonly trigger: TriggerSignal;
  readonly dir: string;
  readonly seconds: number;
  readonly formats: readonly string[];
  /** Whether a recording is under way. */
  readonly isRecording: boolean;
  /** Stops listening; a recording under way is still written. */
  disarm(): void;
}

const armed = new Set<TriggerSignal>();

const log = (line: string): void => printMessage(line);

export function checkTriggerSeconds(seconds: unknown, what = 'seconds'): number {
  if (typeof seconds !== 'number' || !(seconds > 0 && seconds <= MAX_TRIGGER_SECONDS)) {
    throw new RangeError(`${what} must be a number of seconds above 0 and at most ${MAX_TRIGGER_SECONDS}, got ${String(seconds)}`);
  }
  return seconds;
}

/** The directory, created if missing, after checking that reports can be written there. */
function prepareDir(dir: string): string {
  const absolute = resolve(dir);
  try {
    mkdirSync(absolute, { recursive: true });
    accessSync(absolute, constants.W_OK);
  } catch (error) {
    throw new Error(`the trigger's report directory ${absolute} is not writable: ${(error as Error).message}`);
  }
  return absolute;
}

export function armSignalTrigger(options: SignalTriggerOptions = {}): SignalTrigger {
  const trigger = options.trigger ?? 'SIGUSR2';
  if (!(TRIGGER_SIGNALS as readonly string[]).includes(trigger)) {
    throw new RangeError(`trigger must be one of ${TRIGGER_SIGNALS.join(', ')}, got '${String(trigger)}'`);
  }
  if (armed.has(trigger)) throw new Error(`a nodeinstrument trigger is armed on ${trigger} already; disarm it first`);
  const seconds = checkTriggerSeconds(options.seconds ?? DEFAULT_TRIGGER_SECONDS);
  const formats = [...(options.formats ?? DEFAULT_TRIGGER_FORMATS)];
  if (formats.length === 0) throw new RangeError('formats must name at least one report format');
  for (const format of formats) checkFormat(format, 'each of formats');
  const dir = prepareDir(options.dir ?? tmpdir());
  const { interval, maxStackDepth, signal, inlinedFrames } = options;
  const profilerOptions: ProfilerOptions = { interval, maxStackDepth, signal, inlinedFrames };
  const onStart = options.onStart ?? (() => log(`${trigger}: recording ${seconds} s for ${dir}`));
  const onReport = options.onReport ?? ((files) => log(`wrote ${files.join(', ')}`));
  const onError = options.onError ?? ((error) => log(error.message));
  watchCodeForCaptures();

  let capture: Capture | undefined;
  let timer: NodeJS.Timeout | undefined;
  let unwatch = (): void => {};

  const failed = (error: unknown): void => onError(new Error(`the ${trigger} capture could not be written: ${(error as Error).message}`));
  /** Takes the capture out of the trigger, so that the next signal starts another. */
  const release = (): void => {
    capture = undefined;
    clearTimeout(timer);
    process.removeListener('exit', onExit);
    unwatch();
  };
  const writeSession = (current: Capture, session: Session, reason: string): void => {
    try {
      const stamp = fileTimeStamp(new Date(current.startedAt));
      const title = `${trigger} capture of pid ${process.pid}, ${session.meta.duration.toFixed(1)} s${reason}`;
      onReport(writeReports(session, dir, `nodeinstrument-${process.pid}-${stamp}`, formats, title), session);
    } catch (error) {
      failed(error);
    }
  };
  /** Ends the capture at once: the process is exiting or being ended. */
  const write = (reason: string): void => {
    const current = capture;
    if (!current) return;
    release();
    let session: Session;
    try {
      session = current.stop();
    } catch (error) {
      failed(error);
      return;
    }
    writeSession(current, session, reason);
  };
  /** Ends the capture at its planned time, without stalling the service (Capture.stopAsync); an exit meanwhile ends it at once. */
  const finishOnTime = async (): Promise<void> => {
    const current = capture;
    if (!current) return;
    let session: Session;
    try {
      session = await current.stopAsync();
    } catch (error) {
      if (capture === current) release();
      failed(error);
      return;
    }
    if (capture !== current) return; // an exit or a terminating signal wrote it meanwhile
    release();
    writeSession(current, session, '');
  };
  // A process that ends during a recording still gets its report (what was recorded so far).
  const onExit = (): void => write(' (the process exited early)');

  const onSignal = (): void => {
    if (capture) {
      onError(new Error(`${trigger} ignored: a ${seconds} s recording is under way already`));
      return;
    }
    try {
      capture = beginCapture(trigger, profilerOptions, seconds);
    } catch (error) {
      onError(new Error(`${trigger} ignored: ${(error as Error).message}`));
      return;
    }
    process.on('exit', onExit);
    // A terminating signal the service does not handle (it would die at
    // once): the recording so far is written first (lib/recording/termination.ts).
    if (isMainThread) unwatch = onTermination((signal) => write(` (the process was ended by ${signal})`));
    onStart();
    // Unreferenced: a recording does not keep a finished program alive (onExit writes it).
    timer = setTimeout(() => void finishOnTime(), seconds * 1000).unref();
  };

  if (process.report?.reportOnSignal && process.report.signal === trigger) {
    log(`${trigger} also writes a Node diagnostic report in this process (--report-on-signal); pick another trigger signal to keep them apart`);
  }
  process.on(trigger, onSignal);
  armed.add(trigger);
  let isArmed = true;
  return {
    trigger,
    dir,
    seconds,
    formats,
    get isRecording() {
      return capture !== undefined;
    },
    disarm() {
      if (!isArmed) return;
      isArmed = false;
      process.removeListener(trigger, onSignal);
      armed.delete(trigger);
    },
  };
}
