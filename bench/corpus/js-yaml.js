// js-yaml dumping and loading a large document (this repository's package-lock.json as YAML).
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');
const yaml = require('js-yaml');
const { ROOT, sizeArg } = require('./inputs');

const size = sizeArg();
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
const doc = size === 'large' ? { a: lock, b: lock, c: lock } : { packages: Object.fromEntries(Object.entries(lock.packages).slice(0, 150)) };
let bytes = 0;
for (let round = 0; round < (size === 'large' ? 3 : 2); round++) {
  const text = yaml.dump(doc, { noRefs: true });
  bytes += text.length;
  yaml.load(text);
}
console.log(`js-yaml: dumped and loaded ${bytes} bytes of YAML`);
