# Baton: build/run plumbing. `make demo` and `make test` do all the set-up on a fresh Debian
# machine (see docs/operations.md, "Local services").
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

export BATON_NATS_URL ?= nats://127.0.0.1:4222
export BATON_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/baton

# `baton-source` resolves @baton/* to their TypeScript sources (run through tsx): tests, the
# demo and scripts see the code as it is now; the `baton` command runs its built bundle.
NODE_TSX := node --conditions=baton-source --import tsx
# The timeout bounds each file as well as each test: the longest file (e2e/cli-api, ~5 min of CLI
# processes) runs beside the browser tests' Chromium on two cores.
TEST_FLAGS := --test --test-concurrency=4 --test-timeout=600000

# Node 20's --test does not expand globs: expand them here; patterns matching nothing drop out.
# (`**/` also matches no directory at all, as in bash's globstar.)
UNIT_TESTS = $(shell find shared/src services/*/src -type f -name '*.test.ts' 2>/dev/null | LC_ALL=C sort)
SUITE_TESTS = $(sort $(wildcard test/integration/*.test.ts test/e2e/*.test.ts))
ALL_TESTS = $(UNIT_TESTS) $(SUITE_TESTS)

DEMO := examples/daily_revenue/demo.ts
BENCH := test/bench/run.ts
BENCH_PEERS := test/bench/peers/run.ts

.PHONY: help setup node-deps services build pack lint demo test test-unit typecheck bench bench-peers services-stop clean deploy-check images

help:
	@echo "make demo           set up (deps + NATS + Postgres), then run the example pipeline"
	@echo "make test           set up, type-check, run the whole test suite"
	@echo "make test-unit      only the colocated unit tests (src/**/*.test.ts; no services)"
	@echo "make build          compile the packages (tsc -b) and bundle the baton command"
	@echo "make pack           build, then write installable tarballs to dist/packages/"
	@echo "make deploy-check   offline: render the Kustomize overlays, validate them (Kubernetes/KEDA schemas, our policies), lint the Dockerfiles and compose file"
	@echo "make images         build and smoke-test the coordinator, api and worker images (needs a Docker engine)"
	@echo "make lint           ESLint: the package graph (no cycles, no deep imports, services apart)"
	@echo "make bench          set up, then run the benchmarks"
	@echo "make bench-peers    set up, then Baton side by side with graphile-worker, pg-boss, BullMQ and its own JetStream + Postgres floor (BENCH_PEERS_SCALE=0.1 BENCH_PEERS_REPS=1 for a quick look)"
	@echo "make chaos          seeded chaos run on private servers: MINUTES=2, SEED=random (printed first; SEED=n replays); NATS_CLUSTER=1: a 3-node NATS cluster, R3 streams"
	@echo "make setup          npm ci if needed; use or start NATS/JetStream and Postgres"
	@echo "make services-stop  stop only the servers 'make setup' started (pid files in .baton/)"
	@echo "make clean          services-stop, then remove .baton/ and build output"
	@echo "BATON_NATS_URL=$(BATON_NATS_URL)"
	@echo "BATON_DATABASE_URL=$(BATON_DATABASE_URL)"

setup: node-deps services

node-deps:
	@bash scripts/ensure-node-deps.sh

services: node-deps
	@bash scripts/ensure-services.sh start

build: node-deps
	npx tsc -b tsconfig.build.json
	npm run --silent build -w @baton/ui -- --logLevel warn
	node scripts/build-cli.mjs

pack: build
	node scripts/pack.mjs

lint: node-deps
	npx eslint --max-warnings 0 .

deploy-check: node-deps
	$(NODE_TSX) scripts/deploy-check/main.ts

# Needs a Docker engine (`docker info` answers); without one it says so and fails: nothing is faked.
images: deploy-check
	@bash scripts/build-images.sh

demo: setup build
	@test -f $(DEMO) || { echo "$(DEMO) does not exist (yet)" >&2; exit 1; }
	$(NODE_TSX) $(DEMO)

typecheck: node-deps
	npx tsc -p tsconfig.json --noEmit
	npx tsc -p services/ui && npx tsc -p services/ui/tsconfig.test.json

test: setup build
	@bash scripts/ensure-services.sh nats-binary
	@bash scripts/ensure-chromium.sh
	npx tsc -p tsconfig.json --noEmit
	npx tsc -p services/ui && npx tsc -p services/ui/tsconfig.test.json
	npx eslint --max-warnings 0 .
	$(NODE_TSX) scripts/deploy-check/main.ts
	@if [ -z "$(strip $(ALL_TESTS))" ]; then echo "no test files found" >&2; exit 1; fi
	$(NODE_TSX) $(TEST_FLAGS) $(ALL_TESTS)

test-unit: node-deps
	@if [ -z "$(strip $(UNIT_TESTS))" ]; then echo "no unit test files found" >&2; exit 1; fi
	$(NODE_TSX) $(TEST_FLAGS) $(UNIT_TESTS)

bench: setup build
	@bash scripts/ensure-chromium.sh
	@test -f $(BENCH) || { echo "$(BENCH) does not exist (yet)" >&2; exit 1; }
	$(NODE_TSX) $(BENCH)

# Same workloads on Baton and three job queues, interleaved, 3 repetitions (docs/operations.md,
# "Side by side with job queues"). BullMQ gets a private redis-server the bench starts and stops.
bench-peers: setup build
	@bash scripts/ensure-redis.sh
	$(NODE_TSX) $(BENCH_PEERS)

# A seeded, replayable chaos run with its own nats-server (NATS_CLUSTER=1: a 3-node cluster) and
# Postgres (docs/chaos.md).
# JSON lines on stdout (the seed first, after the build's lines), progress on stderr; exit 0 only
# when every invariant holds.
.PHONY: chaos
chaos: node-deps build
	@bash scripts/ensure-services.sh nats-binary
	@$(NODE_TSX) test/chaos/run.ts --minutes $(or $(MINUTES),2) $(if $(SEED),--seed $(SEED)) $(if $(NATS_CLUSTER),--nats-cluster)

services-stop:
	@bash scripts/ensure-services.sh stop

clean: services-stop
	rm -rf .baton dist coverage shared/dist services/*/dist
