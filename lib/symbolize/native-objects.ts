/**
 * Which shared object (or executable) holds a machine-code address, from the
 * process's memory map. Cheap per lookup (binary search); the map is read
 * again only when an address falls outside every known mapping, which is
 * when a library was loaded since the last read.
 */
import { readFileSync } from 'node:fs';
import { ElfFunctions, functionAt, functionName, virtualAddress } from './elf-symbols';

interface Mapping {
  start: number;
  end: number;
  /** Offset in the file of the mapping's first byte. */
  offset: number;
  path: string;
}

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

/** Whether this process has read the object's function table (or found it has none). */
export function knowsFunctionsOf(path: string): boolean {
  return functionTables.has(path);
}

export class NativeObjects {
  private mappings: Mapping[] = [];
  private readonly misses = new Set<number>();

  private readonly readMaps: () => string;
  private readonly readFunctions: (path: string) => ElfFunctions | undefined;
  private readonly nameOf: (symbol: string) => string;

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
    } = {},
  ) {
    this.readMaps = options.readMaps ?? (() => readFileSync('/proc/self/maps', 'utf8'));
    this.readFunctions = options.readFunctions ?? (() => undefined);
    this.nameOf = options.nameOf ?? ((symbol) => symbol);
    this.refresh();
  }

  /** Path of the object holding the address; '' when no file is mapped there. */
  objectOf(address: number): string {
    let mapping = this.find(address);
    if (mapping === undefined && !this.misses.has(address)) {
      this.refresh();
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
    if (mapping === undefined || mapping.path === 'linux-vdso.so.1') return undefined;
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
  }
}

/** Executable, file-backed mappings of /proc/<pid>/maps, sorted by address. */
export function parseMaps(text: string): Mapping[] {
  const mappings: Mapping[] = [];
  for (const line of text.split('\n')) {
    // 7f2a...-7f2b... r-xp 00000000 fd:01 1234   /usr/lib/x86_64-linux-gnu/libc.so.6
    const match = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ \S+\s+(.*)$/.exec(line);
    if (!match || match[3]![2] !== 'x') continue;
    const path = match[5]!.trim();
    if (!path || path.startsWith('[') && path !== '[vdso]') continue;
    mappings.push({ start: parseInt(match[1]!, 16), end: parseInt(match[2]!, 16), offset: parseInt(match[4]!, 16), path: path === '[vdso]' ? 'linux-vdso.so.1' : path });
  }
  return mappings.sort((a, b) => a.start - b.start);
}
