// One format rendered from a large synthetic session, in a process of its
// own so that its peak memory is its own. Config: { samples, renderer } or
// { samples, renderer: 'load', file }. Reports time and peak RSS over IPC.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const { rendererByName } = require(path.join(ROOT, 'dist', 'cjs', 'renderers', 'index.js'));
const { Session } = require(path.join(ROOT, 'dist', 'cjs', 'session', 'session.js'));

const peakMb = () => process.resourceUsage().maxRSS / 1024;
const sizeOf = (output) => (typeof output === 'string' ? Buffer.byteLength(output) : output.byteLength);

async function main() {
  const config = JSON.parse(process.argv[2]);
  const { largeSession } = await import(path.join(ROOT, 'test', 'html-sessions.mjs'));
  if (config.renderer === 'save') {
    // Writes the session file the 'load' rows read.
    const file = path.join(os.tmpdir(), `nodeinstrument-bench-${config.samples}.json`);
    largeSession({ samples: config.samples }).save(file);
    return { file, bytes: fs.statSync(file).size };
  }
  if (config.renderer === 'load') {
    const before = peakMb();
    const started = performance.now();
    const session = Session.load(config.file);
    return { ms: performance.now() - started, peakMb: peakMb(), baseMb: before, samples: session.samples.stack.length, bytes: fs.statSync(config.file).size };
  }
  const session = largeSession({ samples: config.samples });
  const baseMb = peakMb();
  const renderer = rendererByName(config.renderer);
  const started = performance.now();
  const output = renderer.render(session, { color: false, unicode: true });
  const ms = performance.now() - started;
  return { ms, peakMb: peakMb(), baseMb, samples: session.samples.stack.length, bytes: sizeOf(output) };
}

main().then(
  (result) => process.send(result, () => process.exit(0)),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
