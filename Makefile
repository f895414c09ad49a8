# relazione — comandi principali (vedi README.md)
CARGO ?= cargo
# One profile (dev, with optimised dependencies) for the report and the tests: compiled once.
RUN = $(CARGO) run --quiet --

.PHONY: report test check lint ci tools verifica-xlsx bench clean

## Produce la Relazione dai dati di esempio in data/ (scrive in out/)
report:
	$(RUN) build --data data --config relazione.yaml --out out

## Esegue tutti i test (installa prima gli strumenti che servono ai test del PDF)
test: tools
	$(CARGO) test --quiet

## Controlla i dati in data/ ed elenca problemi e avvisi
check:
	$(RUN) check --data data --config relazione.yaml

## Formato e lint (come in CI)
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --quiet -- -D warnings

## Tutto ciò che esegue la CI
ci: test lint

## poppler-utils (pdftotext, pdfinfo, pdffonts) e qpdf leggono il PDF nei test
tools:
	@if ! command -v pdftotext >/dev/null 2>&1 || ! command -v qpdf >/dev/null 2>&1; then \
	  echo "Installo poppler-utils e qpdf (servono ai test del PDF)..."; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq poppler-utils qpdf >/dev/null; \
	fi

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
	rm -rf out/*.pdf out/*.xlsx out/opendata
