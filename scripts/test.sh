#!/usr/bin/env bash
# The test suite: fast tests in parallel, then the lab/e2e tests one at a time (they share the
# lab bridge and real daemons). Prints one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-output
pass=0; fail=0; skip=0; status=0

# No test may wait forever on a dead peer or a hung daemon: each test has a bound (a stage's
# tests run one after another, so a bound is per test, not per stage).
run_stage() {
  local name=$1; shift
  local log="test-output/$name.log"
  echo "== $name"
  node --import tsx --test --test-reporter=spec --test-timeout=600000 "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f s
  p=$(grep -E '^ℹ pass [0-9]+' "$log" | tail -1 | awk '{print $3}')
  f=$(grep -E '^ℹ fail [0-9]+' "$log" | tail -1 | awk '{print $3}')
  s=$(grep -E '^ℹ skipped [0-9]+' "$log" | tail -1 | awk '{print $3}')
  pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0})); skip=$((skip + ${s:-0}))
  if [ "$rc" -ne 0 ]; then status=1; [ "${f:-0}" -eq 0 ] && fail=$((fail + 1)); fi
}

shopt -s nullglob globstar
unit=(test/unit/**/*.test.ts test/lsp/**/*.test.ts)
[ "${#unit[@]}" -gt 0 ] && run_stage unit --test-concurrency=2 "${unit[@]}"
web=(test/webview/**/*.test.ts)
[ "${#web[@]}" -gt 0 ] && run_stage webview --test-concurrency=1 "${web[@]}"
e2e=(test/e2e/**/*.test.ts)
[ "${#e2e[@]}" -gt 0 ] && run_stage e2e --test-concurrency=1 "${e2e[@]}"
vsc=(test/vscode/**/*.test.ts)
[ "${#vsc[@]}" -gt 0 ] && run_stage vscode --test-concurrency=1 "${vsc[@]}"

echo
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] || status=1
exit $status
