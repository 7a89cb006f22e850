// markdown-it rendering this repository's docs to HTML, repeatedly.
'use strict';
const MarkdownIt = require('markdown-it');
const { markdownSource, sizeArg } = require('./inputs');

const size = sizeArg();
const source = markdownSource(size);
const md = new MarkdownIt({ html: true, linkify: true, typographer: true });
let bytes = 0;
for (let round = 0; round < (size === 'large' ? 6 : 3); round++) bytes += md.render(source).length;
console.log(`markdown-it: rendered ${source.length} bytes of Markdown into ${bytes} of HTML`);
