//! `relazione score --json` against `docs/score.schema.json`, for every fixture: the document an
//! integrator reads is the one the schema describes, key for key (the schema closes its objects
//! with `additionalProperties: false`, so an undocumented key fails too).
//!
//! The validator is the subset of JSON Schema 2020-12 the schema uses (`type`, `enum`, `const`,
//! `required`, `properties`, `additionalProperties: false`, `items`, `oneOf`, local `$ref`), so
//! that the test needs Rust alone.

use crate::common::*;
use crate::piatto::{
    BSC_DECISIONS, BSC_SENZA_CLASSI, LIGURIA_OIV, LIGURIA_SMVP, bsc_rows, data, liguria_rows,
};
use serde_json::Value;

fn schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(manifest().join("docs/score.schema.json")).unwrap())
        .unwrap()
}

fn type_matches(name: &str, v: &Value) -> bool {
    match name {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        other => panic!("the validator does not know type {other}"),
    }
}

/// Every place where `v` breaks `s`, as `path: why`.
fn validate(root: &Value, s: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    let obj = s.as_object().expect("a schema is an object");
    for key in obj.keys() {
        let known = [
            "$schema",
            "$id",
            "$defs",
            "title",
            "description",
            "type",
            "enum",
            "const",
            "required",
            "properties",
            "additionalProperties",
            "items",
            "oneOf",
            "$ref",
        ];
        assert!(known.contains(&key.as_str()), "the validator does not know keyword {key} ({path})");
    }
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").expect("only local $defs references");
        validate(root, &root["$defs"][name], v, path, errors);
    }
    if let Some(t) = obj.get("type") {
        let names: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().map(|x| x.as_str().unwrap()).collect(),
            _ => panic!("type is a name or a list"),
        };
        if !names.iter().any(|n| type_matches(n, v)) {
            errors.push(format!("{path}: {v} is not {names:?}"));
            return;
        }
    }
    if let Some(e) = obj.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errors.push(format!("{path}: {v} is not one of {e:?}"));
    }
    if let Some(c) = obj.get("const")
        && c != v
    {
        errors.push(format!("{path}: {v} is not {c}"));
    }
    if let Some(alternatives) = obj.get("oneOf").and_then(Value::as_array) {
        let passing = alternatives
            .iter()
            .filter(|a| {
                let mut e = Vec::new();
                validate(root, a, v, path, &mut e);
                e.is_empty()
            })
            .count();
        if passing != 1 {
            errors.push(format!("{path}: {passing} alternatives of oneOf match, not 1"));
        }
    }
    if let Some(o) = v.as_object() {
        for r in obj.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !o.contains_key(r.as_str().unwrap()) {
                errors.push(format!("{path}: required key {r} missing"));
            }
        }
        let props = obj.get("properties").and_then(Value::as_object);
        for (k, x) in o {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => validate(root, ps, x, &format!("{path}.{k}"), errors),
                None if obj.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errors.push(format!("{path}: key {k} is not in the schema"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(a)) = (obj.get("items"), v.as_array()) {
        for (i, x) in a.iter().enumerate() {
            validate(root, items, x, &format!("{path}[{i}]"), errors);
        }
    }
}

fn errors_of(doc: &Value) -> Vec<String> {
    let schema = schema();
    let mut errors = Vec::new();
    validate(&schema, &schema, doc, "$", &mut errors);
    errors
}

fn score_json(data: &std::path::Path, config: &std::path::Path) -> Value {
    let run = relazione(&[
        "score",
        "--json",
        "--data",
        data.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn every_fixtures_score_json_is_what_the_schema_says() {
    let mut docs = vec![
        ("modena", score_json(&modena(), &manifest().join("relazione.yaml"))),
        (
            "modena (ods)",
            score_json(
                &manifest().join("tests/fixtures/modena-2024-ods"),
                &manifest().join("relazione.yaml"),
            ),
        ),
    ];
    let fasce = manifest().join("tests/fixtures/smvp-fasce");
    docs.push(("fasce", score_json(&fasce, &fasce.join("relazione.yaml"))));
    let (bsc, cfg) = data("schema-bsc", &bsc_rows(), BSC_SENZA_CLASSI);
    std::fs::write(bsc.join("decisioni.yaml"), BSC_DECISIONS).unwrap();
    docs.push(("scorecard", score_json(&bsc, &cfg)));
    let (liguria, cfg) = data("schema-liguria", &liguria_rows(), LIGURIA_SMVP);
    std::fs::write(liguria.join("decisioni.yaml"), LIGURIA_OIV).unwrap();
    docs.push(("liguria", score_json(&liguria, &cfg)));
    for (name, doc) in &docs {
        let errors = errors_of(doc);
        assert!(
            errors.is_empty(),
            "{name}: {} errors, first: {:#?}",
            errors.len(),
            &errors[..errors.len().min(10)]
        );
    }
    // The fixtures reach the schema's optional parts: decisions of both kinds, classes and none.
    let all = docs.iter().map(|(_, d)| d.to_string()).collect::<String>();
    for part in ["\"tipo\":\"sostituzione\"", "\"tipo\":\"esclusione\"", "\"classe\":null", "\"salute\":{"] {
        assert!(all.contains(part), "no fixture has {part}");
    }
}

/// The validator is not a test that cannot fail: each kind of departure is caught.
#[test]
fn the_validator_catches_a_renamed_a_missing_and_a_mistyped_key() {
    let mut doc = serde_json::from_str::<Value>(&modena_json_text()).unwrap();
    assert!(errors_of(&doc).is_empty());
    let root = doc["albero"].as_object_mut().unwrap();
    let v = root.remove("risultato").unwrap();
    root.insert("result".into(), v);
    let errors = errors_of(&doc);
    assert!(errors.iter().any(|e| e.contains("required key \"risultato\" missing")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("key result is not in the schema")), "{errors:?}");
    doc["versione"] = Value::from(1);
    doc["anno"] = Value::from("2024");
    let errors = errors_of(&doc);
    assert!(errors.iter().any(|e| e.starts_with("$.versione")), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("$.anno")), "{errors:?}");
}

fn modena_json_text() -> String {
    serde_json::to_string(&relazione::outputs::json::document(modena_scored())).unwrap()
}

/// The document published with the open data (`relazione.json`, what `relazione confronta` and next
/// year's run read) is the schema's: the same keys, less the OIV's findings, plus the texts.
#[test]
fn the_published_relazione_json_is_the_schemas_with_its_texts() {
    let path = modena_build().out.join("opendata/relazione.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let errors: Vec<String> = errors_of(&doc).into_iter().filter(|e| !e.contains("required key")).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let sections: Vec<&str> =
        doc["testi"]["sezioni"].as_array().unwrap().iter().map(|s| s["chiave"].as_str().unwrap()).collect();
    assert_eq!(sections, ["premessa", "contesto", "processo"]);
    // What a reader reads: no markup, no comment left for the office.
    let premessa = doc["testi"]["sezioni"][0]["testo"].as_str().unwrap();
    assert!(!premessa.contains("<!--") && !premessa.contains('*'), "{premessa}");
    assert!(doc["avvisi"].is_null(), "the OIV's findings are not published");
}
