import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const fixture = (name) => join(root, 'test', 'fixtures', name);
export const cli = join(root, 'bin', 'nodeinstrument.js');

/** Runs node with args; returns { status, signal, stdout, stderr }. */
export function runNode(args, options = {}) {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000, ...options });
  if (result.error) throw result.error;
  return result;
}

export function runJson(args, options) {
  const result = runNode(args, options);
  if (result.status !== 0) {
    throw new Error(`node ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${result.stderr}`);
  }
  return JSON.parse(result.stdout);
}
