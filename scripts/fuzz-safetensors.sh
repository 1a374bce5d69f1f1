#!/usr/bin/env bash
# Fuzzes the native safetensors reader (cpp/io/safetensors.cpp) with libFuzzer + ASan + UBSan.
#
#   scripts/fuzz-safetensors.sh [SECONDS]          # default 60; also: npm run fuzz:safetensors -- 600
#   scripts/fuzz-safetensors.sh 0                  # replay the corpus once, no fuzzing
#   scripts/fuzz-safetensors.sh --update-corpus [SECONDS]
#       fuzz, then minimize everything found into fuzz/corpus/safetensors/ (-merge=1), to commit.
#
# Builds build-fuzz/safetensors_fuzzer (clang; on Debian/Ubuntu as root, a missing clang is
# installed with apt-get), replays the committed corpus, fuzz/seeds/safetensors/ and the test
# fixtures, then fuzzes for SECONDS. New inputs go to build-fuzz/corpus/ (not committed),
# a crash to build-fuzz/artifacts/. Exits non-zero on a crash, leak, UB or timeout.
# Env: CXX (default clang++), FUZZ_JOBS (parallel fuzzing processes, default 1).
set -euo pipefail

cd "$(dirname "$0")/.."
update=0
if [[ "${1:-}" == "--update-corpus" ]]; then update=1; shift; fi
seconds="${1:-60}"
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: $0 [--update-corpus] [SECONDS]" >&2; exit 2; }
jobs="${FUZZ_JOBS:-1}"
CXX="${CXX:-clang++}"

out=build-fuzz
bin="$out/safetensors_fuzzer"
corpus=fuzz/corpus/safetensors
mkdir -p "$out/corpus" "$out/artifacts" "$out/fixtures" "$corpus"

# libFuzzer ships with clang (Debian/Ubuntu: in libclang-rt-N-dev, which clang depends on).
probe() {
  printf '#include <cstddef>\n#include <cstdint>\nextern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }\n' \
    >"$out/probe.cpp"
  "$CXX" -fsanitize=fuzzer,address,undefined "$out/probe.cpp" -o "$out/probe" >/dev/null 2>&1
}
if ! command -v "$CXX" >/dev/null 2>&1 || ! probe; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "fuzz: installing clang (apt-get)" >&2
    t0=$SECONDS
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang >/dev/null
    ver="$(clang++ --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)"
    probe || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "libclang-rt-$ver-dev" >/dev/null
    echo "fuzz: clang installed in $((SECONDS - t0)) s" >&2
    CXX=clang++
  fi
  probe || { echo "fuzz: $CXX cannot build a libFuzzer binary (install clang and libclang-rt-N-dev)" >&2; exit 2; }
fi

t0=$SECONDS
"$CXX" -std=c++20 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -Icpp fuzz/safetensors_fuzzer.cpp cpp/io/safetensors.cpp cpp/core/checks.cpp -o "$bin"
echo "fuzz: built $bin in $((SECONDS - t0)) s" >&2

# The PyTorch-side fixtures are seeds too (only the .safetensors files of that directory).
cp test/fixtures/safetensors/*.safetensors "$out/fixtures/"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
flags=(-dict=fuzz/safetensors.dict -max_len=4096 -timeout=10 -rss_limit_mb=2048
       -artifact_prefix="$out/artifacts/" -print_final_stats=1)
dirs=("$out/corpus" "$corpus" fuzz/seeds/safetensors "$out/fixtures")

echo "fuzz: ${seconds} s over ${dirs[*]}" >&2
status=0
if [[ "$seconds" == 0 ]]; then
  # Replay only: every corpus file once (libFuzzer takes -max_total_time=0 as "no limit").
  "$bin" "${flags[@]}" -runs=0 "${dirs[@]}" || status=$?
elif [[ "$jobs" -gt 1 ]]; then
  "$bin" "${flags[@]}" -max_total_time="$seconds" -jobs="$jobs" -workers="$jobs" "${dirs[@]}" || status=$?
else
  "$bin" "${flags[@]}" -max_total_time="$seconds" "${dirs[@]}" || status=$?
fi
if [[ "$status" != 0 ]]; then
  echo "fuzz: FAILED (exit $status); reproducer in $out/artifacts/ — rerun with: $bin <file>" >&2
  exit "$status"
fi

if [[ "$update" == 1 ]]; then
  fresh="$out/merged"
  rm -rf "$fresh" && mkdir -p "$fresh"
  "$bin" -merge=1 -max_len=4096 -timeout=10 "$fresh" "${dirs[@]}" 2>&1 | grep -E '^MERGE-OUTER: [0-9]+ new files' >&2 || true
  rm -rf "$corpus" && mkdir -p "$corpus" && cp "$fresh"/* "$corpus"/
  echo "fuzz: $corpus now holds $(ls "$corpus" | wc -l) files, $(du -sh "$corpus" | cut -f1)" >&2
fi
echo "fuzz: ok" >&2
