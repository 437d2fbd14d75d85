# checkpoint-tools — build, test, install, demo, bench.
#   make demo    build the tools and run the checkpoint-build demo on examples/hello-c
#   make test    everything CI runs: fmt, clippy, rustdoc, the test suite, shellcheck
#   make install PREFIX=/usr/local   binaries, man pages, shell completions
#   make bench / make bench-quick    side-by-side benchmarks against the GNU tools

PREFIX  ?= /usr/local
CARGO   ?= cargo
TOOLS   := snap treediff treesync applypatch
SCRIPTS := .ci/run fuzz/run.sh checkpoint/prepare-checkpoint-build checkpoint/checkpoint-build examples/demo.sh
DOCDIR  := target/docs
FUZZ_TARGETS = $(shell sed -n 's/^name = "\([a-z_]*\)"$$/\1/p' fuzz/Cargo.toml | grep -v '^checkpoint')
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_SECONDS ?= 600

.PHONY: all build test lint unit shellcheck fuzz-smoke install docs demo clean bench bench-quick fuzz

all: build

build:
	$(CARGO) build --release --locked --bins

test: lint unit shellcheck fuzz-smoke

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked

unit:
	$(CARGO) test --workspace --locked

shellcheck:
	shellcheck $(SCRIPTS) $(wildcard bench/*.sh)

# Every fuzz target briefly, from the committed seeds (crash inputs there are regressions).
fuzz-smoke:
	for t in $(FUZZ_TARGETS); do fuzz/run.sh $$t $(FUZZ_SMOKE_SECONDS) || exit 1; done

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
	for t in $(TOOLS); do \
		install -m 644 $(DOCDIR)/completions/$$t.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$t; \
		install -m 644 $(DOCDIR)/completions/_$$t $(DESTDIR)$(PREFIX)/share/zsh/site-functions/; \
		install -m 644 $(DOCDIR)/completions/$$t.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/; \
	done

demo: build
	sh examples/demo.sh

clean:
	$(CARGO) clean
	rm -rf target-*

-include bench/Makefile.fragment
