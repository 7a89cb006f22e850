// A stand-in for Grafana Pyroscope's HTTP ingest endpoint on loopback: it
// reads POST /ingest the way Pyroscope does (pkg/og/convert/pprof/profile.go:
// a multipart/form-data body carries the pprof in the field "profile"), and
// decodes the gzipped pprof with pprof-format.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Profile } = require('pprof-format');

/** The file field `name` of a multipart/form-data body. */
export function multipartField(body, contentType, name) {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd === -1) break;
    const headers = body.subarray(at + delimiter.length, headerEnd).toString('utf8');
    const next = body.indexOf(delimiter, headerEnd);
    if (next === -1) break;
    if (new RegExp(`name="${name}"`).test(headers)) return body.subarray(headerEnd + 4, next - 2); // less the CRLF before the delimiter
    at = next;
  }
  throw new Error(`no field ${name} in the form`);
}

/**
 * Starts the stub on 127.0.0.1 (an ephemeral port). `failFirst` requests are
 * answered with `status` first. Every accepted request is in `received`:
 * { path, query, headers, profile }.
 */
export async function startPyroscopeStub({ failFirst = 0, status = 503 } = {}) {
  const received = [];
  const state = { attempts: 0 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      state.attempts++;
      if (state.attempts <= failFirst) {
        res.writeHead(status).end('try later');
        return;
      }
      try {
        const url = new URL(req.url, 'http://stub');
        if (req.method !== 'POST' || url.pathname !== '/ingest') throw new Error(`${req.method} ${url.pathname}`);
        const body = Buffer.concat(chunks);
        const contentType = req.headers['content-type'] ?? '';
        const pprof = contentType.startsWith('multipart/form-data') ? multipartField(body, contentType, 'profile') : body;
        const profile = Profile.decode(gunzipSync(pprof));
        received.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, profile });
        res.writeHead(200).end();
      } catch (error) {
        res.writeHead(400).end(String(error.message));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    received,
    get attempts() {
      return state.attempts;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
