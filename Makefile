# checkpoint-tools — build, test, install, demo, bench.
#   make deps    install what the tests need (Debian packages; sudo when not root)
#   make demo    build the tools and run the checkpoint-build demo on examples/hello-c
#   make test    everything CI runs: fmt, clippy, rustdoc, the test suite, shellcheck, a fuzz
#                smoke run; ends with one line `summary: N passed, N failed`
#   make install PREFIX=/usr/local   binaries, man pages, shell completions
#   make bench / make bench-quick    side-by-side benchmarks against the GNU tools

PREFIX  ?= /usr/local
CARGO   ?= cargo
TOOLS   := snap treediff treesync applypatch
SCRIPTS := .ci/run .ci/deps .ci/summary fuzz/run.sh checkpoint/prepare-checkpoint-build checkpoint/checkpoint-build examples/demo.sh
DOCDIR  := target/docs
FUZZ_TARGETS = $(shell sed -n 's/^name = "\([a-z_]*\)"$$/\1/p' fuzz/Cargo.toml | grep -v '^checkpoint')
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_SECONDS ?= 600
LOGS    := target/test-logs

.PHONY: all build deps test lint unit shellcheck fuzz-smoke install docs demo clean bench bench-quick fuzz

all: build

build:
	$(CARGO) build --release --locked --bins

deps:
	sh .ci/deps

# The steps run in order (each stops the run when it fails); the last line counts the tests
# of the suite and the fuzz targets that ran clean.
test:
	@rm -rf $(LOGS) && mkdir -p $(LOGS)
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory shellcheck
	$(MAKE) --no-print-directory fuzz-smoke
	@sh .ci/summary $(LOGS)

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked

# cargo's output is also kept in $(LOGS)/unit.log, for the summary.
unit:
	@mkdir -p $(LOGS)
	@{ $(CARGO) test --workspace --locked 2>&1; echo $$? > $(LOGS)/unit.status; } | tee $(LOGS)/unit.log
	@exit "$$(cat $(LOGS)/unit.status)"

shellcheck:
	shellcheck $(SCRIPTS) $(wildcard bench/*.sh)

# Every fuzz target briefly, from the committed seeds (crash inputs there are regressions).
# libFuzzer's chatter goes to $(LOGS)/fuzz-TARGET.log; a failing target shows its tail.
fuzz-smoke:
	@mkdir -p $(LOGS)
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz-smoke: $$t (build, then $(FUZZ_SMOKE_SECONDS) s; log in $(LOGS)/fuzz-$$t.log)"; \
		if fuzz/run.sh $$t $(FUZZ_SMOKE_SECONDS) > $(LOGS)/fuzz-$$t.log 2>&1; then \
			echo "fuzz-smoke: $$t ok, $$(sed -n 's/^stat::number_of_executed_units: *//p' $(LOGS)/fuzz-$$t.log) inputs run"; \
		else \
			tail -n 40 $(LOGS)/fuzz-$$t.log; echo "fuzz-smoke: $$t FAILED"; exit 1; \
		fi; \
	done

fuzz:
	for t in $(FUZZ_TARGETS); do fuzz/run.sh $$t $(FUZZ_SECONDS) || exit 1; done

docs:
	$(CARGO) run --quiet --locked -p xtask -- $(DOCDIR)

install: build docs
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d \
		$(DESTDIR)$(PREFIX)/share/checkpoint-tools
	for t in $(TOOLS); do install -m 755 target/release/$$t $(DESTDIR)$(PREFIX)/bin/; done
	install -m 755 checkpoint/prepare-checkpoint-build checkpoint/checkpoint-build $(DESTDIR)$(PREFIX)/bin/
	install -m 644 checkpoint/checkpoint-build.nix $(DESTDIR)$(PREFIX)/share/checkpoint-tools/
	install -m 644 $(DOCDIR)/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
# The compat directory: put it first on PATH and scripts calling `patch` run applypatch
# with GNU patch's defaults.
	install -d $(DESTDIR)$(PREFIX)/libexec/checkpoint-tools/compat
	ln -sf ../../../bin/applypatch $(DESTDIR)$(PREFIX)/libexec/checkpoint-tools/compat/patch
	for t in $(TOOLS); do \
		install -m 644 $(DOCDIR)/completions/$$t.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$t; \
		install -m 644 $(DOCDIR)/completions/_$$t $(DESTDIR)$(PREFIX)/share/zsh/site-functions/; \
		install -m 644 $(DOCDIR)/completions/$$t.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/; \
	done

# The demo runs on the debug build that `make test` leaves (the example is tiny), so it
# rebuilds nothing after the tests.
demo:
	$(CARGO) build --locked --bins
	CHECKPOINT_TOOLS_DIR=$${CARGO_TARGET_DIR:-target}/debug sh examples/demo.sh

clean:
	$(CARGO) clean
	rm -rf target-*

-include bench/Makefile.fragment
