/**
 * startPprofServer: the pprof handler on a port of its own, on loopback by
 * default. Serving it on another interface needs a token, unless the caller
 * says the network is trusted.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { pprofHandler, PprofHandlerOptions } from './pprof-handler';

export interface PprofServerOptions extends Omit<PprofHandlerOptions, 'abortSignal'> {
  /** TCP port (default 6060, Go's custom; 0 picks a free one, see `port` on the result); a string of digits is read as the number. */
  port?: number | string;
  /** Interface to listen on (default '127.0.0.1'). */
  host?: string;
  /** Serve on a non-loopback interface without a token (default false: refused). */
  allowUnauthenticated?: boolean;
}

export interface PprofServer {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** Base URL of the endpoints, e.g. http://127.0.0.1:6060/debug/pprof */
  readonly url: string;
  /** Cancels captures in flight (503), stops listening and closes connections. */
  close(): Promise<void>;
}

/** Host names and addresses that only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || /^::ffff:127(\.\d{1,3}){3}$/i.test(bare);
}

export async function startPprofServer(options: PprofServerOptions = {}): Promise<PprofServer> {
  const { port: givenPort = 6060, host = '127.0.0.1', allowUnauthenticated = false, ...handlerOptions } = options;
  // A port from the environment comes as a string of digits: take it as the number it is.
  const port: unknown = typeof givenPort === 'string' && /^\d{1,5}$/.test(givenPort) ? Number(givenPort) : givenPort;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${typeof givenPort === 'string' ? `'${givenPort}'` : String(givenPort)}`);
  }
  if (typeof host !== 'string' || host === '') throw new RangeError('host must be a host name or address');
  if (!isLoopbackHost(host) && handlerOptions.token === undefined && !allowUnauthenticated) {
    throw new Error(
      `refusing to serve profiles on ${host} without a token: anyone who reaches that interface could read your code's ` +
        'function and file names and slow the process down. Pass `token`, or `allowUnauthenticated: true` on a trusted network.',
    );
  }
  const shutdown = new AbortController();
  const server = createServer(pprofHandler({ ...handlerOptions, abortSignal: shutdown.signal }));
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(new Error(`cannot serve pprof on ${host}:${port}: ${error.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
  // A debugging aid must not keep a process alive that would otherwise exit.
  server.unref();
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const prefix = (handlerOptions.prefix ?? '/debug/pprof').replace(/\/+$/, '');
  return {
    server,
    host,
    port: bound,
    url: `http://${urlHost}:${bound}${prefix}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        shutdown.abort(); // answers captures in flight with 503
        server.close((error) => (error ? reject(error) : resolve()));
        // After those answers are written, drop keep-alive connections so close() completes.
        setImmediate(() => server.closeAllConnections());
      }),
  };
}
