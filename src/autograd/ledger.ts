// The gradients one backward pass allocates are the engine's own: nothing outside it holds them
// unless it hands them out (a leaf's or a retained .grad that keeps one). Without this, each is
// freed by the GC in a batch long after its last use, so every new gradient is memory that went
// cold meanwhile; freed (dispose()) when its last holder consumes it, its memory is the next
// allocation of that size, still in cache, as with PyTorch's refcounted storage.
//
// A gradient's storage is counted, not its tensor: views share it (a reshape's backward hands on
// a view of its gradient). `hold` when one is delivered (to a node's pending sum or a leaf's),
// `release` when its holder consumed it (the node's backward ran, the sum was taken, the leaf
// accumulated it); at zero holders it is freed. Releases and drops wait for `settle()`, which
// the engine calls once a node's outputs are all delivered: one gradient tensor may go to
// several edges (add's backward hands its gradient to both inputs), and consuming it on the
// first must not free it before the others got it. Only storage of 16 KiB and more allocated
// during this pass counts (smaller is cheaper left to the GC: src/storage.ts, ledgerMinBytes;
// a caller's gradOutputs, saved forward tensors and everything older are never freed), and a
// storage that escapes (kept as some .grad) is never freed. The engine runs without a ledger
// where gradients escape by design: createGraph (gradients are graph nodes), autograd.grad
// (they are the answer) and tracing (src/jit: the trace maps every buffer it saw), and where no
// node has an input that large (engine.ts, countDependencies).
import { _setBornInto, _tracingAllocations, dispose } from '../storage.js';
import type { Storage } from '../native.js';
import type { StorageBox, Tensor } from '../tensor.js';

/** @internal How many gradients ledgers have freed (for tests: freeing early is otherwise invisible). */
export let gradientsFreed = 0;

export class GradLedger {
  private readonly born = new Set<Storage>();
  private readonly holders = new Map<StorageBox, number>();
  private readonly escaped = new Set<StorageBox>();
  private readonly releases: Tensor[] = [];
  private readonly drops: Tensor[] = [];
  private readonly previous: Set<Storage> | null;

  // One per pass, never reused: a ledger that lived on would be in the old generation, and its
  // references to the pass's young tensors would keep them (and their storage) through
  // scavenges to the next full GC (a reused one made a layerNorm step 0.7 -> 1.1 ms).
  private constructor() {
    this.previous = _setBornInto(this.born);
  }

  /** A ledger for a backward pass, or null where gradients may escape (see above). */
  static begin(createGraph: boolean): GradLedger | null {
    return createGraph || _tracingAllocations() ? null : new GradLedger();
  }

  /** Stops collecting this pass's allocations (restoring an enclosing pass's set). */
  end(): void {
    _setBornInto(this.previous);
  }

  private owns(t: Tensor): boolean {
    return this.born.has(t._box.data) && !this.escaped.has(t._box);
  }

  hold(t: Tensor): void {
    if (this.owns(t)) this.holders.set(t._box, (this.holders.get(t._box) ?? 0) + 1);
  }

  /** One holder of `t` consumed it (at the next settle()). */
  release(t: Tensor): void {
    if (this.owns(t)) this.releases.push(t);
  }

  /** `t` was made or received and, unless delivered somewhere meanwhile, is dead (at the next settle()). */
  drop(t: Tensor): void {
    if (this.owns(t)) this.drops.push(t);
  }

  /** Applies the releases and drops since the last call: frees what no holder is left for. */
  settle(): void {
    if (this.releases.length === 0 && this.drops.length === 0) return;
    for (const t of this.releases) {
      if (!this.owns(t)) continue;
      const left = (this.holders.get(t._box) ?? 0) - 1;
      if (left > 0) this.holders.set(t._box, left);
      else this.free(t);
    }
    for (const t of this.drops) if (this.owns(t) && !this.holders.has(t._box)) this.free(t);
    this.releases.length = 0;
    this.drops.length = 0;
  }

  /** True when `t` is this pass's, held once (by the caller), and all of its storage: a leaf may keep it as its .grad instead of a copy. */
  sole(t: Tensor): boolean {
    return this.owns(t) && this.holders.get(t._box) === 1 && t._offset === 0 && t.dtype === 'float32'
      && t._box.data.length === t.numel() && t.isContiguous();
  }

  /** `t`'s storage is now referenced from outside the pass (kept as a .grad). */
  escape(t: Tensor): void {
    this.escaped.add(t._box);
  }

  private free(t: Tensor): void {
    this.holders.delete(t._box);
    this.born.delete(t._box.data);
    dispose(t);
    gradientsFreed++;
  }
}
