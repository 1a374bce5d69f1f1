#!/usr/bin/env node
// Per-op cost of the tiny-op rows, A against B: two package roots (each with its dist/ and
// build/, e.g. a worktree of an older commit and this checkout) timed alternately in fresh
// processes, CPU time per call, median of 7 repetitions. For a change to the op layer, where the
// question is "did every call get slower", not "how fast is the kernel".
//
//   npm run build:ts && node bench/tiny-ops.cjs /path/to/other/checkout .
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

if (process.argv[2] === '--child') {
  const tg = require(path.resolve(process.argv[3], 'dist/index.cjs'));
  const which = process.argv[4];
  const a = tg.tensor([1.5]), b = tg.tensor([2.5]);
  const x = tg.rand([50]), y = x.mul(3).add(0.8);
  const w = tg.rand([1], { requiresGrad: true }), c = tg.rand([1], { requiresGrad: true });
  const steps = {
    'a.add(b), 1 element': () => a.add(b),
    'tg.add(a, b), 1 element': () => tg.add(a, b),
    'linear regression step (50 points)': () => {
      const loss = x.mul(w).add(c).sub(y).pow(2).mean();
      w.grad?.zero_(); c.grad?.zero_(); loss.backward();
      tg.noGrad(() => { w.sub_(w.grad.mul(0.01)); c.sub_(c.grad.mul(0.01)); });
    },
  };
  const step = steps[which];
  const n = which.startsWith('linear') ? 20000 : 200000;
  for (let i = 0; i < n; i++) step();
  const t = [];
  for (let r = 0; r < 7; r++) {
    const u = process.cpuUsage();
    for (let i = 0; i < n; i++) step();
    const d = process.cpuUsage(u);
    t.push(((d.user + d.system) * 1000) / n);
  }
  t.sort((p, q) => p - q);
  process.stdout.write(String(t[3]));
} else {
  const roots = process.argv.slice(2);
  if (roots.length !== 2) throw new Error('usage: node bench/tiny-ops.cjs <root A> <root B>');
  for (const which of ['a.add(b), 1 element', 'tg.add(a, b), 1 element', 'linear regression step (50 points)']) {
    const ns = roots.map(() => []);
    for (let rep = 0; rep < 2; rep++)
      roots.forEach((root, i) => ns[i].push(Number(execFileSync(process.execPath, [__filename, '--child', root, which]))));
    console.log(`${which.padEnd(38)} ${roots.map((r, i) => `${path.basename(path.resolve(r))}: ${ns[i].map((v) => v.toFixed(1)).join(' / ')} ns`).join('   ')}`);
  }
}
