# Wegwijzer: `make run` and `make test` are the two commands a newcomer needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo /root/.pyenv)
PY310 ?= $(PYENV_ROOT)/versions/3.10.13/bin/python3.10
PY311 ?= $(shell command -v python3.11 2>/dev/null || echo $(PYENV_ROOT)/versions/3.11.7/bin/python3.11)

RASA_VENV := .venv-rasa
ACT_VENV := .venv-actions
RASA := $(RASA_VENV)/bin/rasa
APY := $(ACT_VENV)/bin/python
MODEL := models/wegwijzer.tar.gz
INDEX := var/index/manifest.json

export RASA_TELEMETRY_ENABLED := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export WEB_PORT ?= 8080
export TRACKER_DB ?= var/tracker.db
export PYTHONPATH := $(CURDIR)
# Set-up steps print one progress line each; their own output goes to var/logs/setup.log.
STEP := bash bot/ops/step.sh
# Set-up steps that do not need each other run side by side: both venvs install at once, and `rasa train` runs
# while the index is built and the system packages install (SETUP_JOBS=1: one after the other).
SETUP_JOBS ?= 3
PARALLEL := $(MAKE) --no-print-directory -j$(SETUP_JOBS)

# The KNM practice bank (knowledge/knm/) is read by the action server only: it is not part of the index or NLU.
KNOWLEDGE_FILES := $(shell find knowledge -path knowledge/knm -prune -o -type f \( -name '*.md' -o -name '*.yml' \) -print 2>/dev/null)
INDEX_SOURCES := bot/settings.py $(wildcard bot/knowledge/*.py bot/retrieval/*.py)
TRAIN_INPUTS := config.yml domain.yml $(shell find data -type f -name '*.yml' 2>/dev/null)

.PHONY: check test-unit run-scaled webdeps help setup envs index train run shell test test-fast validate rasa-test check-knowledge eval bench nlu-eval soak clean system-deps

help:
	@echo "make run    - set up everything if needed, start action server + Rasa + widget page"
	@echo "make test   - set up everything if needed, run pytest and Rasa's checks"
	@echo "make shell  - rasa shell for staff (needs the action server: make run in another terminal)"
	@echo "other: setup, index, train, eval, check-knowledge, bench, nlu-eval, soak, clean"

# ---------------------------------------------------------------- environments
$(RASA_VENV)/.installed: requirements-rasa.txt
	@test -x "$(PY310)" || { echo "ERROR: Python 3.10 interpreter not found at $(PY310) (Rasa 3.6 needs it; set PY310=/path/to/python3.10)"; exit 1; }
	@rm -rf $(RASA_VENV)
	@$(STEP) "creating $(RASA_VENV) (Rasa 3.6.21, Python 3.10; about 2 minutes)" \
		bash -c '$(PY310) -m venv $(RASA_VENV) && $(RASA_VENV)/bin/pip install -r requirements-rasa.txt && $(RASA_VENV)/bin/pip install --no-deps -e .'
	@touch $@

$(ACT_VENV)/.installed: requirements-actions.txt
	@test -x "$(PY311)" || { echo "ERROR: Python 3.11 interpreter not found at $(PY311)"; exit 1; }
	@rm -rf $(ACT_VENV)
	@$(STEP) "creating $(ACT_VENV) (torch CPU, sentence-transformers, faiss, spaCy; about 2 minutes)" \
		bash -c '$(PY311) -m venv $(ACT_VENV) && $(ACT_VENV)/bin/pip install torch==2.13.0 && $(ACT_VENV)/bin/pip install -r requirements-actions.txt && $(ACT_VENV)/bin/pip install --no-deps -e .'
	@touch $@

$(ACT_VENV)/.dev-installed: $(ACT_VENV)/.installed requirements-dev.txt
	@$(STEP) "installing the test tools (requirements-dev.txt)" $(ACT_VENV)/bin/pip install -r requirements-dev.txt
	@touch $@

envs: $(RASA_VENV)/.installed $(ACT_VENV)/.installed

# ---------------------------------------------------------------- build steps
check-knowledge: $(ACT_VENV)/.installed
	$(APY) -m bot check-knowledge

$(INDEX): $(ACT_VENV)/.installed $(KNOWLEDGE_FILES) $(INDEX_SOURCES)
	$(APY) -m bot check-knowledge
	@$(STEP) "building the search index" $(APY) -m bot index
	@touch $@

index: $(INDEX)

# The ask_question intent is generated from the knowledge base's own question phrasings.
data/nlu/questions.yml: $(ACT_VENV)/.installed $(KNOWLEDGE_FILES) bot/tools/nlu_questions.py
	$(APY) -m bot.tools.nlu_questions

$(MODEL): $(RASA_VENV)/.installed data/nlu/questions.yml $(TRAIN_INPUTS)
	@$(STEP) "training the Rasa model (data, config or domain changed; about 5 minutes)" \
		$(RASA) train --fixed-model-name wegwijzer --out models
	@touch $@

train: $(MODEL)

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	@$(STEP) "installing the widget's npm packages" bash -c 'cd web && npm ci --no-audit --no-fund'

webdeps: web/node_modules/.package-lock.json

setup: envs index train webdeps

# ---------------------------------------------------------------- run
run:
	@$(PARALLEL) setup
	$(APY) -m bot.ops.supervisor run

run-scaled:
	@$(PARALLEL) setup system-deps
	$(APY) -m bot.ops.supervisor run-scaled

shell:
	@$(PARALLEL) setup
	$(APY) -m bot.ops.supervisor shell

# ---------------------------------------------------------------- checks
validate: $(RASA_VENV)/.installed data/nlu/questions.yml
	$(RASA) data validate --fail-on-warnings

# Quality gates: import boundaries, lint, format, types, Rasa's data validation.
check: $(ACT_VENV)/.dev-installed validate
	$(ACT_VENV)/bin/lint-imports
	$(ACT_VENV)/bin/ruff check bot actions tests
	$(ACT_VENV)/bin/ruff format --check bot actions tests
	$(ACT_VENV)/bin/mypy

rasa-test: setup $(ACT_VENV)/.dev-installed
	bash tests/rasa_checks.sh

test:
	@$(PARALLEL) setup system-deps check
	bash tests/run_all.sh

test-unit: $(ACT_VENV)/.dev-installed
	$(APY) -m pytest -q tests/unit

test-fast: setup $(ACT_VENV)/.dev-installed
	$(APY) -m pytest -q tests/unit tests/integration

eval: index
	$(APY) -m bot eval tests/data/retrieval_dev.yml --mode all

nlu-eval: $(RASA_VENV)/.installed
	$(RASA) test nlu --nlu data/nlu --cross-validation --folds 5 --out results/nlu-cv
	$(APY) -m bot.tools.nlu_report results/nlu-cv

bench: setup system-deps $(ACT_VENV)/.dev-installed
	$(APY) -m bot.ops.bench

soak: setup system-deps $(ACT_VENV)/.dev-installed
	$(APY) -m pytest -q -s tests/e2e/reliability/test_load.py tests/e2e/scale/test_scale.py -k "full or soak" --run-slow

system-deps: webdeps
	@bash tests/system_deps.sh

clean:
	rm -rf models var results .pytest_cache
