/**
 * Which shared object (or executable) holds a machine-code address, from the
 * process's memory map. Cheap per lookup (binary search); the map is read
 * again when an address falls outside every known mapping, which is when a
 * library was loaded since the last read.
 *
 * Anonymous executable memory (V8's code space) is kept too, as no object:
 * walked frames in code V8 never reported fall there, a hundred distinct
 * addresses in a few seconds of TypeScript's parser, and each one read and
 * parsed the whole map again (about half a millisecond: 2.5% of a 10 kHz
 * recording's time). Since V8 may free such a region and a library may be
 * mapped there later, an address in one reads the map again only when the
 * last read is older than ANONYMOUS_RECHECK_MS.
 */
import { readFileSync } from 'node:fs';
import { ElfFunctions, functionAt, functionName, virtualAddress } from './elf-symbols';

interface Mapping {
  start: number;
  end: number;
  /** Offset in the file of the mapping's first byte. */
  offset: number;
  /** '' for anonymous memory (JIT code). */
  path: string;
}

/** How old a read of the map may be for an address in anonymous memory to be taken as still anonymous. */
export const ANONYMOUS_RECHECK_MS = 1000;

/** A native function, as the symbol table of its object names it. */
export interface NativeFunction {
  /** Unique per function (object and symbol). */
  key: string;
  /** The name for reports (see the constructor's `nameOf`). */
  name: string;
}

/**
 * Each object's function table, read when one of its pcs is first named
 * (null when it has none), and the functions named so far: kept for the
 * process, as reading Node's table takes tens of milliseconds and a service
 * may record many times (per request, per window).
 */
const functionTables = new Map<string, ElfFunctions | null>();
/** Per table, its functions named so far, by index (a drain asks for the same few thousand again and again). */
const namedFunctions = new WeakMap<ElfFunctions, Map<number, NativeFunction>>();

/**
 * Exported symbols by address, as dladdr named them: kept for the process, as a
 * call takes about a third of a millisecond among Node's 75,000 exports and
 * every recording walks the same few addresses again (its entry frames, API
 * callbacks). Node does not unload a library it has loaded.
 */
const exportedSymbols = new Map<number, string>();

/** The exported symbol at `address` ('' for none), read with `read` (the addon's dladdr) once per process. */
export function exportedSymbolAt(address: number, read: (address: number) => string): string {
  let symbol = exportedSymbols.get(address);
  if (symbol === undefined) {
    symbol = read(address);
    if (exportedSymbols.size >= 1 << 16) exportedSymbols.clear();
    exportedSymbols.set(address, symbol);
  }
  return symbol;
}

/** Whether this process has read the object's function table (or found it has none). */
export function knowsFunctionsOf(path: string): boolean {
  return functionTables.has(path);
}

export class NativeObjects {
  private mappings: Mapping[] = [];
  private readonly misses = new Set<number>();
  /** When the map was last read (this.now()). */
  private readAt = 0;

  private readonly readMaps: () => string;
  private readonly readFunctions: (path: string) => ElfFunctions | undefined;
  private readonly nameOf: (symbol: string) => string;
  private readonly now: () => number;

  /**
   * readFunctions: an object's function table (the addon's functionTable);
   * without it native pcs are named by their object only. nameOf: a
   * function's name for reports, from its symbol as stored (the recorder
   * demangles and shortens: lib/symbolize/native-names.ts).
   */
  constructor(
    options: {
      readMaps?: () => string;
      readFunctions?: (path: string) => ElfFunctions | undefined;
      nameOf?: (symbol: string) => string;
      /** Milliseconds, for the age of the last read (tests give a clock). */
      now?: () => number;
    } = {},
  ) {
    this.readMaps = options.readMaps ?? (() => readFileSync('/proc/self/maps', 'utf8'));
    this.readFunctions = options.readFunctions ?? (() => undefined);
    this.nameOf = options.nameOf ?? ((symbol) => symbol);
    this.now = options.now ?? (() => performance.now());
    this.refresh();
  }

  /** Path of the object holding the address; '' when no file is mapped there. */
  objectOf(address: number): string {
    let mapping = this.find(address);
    let fresh = false;
    if (mapping?.path === '' && this.now() - this.readAt > ANONYMOUS_RECHECK_MS) {
      this.refresh();
      fresh = true;
      mapping = this.find(address);
    }
    if (mapping === undefined && !this.misses.has(address)) {
      if (!fresh) this.refresh();
      mapping = this.find(address);
      if (mapping === undefined) {
        if (this.misses.size > 4096) this.misses.clear();
        this.misses.add(address);
      }
    }
    return mapping?.path ?? '';
  }

  /** The function holding the address, from its object's symbol table; undefined when the table has none there. */
  functionOf(address: number): NativeFunction | undefined {
    const mapping = this.find(address) ?? (this.objectOf(address) !== '' ? this.find(address) : undefined);
    if (mapping === undefined || mapping.path === '' || mapping.path === 'linux-vdso.so.1') return undefined;
    let table = functionTables.get(mapping.path);
    if (table === undefined) {
      table = this.readFunctions(mapping.path) ?? null;
      functionTables.set(mapping.path, table);
    }
    if (table === null) return undefined;
    const vaddr = virtualAddress(table, address, mapping.start, mapping.offset);
    const index = vaddr === undefined ? -1 : functionAt(table, vaddr);
    if (index === -1) return undefined;
    let named = namedFunctions.get(table);
    if (named === undefined) namedFunctions.set(table, (named = new Map()));
    let found = named.get(index);
    if (found === undefined) {
      const symbol = functionName(table, index);
      found = { key: `${mapping.path}\u0000${index}`, name: symbol === '' ? '' : this.nameOf(symbol) };
      named.set(index, found);
    }
    return found.name === '' ? undefined : found;
  }

  private find(address: number): Mapping | undefined {
    let low = 0;
    let high = this.mappings.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.mappings[mid]!.end <= address) low = mid + 1;
      else high = mid;
    }
    const mapping = this.mappings[low];
    return mapping !== undefined && mapping.start <= address ? mapping : undefined;
  }

  private refresh(): void {
    this.mappings = parseMaps(this.readMaps());
    this.readAt = this.now();
  }
}

/**
 * Executable mappings of /proc/<pid>/maps, sorted by address: files by path,
 * the vDSO as linux-vdso.so.1, anonymous memory (and other bracketed regions) as ''.
 */
export function parseMaps(text: string): Mapping[] {
  const mappings: Mapping[] = [];
  for (const line of text.split('\n')) {
    // 7f2a...-7f2b... r-xp 00000000 fd:01 1234   /usr/lib/x86_64-linux-gnu/libc.so.6
    const match = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ \S+\s*(.*)$/.exec(line);
    if (!match || match[3]![2] !== 'x') continue;
    const named = match[5]!.trim();
    const path = named === '[vdso]' ? 'linux-vdso.so.1' : named.startsWith('[') ? '' : named;
    mappings.push({ start: parseInt(match[1]!, 16), end: parseInt(match[2]!, 16), offset: parseInt(match[4]!, 16), path });
  }
  return mappings.sort((a, b) => a.start - b.start);
}
