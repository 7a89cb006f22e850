// A service profiled one request at a time (docs/production.md): `?profile=text` on
// GET /search answers with that request's report: its own work, where it awaited
// ([await]), and what other requests ran on the thread meanwhile, as one line.
//   node examples/request-profile.js
'use strict';
const crypto = require('node:crypto');
const express = require('express');
const { expressProfiling } = require('..'); // require('nodeinstrument') in an application

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A query to a database: 40 ms away. */
async function loadDocuments(query) {
  await sleep(40);
  return Array.from({ length: 5_000 }, (_, i) => ({ id: i, title: `${query} document ${i}`, score: Math.sin(i) }));
}

function rankResults(documents) {
  return documents
    .map((document) => ({ ...document, rank: document.score * document.title.length }))
    .sort((a, b) => b.rank - a.rank)
    .slice(0, 10);
}

function hashPassword(password) {
  return crypto.pbkdf2Sync(password, 'salt', 15_000, 32, 'sha256');
}

const app = express();
app.use(expressProfiling());
app.get('/search', async (req, res) => {
  const documents = await loadDocuments(String(req.query.q));
  res.json(rankResults(documents));
});
app.post('/login', (req, res) => {
  hashPassword('secret');
  res.send('ok');
});

const server = app.listen(0, '127.0.0.1', async () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  // Two logins arrive while the profiled search waits for its documents.
  const logins = [10, 25].map((ms) => sleep(ms).then(() => fetch(`${url}/login`, { method: 'POST' })));
  const report = await (await fetch(`${url}/search?q=node&profile=text`)).text();
  await Promise.all(logins);
  process.stdout.write(report);
  server.close();
});
