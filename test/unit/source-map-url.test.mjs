// lastSourceMappingUrl: the script's last sourceMappingURL comment, found from the end, as a
// reading of the whole text from the start finds it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { lastSourceMappingUrl } from '../internals.cjs';

const PATTERN = /(?:\/\/|\/\*)[#@][ \t]+sourceMappingURL=([^\s'"`*]+)/g;
const fromStart = (text) => {
  let url;
  for (const match of text.matchAll(PATTERN)) url = match[1];
  return url;
};

test('the last comment wins; quoted text, a bare marker and other spellings as a whole reading finds them', () => {
  const cases = [
    'code();\n//# sourceMappingURL=app.js.map\n',
    'code();\n//# sourceMappingURL=app.js.map',
    'const s = "//# sourceMappingURL=quoted.map";\n//# sourceMappingURL=real.map\n',
    '//# sourceMappingURL=first.map\nmore();\n//@ sourceMappingURL=second.map\n',
    '/*# sourceMappingURL=style.css.map */',
    'x = "sourceMappingURL=nothing";\n',
    'sourceMappingURL=at-start',
    '//#\t \tsourceMappingURL=tabs.map\n',
    '//#sourceMappingURL=no-blank.map\n',
    '//# sourceMappingURL=\n',
    '//# sourceMappingURL=a//# sourceMappingURL=b\n',
    '///# sourceMappingURL=three-slashes.map\n',
    'x//# sourceMappingURL=glued.map\n',
    "'//# sourceMappingURL=data:application/json;base64,e30='\n//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozfQ==\n",
    'no comment at all',
    '',
  ];
  for (const text of cases) assert.equal(lastSourceMappingUrl(text), fromStart(text), JSON.stringify(text));
});

test('a real bundle that quotes the comment in its code: the same answer as a whole reading', () => {
  const require = createRequire(import.meta.url);
  const typescript = readFileSync(require.resolve('typescript'), 'latin1');
  assert.ok(typescript.includes('sourceMappingURL='), 'typescript.js quotes the marker');
  assert.equal(lastSourceMappingUrl(typescript), fromStart(typescript));
  const eslintUtils = readFileSync(require.resolve('@eslint-community/eslint-utils'), 'utf8');
  assert.equal(lastSourceMappingUrl(eslintUtils), fromStart(eslintUtils));
  assert.notEqual(fromStart(eslintUtils), undefined, 'eslint-utils names its map');
});
