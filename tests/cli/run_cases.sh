#!/usr/bin/env bash
# Runs tests/cli/cases.txt and the golden JSON files against a sysjourney binary.
# Usage: run_cases.sh BINARY [--update]   (--update rewrites the golden files)
set -u
bin=$1
update=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run_case() {
  [ -n "$name" ] || return 0
  local out="$tmp/out" err="$tmp/err" code ok=1
  args=${args//@HERE@/$here}
  # shellcheck disable=SC2086
  env $envs "$bin" $args >"$out" 2>"$err" </dev/null
  code=$?
  if [ "$code" != "$exit_code" ]; then echo "FAIL $name: exit $code, expected $exit_code"; ok=0; fi
  for e in "${expects[@]}"; do grep -qF -- "$e" "$out" || { echo "FAIL $name: stdout lacks '$e'"; ok=0; }; done
  for e in "${expect_errs[@]}"; do grep -qF -- "$e" "$err" || { echo "FAIL $name: stderr lacks '$e'"; ok=0; }; done
  for e in "${rejects[@]}"; do ! grep -qF -- "$e" "$out" || { echo "FAIL $name: stdout has '$e'"; ok=0; }; done
  if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); sed 's/^/    | /' "$err" | head -5; fi
}

name=""
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in
    "NAME "*) run_case; name=${line#NAME }; args=""; exit_code=0; envs=""; expects=(); expect_errs=(); rejects=() ;;
    "RUN"*) args=${line#RUN}; args=${args# } ;;
    "EXIT "*) exit_code=${line#EXIT } ;;
    "ENV "*) envs="$envs ${line#ENV }" ;;
    "EXPECT_ERR "*) expect_errs+=("${line#EXPECT_ERR }") ;;
    "EXPECT "*) expects+=("${line#EXPECT }") ;;
    "REJECT "*) rejects+=("${line#REJECT }") ;;
  esac
done <"$here/cases.txt"
run_case

# Compares `sysjourney run ARGS --format json` with golden/NAME.json (--update rewrites it).
check_golden() {
  local name=$1 what=$2
  shift 2
  local golden="$here/golden/$name.json"
  "$bin" run "$@" --format json >"$tmp/golden.json"
  if [ "$update" = --update ]; then cp "$tmp/golden.json" "$golden"; fi
  if diff -u "$golden" "$tmp/golden.json" >"$tmp/diff" 2>&1; then
    pass=$((pass + 1))
  else
    echo "FAIL golden $what (run tests/cli/run_cases.sh BIN --update after a deliberate model change)"
    head -20 "$tmp/diff"
    fail=$((fail + 1))
  fi
}

# Golden JSON: every CPU preset, hit and miss. A change to the model shows up here on purpose.
for cpu in $("$bin" list presets | awk '/^  [a-z]/ {print $1}'); do
  for cache in hit miss; do
    check_golden "${cpu}_${cache}" "$cpu $cache" --cpu "$cpu" --cache "$cache"
  done
done

# The write half on the default preset, one golden per call and device class.
for scenario in op=write op=write,cache=miss op=write,fd=pipe,wait=on op=write,fd=tcp \
  op=fsync op=fdatasync op=fsync,device=nvme_plp op=fsync,device=hdd op=fsync,warm=on \
  op=write,sync=dsync op=write,direct=on,bytes=4096,sync=dsync op=write,api=io_uring,batch=8; do
  args=()
  for kv in ${scenario//,/ }; do
    case "$kv" in
      *=on) args+=("--${kv%%=*}") ;;
      *) args+=("--${kv%%=*}" "${kv#*=}") ;;
    esac
  done
  check_golden "write_$(tr ',=' '_-' <<<"$scenario")" "$scenario" "${args[@]}"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
