# relazione — comandi principali (vedi README.md)
CARGO ?= cargo
# One profile (dev, with optimised dependencies) for the report and the tests: compiled once.
RUN = $(CARGO) run --quiet --

.PHONY: report test check lint ci tools verifica-xlsx bench clean

## Produce la Relazione dai dati di esempio in data/ (scrive in out/)
report:
	$(RUN) build --data data --config relazione.yaml --out out

## Esegue tutti i test (installa prima gli strumenti che servono ai test del PDF); con gli strumenti
## installati, uno che mancasse è un errore e non un test saltato (CI=true)
test: tools
	CI=true $(CARGO) test --quiet

## Controlla i dati in data/ ed elenca problemi e avvisi
check:
	$(RUN) check --data data --config relazione.yaml

## Formato e lint (come in CI)
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --quiet -- -D warnings

## Tutto ciò che esegue la CI
ci: test lint

## Gli strumenti dei test: poppler-utils (pdftotext, pdfinfo, pdffonts) e qpdf leggono il PDF; Chromium e
## axe-core (npm, in tests/browser) verificano l'accessibilità dell'edizione web; frictionless e pyshacl (PyPI)
## validano il pacchetto dei dati aperti e la scheda DCAT. Ciascuno è installato solo se manca.
tools:
	@if ! command -v pdftotext >/dev/null 2>&1 || ! command -v qpdf >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then \
	  echo "Installo poppler-utils, qpdf e chromium (servono ai test del PDF e dell'edizione web)..."; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq poppler-utils qpdf chromium >/dev/null; \
	fi
	@if [ ! -d tests/browser/node_modules/axe-core ] || [ ! -d tests/browser/node_modules/playwright-core ]; then \
	  echo "Installo axe-core e playwright-core (npm ci in tests/browser)..."; \
	  cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null; \
	fi
	@for m in frictionless pyshacl; do \
	  if ! python3 -c "import $$m" >/dev/null 2>&1; then \
	    echo "Installo $$m (valida i dati aperti e la scheda DCAT)..."; \
	    python3 -m pip install --quiet --disable-pip-version-check $$m >/dev/null 2>&1 || \
	    python3 -m pip install --quiet --disable-pip-version-check --user --break-system-packages $$m >/dev/null; \
	  fi; \
	done

## Ricalcola la cartella dei risultati con LibreOffice e confronta i risultati (installa LibreOffice se manca)
verifica-xlsx:
	@if ! command -v soffice >/dev/null 2>&1; then \
	  echo "Installo LibreOffice Calc (senza interfaccia grafica)..."; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libreoffice-calc-nogui >/dev/null; \
	fi
	$(CARGO) test --quiet --test integration xlsx:: -- --ignored --nocapture

## Misure di BENCHMARKS.md (profilo release; non fa parte della CI)
bench:
	./bench/run

clean:
	$(CARGO) clean
	rm -rf out/*.pdf out/*.xlsx out/opendata out/sito
