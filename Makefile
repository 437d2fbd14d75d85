# checkpoint-tools — build, test, install, demo, bench.
#   make demo    build the tools and run the checkpoint-build demo on examples/hello-c
#   make test    everything CI runs: fmt, clippy, rustdoc, the test suite, shellcheck
#   make install PREFIX=/usr/local   binaries, man pages, shell completions
#   make bench / make bench-quick    side-by-side benchmarks against the GNU tools

PREFIX  ?= /usr/local
CARGO   ?= cargo
TOOLS   := snap treediff treesync applypatch
SCRIPTS := .ci/run checkpoint/prepare-checkpoint-build checkpoint/checkpoint-build examples/demo.sh
DOCDIR  := target/docs

.PHONY: all build test lint unit shellcheck install docs demo clean bench bench-quick fuzz

all: build

build:
	$(CARGO) build --release --locked --bins

test: lint unit shellcheck

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked

unit:
	$(CARGO) test --workspace --locked

shellcheck:
	shellcheck $(SCRIPTS) $(wildcard bench/*.sh)

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
