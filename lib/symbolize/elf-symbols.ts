/**
 * The functions of an ELF file (the node executable, libc, an addon) by
 * address, from its symbol table: .symtab where the file keeps one (Node's
 * binary does, about 86,000 functions), else .dynsym (what dladdr sees).
 * The native layer reads and sorts the table (native/elf_functions.h); names
 * stay in the file until a function is first named. Naming a native pc is a
 * binary search instead of a dladdr scan, and Node's table costs about 2 MB
 * outside the JavaScript heap.
 *
 * Addresses here are the file's virtual addresses; virtualAddress turns a
 * process address into one, from the mapping that holds it.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Longer names are cut (C++ template names can run to kilobytes; the reader sees a shortened one). */
const MAX_NAME_BYTES = 4096;
/** Where functionName reads a name: one buffer for all (a drain names up to thousands). */
const nameBuffer = Buffer.alloc(MAX_NAME_BYTES);

export interface ElfFunctions {
  /** Start and end (exclusive) virtual address of each function, sorted by start. */
  starts: Float64Array;
  ends: Float64Array;
  /** Where each one's name starts in the file's string table (functionName reads it). */
  nameOffsets: Uint32Array;
  path: string;
  /** The string table's place in the file: names are read when asked for, not kept. */
  stringsOffset: number;
  stringsSize: number;
  /** Executable segments: file offset, virtual address and size of each, to place a mapping. */
  segments: Array<{ offset: number; vaddr: number; size: number }>;
}

/** The stored (mangled) name of function `index`, read from the file; '' if it cannot be read. */
export function functionName(functions: ElfFunctions, index: number): string {
  const at = functions.nameOffsets[index]!;
  const length = Math.min(MAX_NAME_BYTES, functions.stringsSize - at);
  if (!(length > 0)) return '';
  try {
    const fd = openForNames(functions.path);
    const n = readSync(fd, nameBuffer, 0, length, functions.stringsOffset + at);
    const end = nameBuffer.indexOf(0);
    return nameBuffer.toString('latin1', 0, end === -1 || end > n ? n : end);
  } catch {
    return '';
  }
}

/**
 * Files open for reading names, closed when the task that opened them ends: a
 * drain names up to thousands of functions (an open and a close each cost more
 * than the read), and no descriptor is held between drains.
 */
const openForNamesByPath = new Map<string, number>();

function openForNames(path: string): number {
  let fd = openForNamesByPath.get(path);
  if (fd === undefined) {
    fd = openSync(path, 'r');
    if (openForNamesByPath.size === 0) queueMicrotask(closeFilesOpenForNames);
    openForNamesByPath.set(path, fd);
  }
  return fd;
}

function closeFilesOpenForNames(): void {
  for (const fd of openForNamesByPath.values()) {
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing to release.
    }
  }
  openForNamesByPath.clear();
}

/**
 * The function holding virtual address `vaddr`: its index, or -1. A symbol
 * without a size (hand-written assembly) holds only its first byte, so an
 * address past every sized symbol finds nothing rather than a wrong name.
 */
export function functionAt(functions: ElfFunctions, vaddr: number): number {
  const { starts, ends } = functions;
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (starts[mid]! <= vaddr) low = mid + 1;
    else high = mid;
  }
  // Nested or aliased symbols: the nearest start at or below vaddr whose range holds it.
  for (let i = low - 1; i >= 0 && i >= low - 4; i--) if (vaddr < ends[i]!) return i;
  return -1;
}

/** The virtual address of `address` in a mapping of the file at `fileOffset` (from /proc/self/maps), or undefined. */
export function virtualAddress(functions: ElfFunctions, address: number, mappingStart: number, fileOffset: number): number | undefined {
  const offset = address - mappingStart + fileOffset;
  for (const segment of functions.segments) {
    if (offset >= segment.offset && offset < segment.offset + segment.size) return offset - segment.offset + segment.vaddr;
  }
  return undefined;
}
