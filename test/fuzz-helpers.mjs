// Mutating untrusted input for the fuzz tests (session-fuzz, input-fuzz):
// hostile values and a seeded mutator, so every failure reproduces.

/**
 * Values that break naive loaders: wrong types, extremes, prototype-pollution
 * keys. A fresh list each call: mutate() puts its objects into the copies it
 * makes and may change them later, so each test keeps its own. Some
 * (undefined, NaN, an object with its own prototype) cannot come out of
 * JSON.parse; hostileJsonValues() leaves them out.
 */
export function hostileValues() {
  return [
    null, undefined, true, 0, -1, 1e308, -1e308, 2 ** 53 + 1, NaN, '', 'x'.repeat(1000), '__proto__', [], {}, [[[[]]]],
    { __proto__: { polluted: true } }, JSON.parse('{"__proto__": {"polluted": true}}'), { constructor: { prototype: { polluted: true } } },
  ];
}

/** The hostile values a parsed JSON file can hold, in the same order. */
export function hostileJsonValues() {
  return hostileValues().filter(
    (value) =>
      value !== undefined &&
      !Number.isNaN(value) &&
      (value === null || typeof value !== 'object' || Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype),
  );
}

/** Every path to a value inside `value`, for picking one to mutate. */
export function paths(value, prefix = [], out = []) {
  out.push(prefix);
  if (value && typeof value === 'object') for (const key of Object.keys(value)) paths(value[key], [...prefix, key], out);
  return out;
}

/**
 * A copy of `data` (plain JSON) with one to three values, picked with the
 * random source `next`, each replaced by one of `hostile`, deleted, or given a
 * number: an array gets `pushed(next)` appended, anything else becomes
 * `set(next)`.
 */
export function mutate(data, next, { hostile, pushed, set }) {
  const copy = JSON.parse(JSON.stringify(data));
  const all = paths(copy).filter((path) => path.length > 0);
  for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
    const path = all[Math.floor(next() * all.length)];
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent?.[key];
    if (!parent || typeof parent !== 'object') continue;
    const key = path[path.length - 1];
    const choice = next();
    if (choice < 0.6) parent[key] = hostile[Math.floor(next() * hostile.length)];
    else if (choice < 0.8) delete parent[key];
    else if (Array.isArray(parent[key])) parent[key].push(pushed(next));
    else parent[key] = set(next);
  }
  return copy;
}
