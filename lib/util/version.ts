import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let cached: string | undefined;

/** nodeinstrument's version, from the package.json at the package root (two levels above dist/cjs/util). */
export function packageVersion(): string {
  cached ??= readVersion();
  return cached;
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
