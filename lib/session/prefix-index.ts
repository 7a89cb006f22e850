/**
 * The ids of a prefix table's nodes by (parent id, value): stacks (value: a
 * frame id), position stacks (a position tag), line stacks (a line). Each
 * table interns a node once, so every drain and every rebuild of a session
 * asks here for each frame it adds.
 *
 * An open-addressing hash table in one typed array, outside the V8 heap.
 * The tables held a Map per node before: at the end of a TypeScript check,
 * rebuilding 33,000 stacks with their lines made 66,000 Maps, and the
 * rebuild took about 200 ms on this project's 2-core machine
 * (docs/benchmarks.md, section 18).
 */

/** Per slot: parent, value, and the node's id plus one (0: an empty slot, as the array starts). */
const SLOT = 3;

export class PrefixIndex {
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  /** `expected`: how many nodes the table will likely hold (it grows past that as needed). */
  constructor(expected = 64) {
    let slots = 16;
    while (slots < expected * 2) slots *= 2;
    this.slots = new Int32Array(slots * SLOT);
    this.mask = slots - 1;
  }

  /** How many nodes are indexed. */
  get size(): number {
    return this.count;
  }

  /**
   * The id of the node (parent, value); when there is none yet, the node
   * gets `next` (the table's next id, which the caller then adds). Ids,
   * parents and values are 32-bit integers, ids below 2^31 - 1; parent -1
   * is the root.
   */
  idOf(parent: number, value: number, next: number): number {
    const { slots, mask } = this;
    let slot = slotOf(parent, value) & mask;
    for (let at = slot * SLOT; slots[at + 2] !== 0; at = slot * SLOT) {
      if (slots[at] === parent && slots[at + 1] === value) return slots[at + 2]! - 1;
      slot = (slot + 1) & mask;
    }
    const at = slot * SLOT;
    slots[at] = parent;
    slots[at + 1] = value;
    slots[at + 2] = next + 1;
    // At most half full: probes stay short.
    if (++this.count * 2 > mask + 1) this.grow();
    return next;
  }

  private grow(): void {
    const old = this.slots;
    const size = (this.mask + 1) * 2;
    this.slots = new Int32Array(size * SLOT);
    this.mask = size - 1;
    for (let from = 0; from < old.length; from += SLOT) {
      if (old[from + 2] === 0) continue;
      let slot = slotOf(old[from]!, old[from + 1]!) & this.mask;
      while (this.slots[slot * SLOT + 2] !== 0) slot = (slot + 1) & this.mask;
      const to = slot * SLOT;
      this.slots[to] = old[from]!;
      this.slots[to + 1] = old[from + 1]!;
      this.slots[to + 2] = old[from + 2]!;
    }
  }
}

/** Mixes both halves of the key into all bits (siblings differ in value, chains in parent). */
function slotOf(parent: number, value: number): number {
  let hash = (Math.imul(parent, 0x9e3779b1) + value) | 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  return hash ^ (hash >>> 13);
}

/**
 * A prefix table's two columns (parent ids, values), filled through its index:
 * extend() adds a node once and returns its id. The columns are the caller's
 * arrays (a StackTable's, a LineTable's), which it reads directly.
 */
export class PrefixTable {
  private readonly index: PrefixIndex;

  constructor(
    readonly parent: number[],
    readonly value: number[],
    expected?: number,
  ) {
    this.index = new PrefixIndex(expected);
  }

  /** The id of the node `value` under `parent` (-1: the root), added when new. */
  extend(parent: number, value: number): number {
    const next = this.parent.length;
    const id = this.index.idOf(parent, value, next);
    if (id === next) {
      this.parent.push(parent);
      this.value.push(value);
    }
    return id;
  }
}
