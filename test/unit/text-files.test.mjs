// Source files are read as readFileSync(path, 'utf8') reads them, whether
// they are ASCII (copied byte for byte) or not (decoded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { readTextFileOnce, utf8Text } from '../internals.cjs';

test('utf8Text gives what the UTF-8 decoder gives, for ASCII and for everything else', () => {
  const cases = {
    empty: Buffer.alloc(0),
    ascii: Buffer.from('function f(a) {\n  return a + 1; // ok\n}\n'),
    accented: Buffer.from('const café = "naïve";'),
    astral: Buffer.from('const s = "\u{1F600}"; f(s);'),
    bom: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x = 1;')]),
    invalid: Buffer.from([0x61, 0xff, 0x62, 0xc3, 0x28, 0x0a]),
    controls: Buffer.from([0x00, 0x01, 0x7f, 0x0a]),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    const text = utf8Text(bytes);
    assert.equal(text, bytes.toString('utf8'), name);
  }
  // Offsets are UTF-16 units, as V8 counts them: the astral character is two.
  assert.equal(utf8Text(cases.astral).indexOf('f(s)'), 'const s = "'.length + 2 + '"; '.length);
});

test('readTextFileOnce reads a real script and a non-ASCII file as readFileSync does', () => {
  const typescript = createRequire(import.meta.url).resolve('typescript/lib/typescript.js');
  assert.equal(readTextFileOnce(typescript), readFileSync(typescript, 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'nodeinstrument-text-'));
  try {
    const file = join(dir, 'unicode.js');
    writeFileSync(file, '// Grüße, 世界 \u{1F680}\nmodule.exports = () => "ü";\n');
    assert.equal(readTextFileOnce(file), readFileSync(file, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
