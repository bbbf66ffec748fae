# Developer and CI entry points for the client-attestation Rust core.
# `make test` is what CI runs (via .ci/run). Requires GNU make.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

CARGO ?= cargo
# Fuzz duration in seconds for `make fuzz` (override: `make fuzz SECONDS=300`).
SECONDS ?= 60
FUZZ_TARGET := verify_request
FUZZ_LOG_DIR := test-output

.PHONY: setup check nostd unit test fuzz fuzz-smoke bench demo clean

## setup: install targets/components/tools needed by `make test` (idempotent).
setup:
	./scripts/setup

## check: formatting and lints (warnings are errors).
check:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --all-features -- -D warnings

## nostd: prove the library builds without std on a bare-metal target.
nostd:
	$(CARGO) build --no-default-features --lib --target thumbv7em-none-eabi

## unit: unit + integration + doc tests, all features (incl. the `cli` feature).
unit:
	@mkdir -p $(FUZZ_LOG_DIR)
	$(CARGO) test --all-features 2>&1 | tee $(FUZZ_LOG_DIR)/unit.log

## test: the full CI pipeline, tiers run in this order.
test: setup
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory nostd
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz-smoke
	@echo "make test: OK - tiers run: setup, check (fmt+clippy), nostd (thumbv7em-none-eabi), unit (cargo test --all-features), fuzz-smoke (20 s)"
	@awk '/^test result:/ { p += $$4; f += $$6 } END { printf "tests: %d passed, %d failed\n", p, f }' $(FUZZ_LOG_DIR)/unit.log

## fuzz: run the libFuzzer target for $(SECONDS) s (cargo-fuzz finds fuzz/ from the repo root).
fuzz:
	@mkdir -p $(FUZZ_LOG_DIR)
	@mkdir -p fuzz/corpus/$(FUZZ_TARGET)
	$(CARGO) +nightly fuzz run $(FUZZ_TARGET) fuzz/corpus/$(FUZZ_TARGET) fuzz/corpus-seeds/$(FUZZ_TARGET) -- -max_total_time=$(SECONDS) 2>&1 | tee $(FUZZ_LOG_DIR)/fuzz-$(FUZZ_TARGET).log
	@echo "fuzz $(FUZZ_TARGET): $$(grep -E '^Done [0-9]+ runs' $(FUZZ_LOG_DIR)/fuzz-$(FUZZ_TARGET).log | tail -n1)"

## fuzz-smoke: short fuzz run used by `make test`.
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz SECONDS=20

## bench: micro-benchmarks (examples/bench.rs).
bench:
	$(CARGO) run --release --example bench

## demo: build the CLI and show it verifying a request and inspecting an attestation.
# TODO: the inspector page and the edge worker will replace this demo once they exist.
demo: setup
	$(CARGO) build --release --features cli
	@echo
	@echo "== 1. Verify a client-attestation token request against a policy =="
	@echo "   (policy: tests/fixtures/policy.as.json, request: tests/fixtures/request.token.json)"
	./target/release/client-attestation verify --policy tests/fixtures/policy.as.json --request tests/fixtures/request.token.json
	@echo
	@echo "== 2. Inspect the Client Attestation JWT from the draft's example =="
	@echo "   (decoded header and claims of tests/fixtures/draft/client-attestation.jwt)"
	./target/release/client-attestation inspect "$$(cat tests/fixtures/draft/client-attestation.jwt)"

## clean: remove build output (root crate, fuzz crate) and test logs.
clean:
	$(CARGO) clean
	rm -rf fuzz/target fuzz/artifacts fuzz/coverage $(FUZZ_LOG_DIR)
