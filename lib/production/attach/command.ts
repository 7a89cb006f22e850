/** The command-line side of `nodeinstrument attach <pid>`: progress on stderr, Ctrl-C ends early. */
import type { CliOptions } from '../../cli/args';
import { DEFAULT_MODE } from '../../session/mode';
import type { Session } from '../../session/session';
import { printMessage } from '../../util/message';
import { attachAndProfile } from './attach';

export async function recordAttached(options: CliOptions & { attach: NonNullable<CliOptions['attach']> }): Promise<Session> {
  let onInterrupt: () => void = () => {};
  const stopEarly = new Promise<void>((resolve) => {
    onInterrupt = (): void => {
      process.stderr.write('nodeinstrument: stopping early\n');
      resolve();
    };
  });
  process.on('SIGINT', onInterrupt);
  try {
    return await attachAndProfile(options.attach.pid, {
      duration: options.attach.duration,
      interval: options.interval,
      mode: options.profileMode ?? DEFAULT_MODE,
      maxStackDepth: options.maxStackDepth,
      recompile: options.attach.recompile,
      stopEarly,
      log: printMessage,
    });
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}
