#!/usr/bin/env python3
"""Checks a DCAT-AP_IT record as a harvester would: pySHACL with the official DCAT-AP 3.0.1 shapes
and ranges (the EU authority IRIs the record uses typed as skos:Concept, as loading the EU
vocabularies would), then rdflib looks for the catalog, the dataset and the distributions.

Usage: verifica.py RECORD.rdf  ->  prints one JSON object: violations (count), messages (the first
twenty), catalogs, datasets (IRIs typed with both the DCAT and the DCAT-AP_IT class), distributions
(download URLs)."""
import json
import pathlib
import sys

import pyshacl
from rdflib import Graph, Namespace, RDF, URIRef

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATAPIT = Namespace("http://dati.gov.it/onto/dcatapit#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SH = Namespace("http://www.w3.org/ns/shacl#")
EU = "http://publications.europa.eu/resource/authority/"

record = Graph().parse(sys.argv[1], format="xml")
data = Graph()
for t in record:
    data.add(t)
# What loading the EU vocabularies would add: every authority IRI is a concept, with a label.
for node in set(record.objects()):
    if isinstance(node, URIRef) and str(node).startswith(EU):
        data.add((node, RDF.type, SKOS.Concept))
        data.add((node, SKOS.prefLabel, __import__("rdflib").Literal(str(node).rsplit("/", 1)[-1])))
shapes = Graph()
here = pathlib.Path(__file__).parent / "dcat-ap-3.0.1"
for name in ("shapes.ttl", "range.ttl"):
    shapes.parse(here / name, format="turtle")
conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
violations = [
    r for r in report.subjects(RDF.type, SH.ValidationResult)
    if (r, SH.resultSeverity, SH.Violation) in report
]
messages = []
for r in violations[:20]:
    messages.append(
        f"{report.value(r, SH.focusNode)} {report.value(r, SH.resultPath)}: {report.value(r, SH.resultMessage)}"
    )
both = lambda a, b: sorted(str(s) for s in record.subjects(RDF.type, a) if (s, RDF.type, b) in record)
print(json.dumps({
    "violations": len(violations),
    "messages": messages,
    "catalogs": both(DCAT.Catalog, DCATAPIT.Catalog),
    "datasets": both(DCAT.Dataset, DCATAPIT.Dataset),
    "distributions": sorted(str(o) for o in record.objects(None, DCAT.downloadURL)),
}, indent=1))
