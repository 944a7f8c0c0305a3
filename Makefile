# peekaboo: `make demo` and `make test` are the two commands a fresh machine needs.
TARGET := x86_64-unknown-linux-musl
STATIC := target/$(TARGET)/release/peekaboo
IMAGE ?= peekaboo

.PHONY: all build test lint demo fake bench static size scratch-check check-examples image docker-check clean

all: build

build:
	cargo build --release

# Format, lints and every test: unit tests plus the real binary against the fake API.
test: lint
	cargo test

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

# The whole job end to end against the built-in fake Rackspace API, then against the fake
# Keystone v3 + Octavia signing in from a clouds.yaml: no account needed for either. Last,
# -docker following two containers of the built-in fake Docker engine: no Docker needed.
demo:
	cargo build --bin peekaboo --example demo --example demo_octavia --example demo_docker
	cargo run --quiet --example demo -- target/debug/peekaboo
	cargo run --quiet --example demo_octavia -- target/debug/peekaboo
	cargo run --quiet --example demo_docker -- target/debug/peekaboo

# The fake on its own, for trying peekaboo by hand: it prints the variables to export.
fake:
	cargo run --quiet --example fake_rackspace -- --pending-ms 1000

# Requests, wall time, fleets, memory and size against the fake with 50 ms of simulated WAN
# latency and Rackspace's published rate limits: a table to paste into an issue. The fleets (10
# and 25 hosts joining at once, 25 draining) run five times under each of the two tables;
# BENCH_LIMITS=first or second runs one table, BENCH_FLEET=10,25,drain25 runs only those
# fleets, BENCH_RUNS=1 runs each once, BENCH_TRACE=1 also prints each run's request timeline on
# stderr, and BENCH_WINDOW=3 sets the PENDING_UPDATE window in seconds. Then watch mode
# (bench_watch): the requests a steady watch sends per hour at the defaults, and its memory
# after 100 and 10,000 probes; BENCH_WATCH_SECS sets the span the requests are counted over
# (10 by default). Then the same one-host rows
# against the fake Keystone v3 + Octavia (bench_octavia; BENCH_WINDOW applies there too).
# Last, Docker mode (bench_docker): a steady host of 20 healthy containers under one -docker
# agent, run from the static binary: the load balancer requests per hour (measured at
# -resync 5s over BENCH_WATCH_SECS, scaled to the default 5m), the engine's GETs per hour, and
# the RSS and PSS of the agent and its 20 children (BENCH_WINDOW applies to its joins only).
bench: static
	cargo build --release --bin peekaboo --example bench --example bench_watch --example bench_octavia --example bench_docker
	target/release/examples/bench target/release/peekaboo $(STATIC)
	target/release/examples/bench_watch target/release/peekaboo $(STATIC)
	target/release/examples/bench_octavia target/release/peekaboo
	target/release/examples/bench_docker $(STATIC)

# The shipped binary: static, musl, tuned for size. Needs musl-gcc (apt: musl-tools) for ring
# and the rustup target x86_64-unknown-linux-musl; .ci/run installs both.
# A static-pie, so the binary's own code gets a random address too, with its relative
# relocations packed (RELR: about 1 KB where plain RELA takes 75 KB) so it stays within the
# 2 MiB budget. Needs ld >= 2.38 (older ones ignore the flag: `make size` then fails) and a
# musl >= 1.2.4 start-up (rcrt1.o) to apply them; rustup's musl target ships its own.
# No unwind tables: .eh_frame (196 KB, kept only for the start-up files, which register it)
# and its index .eh_frame_hdr (29 KB). Only an unwinder reads them, and with panic = "abort"
# nothing unwinds: a panic still prints its message and aborts, only RUST_BACKTRACE gets no
# frames. The linker script fragment that drops them is written into target/.
NO_UNWIND := $(CURDIR)/target/no-unwind.ld
STATIC_FLAGS := -C relocation-model=pic -C link-arg=-Wl,-z,pack-relative-relocs \
	-C link-arg=-Wl,--no-eh-frame-hdr -C link-arg=-Wl,-T,$(NO_UNWIND)
static:
	mkdir -p target
	printf '%s\n' 'SECTIONS {' \
	  '  /DISCARD/ : { EXCLUDE_FILE(*crtbegin*.o *crtend*.o) *(.eh_frame) }' \
	  '}' 'INSERT AFTER .text;' > $(NO_UNWIND)
	RUSTFLAGS="$(STATIC_FLAGS)" cargo build --release --target $(TARGET)

# Size in bytes against the 2 MiB budget, and the largest contributors by crate.
size: static
	RUSTFLAGS="$(STATIC_FLAGS)" .ci/size-report

# The static binary alone in an empty root (what the scratch image holds) runs a full cycle
# against the fake API. Needs root.
scratch-check: static
	.ci/scratch-check

# systemd-analyze verify on the example units; then what the README and examples promise
# (every hook's -timeout within its unit's timeout, docker-run.sh, make fake's output).
check-examples: static
	.ci/verify-units
	.ci/check-docs

# The scratch image, where a Docker engine exists: it holds only the binary `make static` built
# (the one CI tested), so the build context is a directory holding just that file.
image: static
	rm -rf target/image && mkdir -p target/image
	cp $(STATIC) target/image/peekaboo
	docker build -f Dockerfile.scratch -t $(IMAGE) target/image

# The same image and -docker against a real engine: a private dockerd of its own (docker.io,
# installed if missing), the one-shot cycle from the image and the agent following a labelled
# busybox container with a health check, against the fake API. Needs root; leaves nothing.
docker-check: static
	.ci/docker-check

clean:
	cargo clean
