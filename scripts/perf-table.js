#!/usr/bin/env node
'use strict';
// `npm run bench:readme`: rewrites the README's performance table from a benchmark result
// (default bench/results/latest.json, which `npm run bench` writes), between the markers
//   <!-- perf-table:start --> and <!-- perf-table:end -->
// One row per workload, in bench/workloads.json's order, its 1- and 2-thread figures side by
// side; a second column group from bench/results/latest-avx2.json (`npm run bench -- --isa
// avx2`, both sides on their AVX2 code) where that file exists. Run it after full runs on a
// quiet machine:
//   node scripts/perf-table.js [results.json [avx2-results.json]]

const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const resultsFile = path.resolve(process.argv[2] ?? path.join(root, 'bench', 'results', 'latest.json'));
const avx2File = path.resolve(process.argv[3] ?? path.join(root, 'bench', 'results', 'latest-avx2.json'));
const readmeFile = path.join(root, 'README.md');
const START = '<!-- perf-table:start -->';
const END = '<!-- perf-table:end -->';

// README wording of each workload (bench labels are terse, for the terminal).
const LABELS = {
  linreg_step: "the notes' linear regression, per step (50 points)",
  linear_sgd_epoch: "`nn.Linear(1,1)` + `MSELoss(sum)` + SGD, 3 points, per epoch",
  add_1elem: '`a + b` on 1-element tensors',
  affine_1elem: '`y = x·w + b` forward + backward, 1 element',
  matmul_fwd_bwd: 'matmul 64×784 @ 784×256, forward + backward (3 GEMMs)',
  sgemm_mlp: 'SGEMM 64×784 @ 784×256',
  sgemm_head: 'SGEMM 64×128 @ 128×10',
  sgemm_1024: 'SGEMM 1024³',
  add_16m: 'add, 16M floats, fresh output',
  add_16m_inplace: 'add, 16M floats, in place (`a.add_(b)`)',
  exp_1m: 'exp, 1M floats',
  relu_1m: 'relu, 1M floats, fresh output',
  add_1m: 'add, 1M floats, fresh output',
  mlp_train: 'MLP 784-256-128-10 training, SGD momentum, batch 64',
  mlp_infer: 'MLP 784-256-128-10 inference, batch 1000',
};

/** The figure a reader compares, as [value, unit]: the throughput when there is one, else the time. */
function figure(display) {
  const m = /([\d.]+) (GFLOP\/s|GB\/s)/.exec(display) ?? /([\d.]+k?) (samples\/s|µs|ms)/.exec(display);
  if (!m) throw new Error(`cannot read the figure in "${display}"`);
  return [m[1], m[2]];
}

/** "1 / 2"-thread figures in one cell, the unit written once. */
function cell(runs, side) {
  const figs = runs.map((r) => figure(r[side].display));
  return `${figs.map((f) => f[0]).join(' / ')} ${figs[0][1]}`;
}

function ratioText(r) {
  return `${r.toFixed(2)}x`;
}

/** The runs of one workload measured on both sides, by thread count. */
function runsOf(results, id) {
  return results.results.filter((r) => r.id === id && r.tensorgrad && r.torch).sort((a, b) => a.threads - b.threads);
}

/** tensorgrad | PyTorch | ratio cells of one run set ('' where it has none). */
function group(runs) {
  if (runs.length === 0) return '– | – | –';
  return `${cell(runs, 'tensorgrad')} | ${cell(runs, 'torch')} | ${runs.map((r) => ratioText(r.ratio)).join(' / ')}`;
}

function measured(results, command) {
  return `${results.date.slice(0, 10)} at commit ${String(results.git.commit).slice(0, 7)}${results.git.dirty ? ' (with local changes)' : ''} ` +
    `(\`${command}\`, medians of ${results.reps})`;
}

function main() {
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  const avx2 = fs.existsSync(avx2File) ? JSON.parse(fs.readFileSync(avx2File, 'utf8')) : null;
  const order = JSON.parse(fs.readFileSync(path.join(root, 'bench', 'workloads.json'), 'utf8')).workloads.map((w) => w.id);
  const rows = [];
  for (const id of order) {
    const runs = runsOf(results, id);
    if (runs.length === 0) continue;
    const threads = runs.map((r) => r.threads).join(' / ');
    // The AVX2 group only where it has the same thread counts, so one threads column serves both.
    const avx2Runs = avx2 ? runsOf(avx2, id).filter((r) => runs.some((b) => b.threads === r.threads)) : [];
    const sameThreads = avx2Runs.map((r) => r.threads).join(' / ') === threads;
    rows.push(`| ${LABELS[id] ?? runs[0].label} | ${threads} | ${group(runs)} |${avx2 ? ` ${group(sameThreads ? avx2Runs : [])} |` : ''}`);
  }
  if (rows.length === 0) throw new Error(`${resultsFile} has no workload measured on both sides`);
  const best = `best path (${results.tensorgrad.simd})`;
  const table = [
    `Measured on ${results.machine.cpu}, ${results.machine.cores} cores: ${best} ${measured(results, 'npm run bench')}` +
      (avx2 ? `; AVX2 ${measured(avx2, 'npm run bench -- --isa avx2')}, PyTorch with \`ATEN_CPU_CAPABILITY=avx2\` and \`OPENBLAS_CORETYPE=Haswell\`` : '') +
      `. \`npm run bench:readme\` wrote this table.`,
    '',
    `| workload | threads | tensorgrad, ${best} | PyTorch 1.13 | ratio |${avx2 ? ' tensorgrad, AVX2 | PyTorch 1.13, AVX2 | ratio, AVX2 |' : ''}`,
    `|---|---|---|---|---|${avx2 ? '---|---|---|' : ''}`,
    ...rows,
    '',
    'ratio = PyTorch time / tensorgrad time: above 1, tensorgrad is faster.',
  ].join('\n');
  const readme = fs.readFileSync(readmeFile, 'utf8');
  const a = readme.indexOf(START), b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} ... ${END} section`);
  fs.writeFileSync(readmeFile, `${readme.slice(0, a + START.length)}\n${table}\n${readme.slice(b)}`);
  console.log(`README.md: performance table rewritten from ${path.relative(root, resultsFile)}${avx2 ? ` and ${path.relative(root, avx2File)}` : ''} (${rows.length} rows)`);
}

main();
