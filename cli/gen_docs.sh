#!/bin/sh
# Writes the man page (plain and gzipped, as Debian ships it) and the bash, zsh and fish
# completions of the built binary into DIR. The build runs it after linking the binary.
# Usage: gen_docs.sh BINARY DIR
set -eu
bin=$1
dir=$2
mkdir -p "$dir"
# Each file appears whole or not at all, so a failed run cannot leave a stale one behind.
write() { out=$1; shift; "$bin" "$@" >"$out.tmp"; mv "$out.tmp" "$out"; }
write "$dir/sysjourney.1" man
gzip -9 -n -c "$dir/sysjourney.1" >"$dir/sysjourney.1.gz.tmp"
mv "$dir/sysjourney.1.gz.tmp" "$dir/sysjourney.1.gz"
write "$dir/sysjourney.bash" completion bash
write "$dir/_sysjourney" completion zsh
write "$dir/sysjourney.fish" completion fish
