'use strict';
/**
 * Where the RSS of a long run goes (diagnostic; docs/benchmarks.md section 9).
 * The workload of bench/continuous-rss-child.js, unprofiled (mode none), in
 * continuous mode, or as one long recording, for `seconds`; every `everyS`
 * it appends one JSON line to `out`: RSS, /proc/self/smaps summed by kind
 * (brk heap, malloc arenas, other anonymous, executable, node's text...),
 * V8's heap spaces (physical, used after a forced GC), glibc malloc's figures
 * (mallinfo2, and each arena from malloc_info, when the small addon beside
 * this file is built: cd bench/rss-breakdown && npx node-gyp rebuild), and in
 * continuous mode the sizes of the symbolizer's caches. At the end,
 * malloc_trim(0) shows how much of malloc's free memory was resident.
 *
 *   node --expose-gc bench/rss-breakdown/child.js '{"mode":"continuous","seconds":600,"everyS":10,"windowS":60,"out":"/tmp/c.jsonl"}'
 *   node bench/rss-breakdown/show.js /tmp/c.jsonl 3
 *
 * `root` (default: this repository) is the nodeinstrument copy to load.
 * Set MALLOC_* variables (MALLOC_MMAP_THRESHOLD_=131072 ...) to try glibc's tunables.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const config = JSON.parse(process.argv[2]);
const { mode, seconds, everyS, windowS, out } = config;
const root = config.root ?? path.join(__dirname, '..', '..');
const workload = require(path.join(root, 'bench/lib/workload'));
let malloc;
try { malloc = require(path.join(__dirname, 'build', 'Release', 'mallocdiag.node')); } catch { malloc = undefined; }
const mb = (b) => Math.round((b / 2 ** 20) * 100) / 100;

function smaps() {
  const text = fs.readFileSync('/proc/self/smaps', 'utf8');
  const cat = {};
  const maps = [];
  let cur;
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      cur = { start: parseInt(m[1], 16), end: parseInt(m[2], 16), perms: m[3], name: m[4] };
      maps.push(cur);
      continue;
    }
    if (cur && line.startsWith('Rss:')) cur.rss = parseInt(line.slice(4)) * 1024;
  }
  for (let i = 0; i < maps.length; i++) {
    const x = maps[i];
    let k;
    if (x.name === '[heap]') k = 'brk';
    else if (x.name === '[stack]') k = 'stack';
    else if (x.name.startsWith('/')) k = x.name.includes('/node') && !x.name.endsWith('.node') ? 'file:node' : 'file:other';
    else if (x.name.startsWith('[')) k = 'special';
    else if (x.perms.includes('x')) k = 'anon-exec';
    else if (x.perms.startsWith('rw')) {
      const next = maps[i + 1];
      const size = x.end - x.start;
      const arena = x.start % 2 ** 26 === 0 && (size === 2 ** 26 || (next && next.start === x.end && next.perms.startsWith('---') && size + (next.end - next.start) === 2 ** 26));
      k = arena ? 'anon-arena' : 'anon-rw';
    } else k = 'anon-other';
    cat[k] = (cat[k] ?? 0) + (x.rss ?? 0);
  }
  for (const k of Object.keys(cat)) cat[k] = mb(cat[k]);
  return { cat, count: maps.length };
}

function arenas() {
  if (!malloc) return undefined;
  const xml = malloc.xml();
  const list = [];
  const re = /<heap nr="(\d+)">([\s\S]*?)<\/heap>/g;
  let m;
  while ((m = re.exec(xml))) {
    const sys = /<system type="current" size="(\d+)"/.exec(m[2]);
    const rest = /<total type="rest" count="(\d+)" size="(\d+)"/.exec(m[2]);
    const fast = /<total type="fast" count="(\d+)" size="(\d+)"/.exec(m[2]);
    list.push([+m[1], mb(+sys[1]), mb(+rest[2] + +fast[2])]);
  }
  return list; // [nr, system MB, free MB]
}

async function main() {
  await workload.runAsyncFor(2000);
  const index = require(path.join(root, 'dist', 'cjs', 'index.js'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ni-rssdiag-'));
  const fd = fs.openSync(out, 'w');
  let windows = 0;
  const t0 = performance.now();
  let stopper;
  if (mode === 'continuous') {
    const c = index.startContinuous({ interval: 0.001, window: windowS, dir, retain: 5, onWindow: () => { windows++; } });
    stopper = () => c.stop();
    // Private fields, read for diagnosis only.
    global.__probe = () => {
      const rec = c.profiler.recorder; const sy = rec.symbolizer;
      if (!rec || !sy) return undefined;
      return { codeMap: sy.codeMap.size, lookupCache: sy.codeMap.lookupCache.size, tiered: sy.tieredNames.length, pendingLines: sy.pendingLines.size,
        callbackInfos: sy.callbackInfos.size, sourceMaps: rec.sourceMaps.maps.size, problems: rec.sourceMaps.problems.length, inherited: sy.inherited ? sy.inherited.size : -1 };
    };
  } else if (mode === 'recording') {
    const p = new index.Profiler({ interval: 0.001 });
    p.start();
    stopper = async () => p.stop();
  }
  const read = (t) => {
    const rss = process.memoryUsage().rss;
    const sm = smaps();
    global.gc();
    const mu = process.memoryUsage();
    const spaces = {};
    let v8phys = 0;
    for (const s of v8.getHeapSpaceStatistics()) {
      spaces[s.space_name.replace('_space', '')] = [mb(s.physical_space_size), mb(s.space_used_size)];
      v8phys += s.physical_space_size;
    }
    const mi = malloc ? malloc.info() : undefined;
    const rec = {
      t: Math.round(t), rss: mb(rss), smaps: sm.cat, nmaps: sm.count, v8phys: mb(v8phys), heapUsed: mb(mu.heapUsed), heapTotal: mb(mu.heapTotal),
      external: mb(mu.external), arrayBuffers: mb(mu.arrayBuffers), spaces, windows,
      malloc: mi && { arena: mb(mi.arena), mmap: mb(mi.hblkhd), hblks: mi.hblks, used: mb(mi.uordblks), free: mb(mi.fordblks), top: mb(mi.keepcost) },
      arenas: arenas(),
      probe: global.__probe ? global.__probe() : undefined,
      threads: +/Threads:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1],
    };
    if (config.trimEvery && malloc) {
      malloc.trim();
      rec.rssAfterTrim = mb(process.memoryUsage().rss);
    }
    fs.writeSync(fd, JSON.stringify(rec) + '\n');
  };
  read(0);
  await workload.runAsyncReading(t0, seconds, everyS, read);
  read((performance.now() - t0) / 1000);
  if (malloc) {
    const before = process.memoryUsage().rss;
    malloc.trim();
    fs.writeSync(fd, JSON.stringify({ final: true, rssBeforeTrim: mb(before), rssAfterTrim: mb(process.memoryUsage().rss) }) + '\n');
  }
  if (stopper) await stopper();
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
main().catch((e) => { console.error(e); process.exit(1); });
