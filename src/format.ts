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

function floatFormatter(values: number[]): Formatter {
  const finite = values.filter((v) => Number.isFinite(v));
  const abs = finite.map(Math.abs).filter((v) => v !== 0);
  const intMode = finite.every((v) => Number.isInteger(v));
  let fmt: (v: number) => string;
  if (intMode) {
    const max = abs.length ? Math.max(...abs) : 0;
    fmt = max > 1e8 ? (v) => v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : (v) => `${v.toFixed(0)}.`;
  } else {
    const max = abs.length ? Math.max(...abs) : 0, min = abs.length ? Math.min(...abs) : 0;
    const sci = abs.length > 0 && (max / min > 1000 || max > 1e8 || min < 1e-4);
    fmt = sci ? (v) => v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : (v) => v.toFixed(4);
  }
  const show = (v: number) => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : fmt(v));
  const width = Math.max(0, ...values.map((v) => show(v).length));
  return { width, fmt: show };
}

function formatterFor(t: Tensor, values: number[]): Formatter {
  if (t.dtype === 'bool') return { width: 5, fmt: (v) => (v ? 'True' : 'False') };
  if (t.dtype === 'int32') {
    const width = Math.max(0, ...values.map((v) => String(v).length));
    return { width, fmt: (v) => String(v) };
  }
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
  const shape = t.shape, strides = contiguousStrides(shape);
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
