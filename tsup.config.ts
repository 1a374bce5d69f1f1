import { defineConfig } from 'tsup';

// One bundle per module system, both from src/index.ts. package.json is "type": "commonjs",
// so the extensions are spelled out: the "exports" map points at .mjs/.cjs and .d.mts/.d.cts,
// and each declaration file must match the module kind of the file next to it.
// tsup builds declarations in a worker that never sees outExtension (functions cannot be sent
// to workers), so the CJS declarations come out as index.d.ts: `npm run build:ts` renames them
// to index.d.cts after tsup. Run that script, not bare `tsup`.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.mjs' }),
  dts: true,
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
