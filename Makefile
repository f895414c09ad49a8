# relazione — comandi principali (vedi README.md)
CARGO ?= cargo
# One profile for build and tests (dev, with optimised dependencies): compiled once.
BIN = target/debug/relazione

.PHONY: report test check lint ci clean

## Produce la Relazione dai dati di esempio in data/ (scrive in out/)
report:
	$(CARGO) build --quiet
	$(BIN) build --data data --config relazione.yaml --out out

## Esegue tutti i test
test:
	$(CARGO) test --quiet

## Controlla i dati in data/ ed elenca problemi e avvisi
check:
	$(CARGO) build --quiet
	$(BIN) check --data data --config relazione.yaml

## Formato e lint (come in CI)
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --quiet -- -D warnings

## Tutto ciò che esegue la CI
ci: lint test

clean:
	$(CARGO) clean
	rm -rf out/*.pdf out/*.xlsx out/opendata
