'use strict';
// Helpers the build, pack and test scripts share (scripts/install.js ships alone and keeps its own).
const fs = require('node:fs');
const path = require('node:path');

// The executable `name` on PATH (the given one, else this process's), or null.
function which(name, PATH = process.env.PATH || '') {
  for (const dir of PATH.split(path.delimiter)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {}
  }
  return null;
}

// Source for `node -e` that loads the addon node-gyp-build picks for the package in `dir` (run
// it with PREBUILDS_ONLY=1 to count prebuilds only), as `addon`, with its file as `file`, then
// runs `then` (default: prints the file).
function addonProbe(dir, then = 'process.stdout.write(file);') {
  return `const file = require(${JSON.stringify(require.resolve('node-gyp-build'))}).resolve(${JSON.stringify(dir)});
const addon = require(file); ${then}`;
}

module.exports = { which, addonProbe };
