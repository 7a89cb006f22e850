// An Express service under load, warm (issue 14's corpus): three routes doing
// what services do per request (render Markdown with markdown-it, filter and
// serialize JSON, parse a YAML body with js-yaml), driven by autocannon from
// a child process (./service-load.js) so that the load generator's own work
// is not in the profile; the service exits when the load ends.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const express = require('express');
const MarkdownIt = require('markdown-it');
const yaml = require('js-yaml');
const { markdownSource, sizeArg } = require('./inputs');

const size = sizeArg();
const seconds = size === 'large' ? 8 : 2;
const doc = markdownSource('small').slice(0, 6000);
const md = new MarkdownIt({ html: true, linkify: true, typographer: true });
const users = Array.from({ length: 2000 }, (_, i) => ({
  id: i,
  name: `user-${i}`,
  email: `user${i}@example.com`,
  score: (i * 7919) % 100,
  active: i % 3 !== 0,
  tags: ['a', 'b', 'c'].slice(0, (i % 3) + 1),
}));

const app = express();
app.get('/doc', (request, response) => {
  response.type('html').send(md.render(doc));
});
app.get('/users', (request, response) => {
  const min = Number(request.query.min ?? 50);
  const chosen = users.filter((user) => user.active && user.score >= min).sort((a, b) => b.score - a.score || a.id - b.id);
  response.json({ count: chosen.length, users: chosen.slice(0, 100) });
});
app.post('/config', express.text({ type: '*/*' }), (request, response) => {
  const config = yaml.load(request.body);
  response.json({ keys: Object.keys(config).length, config });
});

const server = app.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  const load = spawn(process.execPath, [path.join(__dirname, 'service-load.js'), url, String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let summary = '';
  load.stdout.on('data', (data) => (summary += data));
  load.on('exit', (code) => {
    server.close();
    if (code !== 0) {
      process.exitCode = 1;
      return;
    }
    console.log(`express-service: ${summary.trim()}`);
  });
});
