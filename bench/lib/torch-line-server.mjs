// PyTorch beside a kernel bench (bench/softmax.mjs, layernorm.mjs, attention.mjs): /usr/bin/python3
// runs the bench's script, which prints torch's version, then answers one JSON request line with
// one JSON reply line. Synchronous on our side (a blocking readSync on the child's stdout), so a
// bench can time its own cell and PyTorch's one after the other in a plain loop.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * Starts `script` (Python source) with `args`, OMP_NUM_THREADS = the largest of `threads`.
 * Returns { version, request(value) -> reply, close() }, or null (saying why on stderr, as
 * `name`) when /usr/bin/python3 has no torch.
 */
export function torchLineServer(name, script, args, threads) {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.error(`${name}: no PyTorch timings (${(probe.stderr || String(probe.error)).trim().split('\n').pop()})`);
    return null;
  }
  const child = spawn('/usr/bin/python3', ['-c', script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, OMP_NUM_THREADS: String(Math.max(...threads)) },
  });
  const fd = child.stdout._handle.fd;
  let pending = '';
  const readLine = () => {
    const buf = Buffer.alloc(4096);
    while (!pending.includes('\n')) {
      let k;
      try {
        k = fs.readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if (e.code === 'EAGAIN') continue;
        throw e;
      }
      if (k === 0) throw new Error('torch server exited');
      pending += buf.toString('utf8', 0, k);
    }
    const i = pending.indexOf('\n');
    const line = pending.slice(0, i);
    pending = pending.slice(i + 1);
    return JSON.parse(line);
  };
  const version = readLine();
  return {
    version,
    request: (value) => {
      child.stdin.write(JSON.stringify(value) + '\n');
      return readLine();
    },
    close: () => child.stdin.end(),
  };
}
