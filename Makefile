# peekaboo: `make demo` and `make test` are the two commands a fresh machine needs.
.PHONY: all build test lint demo fake clean

all: build

build:
	cargo build --release

# Format, lints and every test: unit tests plus the real binary against the fake API.
test: lint
	cargo test

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

# The whole job end to end against the built-in fake Rackspace API: no account needed.
demo:
	cargo build --bin peekaboo
	cargo run --quiet --example demo -- target/debug/peekaboo

# The fake on its own, for trying peekaboo by hand: it prints the variables to export.
fake:
	cargo run --quiet --example fake_rackspace -- --pending-ms 1000

clean:
	cargo clean
