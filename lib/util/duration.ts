/**
 * Durations written by users (`10us`, `0.01ms`, `1e-5`, `5m`), parsed exactly.
 * Multiplying floats is not: 10 * 1e-6 is 0.000009999999999999999, below
 * the 10 us minimum it spells. The text is read as a decimal into a whole
 * number of nanoseconds (BigInt), and only then turned into seconds, with one
 * correctly rounded division: `10us` gives the same double as `0.00001`.
 */

/** Nanoseconds per unit. */
const NANOSECONDS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

export type DurationUnit = 'ns' | 'us' | 'µs' | 'ms' | 's' | 'm' | 'h';

/** A decimal number, optionally with an exponent, then an optional unit. */
const DURATION = /^(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d{1,3}))?([a-zµ]*)$/;

/**
 * `text` as a whole number of nanoseconds (rounded to the nearest), or
 * undefined when it is not a number followed by one of `units` (or by
 * nothing: then it is in `bareUnit`).
 */
export function parseNanoseconds(text: string, units: readonly DurationUnit[], bareUnit: DurationUnit): bigint | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const [, whole = '', fraction = '', exponentText = '0', unitText] = match;
  if (whole === '' && fraction === '') return undefined; // '.', 'e5', 'ms'
  const unit = unitText === '' ? bareUnit : (unitText as DurationUnit);
  if (unitText !== '' && !units.includes(unit)) return undefined;
  // value = digits * 10^power units
  const digits = BigInt(whole + fraction);
  const power = Number(exponentText) - fraction.length;
  const scaled = digits * NANOSECONDS[unit]!;
  if (power >= 0) return scaled * 10n ** BigInt(power);
  const divisor = 10n ** BigInt(-power);
  return (scaled + divisor / 2n) / divisor;
}

/** parseNanoseconds in seconds (one correctly rounded division), or NaN when the text is no duration. */
export function parseSeconds(text: string, units: readonly DurationUnit[], bareUnit: DurationUnit = 's'): number {
  const nanoseconds = parseNanoseconds(text, units, bareUnit);
  return nanoseconds === undefined ? NaN : Number(nanoseconds) / 1e9;
}
