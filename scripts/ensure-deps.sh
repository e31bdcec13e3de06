#!/usr/bin/env bash
# Makes sure the HiGHS build (highs-sys) can run: cargo, a C++ compiler, cmake and
# libclang (for bindgen); with `--python`, also that the Python package's tests can
# (`make test`): python3 >= 3.10 with venv and ensurepip (Debian splits them off into
# python3-venv).
# Installs what is missing with apt-get when possible (as root or with passwordless
# sudo, running `apt-get update` first); otherwise says exactly what to install and
# exits 1. The Python tools themselves (maturin, pytest, ...) come from PyPI into
# target/venv (python/requirements-dev.txt; the Makefile).
set -euo pipefail

missing=()
command -v cargo >/dev/null 2>&1 || { echo "error: cargo not found: install Rust from https://rustup.rs (stable, 1.80 or newer)" >&2; exit 1; }
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v c++ >/dev/null 2>&1 || missing+=(g++)
have_libclang() {
  [ -n "${LIBCLANG_PATH:-}" ] && ls "$LIBCLANG_PATH"/libclang*.so* >/dev/null 2>&1 && return 0
  ldconfig -p 2>/dev/null | grep -q 'libclang[-.0-9]*\.so' && return 0
  ls /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/x86_64-linux-gnu/libclang*.so* /usr/lib/aarch64-linux-gnu/libclang*.so* >/dev/null 2>&1
}
have_libclang || missing+=(libclang-dev)
python=false
[ "${1:-}" = "--python" ] && python=true
if $python; then
  if ! command -v python3 >/dev/null 2>&1; then
    missing+=(python3 python3-venv)
  elif ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)
  fi
fi

python_new_enough() {
  ! $python || python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null
}
if [ ${#missing[@]} -eq 0 ]; then
  python_new_enough && exit 0
  echo "error: python3 is $(python3 -V 2>&1): the Python tests need 3.10 or newer" >&2
  exit 1
fi

echo "The build and tests need: ${missing[*]} (missing)." >&2
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else sudo="none"; fi
  if [ "$sudo" != "none" ]; then
    echo "Installing with apt-get: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    exit 0
  fi
  echo "error: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "error: install ${missing[*]} with your package manager (Fedora: cmake gcc-c++ clang-devel python3; macOS: brew install cmake llvm python, and set LIBCLANG_PATH)" >&2
exit 1
