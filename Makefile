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

.PHONY: setup check nostd unit test js runtimes interop www-test edge-test load bench-js fuzz fuzz-smoke bench demo clean \
        wasm-tools pkg size wasm-test wasm-test-node wasm-test-browser

## setup: install targets/components/tools needed by `make test` (idempotent).
setup:
	./scripts/setup

## check: formatting and lints (warnings are errors).
check:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --all-features -- -D warnings
	$(CARGO) clippy --lib --features wasm --target wasm32-unknown-unknown -- -D warnings
	$(CARGO) fmt --manifest-path examples/fastly-compute/Cargo.toml -- --check
	$(CARGO) clippy --target wasm32-wasip1 --manifest-path examples/fastly-compute/Cargo.toml -- -D warnings

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
	@$(MAKE) --no-print-directory pkg
	@$(MAKE) --no-print-directory js
	@$(MAKE) --no-print-directory runtimes
	@$(MAKE) --no-print-directory wasm-test
	@$(MAKE) --no-print-directory interop
	@$(MAKE) --no-print-directory www-test
	@$(MAKE) --no-print-directory edge-test
	@$(MAKE) --no-print-directory fuzz-smoke
	@echo "make test: OK - tiers run: setup, check (fmt, clippy native + wasm32), nostd (thumbv7em-none-eabi), unit (cargo test --all-features), pkg, js (node --test + tsc), runtimes (node, deno, bun, workerd), wasm-test (node, chromium), interop (jose, @openid4vc/oauth2, oidc-provider), www-test (inspector in chromium), edge-test (workerd + Durable Objects, Viceroy, make demo's check), fuzz-smoke (20 s)"
	@./scripts/test-summary

## js: the JS package's node --test suites and the TypeScript usage check (needs `make pkg`).
js:
	./scripts/test-js

## runtimes: the same smoke suite under Node, Deno, Bun and workerd (needs `make pkg`).
runtimes:
	./scripts/test-runtimes 2>&1 | tee $(FUZZ_LOG_DIR)/runtimes.log

## interop: real peers from npm (jose, @openid4vc/oauth2, a live oidc-provider on 127.0.0.1).
interop:
	@mkdir -p $(FUZZ_LOG_DIR)
	node --test tests/interop/ 2>&1 | tee $(FUZZ_LOG_DIR)/interop.tap | grep -E '^(not ok|# (tests|pass|fail))'

## fuzz: run the libFuzzer target for $(SECONDS) s (cargo-fuzz finds fuzz/ from the repo root).
fuzz:
	@mkdir -p $(FUZZ_LOG_DIR)
	@mkdir -p fuzz/corpus/$(FUZZ_TARGET)
	$(CARGO) +nightly fuzz run $(FUZZ_TARGET) fuzz/corpus/$(FUZZ_TARGET) fuzz/corpus-seeds/$(FUZZ_TARGET) -- -max_total_time=$(SECONDS) 2>&1 | tee $(FUZZ_LOG_DIR)/fuzz-$(FUZZ_TARGET).log
	@echo "fuzz $(FUZZ_TARGET): $$(grep -E '^Done [0-9]+ runs' $(FUZZ_LOG_DIR)/fuzz-$(FUZZ_TARGET).log | tail -n1)"

## fuzz-smoke: short fuzz run used by `make test`.
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz SECONDS=20

## bench: native micro-benchmarks (examples/bench.rs), then the JS benchmark against jose
## (benches/; builds pkg/ first). BENCH_JS_ARGS=--quick or --profile for variants.
bench: pkg
	$(CARGO) run --release --example bench
	./scripts/bench-js $(BENCH_JS_ARGS)

## demo: the edge worker on http://127.0.0.1:8787 (AS + RS, Durable Object replay store) and the
## inspector on http://127.0.0.1:8080/ ("Load draft example" fills in the draft's tokens); a demo
## client runs both modes against the worker; Ctrl-C stops both.
demo: setup pkg
	@echo "== The CLI on the draft's example token request (at the examples' time) =="
	@$(CARGO) run -q --release --features cli -- verify --policy tests/fixtures/policy.as.json --request tests/fixtures/request.token.json | head -5
	./scripts/edge-demo

## edge-test: the Cloudflare Worker (wrangler dev / workerd, Durable Objects, miniflare) and the
## Fastly app (Viceroy), 127.0.0.1 only.
edge-test: setup pkg
	@mkdir -p $(FUZZ_LOG_DIR)
	./scripts/edge-test 2>&1 | tee $(FUZZ_LOG_DIR)/edge.log
	@# `make demo` itself: its worker and inspector started, the demo client run in both modes.
	@if ./scripts/edge-demo --check > $(FUZZ_LOG_DIR)/demo.log 2>&1; then \
	  echo "make demo: worker + inspector up, demo client in normal and combined mode" | tee -a $(FUZZ_LOG_DIR)/demo.log; \
	  echo "demo: 1 passed, 0 failed" | tee -a $(FUZZ_LOG_DIR)/demo.log; \
	else \
	  tail -30 $(FUZZ_LOG_DIR)/demo.log; echo "demo: 0 passed, 1 failed" | tee -a $(FUZZ_LOG_DIR)/demo.log; exit 1; \
	fi

## load: autocannon vs the worker on workerd and the Fastly app on Viceroy; 127.0.0.1, bounded
## (~5 min), stops by itself.
load: setup pkg
	@mkdir -p $(FUZZ_LOG_DIR)
	./scripts/load 2>&1 | tee $(FUZZ_LOG_DIR)/load.log

## www-test: Playwright + /usr/bin/chromium tests of the inspector (screenshots in test-output/www/).
www-test: setup pkg
	@mkdir -p $(FUZZ_LOG_DIR)
	node tests/www/run.mjs 2>&1 | tee $(FUZZ_LOG_DIR)/www.log

## clean: remove build output (root crate, fuzz crate, pkg/) and test logs.
clean:
	$(CARGO) clean
	rm -rf fuzz/target fuzz/artifacts fuzz/coverage $(FUZZ_LOG_DIR) $(PKG_DIR)

# ---------------------------------------------------------------------------
# WebAssembly package (issue 5): cargo (cdylib, wasm32) -> wasm-bindgen -> wasm-opt
# ---------------------------------------------------------------------------
WASM_TARGET := wasm32-unknown-unknown
WASM_CRATE := client_attestation
WASM_CARGO_OUT := target/$(WASM_TARGET)/release/$(WASM_CRATE).wasm
# The cargo output with `multivalue` removed from its target_features list (scripts/wasm-features
# says why): wasm-bindgen's input.
WASM_BINDGEN_IN := target/$(WASM_TARGET)/release/$(WASM_CRATE).nomv.wasm
# Copy of wasm-bindgen's output before wasm-opt, only for the size table.
WASM_BINDGEN_COPY := target/$(WASM_TARGET)/release/$(WASM_CRATE).bindgen.wasm
PKG_DIR := pkg
PKG_WASM := $(PKG_DIR)/$(WASM_CRATE)_bg.wasm
# wasm-bindgen-cli is installed by scripts/setup at exactly Cargo.lock's version.
WASM_BINDGEN ?= wasm-bindgen
# npm binaryen 132 (package-lock.json). Never Debian's binaryen 108: its output
# fails to load (externref table rewritten to anyref).
WASM_OPT := node_modules/.bin/wasm-opt
ESBUILD := node_modules/.bin/esbuild

# Size knobs for the wasm build only, as env overrides of [profile.release], so
# Cargo.toml's release profile (opt-level 3, used natively by `make bench`) is
# untouched. lto/codegen-units repeat Cargo.toml so the wasm build does not
# depend on it. The wasm output lives under target/wasm32-unknown-unknown/, so
# it never invalidates the native release build.
WASM_OPT_LEVEL ?= z
WASM_PROFILE_ENV := CARGO_PROFILE_RELEASE_OPT_LEVEL=$(WASM_OPT_LEVEL) \
                    CARGO_PROFILE_RELEASE_PANIC=abort \
                    CARGO_PROFILE_RELEASE_LTO=true \
                    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
# WASM_ZMIX=1: "zmix" (shared/notes/perf-anchors.md §7-8), the crypto crates at
# opt-level 3 and the rest at $(WASM_OPT_LEVEL): ~90-98 % of the all-opt-3 pure-wasm
# signature speed for ~+4.4 KB gzip. Off by default: with it the module is over
# the 160 KB gzip budget of issue 5, and the WebCrypto backend does the signatures
# where the runtime has it (pure wasm is the fallback / sync path).
WASM_ZMIX ?= 0
WASM_ZMIX_CRATES := p256 primeorder primefield elliptic-curve ecdsa crypto-bigint sha2 curve25519-dalek ed25519-dalek wnaf
WASM_FAST_OPT_LEVEL ?= 3
WASM_FAST_CRATES ?= $(if $(filter 1,$(WASM_ZMIX)),$(WASM_ZMIX_CRATES))
# Panic locations name source files: without the machine's registry and checkout paths the
# module is the same on every machine, and ~300 B smaller gzipped.
# sha2_backend_soft="compact": SHA-256/512 as loops rather than unrolled rounds, 16.6 KB less
# wasm (less to compile at startup). No measured throughput change: with WebCrypto/node:crypto
# verifying signatures the core hashes ~10 blocks per request (cache and replay keys), and a
# pure-wasm signature check is dominated by the curve arithmetic.
CARGO_HOME_DIR := $(or $(CARGO_HOME),$(HOME)/.cargo)
WASM_CARGO_CONFIG := $(foreach c,$(WASM_FAST_CRATES),--config 'profile.release.package.$(c).opt-level=$(WASM_FAST_OPT_LEVEL)') \
                     --config 'target.wasm32-unknown-unknown.rustflags=[$(foreach d,$(wildcard $(CARGO_HOME_DIR)/registry/src/*/),"--remap-path-prefix=$(d)=", )"--remap-path-prefix=$(CURDIR)/=", "--cfg", "sha2_backend_soft=\"compact\""]'
# The wasm features rustc 1.95 emits for wasm32-unknown-unknown (its target_features section),
# except multi-value: the code uses none (rustc lists it, LLVM's wasm32 C ABI does not return
# multiple values), and with it dropped before wasm-bindgen (scripts/wasm-features) the exports
# return through memory, so --disable-multivalue makes wasm-opt check that nothing does.
# Spelled out so wasm-opt never validates against, or emits, anything else: all of these load
# in node 20, Chromium, workerd, Deno, Bun, Safari 15+ and Firefox.
WASM_OPT_FEATURES := --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
                     --enable-mutable-globals --enable-reference-types --disable-multivalue
# -O1, not -Oz: rustc already optimised for size (opt-level z); -Oz/-Os/-O2 inline and merge
# functions into bigger ones, and V8 compiles each function whole on its first call, so the
# first verification compiled ~0.5 ms more code (measured: first verify 4.3-4.6 ms with
# -Oz/-Os/-O2, 3.8-4.0 ms with -O1; the same throughput). -O1 is 10 KB bigger raw, <1 KB gzip.
# --low-memory-unused: rustc's wasm32 layout puts the shadow stack first (it grows down from
# 1 MiB towards 0) and data above it, so no valid pointer is below 1024 except at a stack depth
# of ~1 MiB; the flag lets wasm-opt fold constant offsets into loads/stores (~550 B, and an
# overflowing stack pointer then traps instead of wrapping).
WASM_OPT_FLAGS ?= -O1 --low-memory-unused

# wasm-bindgen-test: the runner is wasm-bindgen-test-runner (same install as wasm-bindgen).
WASM_TEST_ENV := CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
WASM_TEST := $(CARGO) test --target $(WASM_TARGET) --features wasm --test wasm

## wasm-tools: wasm-bindgen-cli (Cargo.lock's version) and node_modules, no browser.
wasm-tools:
	@SKIP_BROWSER=1 ./scripts/setup

## pkg: build the WebAssembly package into pkg/ (wasm-bindgen --target web, wasm-opt -O1), plus
## pkg/node.js: the Node/Bun entry bundled into one module (one ES module to load instead of
## seven: ~2 ms of the cold start), whitespace and syntax minified (46 KB instead of 67 KB of
## source for V8 to scan at import: ~0.2 ms, median of 25 interleaved runs) with names kept, so
## stack traces still name our functions; pkg/node.js.map maps it back to js/
## (node --enable-source-maps).
pkg: wasm-tools
	$(WASM_PROFILE_ENV) $(CARGO) rustc --lib --release --crate-type cdylib --target $(WASM_TARGET) --features wasm $(WASM_CARGO_CONFIG)
	rm -rf $(PKG_DIR)/snippets $(PKG_DIR)/node.js $(PKG_DIR)/node.js.map $(PKG_DIR)/$(WASM_CRATE).js $(PKG_DIR)/$(WASM_CRATE).d.ts $(PKG_DIR)/$(WASM_CRATE)_bg.wasm $(PKG_DIR)/$(WASM_CRATE)_bg.wasm.d.ts
	./scripts/wasm-features --drop multivalue $(WASM_CARGO_OUT) $(WASM_BINDGEN_IN)
	$(WASM_BINDGEN) --target web --out-dir $(PKG_DIR) --out-name $(WASM_CRATE) $(WASM_BINDGEN_IN)
	@mv $(PKG_WASM) $(WASM_BINDGEN_COPY)
	$(WASM_OPT) $(WASM_OPT_FLAGS) $(WASM_OPT_FEATURES) $(WASM_BINDGEN_COPY) -o $(PKG_WASM)
	$(ESBUILD) js/node.js --bundle --format=esm --platform=node --target=node20 --legal-comments=none \
	  --minify-whitespace --minify-syntax --sourcemap --sources-content=false \
	  --banner:js='// client-attestation for Node.js and Bun: js/node.js and its imports in one module (generated by make pkg; edit js/, not this file).' \
	  --outfile=$(PKG_DIR)/node.js --log-level=warning
	@./scripts/wasm-size $(WASM_CARGO_OUT) $(WASM_BINDGEN_COPY) $(PKG_WASM) $(PKG_DIR)/$(WASM_CRATE).js

## size: print raw / gzip -9 / brotli sizes of the built package (run `make pkg` first).
size:
	@./scripts/wasm-size $(PKG_WASM) $(PKG_DIR)/$(WASM_CRATE).js

## wasm-test: wasm-bindgen-test suite tests/wasm.rs under node, then headless Chromium.
wasm-test: wasm-test-node wasm-test-browser

## wasm-test-node: the suite under node (wasm-bindgen-test-runner's default).
wasm-test-node: wasm-tools
	@mkdir -p $(FUZZ_LOG_DIR)
	$(WASM_TEST_ENV) $(WASM_TEST) 2>&1 | tee $(FUZZ_LOG_DIR)/wasm-node.log

## wasm-test-browser: the same suite in headless Chromium (apt chromium + chromedriver).
wasm-test-browser: setup
	@mkdir -p $(FUZZ_LOG_DIR)
	WASM_BINDGEN_USE_BROWSER=1 WASM_BINDGEN_TEST_WEBDRIVER_JSON=$(CURDIR)/scripts/webdriver.json \
	  $(WASM_TEST_ENV) $(WASM_TEST) 2>&1 | tee $(FUZZ_LOG_DIR)/wasm-browser.log

## bench-js: only the JS benchmark (needs pkg/).
bench-js:
	./scripts/bench-js $(BENCH_JS_ARGS)
