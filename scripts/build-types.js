#!/usr/bin/env node
// Declarations for the package (see tsconfig.types.json): tsc writes dist/types/, and the two
// entry files the "exports" map names re-export it, one per module kind (package.json is
// "type": "commonjs", so an ESM consumer resolves index.d.mts and a CJS one index.d.cts).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.types.json')], { stdio: 'inherit', cwd: root });
const entry = "export * from './types/index.js';\n";
for (const name of ['index.d.mts', 'index.d.cts']) fs.writeFileSync(path.join(root, 'dist', name), entry);
