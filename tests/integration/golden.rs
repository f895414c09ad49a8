//! The golden rule: scoring the Modena 2024 fixture reproduces every figure of its `expected.yaml`
//! (the published Relazione), rounded to 2 decimals. The figures are enumerated from the YAML, not
//! copied by hand; only `pubblicati_non_riproducibili` is checked the other way round.

use relazione::inputs::config::Config;
use relazione::model::{Level, Node};
use relazione::score::Scored;
use relazione::value::round_half_up;
use serde_yaml::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/modena-2024")
}

fn config_text() -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("relazione.yaml")).unwrap()
}

fn scored() -> &'static Scored {
    static S: OnceLock<Scored> = OnceLock::new();
    S.get_or_init(|| {
        let config = Config::parse(&config_text(), "relazione.yaml".as_ref()).unwrap();
        crate::common::score_with(config, &fixture()).unwrap_or_else(|e| panic!("{e}"))
    })
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixture().join("expected.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v:?}"))
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("not a string: {other:?}"),
    }
}

/// Published figures are compared after rounding to 2 decimals, within the file's own tolerance.
fn assert_pp(what: &str, ours: Option<f64>, published: f64, failures: &mut Vec<String>) {
    let tol = f(&expected()["meta"]["tolerance_pp"]);
    match ours {
        Some(r) if (round_half_up(r * 100.0, 2) - published).abs() <= tol + 1e-9 => {}
        other => failures.push(format!("{what}: ours {:?}, published {published}", other.map(|r| r * 100.0))),
    }
}

fn albero() -> &'static Node {
    scored().report.albero.as_ref().unwrap()
}

fn find<'a>(root: &'a Node, level: Level, code: &str) -> &'a Node {
    root.all(level)
        .into_iter()
        .find(|n| n.code == code)
        .unwrap_or_else(|| panic!("{level:?} {code} not found"))
}

fn group<'a>(os: &'a Node, code: &str) -> &'a Node {
    os.children.iter().find(|g| g.code == code).unwrap_or_else(|| panic!("group {code} of {}", os.code))
}

fn finish(failures: Vec<String>) {
    assert!(failures.is_empty(), "{} figures differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn ente_ambiti_os_groups_and_oo() {
    let e = expected();
    let mut fail = Vec::new();
    assert_pp("ente", albero().result(), f(&e["ente"]["result"]), &mut fail);
    let mut checked = 0;
    for a in e["ambiti"].as_sequence().unwrap() {
        let n = find(albero(), Level::Ambito, &s(&a["code"]));
        assert_eq!(n.weight, Some(f(&a["weight"])), "weight of ambito {}", n.code);
        assert_eq!(n.name, s(&a["name"]));
        assert_pp(&format!("ambito {}", n.code), n.result(), f(&a["result"]), &mut fail);
        checked += 1;
    }
    for os in e["obiettivi_strategici"].as_sequence().unwrap() {
        let code = s(&os["code"]);
        let n = find(albero(), Level::ObiettivoStrategico, &code);
        let parent = albero().children.iter().find(|a| a.children.iter().any(|c| c.code == code)).unwrap();
        assert_eq!(parent.code, s(&os["ambito"]), "ambito of OS {code}");
        assert_eq!(n.weight, Some(f(&os["weight"])), "weight of OS {code}");
        assert_pp(&format!("OS {code}"), n.result(), f(&os["result"]), &mut fail);
        for (key, gcode) in [("indicatori", "indicatori"), ("obiettivi_operativi", "obiettivi_operativi")] {
            let g = group(n, gcode);
            assert_eq!(g.weight, Some(f(&os[key]["weight"])), "weight of {code}/{gcode}");
            assert_pp(&format!("OS {code} {gcode}"), g.result(), f(&os[key]["result"]), &mut fail);
        }
        checked += 1;
    }
    for oo in e["obiettivi_operativi"].as_sequence().unwrap() {
        let code = s(&oo["code"]);
        let n = find(albero(), Level::ObiettivoOperativo, &code);
        let os = find(albero(), Level::ObiettivoStrategico, &s(&oo["os"]));
        assert!(
            group(os, "obiettivi_operativi").children.iter().any(|c| c.code == code),
            "OO {code} under OS"
        );
        assert_eq!(n.weight, Some(f(&oo["weight"])), "weight of OO {code}");
        assert_eq!(n.name, s(&oo["name"]));
        assert_pp(&format!("OO {code}"), n.result(), f(&oo["result"]), &mut fail);
        checked += 1;
    }
    assert_eq!(checked, 3 + 10 + 18);
    finish(fail);
}

#[test]
fn indicators_below_100() {
    let e = expected();
    let mut fail = Vec::new();
    for i in e["indicatori_sotto_100"].as_sequence().unwrap() {
        let parent_level =
            if s(&i["level"]) == "OS" { Level::ObiettivoStrategico } else { Level::ObiettivoOperativo };
        let parent = find(albero(), parent_level, &s(&i["parent"]));
        let n = find(parent, Level::Indicatore, &s(&i["code"]));
        let ind = n.indicator.as_ref().unwrap();
        assert_eq!(ind.target_text, s(&i["target"]));
        assert_eq!(ind.actual_text, s(&i["valore"]));
        assert_pp(&format!("indicator {}", n.code), n.result(), f(&i["result"]), &mut fail);
    }
    // Every other indicator of the tree is at 100 %.
    let listed: Vec<String> =
        e["indicatori_sotto_100"].as_sequence().unwrap().iter().map(|i| s(&i["code"])).collect();
    for n in albero().all(Level::Indicatore) {
        if !listed.contains(&n.code) {
            assert_pp(&format!("indicator {}", n.code), n.result(), 100.0, &mut fail);
        }
    }
    finish(fail);
}

#[test]
fn counts_of_the_tree() {
    let c = &expected()["conteggi"];
    let count = |root: &Node, level| root.all(level).len();
    let ind_under = |code: &str| {
        albero()
            .all(Level::Gruppo)
            .iter()
            .filter(|g| g.code == code)
            .map(|g| g.all(Level::Indicatore).len())
            .sum::<usize>()
    };
    assert_eq!(count(albero(), Level::Indicatore) as f64, f(&c["indicatori_allegato1"]));
    assert_eq!(ind_under("indicatori") as f64, f(&c["indicatori_os"]));
    assert_eq!(ind_under("obiettivi_operativi") as f64, f(&c["indicatori_oo"]));
    assert_eq!(count(albero(), Level::ObiettivoStrategico) as f64, f(&c["obiettivi_strategici"]));
    assert_eq!(count(albero(), Level::ObiettivoOperativo) as f64, f(&c["obiettivi_operativi"]));
    assert_eq!(scored().summary.overshooting.kpi_con_target as f64, f(&c["kpi_con_target_allegato5"]));
}

#[test]
fn organisational_units() {
    let e = expected();
    let unita = scored().report.unita.as_ref().unwrap();
    let mut fail = Vec::new();
    let mut settori_checked = 0;
    for area in e["unita_organizzative"].as_sequence().unwrap() {
        let a = find(unita, Level::Area, &s(&area["area"]));
        assert_pp(&format!("area {}", a.code), a.result(), f(&area["result"]), &mut fail);
        for st in area["settori"].as_sequence().unwrap() {
            let label = s(&st["settore"]);
            let code = label.split(" - ").next().unwrap();
            let n = find(a, Level::Settore, code);
            assert_eq!(n.weight, Some(f(&st["weight"])), "weight of {label}");
            assert_pp(&format!("settore {label}"), n.result(), f(&st["result"]), &mut fail);
            for o in st["obiettivi"].as_sequence().unwrap() {
                let ob = find(n, Level::ObiettivoUnita, &s(&o["code"]));
                assert_eq!(ob.weight, Some(f(&o["weight"])));
                assert_pp(&format!("{label} / {}", ob.code), ob.result(), f(&o["result"]), &mut fail);
            }
            if let Some(list) = st["indicatori_sotto_100"].as_sequence() {
                for i in list {
                    let ob = find(n, Level::ObiettivoUnita, &s(&i["obiettivo"]));
                    let ind = find(ob, Level::Indicatore, &s(&i["code"]));
                    assert_eq!(ind.indicator.as_ref().unwrap().actual_text, s(&i["valore"]));
                    assert_pp(&format!("{label} / {}", ind.code), ind.result(), f(&i["result"]), &mut fail);
                }
            }
            settori_checked += 1;
        }
    }
    assert_eq!(settori_checked, 6);
    // Section 1 prints the same figures under its own labels.
    for (label, v) in e["sezione_1_unita_organizzative"].as_mapping().unwrap() {
        let label = s(label).to_lowercase().replace("cdg - ", "").replace(" 00", " ");
        let code = label.split(" - ").next().unwrap().to_string();
        let n = unita
            .all(Level::Area)
            .into_iter()
            .chain(unita.all(Level::Settore))
            .find(|n| n.code.to_lowercase() == code)
            .unwrap_or_else(|| panic!("unit {label}"));
        assert_pp(&format!("sezione 1 {label}"), n.result(), f(v), &mut fail);
    }
    finish(fail);
}

fn band_counts(c: &relazione::score::BandCounts, e: &Value, below_key: &str) {
    let pct = |n: usize| round_half_up(n as f64 / c.totale as f64 * 100.0, 2);
    // Modena's three classes, best first (relazione.yaml: verde 95, giallo 60).
    let [verde, giallo, rosso] = c.per_classe[..] else { panic!("three classes: {:?}", c.per_classe) };
    assert_eq!(verde as f64, f(&e["raggiunti_oltre_95"]["n"]));
    assert_eq!(pct(verde), f(&e["raggiunti_oltre_95"]["pct"]));
    assert_eq!(giallo as f64, f(&e["tra_60_e_95"]["n"]));
    assert_eq!(pct(giallo), f(&e["tra_60_e_95"]["pct"]));
    assert_eq!(rosso as f64, f(&e[below_key]["n"]));
    assert_eq!(pct(rosso), f(&e[below_key]["pct"]));
    assert_eq!(c.senza_classe, 0);
    assert_eq!(c.totale as f64, f(&e["totale"]["n"]));
}

#[test]
fn summary_tables_3_0_to_3_2() {
    let e = expected();
    band_counts(
        &scored().summary.obiettivi_strategici,
        &e["riepilogo_3_1_obiettivi_strategici"],
        "non_raggiunti_sotto_60",
    );
    band_counts(
        &scored().summary.obiettivi_operativi,
        &e["riepilogo_3_2_obiettivi_operativi"],
        "non_raggiunti",
    );
    let a = &e["albero_3_0"];
    let mut fail = Vec::new();
    for (code, v) in a["performance_ambiti"].as_mapping().unwrap() {
        assert_pp(
            &format!("3.0 ambito {}", s(code)),
            find(albero(), Level::Ambito, &s(code)).result(),
            f(v),
            &mut fail,
        );
    }
    for (code, v) in a["performance_os"].as_mapping().unwrap() {
        assert_pp(
            &format!("3.0 OS {}", s(code)),
            find(albero(), Level::ObiettivoStrategico, &s(code)).result(),
            f(v),
            &mut fail,
        );
    }
    for (code, v) in a["numero_oo_per_os"].as_mapping().unwrap() {
        let os = find(albero(), Level::ObiettivoStrategico, &s(code));
        assert_eq!(os.all(Level::ObiettivoOperativo).len() as f64, f(v), "OO of {}", s(code));
    }
    let risorse = scored().report.risorse.as_ref().unwrap();
    for (code, v) in a["assorbimento_risorse_os_incl_fdp"].as_mapping().unwrap() {
        let (_, ours) = risorse.assorbimento_albero.iter().find(|(c, _)| *c == s(code)).unwrap();
        match v {
            Value::String(_) => assert_eq!(*ours, None),
            v => assert_pp(&format!("assorbimento {}", s(code)), *ours, f(v), &mut fail),
        }
    }
    finish(fail);
}

#[test]
fn promotional_resources() {
    let e = &expected()["risorse_promozionali_3_1"];
    let r = scored().report.risorse.as_ref().unwrap();
    let mut fail = Vec::new();
    for (key, rows) in [("per_obiettivo", &r.obiettivi), ("progetti_20_da", &r.progetti)] {
        let exp = e[key].as_sequence().unwrap();
        assert_eq!(exp.len(), rows.len(), "{key}");
        for (x, row) in exp.iter().zip(rows) {
            assert_eq!(s(&x["code"]), row.code);
            assert_eq!(s(&x["name"]), row.name);
            assert_eq!(f(&x["budget_iniziale"]), row.budget_iniziale);
            assert_eq!(f(&x["budget_aggiornato"]), row.budget_aggiornato);
            assert_eq!(f(&x["utilizzato"]), row.utilizzato);
            match &x["pct_utilizzo"] {
                Value::Null => assert_eq!(row.utilizzo(), None),
                v => assert_pp(&format!("utilizzo {}", row.name), row.utilizzo(), f(v), &mut fail),
            }
        }
    }
    finish(fail);
}

#[test]
fn individual_objectives_and_payment_timeliness() {
    let e = expected();
    let ind = scored().report.individuali.as_ref().unwrap();
    let mut fail = Vec::new();
    let mut n = 0;
    for (role, objectives) in e["obiettivi_individuali_4"].as_mapping().unwrap() {
        let r = find(ind, Level::Ruolo, &s(role));
        for (i, o) in objectives.as_sequence().unwrap().iter().enumerate() {
            let node = &r.children[i];
            assert_eq!(node.code, s(&o["obiettivo"]));
            assert_eq!(node.tipologia.as_deref(), Some(s(&o["tipologia"]).as_str()));
            assert_eq!(node.weight, Some(f(&o["peso"])));
            let published = if o["published_not_reproducible"].as_bool() == Some(true) {
                f(&o["from_indicators"])
            } else {
                f(&o["result"])
            };
            assert_pp(&format!("{} / {}", r.code, node.code), node.result(), published, &mut fail);
            n += 1;
        }
    }
    assert_eq!(n, 19);
    let t = &e["tempestivita_pagamenti_802_B3_1"];
    let obj = scored().report.tempestivita.as_ref().unwrap();
    assert_eq!(obj.code, "802.B3.1");
    assert_pp("802.B3.1", obj.result(), f(&t["result"]), &mut fail);
    for code in ["B3.2_01_rev2018", "82.B3.2_FATT.PAGATE"] {
        let i = obj.children.iter().find(|c| c.code == code).unwrap();
        assert_eq!(i.indicator.as_ref().unwrap().actual_text, s(&t[code]));
    }
    finish(fail);
}

#[test]
fn published_figures_that_do_not_reproduce_stay_unreproduced() {
    let e = &expected()["pubblicati_non_riproducibili"];
    for (code, published) in
        e["sezione_1"]["performance_obiettivi_strategici_sezione_1"].as_mapping().unwrap()
    {
        let ours =
            round_half_up(find(albero(), Level::ObiettivoStrategico, &s(code)).result().unwrap() * 100.0, 2);
        assert_ne!(ours, f(published), "OS {}", s(code));
        assert_eq!(ours, f(&e["sezione_1"]["valori_allegati"][code.clone()]));
    }
    // The EQ objective published at 99,37 % is listed as a difference from the platform's figure.
    assert!(
        scored()
            .warnings
            .iter()
            .any(|w| w.message.contains("«MISURE ANTICORR.»") && w.message.contains("99,37 %")),
        "difference not reported"
    );
}

#[test]
fn overshooting_at_the_default_tolerance_is_complete() {
    let o = &expected()["overshooting"];
    let ov = &scored().summary.overshooting;
    let lit = &o["kpi_oltre_110_letterale_su_93"];
    assert_eq!(ov.kpi_con_target as f64, f(&o["dichiarato"]["kpi_con_target"]));
    // The SMVP rule applied literally: the cross-check beside the platform's flags.
    assert_eq!(ov.calcolate.len() as f64, f(&lit["totale"]));
    assert_eq!(ov.calcolate.iter().filter(|r| r.operatore == ">=").count() as f64, f(&lit["ge"]));
    assert_eq!(ov.calcolate.iter().filter(|r| r.operatore == "<=").count() as f64, f(&lit["le"]));
    assert!(ov.calcolate.iter().all(|r| r.rapporto > 110.0));
    assert!(ov.dalla_piattaforma);
    assert!(
        scored().warnings.iter().any(|w| w.message.starts_with(
            "overshooting: la piattaforma segnala 8 indicatori, la regola dello SMVP (oltre il 110 % del target) ne individua 41"
        )),
        "the difference is a finding for the OIV"
    );
}

#[test]
fn the_platforms_flags_reproduce_the_published_overshooting_list() {
    // The platform states the figure (its OVERSHOOTING column): the report uses it as it is.
    check_published_overshooting(&scored().summary.overshooting.righe);
    // The rule that reproduces it, for an SMVP without the platform's flags: twice the target.
    let text = config_text()
        .replace("soglia: 110", "soglia: 200")
        .replace("operatori: [\">=\", \"<=\"]", "operatori: [\">=\"]");
    let config = Config::parse(&text, "relazione.yaml".as_ref()).unwrap();
    let s2 = crate::common::score_with(config, &fixture()).unwrap();
    check_published_overshooting(&s2.summary.overshooting.calcolate);
}

fn check_published_overshooting(righe: &[relazione::score::OvershootRow]) {
    let o = &expected()["overshooting"];
    let kpi_con_target = scored().summary.overshooting.kpi_con_target;
    let d = &o["dichiarato"];
    assert_eq!(righe.len() as f64, f(&d["in_overshooting"]));
    assert_eq!(round_half_up(righe.len() as f64 / kpi_con_target as f64 * 100.0, 1), f(&d["percentuale"]));
    assert_eq!(righe.iter().filter(|r| r.target_ministeriale).count() as f64, f(&d["di_cui_mimit"]));
    let mut fail = Vec::new();
    for x in o["indicatori"].as_sequence().unwrap() {
        let code = s(&x["code"]);
        let Some(r) = righe.iter().find(|r| r.code == code) else {
            fail.push(format!("{code} not flagged"));
            continue;
        };
        assert_eq!(r.tipo.as_deref(), Some(s(&x["tipo"]).as_str()), "{code}");
        assert_eq!(r.consuntivo, s(&x["consuntivo"]));
        assert_eq!(r.target, s(&x["target"]));
        assert_eq!(r.target_ministeriale, x["target_mimit"].as_bool().unwrap(), "{code} ministerial");
        assert_pp(
            &format!("{code} vs target"),
            Some(r.rapporto / 100.0),
            f(&x["valore_vs_target"]),
            &mut fail,
        );
        assert_pp(
            &format!("{code} overshooting"),
            Some(r.overshooting / 100.0),
            f(&x["overshooting"]),
            &mut fail,
        );
    }
    finish(fail);
}

/// The same workbooks saved as OpenDocument give the same result for every node of every tree.
#[test]
fn the_ods_conversion_scores_the_same() {
    let config = Config::parse(&config_text(), "relazione.yaml".as_ref()).unwrap();
    let ods = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/modena-2024-ods");
    let o = crate::common::score_with(config, &ods).unwrap_or_else(|e| panic!("{e}"));
    let results = |s: &Scored| {
        let mut out = Vec::new();
        for tree in [&s.report.albero, &s.report.unita, &s.report.individuali, &s.report.tempestivita]
            .into_iter()
            .flatten()
        {
            tree.walk(&mut |n| out.push((n.level, n.code.clone(), n.result())));
        }
        out
    };
    let (a, b) = (results(scored()), results(&o));
    assert_eq!(a.len(), b.len());
    assert!(a == b, "ODS results differ from xlsx");
    assert_eq!(o.summary.serie.as_ref().unwrap().kpi.len(), 28);
}
