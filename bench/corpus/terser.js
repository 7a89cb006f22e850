// Terser minifying a real JavaScript file (bench/corpus/inputs.js).
'use strict';
const { minify } = require('terser');
const { javaScriptSource, sizeArg } = require('./inputs');

const size = sizeArg();
const source = javaScriptSource(size);
(async () => {
  const { code } = await minify(source, { compress: { passes: size === 'large' ? 2 : 1 }, mangle: true });
  console.log(`terser: minified ${source.length} bytes to ${code.length}`);
})();
