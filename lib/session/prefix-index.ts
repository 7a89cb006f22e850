/**
 * The ids of a prefix table's nodes by (parent id, value): stacks (value: a
 * frame id), position stacks (a position tag), line stacks (a line). Each
 * table interns a node once, so every drain and every rebuild of a session
 * asks here for each frame it adds.
 *
 * An open-addressing hash table in three typed arrays, outside the V8 heap.
 * The tables held a Map per node before: at the end of a TypeScript check,
 * rebuilding 33,000 stacks with their lines made 66,000 Maps, and the
 * rebuild took about 200 ms on this project's 2-core machine
 * (docs/benchmarks.md, section 18).
 */

const EMPTY = -1;

export class PrefixIndex {
  private parents: Int32Array;
  private values: Int32Array;
  /** The node id in each slot; EMPTY where none. */
  private ids: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 64) {
    let slots = 16;
    while (slots < expected * 2) slots *= 2;
    this.parents = new Int32Array(slots);
    this.values = new Int32Array(slots);
    this.ids = new Int32Array(slots).fill(EMPTY);
    this.mask = slots - 1;
  }

  /** How many nodes are indexed. */
  get size(): number {
    return this.count;
  }

  /**
   * The id of the node (parent, value); when there is none yet, the node
   * gets `next` (the table's next id, which the caller then adds). Ids,
   * parents and values are 32-bit integers; parent -1 is the root.
   */
  idOf(parent: number, value: number, next: number): number {
    const { parents, values, ids, mask } = this;
    let slot = slotOf(parent, value) & mask;
    for (let id = ids[slot]!; id !== EMPTY; id = ids[slot]!) {
      if (parents[slot] === parent && values[slot] === value) return id;
      slot = (slot + 1) & mask;
    }
    parents[slot] = parent;
    values[slot] = value;
    ids[slot] = next;
    // At most half full: probes stay short.
    if (++this.count * 2 > ids.length) this.grow();
    return next;
  }

  private grow(): void {
    const { parents, values, ids } = this;
    const slots = ids.length * 2;
    this.parents = new Int32Array(slots);
    this.values = new Int32Array(slots);
    this.ids = new Int32Array(slots).fill(EMPTY);
    this.mask = slots - 1;
    for (let old = 0; old < ids.length; old++) {
      if (ids[old] === EMPTY) continue;
      let slot = slotOf(parents[old]!, values[old]!) & this.mask;
      while (this.ids[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.parents[slot] = parents[old]!;
      this.values[slot] = values[old]!;
      this.ids[slot] = ids[old]!;
    }
  }
}

/** Mixes both halves of the key into all bits (siblings differ in value, chains in parent). */
function slotOf(parent: number, value: number): number {
  let hash = (Math.imul(parent, 0x9e3779b1) + value) | 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  return hash ^ (hash >>> 13);
}
