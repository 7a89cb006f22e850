/**
 * A minimal DevTools protocol client: one WebSocket to a Node inspector,
 * requests matched to responses by id. Uses the `ws` package, which works the
 * same on every Node this package supports (Node 20 has no stable WebSocket
 * client of its own; Node 22's global one would mean two code paths).
 */
import { get } from 'node:http';
import WebSocket from 'ws';
import { AttachError } from './proc';

interface Pending {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: Error) => void;
}

/** Fetches http://127.0.0.1:<port><path> as JSON, or fails within `timeoutMs`. */
export function fetchJson(port: number, path: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > 1 << 20) request.destroy(new Error('response too large'));
      });
      response.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

/** The WebSocket URL of the first target a Node inspector lists at /json/list, or undefined if that port is no inspector. */
export async function inspectorTarget(port: number, timeoutMs = 1000): Promise<string | undefined> {
  try {
    const list = await fetchJson(port, '/json/list', timeoutMs);
    if (!Array.isArray(list)) return undefined;
    const url = (list[0] as { webSocketDebuggerUrl?: unknown } | undefined)?.webSocketDebuggerUrl;
    return typeof url === 'string' ? url : undefined;
  } catch {
    return undefined;
  }
}

export class CdpSession {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedReason: string | undefined;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => this.onMessage(String(data)));
    socket.on('close', () => this.fail('the connection to the inspector closed (did the process exit?)'));
    socket.on('error', (error) => this.fail(`inspector connection failed: ${error.message}`));
  }

  static connect(url: string, timeoutMs = 5000): Promise<CdpSession> {
    return new Promise((resolve, reject) => {
      // The process's inspector, on loopback only; no redirects, no proxies.
      const socket = new WebSocket(url, { handshakeTimeout: timeoutMs, followRedirects: false, maxPayload: 256 << 20 });
      socket.once('open', () => resolve(new CdpSession(socket)));
      socket.once('error', (error) => reject(new AttachError(`cannot connect to the inspector at ${url}: ${error.message}`)));
    });
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.closedReason !== undefined) return Promise.reject(new AttachError(this.closedReason));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.closedReason ??= 'closed';
    this.socket.close();
  }

  private onMessage(text: string): void {
    let message: { id?: number; result?: Record<string, unknown>; error?: { message?: string } };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message.id === undefined) return; // events: none subscribed
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.error) pending.reject(new AttachError(`inspector: ${message.error.message ?? 'request failed'}`));
    else pending.resolve(message.result ?? {});
  }

  private fail(reason: string): void {
    this.closedReason ??= reason;
    for (const { reject } of this.pending.values()) reject(new AttachError(this.closedReason));
    this.pending.clear();
  }
}
