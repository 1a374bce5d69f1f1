#!/usr/bin/env bash
# `npm run build:clang`: compiles the addon with clang into build/clang/ (the GCC build in
# build/Release stays as it is) and loads it, so code that only GCC accepts is caught here
# rather than by macOS or Alpine users building from source. Prints the SIMD path it picked.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v clang++ >/dev/null; then
  echo "build-clang: clang++ not found on PATH (apt-get install clang)" >&2
  exit 1
fi
CXX=clang++ npx --no cmake-js compile --out build/clang
node -e '
  const addon = require("./build/clang/Release/tensorgrad.node");
  console.log(`build-clang: build/clang/Release/tensorgrad.node loads, simd ${addon.simd()}`);
'
