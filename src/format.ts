// PyTorch-style printing: tensor([1., 2.], requires_grad=True), 4 decimals or scientific
// notation chosen from the values, aligned columns, summarized with ... above 1000 elements.
import type { Tensor } from './tensor.js';
import { contiguousStrides } from './shape.js';

const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;

interface Formatter {
  width: number;
  fmt(v: number): string;
}

// Extremes by loops: Math.max(...values) passes every element as an argument, and a summarized
// tensor of many dims shows 6^ndim values, past the stack's room for arguments.
function widest(values: readonly number[], show: (v: number) => string): number {
  let width = 0;
  for (const v of values) width = Math.max(width, show(v).length);
  return width;
}

function floatFormatter(values: number[]): Formatter {
  // Over the finite values; max and min of their nonzero magnitudes.
  let intMode = true, max = 0, min = Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) intMode = false;
    const a = Math.abs(v);
    if (a === 0) continue;
    if (a > max) max = a;
    if (a < min) min = a;
  }
  let fmt: (v: number) => string;
  if (intMode) {
    fmt = max > 1e8 ? (v) => v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : (v) => `${v.toFixed(0)}.`;
  } else {
    const sci = max > 0 && (max / min > 1000 || max > 1e8 || min < 1e-4);
    fmt = sci ? (v) => v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : (v) => v.toFixed(4);
  }
  const show = (v: number) => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : fmt(v));
  return { width: widest(values, show), fmt: show };
}

function formatterFor(t: Tensor, values: number[]): Formatter {
  if (t.dtype === 'bool') return { width: 5, fmt: (v) => (v ? 'True' : 'False') };
  if (t.dtype === 'int32') return { width: widest(values, String), fmt: (v) => String(v) };
  return floatFormatter(values);
}

/** Index lists per dim, with -1 standing for the "..." gap when summarizing. */
function indicesOf(size: number, summarize: boolean): number[] {
  if (!summarize || size <= 2 * EDGE_ITEMS) return Array.from({ length: size }, (_, i) => i);
  return [0, 1, 2, -1, size - 3, size - 2, size - 1];
}

export function formatTensor(t: Tensor): string {
  if (t.isDisposed) return 'tensor(<disposed>)';
  const data = t.toTypedArray();
  const shape = t._shape, strides = contiguousStrides(shape);
  const summarize = data.length > THRESHOLD;
  const shown: number[] = [];
  const collect = (d: number, base: number) => {
    if (d === shape.length) return void shown.push(Number(data[base]));
    for (const i of indicesOf(shape[d]!, summarize)) if (i >= 0) collect(d + 1, base + i * strides[d]!);
  };
  // A zero-size tensor shows no values, however long its other dims (2^31 - 1 of them would be
  // 2^31 index lists).
  if (data.length > 0) collect(0, 0);
  const f = formatterFor(t, shown);
  const pad = (s: string) => s.padStart(f.width);
  const prefix = 'tensor(';
  const render = (d: number, base: number, indent: number): string => {
    if (d === shape.length) return pad(f.fmt(Number(data[base])));
    const idx = indicesOf(shape[d]!, summarize);
    if (d === shape.length - 1) {
      const items = idx.map((i) => (i < 0 ? ' ...' : pad(f.fmt(Number(data[base + i * strides[d]!])))));
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (f.width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
      return `[${lines.join(',\n' + ' '.repeat(indent + 1))}]`;
    }
    const sep = ',' + '\n'.repeat(shape.length - d - 1) + ' '.repeat(indent + 1);
    return `[${idx.map((i) => (i < 0 ? '...' : render(d + 1, base + i * strides[d]!, indent + 1))).join(sep)}]`;
  };
  let body: string;
  if (shape.length === 0) body = f.fmt(Number(data[0]));
  else if (data.length === 0) body = '[]';
  else body = render(0, 0, prefix.length);
  const suffix: string[] = [];
  if (data.length === 0 && shape.length !== 1) suffix.push(`size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`);
  if (t.dtype === 'int32') suffix.push('dtype=int32');
  if (t.gradFn) suffix.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffix.push('requires_grad=True');
  return `${prefix}${body}${suffix.length ? ', ' + suffix.join(', ') : ''})`;
}
