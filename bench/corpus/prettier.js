// Prettier formatting a real JavaScript file (bench/corpus/inputs.js).
'use strict';
const prettier = require('prettier');
const { javaScriptSource, sizeArg } = require('./inputs');

const size = sizeArg();
const source = javaScriptSource(size);
(async () => {
  let bytes = 0;
  for (let round = 0; round < (size === 'large' ? 3 : 1); round++) bytes += (await prettier.format(source, { parser: 'babel' })).length;
  console.log(`prettier: formatted ${source.length} bytes into ${bytes}`);
})();
