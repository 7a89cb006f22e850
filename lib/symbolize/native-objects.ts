/**
 * Which shared object (or executable) holds a machine-code address, from the
 * process's memory map. Cheap per lookup (binary search); the map is read
 * again only when an address falls outside every known mapping, which is
 * when a library was loaded since the last read.
 */
import { readFileSync } from 'node:fs';

interface Mapping {
  start: number;
  end: number;
  path: string;
}

export class NativeObjects {
  private mappings: Mapping[] = [];
  private readonly misses = new Set<number>();

  constructor(private readonly readMaps: () => string = () => readFileSync('/proc/self/maps', 'utf8')) {
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
    const match = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s+(.*)$/.exec(line);
    if (!match || match[3]![2] !== 'x') continue;
    const path = match[4]!.trim();
    if (!path || path.startsWith('[') && path !== '[vdso]') continue;
    mappings.push({ start: parseInt(match[1]!, 16), end: parseInt(match[2]!, 16), path: path === '[vdso]' ? 'linux-vdso.so.1' : path });
  }
  return mappings.sort((a, b) => a.start - b.start);
}
