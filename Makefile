# The two commands: `make run` and `make test`. Each installs what is missing, then builds.
# Build trees: $(BUILD) (run, test, test-unit, tidy, install, deb, site), $(BENCH_BUILD) (bench,
# Release), $(SANITIZE_BUILD) (test-sanitize), $(FUZZ_BUILD) (fuzz); make clean removes them all.
BUILD ?= build
BENCH_BUILD ?= build-bench
SANITIZE_BUILD ?= build-sanitize
FUZZ_BUILD ?= build-fuzz
JOBS ?= $(shell nproc)
HOST ?= 127.0.0.1
PORT ?= 8080
DIST ?= dist

.PHONY: run test test-unit bench build deps clean format format-check site test-sanitize fuzz tidy install deb site-tarball

# Configures $(BUILD) as RelWithDebInfo. $(call configure,ON) turns the tests on (BUILD_TESTING);
# $(call configure) makes a new tree without them (no GoogleTest needed) and leaves an existing
# tree's tests as they are, so that its ctest never lists tests that are no longer built. The
# compile flags are the same either way: switching rebuilds nothing of the program.
configure = cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  $(if $(1),-DBUILD_TESTING=$(1),$(if $(wildcard $(BUILD)/CMakeCache.txt),,-DBUILD_TESTING=OFF)) >/dev/null

# The program, its man page and its completions (what install and deb ship); no tests.
build:
	@scripts/deps.sh build
	@$(call configure)
	@cmake --build $(BUILD) -j $(JOBS) --target sysjourney sysjourney_docs

# Builds only the program (in a new tree, without the tests: no GoogleTest needed), then serves it.
run:
	@scripts/deps.sh build
	@$(call configure)
	@cmake --build $(BUILD) -j $(JOBS) --target sysjourney
	@$(BUILD)/sysjourney serve --host $(HOST) --port $(PORT)

test:
	@scripts/deps.sh test
	@$(call configure,ON)
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The fast tests alone (ctest label unit: no browser, no emscripten, no real measurement).
test-unit:
	@scripts/deps.sh unit
	@$(call configure,ON)
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest -L unit --output-on-failure -j $(JOBS)

# The speed and truth targets, in a Release tree of their own (the program and bench/, no tests).
bench:
	@scripts/deps.sh bench
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DSYSJOURNEY_BENCH=ON >/dev/null
	@cmake --build $(BENCH_BUILD) -j $(JOBS)
	@bench/run.sh $(BENCH_BUILD)

# The whole ctest suite built with ASan and UBSan, in its own build tree.
test-sanitize:
	@scripts/deps.sh test
	@cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON -DSYSJOURNEY_SANITIZE=ON >/dev/null
	@cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	@cd $(SANITIZE_BUILD) && ASAN_OPTIONS=strict_string_checks=1:detect_leaks=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# libFuzzer (clang 14, ASan + UBSan) in $(FUZZ_BUILD): each target for SECONDS seconds.
# A crash fails; its input is in $(FUZZ_BUILD)/crashes/<target>/ (see fuzz/README.md).
SECONDS ?= 60
fuzz:
	@scripts/deps.sh fuzz
	@fuzz/run.sh $(SECONDS) $(FUZZ_BUILD) $(JOBS)

# clang-tidy with .clang-tidy's checks over core/ cli/ server/ measure/ fuzz/, using the
# normal build's compile_commands.json (with the tests in it). Any finding fails.
tidy:
	@scripts/deps.sh tidy
	@$(call configure,ON)
	@cmake --build $(BUILD) -j $(JOBS)
	@run-clang-tidy-14 -p $(BUILD) -quiet -j $(JOBS) '^$(CURDIR)/(core|cli|server|measure|fuzz)/' >$(BUILD)/tidy.raw 2>&1; \
	  status=$$?; sed 's/\x1b\[[0-9;]*m//g' $(BUILD)/tidy.raw >$(BUILD)/tidy.log; \
	  if [ $$status != 0 ]; then grep -E 'warning:|error:' -A3 $(BUILD)/tidy.log; \
	    echo "tidy: findings above (full log: $(BUILD)/tidy.log)"; exit 1; fi; \
	  echo "tidy: no findings"

# The static site: the page with the engine in WebAssembly, no server needed (wasm/README.md).
site:
	@scripts/deps.sh site
	@BUILD=$(BUILD) wasm/site.sh $(DIST)

# Installs the program, its man page and its shell completions into $(DESTDIR)$(PREFIX)
# (cmake/Package.cmake), e.g. make install PREFIX=$$HOME/.local, or DESTDIR=/tmp/stage.
PREFIX ?= /usr/local
install: build
	@DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)" --strip

# The Debian package: $(BUILD)/sysjourney_<version>_<arch>.deb, its Depends line from
# dpkg-shlibdeps. Install it with: apt install ./$(BUILD)/sysjourney_*.deb
deb: build
	@scripts/deps.sh deb
	@cd $(BUILD) && cpack -G DEB >cpack.log || { cat cpack.log; exit 1; }
	@ls $(BUILD)/sysjourney_*.deb

# The static site of `make site` as $(BUILD)/sysjourney-site-<version>.tar.gz, for any web server.
SITE_VERSION = $(shell cat VERSION)
site-tarball: site
	@mkdir -p $(BUILD)
	@tar -C $(DIST) --sort=name --owner=0 --group=0 --numeric-owner \
	  --transform 's|^\.|sysjourney-site-$(SITE_VERSION)|' -czf $(BUILD)/sysjourney-site-$(SITE_VERSION).tar.gz .
	@ls $(BUILD)/sysjourney-site-$(SITE_VERSION).tar.gz

format:
	@clang-format -i $$(git ls-files '*.cc' '*.h')

# Fails on any C++ file that .clang-format would change (run by .ci/run; fix with make format).
format-check:
	@scripts/deps.sh format
	@clang-format --dry-run -Werror $$(git ls-files '*.cc' '*.h') && echo "format: clean"

# Every tree the targets above create: the build trees and the static site.
clean:
	rm -rf $(BUILD) $(BENCH_BUILD) $(SANITIZE_BUILD) $(FUZZ_BUILD) $(DIST)
