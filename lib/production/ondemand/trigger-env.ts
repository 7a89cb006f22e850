/**
 * The signal trigger's configuration from the environment, for the preload:
 *
 *   NODEINSTRUMENT_TRIGGER_SIGNAL=SIGUSR2        arms it (or USR2; default SIGUSR2 when only the directory is set)
 *   NODEINSTRUMENT_TRIGGER_DIR=/var/tmp/profiles  where reports go (default: the temporary directory)
 *   NODEINSTRUMENT_TRIGGER_SECONDS=10             seconds per recording
 *   NODEINSTRUMENT_TRIGGER_FORMATS=html,pprof     report formats
 *   NODEINSTRUMENT_TRIGGER_INTERVAL=1ms           sampling interval
 *
 * Any of them arms the trigger (a process started with only SECONDS set means
 * to be profiled on SIGUSR2: left unarmed, that signal would terminate it),
 * and one line on stderr says so. A bad value is an error that stops the
 * program at start, for the same reason.
 */
import { parseInterval } from '../../cli/args';
import { parseSeconds } from '../../util/duration';
import { printMessage } from '../../util/message';
import { armSignalTrigger, MAX_TRIGGER_SECONDS, SignalTrigger, SignalTriggerOptions, TRIGGER_SIGNALS, TriggerSignal } from './trigger';

export const TRIGGER_ENV = {
  signal: 'NODEINSTRUMENT_TRIGGER_SIGNAL',
  dir: 'NODEINSTRUMENT_TRIGGER_DIR',
  seconds: 'NODEINSTRUMENT_TRIGGER_SECONDS',
  formats: 'NODEINSTRUMENT_TRIGGER_FORMATS',
  interval: 'NODEINSTRUMENT_TRIGGER_INTERVAL',
} as const;

/** The trigger options the environment asks for, or undefined when it asks for none. Throws on bad values, naming the variable. */
export function triggerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SignalTriggerOptions | undefined {
  const value = (name: string): string | undefined => {
    const text = env[name]?.trim();
    return text === '' ? undefined : text;
  };
  if (Object.values(TRIGGER_ENV).every((name) => value(name) === undefined)) return undefined;
  const signalText = value(TRIGGER_ENV.signal);
  const dir = value(TRIGGER_ENV.dir);

  const options: SignalTriggerOptions = { dir };
  if (signalText !== undefined) {
    const name = signalText.toUpperCase().startsWith('SIG') ? signalText.toUpperCase() : `SIG${signalText.toUpperCase()}`;
    if (!(TRIGGER_SIGNALS as readonly string[]).includes(name)) {
      throw new RangeError(`${TRIGGER_ENV.signal} must be one of ${TRIGGER_SIGNALS.join(', ')}; got '${signalText.slice(0, 40)}'`);
    }
    options.trigger = name as TriggerSignal;
  }
  const secondsText = value(TRIGGER_ENV.seconds);
  if (secondsText !== undefined) {
    const seconds = parseSeconds(secondsText, ['ms', 's', 'm']);
    if (!(seconds > 0 && seconds <= MAX_TRIGGER_SECONDS)) {
      throw new RangeError(`${TRIGGER_ENV.seconds} must be a number of seconds above 0 and at most ${MAX_TRIGGER_SECONDS}, such as 10 or 2.5; got '${secondsText.slice(0, 40)}'`);
    }
    options.seconds = seconds;
  }
  const formatsText = value(TRIGGER_ENV.formats);
  if (formatsText !== undefined) {
    options.formats = formatsText.split(',').map((format) => format.trim().slice(0, 40)).filter((format) => format !== '');
  }
  const intervalText = value(TRIGGER_ENV.interval);
  if (intervalText !== undefined) {
    try {
      options.interval = parseInterval(intervalText);
    } catch (error) {
      throw new RangeError(`${TRIGGER_ENV.interval}: ${(error as Error).message}`);
    }
  }
  return options;
}

/** Arms the trigger the environment configures, saying so through `log`; undefined when it configures none. */
export function armTriggerFromEnv(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = printMessage): SignalTrigger | undefined {
  const options = triggerOptionsFromEnv(env);
  if (!options) return undefined;
  let trigger: SignalTrigger;
  try {
    trigger = armSignalTrigger(options);
  } catch (error) {
    // Name the variables, since that is where the fix goes.
    throw new Error(`${(error as Error).message} (from the NODEINSTRUMENT_TRIGGER_* environment variables)`);
  }
  log(`signal trigger armed: kill -${trigger.trigger.slice(3)} ${process.pid} records ${trigger.seconds} s into ${trigger.dir} (${trigger.formats.join(', ')})`);
  return trigger;
}
