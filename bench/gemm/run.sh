#!/bin/sh
# `npm run bench:gemm [-- args]`: builds bench/gemm/gemm_bench.cpp against the core in its own
# build directory (the addon's build/ is left alone) and runs it. Arguments go to the program.
set -e
cd "$(dirname "$0")/../.."
cmake -S . -B bench/gemm/.build -DTG_GEMM_BENCH=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build bench/gemm/.build --target gemm_bench >/dev/null
exec bench/gemm/.build/gemm_bench "$@"
