# Everything runs inside .venv, which `make setup` builds from pyproject.toml pinned by
# constraints.txt. Nothing else needs to be installed by hand (LibreOffice only for
# `make samples`; OCR comes from pip, the Tesseract program only for --ocr-engine tesseract).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the development corpus: shared/ sits beside the clone (README "Development corpus")
DEVSET := ../shared/devset

.PHONY: setup demo test eval eval-dev bench bench-ocr bench-camelot fuzz samples clean

setup: $(STAMP)

# PYTHONWARNINGS: setuptools' "Editable installation" notice is information, not a warning
$(STAMP): pyproject.toml constraints.txt
	@echo "setup: installing boardplans and its dependencies into $(VENV) (about a minute, once)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --progress-bar off -c constraints.txt -e '.[dev]'
	touch $(STAMP)
	@echo "setup: done"

demo: setup          ## extract every sample PDF into output/
	$(BIN)/boardplans extract samples -o output

test: setup          ## the test suite (what .ci/run runs)
	$(BIN)/python -m pytest -q

eval: setup          ## accuracy against samples/truth, also written to output/eval.json
	$(BIN)/python -m boardplans.pipeline.evaluate samples -o output/eval.json

eval-dev: setup      ## the development corpus (../shared/devset), to output/devset and output/devset.json
	@test -f $(DEVSET)/evaluate.py || { echo "eval-dev: no development corpus: $(DEVSET)/evaluate.py not found" \
		"(shared/devset must sit beside this clone, at $(abspath $(DEVSET)))" >&2; exit 1; }
	$(PYTHON) $(DEVSET)/evaluate.py --cli $(BIN)/boardplans --out output/devset --json output/devset.json

bench: setup         ## time per page against bare pdfplumber and camelot, CLI start-up, refresh of 1,000 sources; to output/bench.json
	$(BIN)/python -m boardplans.pipeline.bench samples tests/fixtures -o output/bench.json

bench-ocr: setup     ## each OCR engine on the scans of samples/ and the corpus: words, accuracy, s/page, size
	$(BIN)/python -m boardplans.pipeline.ocrbench samples $(DEVSET)/plans -o output/ocr_bench.json

bench-camelot: setup ## camelot's network, hybrid and stream parsers as table strategies on the corpus: accuracy, s/page
	@test -f $(DEVSET)/evaluate.py || { echo "bench-camelot: no development corpus: $(DEVSET)/evaluate.py not found" >&2; exit 1; }
	$(BIN)/python -m boardplans.pipeline.camelotbench $(DEVSET) -o output/camelot_bench.json

fuzz: setup          ## 600 mutated PDFs (samples, and the corpus's Chromium plans) through the batch runner
	$(BIN)/python -m boardplans.pipeline.fuzz --cases 600 -o output/fuzz.json

samples: setup       ## rebuild samples/*.pdf and samples/truth/ (needs LibreOffice)
	$(BIN)/python samples/build.py

clean:
	rm -rf $(VENV) output/* build *.egg-info
