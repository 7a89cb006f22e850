/**
 * Working with node:http responses under the profiler: holding back what a
 * handler writes (so the report can replace it), and following a response to
 * its end to record it.
 */
import { ServerResponse, STATUS_CODES } from 'node:http';
import { FinishedRequest, RequestProfile, RequestProfiling } from './core';

/** The methods a handler (or a stream piped into the response) sends output with. */
const HELD_METHODS = ['writeHead', 'write', 'end', 'flushHeaders', 'writeEarlyHints'] as const;
type HeldMethod = (typeof HELD_METHODS)[number];

/** What a handler sets headers with: each throws ERR_HTTP_HEADERS_SENT once the headers are out. */
const HEADER_SETTERS = ['setHeader', 'setHeaders', 'appendHeader', 'removeHeader'] as const;

export interface HeldResponse {
  /** The status the handler set (statusCode or writeHead). */
  readonly status: number;
  /** Puts the response's own methods back and sends `status`, `headers` and `body` instead of the handler's output. */
  replace(status: number, headers: Record<string, string>, body: string | Uint8Array): void;
  /**
   * Sends `status`, `headers` and `body` now, while the handler still runs
   * (a response that does not end): what it sends later is still swallowed,
   * so its writes after this end neither reach the client nor fail.
   */
  cutShort(status: number, headers: Record<string, string>, body: string | Uint8Array): void;
}

/**
 * Swallows everything the handler sends on `response`; `onEnd` runs once,
 * when the handler ends the response (res.end(), also from pipe() or a
 * framework's send()), unless cutShort() answered first. Headers the handler
 * set are dropped by replace() and cutShort().
 */
export function holdResponse(response: ServerResponse, onEnd: (held: HeldResponse) => void): HeldResponse {
  const saved = new Map<HeldMethod, { own: boolean; value: unknown }>();
  for (const name of HELD_METHODS) {
    saved.set(name, { own: Object.prototype.hasOwnProperty.call(response, name), value: response[name] });
  }
  let headStatus: number | undefined;
  let ended = false;
  const restore = (): void => {
    for (const [name, { own, value }] of saved) {
      if (own) (response as unknown as Record<string, unknown>)[name] = value;
      else delete (response as unknown as Record<string, unknown>)[name];
    }
  };
  const callbackOf = (args: unknown[]): (() => void) | undefined => {
    const last = args[args.length - 1];
    return typeof last === 'function' ? (last as () => void) : undefined;
  };
  /** Sends with the response's own methods, whether or not they are back in place. */
  const send = (newStatus: number, headers: Record<string, string>, body: string | Uint8Array): void => {
    if (response.destroyed || response.headersSent) return;
    for (const name of response.getHeaderNames()) response.removeHeader(name);
    const own = (name: HeldMethod): ((...args: unknown[]) => unknown) => saved.get(name)!.value as (...args: unknown[]) => unknown;
    own('writeHead').call(response, newStatus, STATUS_CODES[newStatus] ?? '', headers);
    own('end').call(response, body);
  };
  const held: HeldResponse = {
    get status() {
      return headStatus ?? response.statusCode;
    },
    replace(newStatus, headers, body) {
      restore();
      send(newStatus, headers, body);
    },
    cutShort(newStatus, headers, body) {
      ended = true; // the handler's own end() is swallowed without a second report
      send(newStatus, headers, body);
      // The handler runs on and may still set headers, which throws once they are sent.
      for (const name of HEADER_SETTERS) (response as unknown as Record<string, unknown>)[name] = () => response;
    },
  };
  const patch: Record<HeldMethod, (...args: unknown[]) => unknown> = {
    writeHead: (code: unknown) => {
      if (typeof code === 'number') headStatus = code;
      return response;
    },
    write: (...args) => {
      const callback = callbackOf(args);
      if (callback) process.nextTick(callback);
      return true;
    },
    end: (...args) => {
      if (ended) return response;
      ended = true;
      const callback = callbackOf(args);
      if (callback) response.once('finish', callback);
      onEnd(held);
      return response;
    },
    flushHeaders: () => undefined,
    writeEarlyHints: (...args) => {
      const callback = callbackOf(args);
      if (callback) process.nextTick(callback);
    },
  };
  Object.assign(response, patch);
  return held;
}

/**
 * Records the request until its response is finished (all of it written,
 * streams included), then hands the session to the recorder. A response
 * closed before it finished drops the recording.
 */
export function followRecording(
  profiling: RequestProfiling,
  profile: RequestProfile,
  response: ServerResponse,
  describe: (durationMs: number) => FinishedRequest,
): void {
  const save = (unfinished: boolean): void => {
    response.removeListener('finish', onFinish);
    response.removeListener('close', onClose);
    const durationMs = profile.elapsedMs;
    profiling.saveRecording(profile.finish(), { ...describe(durationMs), ...(unfinished ? { unfinished } : {}) });
  };
  const onFinish = (): void => save(false);
  const onClose = (): void => {
    response.removeListener('finish', onFinish);
    profile.discard();
  };
  response.once('finish', onFinish);
  response.once('close', onClose);
  // A response still going after maxSeconds (server-sent events) is recorded as far as it got.
  profile.whenCutShort(() => save(true));
}

/** Ends the profile if the client goes away before the handler is done; returns a function that stops watching. */
export function discardOnClose(profile: RequestProfile, response: ServerResponse): () => void {
  const onClose = (): void => profile.discard();
  response.once('close', onClose);
  return () => response.removeListener('close', onClose);
}

/** Ends a body stream the report replaces (a never-ending one): its producer's later writes go nowhere, without error. */
export function destroyStream(body: unknown): void {
  const stream = body as { destroy?: unknown } | null;
  if (stream && typeof stream.destroy === 'function') (stream.destroy as () => void).call(stream);
}
