#!/usr/bin/env bash
# Runs tests/cli/cases.txt and the golden journeys against a sysjourney binary.
# Usage: run_cases.sh BINARY            check the cases and the goldens
#        run_cases.sh BINARY --update   check the cases, rewrite the goldens (not a check)
# Needs node (scripts/deps.sh installs it for every set; python3 and jq are not guaranteed).
set -u
bin=$1
update=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
golden_dir=$here/golden
pass=0 fail=0
tmp=$(mktemp -d)
server_pid=""
trap '[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
[ -x "$bin" ] || { echo "run_cases.sh: no binary at '$bin'" >&2; exit 2; }

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

# ---- Golden journeys -------------------------------------------------------------------------
# Each golden is `sysjourney run ARGS --format json` with the prose taken out, so a wording edit
# leaves them alone and a change to any number, id or flag of the model shows up on purpose.
# Three steps: run every scenario into raw/, filter raw/ into new/, compare new/ with golden/.
mkdir "$tmp/raw" "$tmp/new"
fail_before_goldens=$fail
declare -A wanted  # golden file names the scenarios ask for, made or not

# Runs one scenario into raw/NAME.json. A failed run is a failure, not an empty golden.
add_golden() {
  local name=$1
  shift
  if [ -n "${wanted[$name.json]:-}" ]; then
    echo "FAIL golden $name: two scenarios have this name"; fail=$((fail + 1)); return
  fi
  wanted[$name.json]=1
  if ! "$bin" run "$@" --format json >"$tmp/raw/$name.json" 2>"$tmp/err"; then
    echo "FAIL golden $name: sysjourney run $* failed"; sed 's/^/    | /' "$tmp/err" | head -5
    rm -f "$tmp/raw/$name.json"; fail=$((fail + 1))
  fi
}

# The CPU preset ids come from the model's JSON (GET /api/model; the CLI has no JSON listing),
# not from the `list presets` table, whose layout is for people and may change.
# The server prints its URL once it is listening; reading that line is the synchronisation.
coproc SERVER { exec "$bin" serve --port 0 --no-measure 2>&1; }
# shellcheck disable=SC2153 # SERVER_PID is set by coproc
server_pid=$SERVER_PID
url=""
if read -r -t 30 line <&"${SERVER[0]}"; then url=$(grep -o 'http://[^ ]*/' <<<"$line"); fi
presets=""
if [ -n "$url" ]; then
  # shellcheck disable=SC2016 # the single quotes hold JavaScript, not shell
  presets=$(node -e '
    const fail = (why) => { console.error("GET /api/model: " + why); process.exit(1); };
    require("http").get(process.argv[1] + "api/model", (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => {
        if (res.statusCode !== 200) fail("HTTP " + res.statusCode);
        for (const cpu of JSON.parse(body).cpus) console.log(cpu.id);
      });
    }).on("error", (e) => fail(e.message));' "$url")
fi
kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=""
# No presets would mean no golden runs and a silent pass: that is a failure.
if [ -z "$presets" ]; then
  echo "FAIL golden: no CPU presets from GET /api/model (the server's first line: ${line:-none})"
  fail=$((fail + 1))
fi

# Every CPU preset, hit and miss.
for cpu in $presets; do
  for cache in hit miss; do add_golden "${cpu}_${cache}" --cpu "$cpu" --cache "$cache"; done
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
  add_golden "write_$(tr ',=' '_-' <<<"$scenario")" "${args[@]}"
done

# One node process filters every raw/X.json into new/X.json (one process: node starts slowly).
# Dropped: the prose keys below, wherever they appear. Kept: everything else, i.e. the resolved
# scenario, the path id, the totals and per stage its id, lane, unit, source id, tools that see
# it, on_cpu and its numbers. Numbers keep their value (only 3.9e-05 prints as 0.000039).
# A string with a space left after filtering is prose the list does not know yet: it fails, so
# prose cannot creep back into the goldens by --update; add its key to `prose`.
# Layout: one line per top-level key and one per stage, its id first, so a diff line names
# the stage that moved.
# shellcheck disable=SC2016 # the single quotes hold JavaScript, not shell
if ! node -e '
  const fs = require("fs");
  const [raw, out] = process.argv.slice(1);
  const prose = new Set(["title", "explain", "short", "result", "functions"]);
  const strip = (v, where) => {
    if (Array.isArray(v)) return v.map((x, i) => strip(x, where + "[" + i + "]"));
    if (v !== null && typeof v === "object")
      return Object.fromEntries(Object.entries(v).filter(([k]) => !prose.has(k))
        .map(([k, x]) => [k, strip(x, where + "." + k)]));
    if (typeof v === "string" && v.includes(" ")) throw new Error(where + " looks like prose: " + v);
    return v;
  };
  for (const file of fs.readdirSync(raw)) {
    try {
      const j = strip(JSON.parse(fs.readFileSync(raw + "/" + file, "utf8")), "");
      const lines = Object.entries(j).map(([k, v]) => JSON.stringify(k) + ": " + (k === "stages"
        ? "[\n  " + v.map((s) => JSON.stringify({ id: s.id, ...s })).join(",\n  ") + "\n]" : JSON.stringify(v)));
      fs.writeFileSync(out + "/" + file, "{\n" + lines.join(",\n") + "\n}\n");
    } catch (e) {
      console.log("FAIL golden " + file + ": " + e.message);
      process.exitCode = 1;
    }
  }' "$tmp/raw" "$tmp/new"; then
  fail=$((fail + 1))
fi

# Compare new/ with golden/, both ways: a missing golden and a golden no scenario asks for (an
# orphan) are failures too. With --update, golden/ is made equal to new/ instead, and nothing
# is counted as passed; but not after a failure above, when new/ may lack goldens that are fine.
if [ "$update" = --update ] && [ "$fail" != "$fail_before_goldens" ]; then
  echo "not updating golden/: making the goldens failed (see above)"
  exit 1
fi
changed=0
for new in "$tmp/new"/*.json; do
  [ -e "$new" ] || break  # no scenario produced anything: already a failure above
  file=${new##*/}
  old=$golden_dir/$file
  if [ "$update" = --update ]; then
    if [ ! -e "$old" ]; then echo "created golden/$file"; elif ! cmp -s "$old" "$new"; then echo "updated golden/$file"; else continue; fi
    cp "$new" "$old"; changed=$((changed + 1))
  elif [ ! -e "$old" ]; then
    echo "FAIL golden/$file is missing (run tests/cli/run_cases.sh BIN --update, review, commit)"
    fail=$((fail + 1))
  elif diff -u --label "golden/$file" --label "sysjourney now" "$old" "$new" >"$tmp/diff"; then
    pass=$((pass + 1))
  else
    echo "FAIL golden/$file differs (after a deliberate model change: run_cases.sh BIN --update)"
    head -20 "$tmp/diff"
    fail=$((fail + 1))
  fi
done
for old in "$golden_dir"/*; do
  [ -e "$old" ] || break  # golden/ is empty
  file=${old##*/}
  [ -n "${wanted[$file]:-}" ] && continue
  if [ "$update" = --update ]; then
    echo "removed golden/$file"; rm -f "$old"; changed=$((changed + 1))
  else
    echo "FAIL golden/$file is an orphan: no scenario makes it (delete it, or run --update)"
    fail=$((fail + 1))
  fi
done

if [ "$update" = --update ]; then
  echo "updated $changed goldens (not checked: --update rewrites them); cases: $pass passed, $fail failed"
else
  echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
