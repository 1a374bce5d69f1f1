// The vitest configuration of scripts/test-emulated.js: the suite's, with room for a CPU that
// QEMU emulates 5-20x slower than the host runs it.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      testTimeout: 600_000,
      hookTimeout: 600_000,
      // A test process gives up on any message to the vitest main process that is not answered
      // within 60 s (birpc's fixed timeout), and it reads answers only when its event loop
      // turns: yield after every test, so only a single test longer than 60 s can trip it.
      setupFiles: ['./test/helpers/yield-after-each.ts'],
    },
  }),
);
