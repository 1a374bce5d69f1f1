// The exact least-squares fit and R², in float64 plain JS: the yardstick a trained linear model
// is measured against (examples/04-diabetes-regression.ts, test/training.test.ts).

/** R² = 1 − SS_res / SS_tot: the fraction of the target's variance the predictions explain. */
export function r2(y: number[], pred: number[]): number {
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const ssRes = y.reduce((s, v, i) => s + (v - pred[i]!) ** 2, 0);
  const ssTot = y.reduce((s, v) => s + (v - mean) ** 2, 0);
  return 1 - ssRes / ssTot;
}

/** Least squares with an intercept: solve (AᵀA) β = Aᵀy for A = [1 | X] by Gauss–Jordan
 *  elimination with partial pivoting; returns the fitted values A β. */
export function closedFormFit(x: number[][], y: number[]): number[] {
  const a = x.map((r) => [1, ...r]);
  const d = a[0]!.length;
  const m = Array.from({ length: d }, (_, i) => [
    ...Array.from({ length: d }, (_, j) => a.reduce((s, r) => s + r[i]! * r[j]!, 0)),
    a.reduce((s, r, k) => s + r[i]! * y[k]!, 0),
  ]);
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= d; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const beta = m.map((row, i) => row[d]! / row[i]!);
  return a.map((r) => r.reduce((s, v, j) => s + v * beta[j]!, 0));
}
