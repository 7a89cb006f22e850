/**
 * What /proc says about a process to attach to: whether it exists and may be
 * signalled, whether it handles SIGUSR1, how its inspector is configured, and
 * which TCP ports it listens on. Linux only; reads, never writes.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

export class AttachError extends Error {
  override name = 'AttachError';
}

const SIGUSR1 = 10;

/** Throws AttachError unless `pid` names a process this user may signal. */
export function checkSignalable(pid: number): void {
  try {
    process.kill(pid, 0);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new AttachError(`no process with PID ${pid}`);
    if (code === 'EPERM') {
      throw new AttachError(
        `not allowed to signal PID ${pid} (${describe(pid)}): attach needs the user the process runs as, or root`,
      );
    }
    throw error;
  }
}

/** `node (/usr/bin/node)`, or what can be read of it. */
export function describe(pid: number): string {
  const comm = readOr(`/proc/${pid}/comm`, '').trim();
  const exe = executable(pid);
  if (exe && comm && basename(exe) !== comm) return `${comm}, ${exe}`;
  return exe || comm || 'unknown program';
}

function executable(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return '';
  }
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** The process's SIGUSR1 disposition, from the SigIgn and SigCgt masks of /proc/<pid>/status. */
export function sigusr1Disposition(pid: number): 'caught' | 'ignored' | 'default' {
  const status = readOr(`/proc/${pid}/status`, '');
  const mask = (name: string): bigint => {
    const match = new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm').exec(status);
    return match ? BigInt(`0x${match[1]}`) : 0n;
  };
  const bit = 1n << BigInt(SIGUSR1 - 1);
  if (mask('SigIgn') & bit) return 'ignored';
  if (mask('SigCgt') & bit) return 'caught';
  return 'default';
}

/**
 * Whether the process runs Node.js: its executable is called node (node,
 * nodejs, node20, node-v22.1.0) or maps a libnode shared library.
 */
export function looksLikeNode(pid: number): boolean {
  const exe = basename(executable(pid));
  const comm = readOr(`/proc/${pid}/comm`, '').trim();
  const nodeName = /^node(?:js)?(?:[-_.]?v?\d[\w.-]*)?$/i;
  if (nodeName.test(exe) || nodeName.test(comm)) return true;
  return /\/libnode\.so/.test(readOr(`/proc/${pid}/maps`, ''));
}

/** NUL-separated strings of /proc/<pid>/cmdline or environ. */
function nulList(path: string): string[] {
  return readOr(path, '').split('\0').filter((item) => item !== '');
}

export interface InspectorConfig {
  host: string;
  /** 0: a random port. */
  port: number;
  /** Where it came from, for messages. */
  source: string;
}

/**
 * Where SIGUSR1 would open the inspector: --inspect-port, --inspect[-brk] or
 * --debug-port on the command line or in NODE_OPTIONS, else 127.0.0.1:9229.
 * (A program can also set process.debugPort at run time; the port is then
 * found from the sockets the process listens on.)
 */
export function inspectorConfig(pid: number): InspectorConfig {
  const config: InspectorConfig = { host: '127.0.0.1', port: 9229, source: 'the default' };
  const nodeOptions = nulList(`/proc/${pid}/environ`).find((entry) => entry.startsWith('NODE_OPTIONS='));
  const args = [...(nodeOptions ? nodeOptions.slice('NODE_OPTIONS='.length).split(/\s+/) : []), ...nulList(`/proc/${pid}/cmdline`).slice(1)];
  for (const arg of args) {
    const match = /^--(?:inspect-port|inspect|inspect-brk|inspect-wait|debug-port)=(.+)$/.exec(arg);
    if (!match) continue;
    const value = match[1]!;
    const hostPort = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value);
    if (hostPort) {
      config.host = hostPort[1] ?? hostPort[2]!;
      config.port = Number(hostPort[3]);
    } else if (/^\d+$/.test(value)) {
      config.port = Number(value);
    } else {
      config.host = value;
    }
    config.source = arg;
  }
  return config;
}

export function isLoopback(host: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === 'localhost' || /^::ffff:127\./.test(host);
}

export interface ListeningSocket {
  address: string;
  port: number;
  inode: number;
}

/** TCP sockets in LISTEN state in the process's network namespace. */
export function listeningSockets(pid: number | 'self'): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const file of ['tcp', 'tcp6']) {
    const lines = readOr(`/proc/${pid}/net/${file}`, '').split('\n').slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue;
      const [hexAddress, hexPort] = fields[1]!.split(':') as [string, string];
      sockets.push({ address: decodeAddress(hexAddress), port: parseInt(hexPort, 16), inode: Number(fields[9]) });
    }
  }
  return sockets;
}

/** Socket inodes the process holds open. */
export function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(Number(match[1]));
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** The TCP ports the process itself listens on. */
export function ownListeningSockets(pid: number): ListeningSocket[] {
  const inodes = socketInodes(pid);
  return listeningSockets(pid).filter((socket) => inodes.has(socket.inode));
}

/** /proc/net/tcp addresses: IPv4 as one little-endian word, IPv6 as four. */
function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    const bytes = Buffer.from(hex, 'hex').reverse();
    return [...bytes].join('.');
  }
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const word = Buffer.from(hex.slice(i, i + 8), 'hex').reverse().toString('hex');
    words.push(word.slice(0, 4), word.slice(4));
  }
  const text = words.map((word) => word.replace(/^0+(?=.)/, '')).join(':');
  if (text === '0:0:0:0:0:0:0:1') return '::1';
  if (text === '0:0:0:0:0:0:0:0') return '::';
  const mapped = /^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(text);
  if (mapped) {
    const value = (parseInt(mapped[1]!, 16) << 16) | parseInt(mapped[2]!, 16);
    return `::ffff:${[value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.')}`;
  }
  return text;
}
