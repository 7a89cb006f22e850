/**
 * The options `nodeinstrument` and `nodeinstrument diff` both take: which
 * frames are shown (--show-all, --hide, --show) and how the text looks
 * (--percent, --unicode, --color and their --no- forms).
 */
import { OptionArg, parseRegex } from '../util/argv';

export interface DisplayOptions {
  showAll: boolean;
  hide?: RegExp;
  show?: RegExp;
  percent: boolean;
  unicode?: boolean;
  color?: boolean;
}

/** Reads `option` into `options` if it is a display option; false when it is not one. */
export function readDisplayOption(option: OptionArg, options: DisplayOptions): boolean {
  const { name } = option;
  switch (name) {
    case '--show-all':
      options.showAll = option.flag();
      return true;
    case '--hide':
      options.hide = parseRegex(option.value(), name);
      return true;
    case '--show':
      options.show = parseRegex(option.value(), name);
      return true;
    case '--percent':
      options.percent = option.flag();
      return true;
    case '--unicode':
    case '--no-unicode':
      option.flag();
      options.unicode = name === '--unicode';
      return true;
    case '--color':
    case '--no-color':
      option.flag();
      options.color = name === '--color';
      return true;
    default:
      return false;
  }
}
