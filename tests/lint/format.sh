#!/usr/bin/env bash
# Checks that every C++ source of the tree is formatted as .clang-format says.
# usage: tests/lint/format.sh [FILE...]   (default: every tracked .cc/.h)
# Prints the files that differ and how to fix them; exits 1 if any does.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
command -v clang-format >/dev/null || { echo "format: clang-format is not installed (apt-get install clang-format)" >&2; exit 2; }

files=("$@")
if ((${#files[@]} == 0)); then
  mapfile -t files < <(git ls-files -- '*.cc' '*.h' | grep -E '^(common|daemons|client|tools|tests|bench)/')
fi
((${#files[@]} > 0)) || { echo "format: no C++ files found under $ROOT" >&2; exit 2; }

bad=()
for f in "${files[@]}"; do
  [[ -f "$f" ]] || continue
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]} > 0)); then
  echo "format: ${#bad[@]} of ${#files[@]} files differ from .clang-format:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "format: fix with: clang-format -i ${bad[*]}" >&2
  exit 1
fi
echo "format: ${#files[@]} files formatted as .clang-format says"
