/**
 * `nodeinstrument attach <pid>`: profiles a running Node.js process without
 * restarting it. SIGUSR1 makes Node open its inspector on loopback; over the
 * DevTools protocol the CLI loads this package's agent into the process
 * (Runtime.evaluate with Node's command-line `require`), records for the
 * duration, fetches the session JSON in pieces, and closes the inspector
 * again. The session is rendered here, like any other.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProfileMode } from '../../session/mode';
import { Session } from '../../session/session';
import type { AgentOptions } from './agent';
import { CdpSession, inspectorTarget } from './cdp';
import { compiledModule } from '../../util/package-root';
import {
  AttachError,
  checkSignalable,
  describe,
  inspectorConfig,
  isLoopback,
  listeningSockets,
  looksLikeNode,
  ownListeningSockets,
  sigusr1Disposition,
} from './proc';

export { AttachError };

export interface AttachOptions {
  /** Seconds to record. */
  duration: number;
  interval: number;
  mode: ProfileMode;
  maxStackDepth?: number;
  /**
   * Make V8 compile the code it optimized before the attach again, under
   * watch, so that functions inlined into it are named (default true; the
   * program runs less optimized for a moment: ../../symbolize/recompile.ts).
   */
  recompile?: boolean;
  /** How long to wait for the inspector to open after SIGUSR1, ms (default 5000). */
  openTimeoutMs?: number;
  /** Resolves to end the recording early (Ctrl-C). */
  stopEarly?: Promise<void>;
  /** Progress messages (stderr in the CLI). */
  log?: (message: string) => void;
}

const AGENT_PATH = compiledModule('production/attach/agent');
const OBJECT_GROUP = 'nodeinstrument-attach';

interface OpenInspector {
  port: number;
  url: string;
  /** True when attach opened it (and so must close it). */
  openedByUs: boolean;
}

/** Records a profile of process `pid` for `options.duration` seconds. */
export async function attachAndProfile(pid: number, options: AttachOptions): Promise<Session> {
  const log = options.log ?? ((): void => {});
  if (!Number.isInteger(pid) || pid <= 0) throw new AttachError(`invalid PID ${String(pid)}`);
  if (pid === process.pid) throw new AttachError('cannot attach to nodeinstrument itself');
  checkSignalable(pid);
  const inspector = await openInspector(pid, options.openTimeoutMs ?? 5000, log);
  let cdp: CdpSession | undefined;
  let capture: string | undefined;
  let disposed = false;
  // This attach's capture, whatever else happens in the process (cleanUp disposes only it).
  const token = randomBytes(8).toString('hex');
  try {
    cdp = await CdpSession.connect(inspector.url);
    capture = await startAgent(cdp, pid, {
      interval: options.interval,
      mode: options.mode,
      maxStackDepth: options.maxStackDepth,
      recompile: options.recompile ?? true,
      durationMs: options.duration * 1000,
      closeInspector: inspector.openedByUs,
      token,
    });
    log(`recording PID ${pid} for ${options.duration} s (${options.mode} mode)${options.stopEarly ? '; Ctrl-C stops early' : ''}`);
    // The timer is cancelled when Ctrl-C ends the wait, or it would keep this process alive.
    const wait = new AbortController();
    await Promise.race([
      sleep(options.duration * 1000, undefined, { signal: wait.signal }).catch(() => undefined),
      options.stopEarly ?? new Promise<void>(() => {}),
    ]);
    wait.abort();
    const json = await fetchSession(cdp, capture);
    disposed = await dispose(cdp, capture);
    const session = Session.fromJSON(JSON.parse(json));
    session.meta.notes.push(
      `recorded by nodeinstrument attach to PID ${pid}` +
        (inspector.openedByUs ? `; its inspector was opened with SIGUSR1 on 127.0.0.1:${inspector.port} and closed afterwards` : `; through its open inspector on port ${inspector.port}`),
    );
    return session;
  } finally {
    // After a failure midway: stop the recording there, and close the inspector if we opened it.
    if (cdp !== undefined && capture !== undefined && !disposed) disposed = await dispose(cdp, capture);
    cdp?.close();
    if (!disposed || inspector.openedByUs) await cleanUp(pid, inspector, disposed, token, log);
  }
}

/**
 * Drops the session in the process and closes the inspector if attach opened
 * it. The reply may not arrive when the inspector closes under it, so a reply
 * or a quiet second both count.
 */
async function dispose(cdp: CdpSession, capture: string): Promise<boolean> {
  try {
    await Promise.race([call(cdp, capture, 'function () { this.dispose(); }'), sleep(1000, undefined, { ref: false })]);
    return true;
  } catch {
    return false;
  }
}

/** Finds the process's inspector if it has one open, else opens it with SIGUSR1. */
async function openInspector(pid: number, timeoutMs: number, log: (message: string) => void): Promise<OpenInspector> {
  const existing = await findInspector(pid);
  if (existing) {
    log(`PID ${pid} has its inspector open on port ${existing.port}: using it (and leaving it open)`);
    return { ...existing, openedByUs: false };
  }
  if (!looksLikeNode(pid)) {
    throw new AttachError(`PID ${pid} (${describe(pid)}) is not a Node.js process`);
  }
  const disposition = sigusr1Disposition(pid);
  if (disposition === 'ignored') {
    throw new AttachError(`PID ${pid} ignores SIGUSR1, so its inspector cannot be opened from outside: attach is not possible`);
  }
  if (disposition === 'default') {
    // Without a handler, SIGUSR1 terminates a process: never send it then.
    throw new AttachError(
      `PID ${pid} (${describe(pid)}) has no SIGUSR1 handler: its inspector is disabled (--disable-sigusr1, or a Node built without the inspector); ` +
        'SIGUSR1 would terminate it, so nothing was sent',
    );
  }
  const config = inspectorConfig(pid);
  if (!isLoopback(config.host)) {
    throw new AttachError(
      `PID ${pid} would open its inspector on ${config.host} (${config.source}), not on loopback: attach opens inspectors on loopback only`,
    );
  }
  const taken = config.port !== 0 && listeningSockets(pid).some((socket) => socket.port === config.port);
  if (taken) {
    throw new AttachError(
      `port ${config.port}, where PID ${pid} would open its inspector (${config.source}), is already in use by another process: ` +
        'free it, or start the program with --inspect-port=<free port> (or set process.debugPort) to attach later',
    );
  }
  const before = new Set(ownListeningSockets(pid).map((socket) => socket.inode));
  log(`sending SIGUSR1 to PID ${pid} to open its inspector on ${config.host}:${config.port || '(random port)'}`);
  process.kill(pid, 'SIGUSR1');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(50);
    checkSignalable(pid); // exited meanwhile?
    for (const socket of ownListeningSockets(pid)) {
      if (before.has(socket.inode)) continue;
      const url = await inspectorTarget(socket.port);
      if (url === undefined) continue;
      if (!isLoopback(socket.address)) {
        throw new AttachError(`PID ${pid} opened its inspector on ${socket.address}:${socket.port}, not on loopback; nodeinstrument does not use it`);
      }
      return { port: socket.port, url: loopbackUrl(url, socket.port), openedByUs: true };
    }
  }
  if (config.port !== 0 && listeningSockets(pid).some((socket) => socket.port === config.port)) {
    throw new AttachError(`PID ${pid} could not open its inspector: port ${config.port} (${config.source}) is in use by another process`);
  }
  throw new AttachError(
    `PID ${pid} did not open its inspector within ${timeoutMs / 1000} s of SIGUSR1: it handles SIGUSR1 itself ` +
      "(process.on('SIGUSR1')), its inspector is disabled, or it is stopped",
  );
}

/** An inspector the process already listens with, if any. */
async function findInspector(pid: number): Promise<Omit<OpenInspector, 'openedByUs'> | undefined> {
  for (const socket of ownListeningSockets(pid)) {
    if (!isLoopback(socket.address) && socket.address !== '0.0.0.0' && socket.address !== '::') continue;
    const url = await inspectorTarget(socket.port, 500);
    if (url !== undefined) return { port: socket.port, url: loopbackUrl(url, socket.port) };
  }
  return undefined;
}

/** The inspector's WebSocket URL, always through 127.0.0.1 or ::1. */
function loopbackUrl(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = parsed.hostname === '[::1]' ? '[::1]' : '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
}

async function startAgent(cdp: CdpSession, pid: number, agentOptions: AgentOptions): Promise<string> {
  const expression = `require(${JSON.stringify(AGENT_PATH)}).startCapture(${JSON.stringify(agentOptions)})`;
  const reply = await cdp.send('Runtime.evaluate', { expression, includeCommandLineAPI: true, objectGroup: OBJECT_GROUP, silent: true });
  const failure = exceptionText(reply);
  if (failure !== undefined) throw new AttachError(`cannot start profiling in PID ${pid}: ${failure}`);
  const objectId = (reply.result as { objectId?: string } | undefined)?.objectId;
  if (!objectId) throw new AttachError(`cannot start profiling in PID ${pid}: the agent returned nothing`);
  return objectId;
}

async function fetchSession(cdp: CdpSession, capture: string): Promise<string> {
  const { chunks } = (await call(cdp, capture, 'function () { return this.stop(); }')) as { chunks: number };
  const parts: string[] = [];
  for (let i = 0; i < chunks; i++) {
    parts.push((await call(cdp, capture, 'function (i) { return this.chunk(i); }', [i])) as string);
  }
  return parts.join('');
}

/** Calls a method of the capture in the process; returns its result by value. */
async function call(cdp: CdpSession, objectId: string, functionDeclaration: string, args: unknown[] = []): Promise<unknown> {
  const reply = await cdp.send('Runtime.callFunctionOn', {
    objectId,
    functionDeclaration,
    arguments: args.map((value) => ({ value })),
    returnByValue: true,
    silent: true,
  });
  const failure = exceptionText(reply);
  if (failure !== undefined) throw new AttachError(`profiling in the process failed: ${failure}`);
  return (reply.result as { value?: unknown } | undefined)?.value;
}

function exceptionText(reply: Record<string, unknown>): string | undefined {
  const details = reply.exceptionDetails as { text?: string; exception?: { description?: string } } | undefined;
  if (details === undefined) return undefined;
  const description = details.exception?.description ?? details.text ?? 'an exception';
  return description.split('\n')[0]!.replace(/^(?:\w*Error: )?(?:nodeinstrument: )?/, '');
}

/**
 * Makes sure nothing attach started is left: if the capture could not be
 * disposed through the session, a fresh connection disposes it (and closes
 * the inspector if attach opened it); then the port must be gone.
 */
async function cleanUp(pid: number, inspector: OpenInspector, disposed: boolean, token: string, log: (message: string) => void): Promise<void> {
  const listening = (): boolean => ownListeningSockets(pid).some((socket) => socket.port === inspector.port);
  if (!disposed) await disposeThroughNewConnection(inspector, token);
  if (!inspector.openedByUs) return;
  for (let i = 0; i < 40 && listening(); i++) await sleep(50);
  if (listening()) {
    log(
      `warning: the inspector of PID ${pid} is still open on 127.0.0.1:${inspector.port}; ` +
        "run require('node:inspector').close() in the process, or restart it",
    );
  }
}

/**
 * Last resort after a failure midway: a new connection disposes this
 * attach's capture, if it runs, and closes the inspector if this attach
 * opened it. Another attach's capture (ours was refused because it records)
 * and the inspector it uses are left alone.
 */
async function disposeThroughNewConnection(inspector: OpenInspector, token: string): Promise<void> {
  const url = await inspectorTarget(inspector.port, 500);
  if (url === undefined) return;
  const close = inspector.openedByUs ? "const inspector = require('node:inspector'); if (inspector.url()) inspector.close();" : '';
  const expression = `(() => { require(${JSON.stringify(AGENT_PATH)}).disposeActive(${JSON.stringify(token)}); ${close} })()`;
  let cdp: CdpSession | undefined;
  try {
    cdp = await CdpSession.connect(loopbackUrl(url, inspector.port), 2000);
    await Promise.race([
      cdp.send('Runtime.evaluate', { expression, includeCommandLineAPI: true, silent: true }).catch(() => undefined),
      sleep(1000, undefined, { ref: false }),
    ]);
  } catch {
    // nothing more to do; cleanUp reports an inspector left open
  } finally {
    cdp?.close();
  }
}
