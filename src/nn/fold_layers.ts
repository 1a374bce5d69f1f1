// nn.Unfold and nn.Fold: F.unfold / F.fold (src/ops/unfold.ts) as modules, printed as PyTorch's.
import { pairOf, windowOf, type UnfoldOptions } from '../ops/unfold.js';
import type { Tensor } from '../tensor.js';
import { optionsOf } from '../options.js';
import * as F from './functional.js';
import { Module } from './module.js';

type Pair = number | [number, number];
const show = (v: Pair): string => (typeof v === 'number' ? String(v) : `(${v.join(', ')})`);

function windowRepr(kernelSize: Pair, o: UnfoldOptions): string {
  return `kernel_size=${show(kernelSize)}, dilation=${show(o.dilation ?? 1)}, padding=${show(o.padding ?? 0)}, stride=${show(o.stride ?? 1)}`;
}

/** Extracts sliding blocks: [N, C, H, W] (or [C, H, W]) to columns [N, C·kh·kw, L] (F.unfold). */
export class Unfold extends Module {
  /** The block's size. */
  readonly kernelSize: Pair;
  /** Dilation, padding, stride. */
  readonly options: UnfoldOptions;

  constructor(kernelSize: Pair, opts: UnfoldOptions = {}) {
    super();
    this.options = { ...optionsOf('Unfold', opts) };
    windowOf('Unfold', kernelSize, this.options);  // checked here, not first when it prints
    this.kernelSize = kernelSize;
  }

  override forward(x: Tensor): Tensor {
    return F.unfold(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    return windowRepr(this.kernelSize, this.options);
  }
}

/** Sums sliding-block columns [N, C·kh·kw, L] (or [C·kh·kw, L]) into images [N, C, ...outputSize] (F.fold). */
export class Fold extends Module {
  /** The image's height and width. */
  readonly outputSize: Pair;
  /** The block's size. */
  readonly kernelSize: Pair;
  /** Dilation, padding, stride. */
  readonly options: UnfoldOptions;

  constructor(outputSize: Pair, kernelSize: Pair, opts: UnfoldOptions = {}) {
    super();
    this.options = { ...optionsOf('Fold', opts) };
    pairOf('Fold', outputSize, 'output_size', 1);
    windowOf('Fold', kernelSize, this.options);
    this.outputSize = outputSize;
    this.kernelSize = kernelSize;
  }

  override forward(x: Tensor): Tensor {
    return F.fold(x, this.outputSize, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    return `output_size=${show(this.outputSize)}, ${windowRepr(this.kernelSize, this.options)}`;
  }
}
