#!/usr/bin/env bash
# The Debian packages CI needs beyond a fresh machine's toolchain, installed where missing:
# QEMU user mode (the CPUs this machine is not: scripts/test-emulated.js), the aarch64 cross
# compiler (the linux-arm64 prebuild) and clang (a second compiler for the portable code).
set -euo pipefail
need=()
command -v qemu-x86_64 >/dev/null || need+=(qemu-user)
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
command -v aarch64-linux-gnu-g++ >/dev/null || need+=(g++-aarch64-linux-gnu)
command -v clang++ >/dev/null || need+=(clang)
if ((${#need[@]} == 0)); then
  echo "ci-deps: qemu-user, g++-aarch64-linux-gnu and clang already installed"
  exit 0
fi
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
echo "ci-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
sudo=""
((EUID == 0)) || sudo="sudo"
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${need[@]}"
