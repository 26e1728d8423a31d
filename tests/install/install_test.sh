#!/usr/bin/env bash
# Installs the build tree to a DESTDIR (as `make install` does) and checks what a user gets:
# exactly the program, its man page and its completions; the program runs with no source or
# build tree around it; `man -l` renders the page; bash completes the subcommands and --fd's
# values; zsh and fish accept their scripts.
# Usage: install_test.sh BUILD_DIR
set -euo pipefail
# `cmd | grep -q` is written `cmd | grep ... >/dev/null`: grep -q may stop reading first, and
# under pipefail the writer's SIGPIPE would fail the check.
build=$(cd "$1" && pwd)
tmp=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR=$tmp/stage cmake --install "$build" --prefix /usr >/dev/null
expected="usr/bin/sysjourney
usr/share/bash-completion/completions/sysjourney
usr/share/fish/vendor_completions.d/sysjourney.fish
usr/share/man/man1/sysjourney.1.gz
usr/share/zsh/vendor-completions/_sysjourney"
got=$(cd "$tmp/stage" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
[ "$got" = "$expected" ] || fail "installed files:
$got
expected:
$expected"

# Elsewhere, from another directory, with a bare environment: nothing may point back at the
# source or the build tree.
cp -a "$tmp/stage" "$tmp/root"
rm -rf "$tmp/stage"
mkdir "$tmp/cwd"
cd "$tmp/cwd"
bin=$tmp/root/usr/bin/sysjourney
run() { env -i PATH=/usr/bin:/bin HOME="$tmp/cwd" "$bin" "$@"; }
run --version | head -1 | grep -x "sysjourney [0-9.]*" >/dev/null || fail "--version: $(run --version)"
run --version | grep -x "model [^ ]*" >/dev/null || fail "--version names no model version"
run run --cache hit | grep "page cache hit" >/dev/null || fail "run --cache hit"
run list presets | grep "kvm_guest" >/dev/null || fail "list presets"
run completion bash | cmp -s - "$tmp/root/usr/share/bash-completion/completions/sysjourney" ||
  fail "completion bash differs from the installed script"
set +e
run completion tcsh >/dev/null 2>"$tmp/err"
code=$?
set -e
[ "$code" = 2 ] || fail "completion tcsh: exit $code, expected 2"
grep -q "unknown shell 'tcsh' (allowed: bash, zsh, fish)" "$tmp/err" || fail "completion tcsh: $(cat "$tmp/err")"

# The page is embedded: serve on any free port, read the address it prints, fetch /.
if command -v curl >/dev/null; then
  mkfifo "$tmp/serve.out"
  run serve --port 0 --no-measure >"$tmp/serve.out" 2>&1 &
  server=$!
  IFS= read -r -t 30 line <"$tmp/serve.out" || fail "serve printed nothing"
  url=$(printf '%s\n' "$line" | grep -o 'http://[^ ]*') || fail "serve: $line"
  # Into a file: `curl | grep -q` fails under pipefail whenever grep stops reading first.
  curl -fsS -o "$tmp/page.html" "$url" || fail "GET $url failed"
  grep -qi "<html" "$tmp/page.html" || fail "GET $url is not the page"
  curl -fsS -o "$tmp/run.json" "${url}api/run?cache=hit" || fail "GET ${url}api/run failed"
  grep -q '"stages"' "$tmp/run.json" || fail "GET ${url}api/run"
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
fi

# The man page renders, with no warnings from groff.
page=$tmp/root/usr/share/man/man1/sysjourney.1.gz
MANWIDTH=100 man --warnings -l "$page" >"$tmp/man.txt" 2>"$tmp/man.err" || fail "man -l failed"
[ ! -s "$tmp/man.err" ] || fail "man -l warnings: $(head -5 "$tmp/man.err")"
for want in NAME SYNOPSIS "EXIT STATUS" ENVIRONMENT NO_COLOR FILES EXAMPLES "--fd file|pipe|tcp|unix" \
  "sysjourney completion"; do
  grep -qF -- "$want" "$tmp/man.txt" || fail "the man page lacks '$want'"
done

# bash: the installed script registers the function; it completes subcommands and values.
bash --norc --noprofile -c '
  set -u
  source "$1"
  complete -p sysjourney | grep -q -- "-F _sysjourney" || { echo "complete -p: $(complete -p sysjourney)"; exit 1; }
  offer() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _sysjourney; echo "${COMPREPLY[*]}"; }
  subs=$(offer sysjourney "")
  for s in run compare list explain serve measure fit completion --version; do
    [[ " $subs " == *" $s "* ]] || { echo "sysjourney <TAB> lacks $s: $subs"; exit 1; }
  done
  [[ " $subs " != *" man "* ]] || { echo "the hidden man subcommand is offered"; exit 1; }
  [ "$(offer sysjourney run --fd "")" = "file pipe tcp unix" ] || { echo "--fd: $(offer sysjourney run --fd "")"; exit 1; }
  [ "$(offer sysjourney run --fd = p)" = "pipe" ] || { echo "--fd=p: $(offer sysjourney run --fd = p)"; exit 1; }
  [ "$(offer sysjourney --color never compare --cache "")" = "hit miss" ] || { echo "compare --cache"; exit 1; }
  [ "$(offer sysjourney completion "")" = "bash zsh fish" ] || { echo "completion: $(offer sysjourney completion "")"; exit 1; }
  [ "$(offer sysjourney measure --pa)" = "--path" ] || { echo "measure --pa: $(offer sysjourney measure --pa)"; exit 1; }
  [ "$(compgen -W "$(offer sysjourney list "")" -- mi)" = "mitigations" ] || { echo "list mi"; exit 1; }
' bash "$tmp/root/usr/share/bash-completion/completions/sysjourney" || fail "bash completion"

if command -v zsh >/dev/null; then
  zsh -n "$tmp/root/usr/share/zsh/vendor-completions/_sysjourney" || fail "zsh -n"
else
  echo "note: zsh is not installed; its script was not parsed"
fi
if command -v fish >/dev/null; then
  fish_script=$tmp/root/usr/share/fish/vendor_completions.d/sysjourney.fish
  fish -n "$fish_script" || fail "fish -n"
  offered=$(HOME=$tmp/cwd fish --no-config -c "source $fish_script; complete -C 'sysjourney run --fd '" | cut -f1 | tr '\n' ' ')
  [ "$offered" = "file pipe tcp unix " ] || fail "fish --fd: $offered"
else
  echo "note: fish is not installed; its script was not parsed"
fi
echo "install: ok"
