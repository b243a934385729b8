/**
 * Ids to dense node numbers. An open-addressing table over typed arrays rather than a Map, because
 * loading resolves 300k edge ends straight out of the store's text (no substring per id), and
 * Map lookups were the most expensive part of building a 100k-task graph.
 */
export class IdTable {
  readonly ids: string[] = [];
  /**
   * Four ints per slot, side by side so a probe touches one cache line: node + 1 (0 = empty), the
   * id's hash, where the id starts in `#known` (-1 for ids added later), and its length.
   */
  #table: Int32Array;
  #mask: number;
  /** The first ids, joined: checking a match against one contiguous string misses the cache less. */
  #known: string;

  /** Starts with `ids` (a repeated id keeps its first node, so `size` tells whether any repeated). */
  constructor(ids: readonly string[]) {
    let capacity = 16;
    while (capacity < ids.length * 2) capacity *= 2;
    this.#table = new Int32Array(capacity * 4);
    this.#mask = capacity - 1;
    this.#known = ids.join(" ");
    let offset = 0;
    for (const id of ids) {
      const hash = hashOf(id, 0, id.length);
      if (this.find(id, 0, id.length, hash) < 0) {
        this.ids.push(id);
        this.#place(this.ids.length - 1, hash, offset, id.length);
      }
      offset += id.length + 1;
    }
  }

  get size(): number {
    return this.ids.length;
  }

  /** The node of `id`, or undefined. */
  get(id: string): number | undefined {
    const node = this.find(id, 0, id.length, hashOf(id, 0, id.length));
    return node < 0 ? undefined : node;
  }

  /** The node of `text[start, end)`, given its hash; -1 when unknown. */
  find(text: string, start: number, end: number, hash: number): number {
    const table = this.#table;
    const mask = this.#mask;
    const length = end - start;
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const slot = table[4 * at] as number;
      if (slot === 0) return -1;
      if (table[4 * at + 1] !== hash || table[4 * at + 3] !== length) continue;
      const offset = table[4 * at + 2] as number;
      const added = offset < 0 ? (this.ids[slot - 1] as string) : undefined;
      if (added === undefined ? this.#isKnownAt(offset, text, start, length) : text.startsWith(added, start))
        return slot - 1;
    }
  }

  /** The node of `text[start, end)`, adding it (as the next node) when it is new. */
  intern(text: string, start: number, end: number, hash: number): number {
    const found = this.find(text, start, end, hash);
    if (found >= 0) return found;
    const id = start === 0 && end === text.length ? text : text.slice(start, end);
    this.ids.push(id);
    if (this.ids.length * 2 > this.#mask + 1) this.#grow();
    this.#place(this.ids.length - 1, hash, -1, id.length);
    return this.ids.length - 1;
  }

  #isKnownAt(offset: number, text: string, start: number, length: number): boolean {
    const known = this.#known;
    for (let k = 0; k < length; k++) if (known.charCodeAt(offset + k) !== text.charCodeAt(start + k)) return false;
    return true;
  }

  /**
   * Reads edge text as the store lists it, one line per blocker, `blocker task task…` (ids separated
   * by spaces), into node pairs in that order; returns how many. Tasks not among the first `tasks`
   * nodes are skipped; a blocker becomes a node only once a known task waits on it. `from` and `to`
   * need room for one pair per id in the text.
   */
  internDependents(text: string, tasks: number, from: Int32Array, to: Int32Array): number {
    let pairs = 0;
    let start = 0;
    let hash = FNV_OFFSET;
    let atBlocker = true;
    let blockerStart = 0;
    let blockerEnd = 0;
    let blockerHash = 0;
    let blocker = -1;
    for (let i = 0; i <= text.length; i++) {
      const c = i < text.length ? text.charCodeAt(i) : NEWLINE;
      if (c !== SPACE && c !== NEWLINE) {
        hash = Math.imul(hash ^ c, FNV_PRIME);
        continue;
      }
      if (i > start && atBlocker) {
        blockerStart = start;
        blockerEnd = i;
        blockerHash = hash;
        blocker = -1;
        atBlocker = false;
      } else if (i > start) {
        const task = this.find(text, start, i, hash);
        if (task >= 0 && task < tasks) {
          if (blocker < 0) blocker = this.intern(text, blockerStart, blockerEnd, blockerHash);
          from[pairs] = task;
          to[pairs++] = blocker;
        }
      }
      if (c === NEWLINE) atBlocker = true;
      start = i + 1;
      hash = FNV_OFFSET;
    }
    return pairs;
  }

  #place(node: number, hash: number, offset: number, length: number): void {
    const table = this.#table;
    let at = hash & this.#mask;
    while (table[4 * at] !== 0) at = (at + 1) & this.#mask;
    table[4 * at] = node + 1;
    table[4 * at + 1] = hash;
    table[4 * at + 2] = offset;
    table[4 * at + 3] = length;
  }

  #grow(): void {
    const old = this.#table;
    this.#table = new Int32Array(old.length * 2);
    this.#mask = this.#mask * 2 + 1;
    for (let at = 0; at < old.length; at += 4) {
      if (old[at] !== 0)
        this.#place((old[at] as number) - 1, old[at + 1] as number, old[at + 2] as number, old[at + 3] as number);
    }
  }
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SPACE = 32;
const NEWLINE = 10;

/** FNV-1a over the UTF-16 code units of `text[start, end)`. */
export function hashOf(text: string, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return hash;
}

/** How many ids a space- and newline-separated text can hold at most (one per separator, plus one). */
export function idCapacity(text: string): number {
  let count = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === SPACE || c === NEWLINE) count++;
  }
  return count;
}
