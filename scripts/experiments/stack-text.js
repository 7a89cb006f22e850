// The differential experiments' view of a session (inline-stop-diff.js, v8-functions-check.js).
'use strict';

/** Each sample's stack, leaf first, as text: name@file:line:column, [i] when inlined, #executing line. */
function stackTexts(session) {
  return session.samples.stack.map((stack, i) => {
    const out = [];
    let line = session.lines ? session.lines.sample[i] : -1;
    for (let s = stack; s !== -1; s = session.stacks.parent[s]) {
      const f = session.frames[session.stacks.frame[s]];
      out.push(`${f.name}@${f.file}:${f.line}:${f.column}${f.inlined ? '[i]' : ''}#${line >= 0 ? session.lines.line[line] : '-'}`);
      if (line >= 0) line = session.lines.parent[line];
    }
    return out.join(' <- ');
  });
}

module.exports = { stackTexts };
