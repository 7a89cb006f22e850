/**
 * Pushes windows to Grafana Pyroscope's HTTP ingest API:
 *
 *   POST /ingest?name=<service>{k=v,...}&from=<unix s>&until=<unix s>&format=pprof&spyName=nodespy
 *   Content-Type: multipart/form-data; the gzipped pprof in the form file field `profile`
 *
 * Source: Pyroscope's server API reference (docs/sources/reference-server-api,
 * "Pyroscope Legacy HTTP API" > Ingestion > "The pprof format": name is the
 * application name prefix, from/until are UNIX times, format=pprof, the
 * profile in a form file field named `profile`), and the server's parser,
 * pkg/og/convert/pprof/profile.go in grafana/pyroscope (RawProfile.handleRawData:
 * a multipart body is read from the field "profile", any other body is taken
 * as the pprof itself; pprof.RawFromBytes accepts gzipped data). The
 * profile's `wall` sample type makes the series `wall` (RawProfile.metricName).
 *
 * One request at a time. A failed push (network error, timeout, 5xx, 429,
 * 408) is retried with exponential backoff and jitter; a window waits in a
 * bounded queue, and when the queue is full the oldest is dropped and
 * counted, so a server that is down costs a fixed amount of memory. Timers
 * are unref'd: pushing never keeps a process alive.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { PyroscopeOptions } from './options';
import { ProblemLog } from './problems';

export interface PushCounts {
  /** Windows the server accepted. */
  sent: number;
  /** Windows dropped because the queue was full (the oldest go). */
  dropped: number;
  /** Windows given up after maxAttempts, or refused by the server (4xx). */
  failed: number;
  /** Attempts that were retried. */
  retries: number;
  /** Windows waiting now. */
  queued: number;
}

/** One window to push: the gzipped pprof and its wall-clock span. */
export interface PushItem {
  pprof: Uint8Array;
  /** ms since the epoch. */
  start: number;
  end: number;
  /** Sampling rate, Hz (ignored by Pyroscope for pprof, which carries its period). */
  sampleRate: number;
}

const RETRYABLE_STATUS = new Set([408, 429]);

export class PyroscopeClient {
  private readonly queue: PushItem[] = [];
  private readonly counts = { sent: 0, dropped: 0, failed: 0, retries: 0 };
  private readonly ingestUrl: URL;
  private sending = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly options: PyroscopeOptions,
    private readonly problems: ProblemLog,
  ) {
    const url = new URL(options.url);
    if (!url.pathname.endsWith('/ingest')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/ingest`;
    this.ingestUrl = url;
  }

  get stats(): PushCounts {
    return { ...this.counts, queued: this.queue.length };
  }

  /** Queues a window; drops the oldest when the queue is full. */
  push(item: PushItem): void {
    if (this.closed) return;
    const limit = this.options.queueSize ?? 10;
    while (this.queue.length >= limit) {
      this.queue.shift();
      this.counts.dropped++;
      // The head was being retried: its attempt count does not carry to the next.
      this.attempt = 0;
      this.problems.report('push-dropped', `the Pyroscope push queue is full (${limit} windows; is ${this.ingestUrl.origin} down?): dropping the oldest`);
    }
    this.queue.push(item);
    this.pump();
  }

  /** Resolves when the queue is empty, or after `timeoutMs` (what is left is counted as dropped by close()). */
  flush(timeoutMs: number): Promise<void> {
    if (this.queue.length === 0 && !this.sending) return Promise.resolve();
    // Waiting for a backoff delay would only waste the time left: try now.
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.pump();
    }
    return new Promise((resolve) => {
      // Not unref'd: whoever flushes waits for the pushes, up to timeoutMs.
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.idleWaiters.push(done);
    });
  }

  /** Stops: what is still queued is dropped and counted. */
  close(): void {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.counts.dropped += this.queue.length;
    this.queue.length = 0;
  }

  private pump(): void {
    if (this.sending || this.retryTimer !== undefined) return;
    const item = this.queue[0];
    if (item === undefined) {
      this.idleWaiters.splice(0).forEach((resolve) => resolve());
      return;
    }
    this.sending = true;
    this.send(item).then(
      (outcome) => this.settle(item, outcome),
      (error: unknown) => this.settle(item, { retry: true, message: String(error) }),
    );
  }

  private settle(item: PushItem, outcome: { retry: boolean; message?: string } | 'ok'): void {
    this.sending = false;
    if (this.queue[0] !== item) {
      // Dropped (queue full, or closed) while in flight: the result no longer matters.
      this.pump();
      return;
    }
    if (outcome === 'ok') {
      this.queue.shift();
      this.counts.sent++;
      this.attempt = 0;
      this.pump();
      return;
    }
    const maxAttempts = this.options.maxAttempts ?? 5;
    this.attempt++;
    if (!outcome.retry || this.attempt >= maxAttempts) {
      this.queue.shift();
      this.counts.failed++;
      this.attempt = 0;
      this.problems.report('push-failed', `could not push a profile to ${this.ingestUrl.origin}: ${outcome.message}`);
      this.pump();
      return;
    }
    this.counts.retries++;
    this.problems.report('push-retry', `pushing a profile to ${this.ingestUrl.origin} failed, retrying with backoff: ${outcome.message}`);
    const initial = this.options.initialBackoffMs ?? 1000;
    const max = this.options.maxBackoffMs ?? 30_000;
    const base = Math.min(max, initial * 2 ** (this.attempt - 1));
    const delay = base / 2 + Math.random() * (base / 2); // "equal jitter"
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delay);
    this.retryTimer.unref();
  }

  /** One POST; resolves with 'ok' or whether to retry. Never rejects on HTTP errors. */
  private send(item: PushItem): Promise<'ok' | { retry: boolean; message: string }> {
    const url = new URL(this.ingestUrl);
    url.searchParams.set('name', pyroscopeName(this.options.name, this.options.labels ?? {}));
    url.searchParams.set('from', String(Math.floor(item.start / 1000)));
    url.searchParams.set('until', String(Math.floor(item.end / 1000)));
    url.searchParams.set('format', 'pprof');
    url.searchParams.set('sampleRate', String(Math.round(item.sampleRate)));
    url.searchParams.set('spyName', 'nodespy');
    const { body, contentType } = multipartBody('profile', 'profile.pprof', item.pprof);
    const headers: Record<string, string | number> = {
      'content-type': contentType,
      'content-length': body.length,
      'user-agent': 'nodeinstrument',
    };
    const { basicAuth, bearerToken, tenantId } = this.options;
    if (basicAuth) headers.authorization = `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}`;
    else if (bearerToken) headers.authorization = `Bearer ${bearerToken}`;
    else if (url.username || url.password) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    }
    url.username = '';
    url.password = '';
    if (tenantId) headers['x-scope-orgid'] = tenantId;
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = request(url, { method: 'POST', headers, timeout: this.options.timeoutMs ?? 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        let length = 0;
        res.on('data', (chunk: Buffer) => {
          if (length < 1024) chunks.push(chunk);
          length += chunk.length;
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve('ok');
          const text = Buffer.concat(chunks).toString('utf8').slice(0, 200).trim();
          resolve({ retry: status >= 500 || RETRYABLE_STATUS.has(status), message: `HTTP ${status}${text ? `: ${text}` : ''}` });
        });
        res.on('error', (error) => resolve({ retry: true, message: error.message }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.options.timeoutMs ?? 10_000} ms`)));
      req.on('error', (error) => resolve({ retry: true, message: error.message }));
      req.end(body);
    });
  }
}

/** `checkout{env=prod,region=eu-1}`: the name parameter of /ingest (labels validated by checkPyroscopeOptions). */
export function pyroscopeName(service: string, labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}=${value}`);
  return `${service}{${pairs.join(',')}}`;
}

/** A multipart/form-data body with one file field. */
export function multipartBody(field: string, filename: string, data: Uint8Array): { body: Buffer; contentType: string } {
  const boundary = `nodeinstrument-${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, data, tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}
