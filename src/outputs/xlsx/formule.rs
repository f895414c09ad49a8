//! Excel formulas that mirror the scoring rules, so that a corrected value in the workbook moves
//! the results exactly as the tool would compute them.

use crate::inputs::config::{Regola, Ritardo, Smvp, TipoRegola};
use crate::value::Target;
use rust_xlsxwriter::Formula;

pub(super) fn formula(expr: String, cached: f64) -> Formula {
    Formula::new(expr).set_result(format!("{cached}"))
}

/// The class of a result cell as an Excel expression, built from the same class list as
/// `score::band` (the displayed value, rounded to two decimals, against each class's threshold):
/// the class's name, empty below every class.
pub(super) fn band_formula(result_cell: &str, smvp: &Smvp) -> String {
    let shown = format!("ROUND({result_cell}*100,2)");
    let mut e = "\"\"".to_string();
    for c in smvp.classi().iter().rev() {
        let name = c.etichetta.replace('"', "\"\"");
        e = format!("IF({shown}>={},\"{name}\",{e})", c.da);
    }
    format!("IF({result_cell}=\"\",\"\",{e})")
}

/// The achievement ratio of an indicator as an Excel expression over its target (`t`, `t2` for the
/// upper end of a range) and value (`v`) cells, mirroring `score::indicator::achievement`.
pub(super) fn ratio_expr(target: &Target, smvp: &Smvp, t: &str, t2: &str, v: &str) -> String {
    let dist = |miss: String, bound: &str| format!("IF({bound}=0,0,MAX(0,1-({miss})/ABS({bound})))");
    match target {
        Target::AlMeno { valore } if valore.value > 0.0 => format!("MAX(0,{v}/{t})"),
        Target::AlMeno { .. } => format!("IF({v}>={t},1,{})", dist(format!("{t}-{v}"), t)),
        Target::AlMassimo { valore } if valore.value > 0.0 => format!("IF({v}<=0,1E+300,{t}/{v})"),
        Target::AlMassimo { .. } => format!("IF({v}<={t},1,{})", dist(format!("{v}-{t}"), t)),
        Target::Uguale { valore } => {
            let half = 0.5 * 10f64.powi(-(valore.decimals as i32));
            format!("IF(ABS({v}-{t})<={half},1,{})", dist(format!("ABS({v}-{t})"), t))
        }
        Target::Tra { .. } => format!(
            "IF({v}<{t},IF({t}>0,MAX(0,{v}/{t}),{}),IF({v}>{t2},IF({t2}>0,{t2}/{v},{}),1))",
            dist(format!("{t}-{v}"), t),
            dist(format!("{v}-{t2}"), t2)
        ),
        Target::Entro { .. } => match (smvp.scadenze.ritardo, smvp.scadenze.giorni) {
            (Ritardo::Lineare, Some(n)) => format!("IF({v}<={t},1,MAX(0,1-({v}-{t})/{}))", n.max(1)),
            (Ritardo::Scaglioni, _) => {
                let mut e = "0".to_string();
                for step in smvp.scadenze.scaglioni.iter().rev() {
                    e = format!("IF({v}-{t}<={},{},{e})", step.giorni, step.punteggio / 100.0);
                }
                format!("IF({v}<={t},1,{e})")
            }
            _ => format!("IF({v}<={t},1,0)"),
        },
    }
}

/// The score from the ratio cell `r`, mirroring `score::indicator::apply`.
pub(super) fn score_expr(rule: &Regola, r: &str) -> String {
    let body = match rule.tipo {
        TipoRegola::Proporzionale => format!("MIN({},MAX(0,{r}))", rule.tetto / 100.0),
        TipoRegola::Fasce => {
            let mut e = "0".to_string();
            for (i, f) in rule.fasce.iter().enumerate().rev() {
                let value = if (rule.interpolazione || f.interpolata) && i > 0 {
                    let up = &rule.fasce[i - 1];
                    format!(
                        "({}+({r}*100-{})/({})*({}))/100",
                        f.punteggio,
                        f.da,
                        up.da - f.da,
                        up.punteggio - f.punteggio
                    )
                } else {
                    format!("{}", f.punteggio / 100.0)
                };
                e = format!("IF({r}*100>={}-1E-9,{value},{e})", f.da);
            }
            e
        }
    };
    match rule.soglia_minima {
        Some(s) => format!("IF({r}*100<{s}-1E-9,0,{body})"),
        None => body,
    }
}

/// Excel serial of a date (days since 1899-12-30).
pub(super) fn serial(d: chrono::NaiveDate) -> f64 {
    (d - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid")).num_days() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_band_formula_walks_the_classes() {
        let mut semaforo =
            crate::inputs::config::Semaforo { verde: Some(95.0), giallo: Some(60.0), ..Default::default() };
        semaforo.normalise();
        let smvp = Smvp { semaforo: Some(semaforo), ..Smvp::default() };
        assert_eq!(
            band_formula("K2", &smvp),
            "IF(K2=\"\",\"\",IF(ROUND(K2*100,2)>=95,\"Raggiunti\",IF(ROUND(K2*100,2)>=60,\"Parzialmente raggiunti\",\
             IF(ROUND(K2*100,2)>=0,\"Non raggiunti\",\"\"))))"
        );
        assert_eq!(band_formula("K2", &Smvp::default()), "IF(K2=\"\",\"\",\"\")", "no classes, no class");
    }
}
