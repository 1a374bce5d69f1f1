// onnxruntime-node beside a bench: the library Node services use for inference today, run on the
// same model as ours. It is not a dependency of the project (288 MB, and its install script
// fetches a CUDA provider from nuget.org by default, which fails where only the npm registry is
// reachable): the first bench that asks installs a pinned version into bench/.cache/ort with
// ONNXRUNTIME_NODE_INSTALL=skip (its CPU provider ships inside the npm package; only the CUDA
// files are fetched), and the model comes from PyTorch's exporter (bench/export_onnx.py).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ORT_VERSION = '1.30.0';
const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const prefix = path.join(benchDir, '.cache', 'ort');

/** onnxruntime-node's module, installed on first use; null (saying why on stderr) when it cannot be. */
export function loadOrt() {
  const pkg = path.join(prefix, 'node_modules', 'onnxruntime-node', 'package.json');
  const installed = fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).version === ORT_VERSION;
  if (!installed) {
    fs.mkdirSync(prefix, { recursive: true });
    fs.writeFileSync(path.join(prefix, 'package.json'), JSON.stringify({ private: true }));
    console.error(`installing onnxruntime-node@${ORT_VERSION} (CPU only) into ${path.relative(process.cwd(), prefix)} ...`);
    const r = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', `onnxruntime-node@${ORT_VERSION}`], {
      cwd: prefix,
      encoding: 'utf8',
      env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
    });
    if (r.status !== 0) {
      console.error(`no onnxruntime-node timings: npm install failed (${(r.stderr || String(r.error)).trim().split('\n').pop()})`);
      return null;
    }
  }
  try {
    return createRequire(path.join(prefix, 'index.js'))('onnxruntime-node');
  } catch (e) {
    console.error(`no onnxruntime-node timings: ${e.message.split('\n')[0]}`);
    return null;
  }
}

/**
 * Exports `model` (a name bench/export_onnx.py knows) with PyTorch into bench/.cache and returns
 * the file's path, or null (saying why) when /usr/bin/python3 has no torch.
 */
export function exportOnnx(model) {
  const out = path.join(benchDir, '.cache', `${model}.onnx`);
  if (fs.existsSync(out)) return out;
  const r = spawnSync('/usr/bin/python3', [path.join(benchDir, 'export_onnx.py'), model, out], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`no onnxruntime-node timings: export of ${model} failed (${(r.stderr || String(r.error)).trim().split('\n').pop()})`);
    return null;
  }
  return out;
}

/** An InferenceSession on `threads` intra-op threads, sequential, as a Node service would configure it. */
export async function ortSession(ort, file, threads) {
  return ort.InferenceSession.create(file, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}
