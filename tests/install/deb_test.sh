#!/usr/bin/env bash
# Builds the .deb from the build tree (cpack, as `make deb` does), checks its fields and file
# list with dpkg-deb, installs it with dpkg into a throwaway root, runs it there, removes it
# again, and runs lintian when it is installed.
# Usage: deb_test.sh BUILD_DIR
set -euo pipefail
# `cmd | grep -q` is written `cmd | grep ... >/dev/null`: grep -q may stop reading first, and
# under pipefail the writer's SIGPIPE would fail the check.
build=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in cpack dpkg-deb dpkg dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/deps.sh test installs dpkg-dev)"
done

(cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1) ||
  { cat "$tmp/cpack.log" >&2; fail "cpack"; }
version=$("$build/sysjourney" --version | head -1 | cut -d' ' -f2)
deb=$tmp/out/sysjourney_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || fail "no $deb: $(ls "$tmp/out")"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = sysjourney ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), expected $version"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
field Description | grep "read(fd, buf, 16)" >/dev/null || fail "Description: $(field Description)"
depends=$(field Depends)
# dpkg-shlibdeps wrote it from the libraries the binary links: at least libc and libstdc++.
for lib in libc6 libstdc++6; do
  [[ "$depends" == *"$lib ("* ]] || fail "Depends lacks $lib: $depends"
done

files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $NF}' | LC_ALL=C sort)
expected="./usr/bin/sysjourney
./usr/share/bash-completion/completions/sysjourney
./usr/share/fish/vendor_completions.d/sysjourney.fish
./usr/share/man/man1/sysjourney.1.gz
./usr/share/zsh/vendor-completions/_sysjourney"
[ "$files" = "$expected" ] || fail "package files:
$files
expected:
$expected"
dpkg-deb -c "$deb" | awk '$1 ~ /^d/ && $1 != "drwxr-xr-x" {bad=1} END {exit bad}' ||
  fail "a directory is not 0755"

# A throwaway root with its own dpkg database. Its dependencies are this machine's libraries,
# which dpkg cannot see there, hence --force-depends.
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/log"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
dpkg_root() { dpkg --force-not-root --force-depends --log=/dev/null --root="$root" "$@"; }
dpkg_root -i "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -i"; }
dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}\n' sysjourney | grep "install ok installed" >/dev/null ||
  fail "not installed in $root"
"$root/usr/bin/sysjourney" --version | grep -x "sysjourney $version" >/dev/null || fail "the installed --version"
(cd / && "$root/usr/bin/sysjourney" run --cache hit) | grep "page cache hit" >/dev/null || fail "the installed run"
file "$root/usr/bin/sysjourney" | grep ", stripped" >/dev/null || fail "the packaged binary is not stripped"
[ -z "$(find "$root/usr" -name '*_tests' -o -name 'fuzz_*')" ] || fail "test binaries were packaged"
if command -v man >/dev/null; then
  man -l "$root/usr/share/man/man1/sysjourney.1.gz" 2>&1 | grep "EXIT STATUS" >/dev/null || fail "man -l in the root"
fi
dpkg_root -r sysjourney >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -r"; }
[ ! -e "$root/usr/bin/sysjourney" ] || fail "dpkg -r left the binary"
left=$(find "$root" -path "$root/var" -prune -o -type f -print)
[ -z "$left" ] || fail "dpkg -r left files: $left"

if command -v lintian >/dev/null; then
  # Errors fail; warnings are printed. No licence file yet: copyright is expected to be missing.
  lintian --no-tag-display-limit "$deb" >"$tmp/lintian.log" 2>&1 || true
  cat "$tmp/lintian.log"
  grep '^E: ' "$tmp/lintian.log" | grep -v -e no-copyright-file -e debian-changelog-file-missing \
    -e extended-description-is-empty >"$tmp/errors" || true
  [ ! -s "$tmp/errors" ] || fail "lintian errors: $(cat "$tmp/errors")"
else
  echo "note: lintian is not installed; the package was not linted"
fi
echo "deb: ok ($(du -k "$deb" | cut -f1) KiB; Depends: $depends)"
