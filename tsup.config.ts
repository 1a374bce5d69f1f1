import { defineConfig } from 'tsup';

// One bundle per module system, both from src/index.ts. package.json is "type": "commonjs",
// so the extensions are spelled out: the "exports" map points at .mjs/.cjs and .d.mts/.d.cts.
// The declarations come from tsc (scripts/build-types.js, after tsup in `npm run build:ts`).
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.mjs' }),
  dts: false,
  target: 'node18',
  platform: 'node',
  // src/native.ts finds the package root from its own location: shims give the ESM build a
  // __dirname and the CJS build an import.meta.url, whichever the source uses.
  shims: true,
  // node-gyp-build must stay a runtime require: it resolves the .node file relative to the
  // installed package, which bundling would break.
  external: ['node-gyp-build'],
  sourcemap: true,
  clean: true,
  splitting: false,
});
