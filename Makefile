# Entrada: the two commands a newcomer needs are `make run` and `make test`.
# Both install what they need first (scripts/install-deps.sh checks before installing).

SHELL := /bin/bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
DEMO_DIR := $(CURDIR)/.tmp/demo
ENTRADA := target/debug/entrada

.PHONY: deps build run run-cli test lint bench bundle clean

deps:
	@scripts/install-deps.sh

build: deps
	cargo build --workspace

## Run the desktop app on its embedded demo data (hub on loopback + demo replica).
run: deps
	@scripts/run-desktop.sh

## The same demo without a window: the CLI scans a few badges and prints JSON.
run-cli: deps
	@scripts/run-demo.sh

## Run every test: Rust (unit, integration, process, HTTP), lint, UI unit and browser flows.
test: deps
	@scripts/test-all.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

bench:
	cargo bench -p entrada-store --bench scan_latency

## Desktop packages (.deb and AppImage) through the Tauri CLI at the version ui/package.json names.
bundle: deps
	npm --prefix ui run -s bundle

clean:
	rm -rf .tmp target ui/dist
