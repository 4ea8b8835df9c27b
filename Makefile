# Two commands do everything on a fresh machine (Python >= 3.11, Node >= 20):
#   make synth   set up .venv and the local CDK CLI, synthesize the default stage, lint the template
#   make test    same set-up, then the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CDK := node_modules/.bin/cdk
STAGE ?= default
# jsii warns loudly on Node 20; the project supports Node >= 20 (22 recommended).
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: setup chromium synth test rehearse bench validate lint snapshot-update clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	@node -e 'const v = +process.versions.node.split(".")[0]; if (v < 20) { console.error("Node >= 20 is required, found " + process.versions.node); process.exit(1) }'
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

synth: setup
	@rm -f cdk.out/*.template.json  # one stage at a time: lint and show only what this run made
	$(CDK) synth --quiet -c stage=$(STAGE)
	$(VENV)/bin/cfn-lint cdk.out/*.template.json
	@echo "synthesized: $$(ls cdk.out/*.template.json)"

test: setup chromium
	$(PY) -m pytest

# The report test renders HTML in Debian's Chromium: installed here when missing and we are root.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "note: install Chromium (apt-get install chromium) for tests/test_report_browser.py"; }

# Plays the synthesized template's lifecycle against the Personalize emulator (no AWS).
# Options go through ARGS, e.g. make rehearse ARGS="--phases create,update,rollback,delete --throttle 0.3"
rehearse: synth
	PYTHONPATH=.:lambdas $(PY) -m rehearsal $(ARGS)

# Measures synth, the rehearsed deploy, the Lambda asset and the test suite; rewrites BENCHMARKS.md.
bench: setup
	$(PY) bench/run.py

validate: setup
	$(PY) -m infra.validate

lint: setup
	@ls cdk.out/*.template.json >/dev/null 2>&1 || { echo "nothing to lint: run 'make synth' first"; exit 1; }
	$(VENV)/bin/cfn-lint cdk.out/*.template.json

snapshot-update: setup
	$(PY) -m pytest tests/test_snapshot.py tests/test_snapshot_presets.py tests/test_pipeline.py --snapshot-update

clean:
	rm -rf cdk.out .pytest_cache
