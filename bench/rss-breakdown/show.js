// Prints a table of a bench/rss-breakdown/child.js output: node show.js file.jsonl [every Nth reading]

const fs = require('fs');
const lines = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const every = +(process.argv[3] ?? 3);
const recs = lines.filter((r) => !r.final);
const f = (x) => (x === undefined ? '-' : x.toFixed(1));
console.log('t      rss   v8ph  new   old   code  lo    | brk  arena  anonrw anonx fnode fothr stack| m.arena m.mmap m.used m.free nAr thr win trim');
recs.forEach((r, i) => {
  if (i % every && i !== recs.length - 1) return;
  const s = r.spaces, c = r.smaps;
  console.log([String(r.t).padEnd(5), f(r.rss), f(r.v8phys), f(s.new[0]), f(s.old[0]), f(s.code[0]), f(s.large_object[0]), '|', f(c.brk), f(c['anon-arena']), f(c['anon-rw']), f(c['anon-exec']), f(c['file:node']), f(c['file:other']), f(c.stack), '|',
    r.malloc ? [f(r.malloc.arena), f(r.malloc.mmap), f(r.malloc.used), f(r.malloc.free), r.arenas.length].join(' ') : '', r.threads, r.windows, r.rssAfterTrim ?? ''].join(' '));
});
for (const l of lines.filter((r) => r.final)) console.log('final trim:', JSON.stringify(l));
const last = recs[recs.length - 1];
if (last.arenas) console.log('arenas [nr, system MB, free MB]:', JSON.stringify(last.arenas));
