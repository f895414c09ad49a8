//! An indicator's achievement: from target and actual to a ratio, then from the ratio to a score by
//! the SMVP rule that applies to it (by code, by typology, or the default).

use crate::inputs::config::{Regola, Ritardo, Scadenze, Smvp, TipoRegola};
use crate::model::Indicator;
use crate::value::{Reading, Target, format_number};

/// How far an actual value went towards its target.
#[derive(Debug, Clone, PartialEq)]
pub struct Achievement {
    /// Ratio to score: 1.0 when the target is exactly met, above 1 when exceeded (`>=`: value/target;
    /// `<=` met: target/value), below 1 when missed.
    pub ratio: f64,
    /// How many times better than target (`>=`: value/target, `<=`: target/value; with negative
    /// target and value the other way round, so that -24,31 gg against `<= -19 gg` is 128 %).
    /// Only for `>=`/`<=` with target and value of the same sign.
    pub overshoot: Option<f64>,
    /// Actual minus target, in the indicator's unit (days for deadlines).
    pub deviation: Option<f64>,
}

/// Achievement of a measured indicator; `None` when the actual is missing.
pub fn achievement(ind: &Indicator, scadenze: &Scadenze) -> Option<Achievement> {
    match (ind.target, ind.actual) {
        (_, Reading::Mancante) => None,
        (Target::Entro { data }, Reading::Data { data: actual }) => {
            let late = (actual - data).num_days();
            let ratio = if late <= 0 {
                1.0
            } else {
                match scadenze.ritardo {
                    Ritardo::Zero => 0.0,
                    Ritardo::Lineare => {
                        let days = scadenze.giorni.unwrap_or(1).max(1) as f64;
                        (1.0 - late as f64 / days).max(0.0)
                    }
                    Ritardo::Scaglioni => scadenze
                        .scaglioni
                        .iter()
                        .find(|s| late <= i64::from(s.giorni))
                        .map_or(0.0, |s| s.punteggio / 100.0),
                }
            };
            Some(Achievement { ratio, overshoot: None, deviation: Some(late as f64) })
        }
        (target, _) => {
            let v = ind.value?;
            Some(quantity_achievement(target, v))
        }
    }
}

/// The achievement ratio of a numeric value against a target, as scoring computes it: the KPI
/// series annex uses this too, so that a ratio means the same on every page (negative targets
/// included).
pub fn ratio(target: Target, value: f64) -> f64 {
    quantity_achievement(target, value).ratio
}

/// Fraction still achieved when `v` misses a non-positive bound `t` by `(t - v)` or `(v - t)`.
fn distance_ratio(miss: f64, t: f64) -> f64 {
    if t == 0.0 { 0.0 } else { (1.0 - miss / t.abs()).max(0.0) }
}

/// `more / less` when both have the same sign and are not zero: how many times `more` beats `less`
/// (for negatives the roles swap: -24 beats -19 by 24/19).
fn times_better(more: f64, less: f64) -> Option<f64> {
    if more > 0.0 && less > 0.0 {
        Some(more / less)
    } else if more < 0.0 && less < 0.0 {
        Some(less / more)
    } else {
        None
    }
}

fn quantity_achievement(target: Target, v: f64) -> Achievement {
    match target {
        Target::AlMeno { valore } => {
            let t = valore.value;
            let ratio = if t > 0.0 {
                (v / t).max(0.0)
            } else if v >= t {
                1.0
            } else {
                distance_ratio(t - v, t)
            };
            Achievement { ratio, overshoot: times_better(v, t), deviation: Some(v - t) }
        }
        Target::AlMassimo { valore } => {
            let t = valore.value;
            let positive = t > 0.0 && v > 0.0;
            let ratio = if positive {
                t / v
            } else if t > 0.0 {
                // At or below zero against a positive ceiling: as good as it gets.
                f64::INFINITY
            } else if v <= t {
                1.0
            } else {
                distance_ratio(v - t, t)
            };
            Achievement { ratio, overshoot: times_better(t, v), deviation: Some(v - t) }
        }
        Target::Uguale { valore } => {
            let t = valore.value;
            let half = 0.5 * 10f64.powi(-(valore.decimals as i32));
            let ratio = if (v - t).abs() <= half { 1.0 } else { distance_ratio((v - t).abs(), t) };
            Achievement { ratio, overshoot: None, deviation: Some(v - t) }
        }
        Target::Tra { minimo, massimo } => {
            let (a, b) = (minimo.value, massimo.value);
            let (ratio, deviation) = if v < a {
                (if a > 0.0 { (v / a).max(0.0) } else { distance_ratio(a - v, a) }, v - a)
            } else if v > b {
                (if b > 0.0 { b / v } else { distance_ratio(v - b, b) }, v - b)
            } else {
                (1.0, 0.0)
            };
            Achievement { ratio, overshoot: None, deviation: Some(deviation) }
        }
        Target::Entro { .. } => Achievement { ratio: 0.0, overshoot: None, deviation: None },
    }
}

/// The rule for an indicator: by code, then by typology, then the default.
pub fn rule_for<'a>(smvp: &'a Smvp, code: &str, tipo: Option<&str>) -> &'a Regola {
    smvp.regole_per_indicatore
        .get(code)
        .or_else(|| tipo.and_then(|t| smvp.regole_per_tipologia.get(t)))
        .unwrap_or(&smvp.regola)
}

/// Applies a scoring rule to an achievement ratio. Returns the score as a fraction.
pub fn apply(rule: &Regola, ratio: f64) -> f64 {
    let pct = ratio * 100.0;
    if rule.soglia_minima.is_some_and(|s| pct < s - 1e-9) {
        return 0.0;
    }
    match rule.tipo {
        TipoRegola::Proporzionale => ratio.clamp(0.0, rule.tetto / 100.0),
        TipoRegola::Fasce => {
            let Some(i) = rule.fasce.iter().position(|f| pct >= f.da - 1e-9) else {
                return 0.0;
            };
            let band = &rule.fasce[i];
            if !(rule.interpolazione || band.interpolata) || i == 0 {
                return band.punteggio / 100.0;
            }
            // Pro rata between this band's threshold and the next one up.
            let upper = &rule.fasce[i - 1];
            let t = (pct - band.da) / (upper.da - band.da);
            (band.punteggio + t * (upper.punteggio - band.punteggio)) / 100.0
        }
    }
}

/// The deadline rule in words: deadlines are scored by it alone, never through the bands.
pub fn describe_deadline(s: &Scadenze) -> String {
    let late = match s.ritardo {
        Ritardo::Zero => "in ritardo 0".to_string(),
        Ritardo::Lineare => {
            format!("in ritardo decresce in proporzione fino a 0 dopo {} giorni", s.giorni.unwrap_or(1))
        }
        Ritardo::Scaglioni => {
            let steps: Vec<String> = s
                .scaglioni
                .iter()
                .map(|x| format!("fino a {} giorni di ritardo {}", x.giorni, format_number(x.punteggio, 0)))
                .collect();
            format!("{}, oltre 0", steps.join(", "))
        }
    };
    format!("scadenza: rispettata 100, {late}")
}

/// A value on the wrong side of the indicator's minimum threshold (in its own unit) scores 0:
/// below it for `>=` targets, above it for `<=` ones.
pub fn below_minimum(ind: &Indicator) -> bool {
    let (Some(min), Some(v)) = (ind.soglia_minima, ind.value) else { return false };
    match ind.target {
        Target::AlMeno { .. } => v < min,
        Target::AlMassimo { .. } => v > min,
        _ => false,
    }
}

/// The rule in words, as printed next to each indicator.
pub fn describe(rule: &Regola) -> String {
    let mut s = match rule.tipo {
        TipoRegola::Proporzionale => {
            format!("proporzionale, massimo {} %", format_number(rule.tetto, 0))
        }
        TipoRegola::Fasce => {
            let bands: Vec<String> = rule
                .fasce
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let interpolated = (rule.interpolazione || f.interpolata) && i > 0;
                    let to = if interpolated {
                        let up = &rule.fasce[i - 1];
                        format!(
                            "da {} a {} in proporzione",
                            format_number(f.punteggio, 0),
                            format_number(up.punteggio, 0)
                        )
                    } else {
                        format_number(f.punteggio, 0)
                    };
                    format!("≥ {} % → {to}", format_number(f.da, 0))
                })
                .collect();
            let mode = if rule.interpolazione { "fasce con interpolazione" } else { "fasce" };
            format!("{mode}: {}", bands.join("; "))
        }
    };
    // Where the score drops to 0: below the minimum threshold, or below the last band (whichever
    // is higher: the lower one never applies).
    let last_band = match rule.tipo {
        TipoRegola::Fasce => rule.fasce.last().map(|l| l.da).filter(|d| *d > 0.0),
        TipoRegola::Proporzionale => None,
    };
    if let Some(zero) = [rule.soglia_minima, last_band].into_iter().flatten().reduce(f64::max) {
        s.push_str(&format!("; sotto {} % → 0", format_number(zero, 0)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::config::Fascia;

    fn ind(target: &str, actual: &str) -> Indicator {
        Indicator::parse(target, actual).unwrap()
    }

    fn score(target: &str, actual: &str) -> f64 {
        let a = achievement(&ind(target, actual), &Scadenze::default()).unwrap();
        apply(&Regola::default(), a.ratio)
    }

    #[test]
    fn operators_as_the_platform_scores_them() {
        assert_eq!(score(">= 27 N.", "26 N."), 26.0 / 27.0);
        assert_eq!(score(">= 1.000 N.", "1.250 N."), 1.0);
        assert_eq!(score("<= 2 gg", "1,61 gg"), 1.0);
        assert_eq!(score("<= 5 gg", "10 gg"), 0.5);
        assert_eq!(score("<= -19 gg", "-24,31 gg"), 1.0);
        assert!((score("<= -19 gg", "-9,5 gg") - 0.5).abs() < 1e-12);
        assert_eq!(score("Entro 30-06-2024", "25-06-2024"), 1.0);
        assert_eq!(score("Entro 30-06-2024", "30-06-2024"), 1.0);
        assert_eq!(score("Entro 30-06-2024", "01-07-2024"), 0.0);
        assert_eq!(score("100,00 %", "100,00 %"), 1.0);
        assert_eq!(score("= 10 N.", "10 N."), 1.0);
        assert_eq!(score("= 10 N.", "9 N."), 0.9);
        assert_eq!(score("tra 10 e 20 N.", "15 N."), 1.0);
        assert_eq!(score("tra 10 e 20 N.", "5 N."), 0.5);
        assert_eq!(score("tra 10 e 20 N.", "40 N."), 0.5);
    }

    #[test]
    fn late_deadline_decreases_linearly_when_configured() {
        let s = Scadenze { ritardo: Ritardo::Lineare, giorni: Some(30), ..Scadenze::default() };
        let a = achievement(&ind("Entro 30-06-2024", "15-07-2024"), &s).unwrap();
        assert_eq!(a.ratio, 0.5);
        assert_eq!(a.deviation, Some(15.0));
    }

    #[test]
    fn deviation_in_the_indicators_unit() {
        let a = achievement(&ind("Entro 30-06-2024", "22-02-2024"), &Scadenze::default()).unwrap();
        assert_eq!(a.deviation, Some(-129.0));
        let a = achievement(&ind("<= 2 gg", "1,61 gg"), &Scadenze::default()).unwrap();
        assert!((a.deviation.unwrap() + 0.39).abs() < 1e-12);
    }

    #[test]
    fn bands_with_minimum_threshold_and_interpolation() {
        let mut r = Regola {
            tipo: TipoRegola::Fasce,
            fasce: vec![
                Fascia { da: 99.0, punteggio: 100.0, interpolata: false },
                Fascia { da: 80.0, punteggio: 80.0, interpolata: false },
                Fascia { da: 60.0, punteggio: 60.0, interpolata: false },
            ],
            ..Regola::default()
        };
        assert_eq!(apply(&r, 1.2), 1.0);
        assert_eq!(apply(&r, 0.99), 1.0);
        assert_eq!(apply(&r, 0.9), 0.8);
        assert_eq!(apply(&r, 0.6), 0.6);
        assert_eq!(apply(&r, 0.59), 0.0);
        r.interpolazione = true;
        assert!((apply(&r, 0.895) - 0.9).abs() < 1e-12);
        r.soglia_minima = Some(85.0);
        assert_eq!(apply(&r, 0.84), 0.0);
        assert_eq!(
            describe(&r),
            "fasce con interpolazione: ≥ 99 % → 100; ≥ 80 % → da 80 a 100 in proporzione; \
             ≥ 60 % → da 60 a 80 in proporzione; sotto 85 % → 0"
        );
    }

    #[test]
    fn only_the_top_band_interpolates_when_only_it_says_so() {
        // 90 + (r − 90 %) × 100 between 90 and 100; 70 and 50 fixed below.
        let f = |da: f64, punteggio: f64, interpolata: bool| Fascia { da, punteggio, interpolata };
        let r = Regola {
            tipo: TipoRegola::Fasce,
            fasce: vec![
                f(100.0, 100.0, false),
                f(90.0, 90.0, true),
                f(70.0, 70.0, false),
                f(50.0, 50.0, false),
            ],
            ..Regola::default()
        };
        assert!((apply(&r, 0.95) - 0.95).abs() < 1e-12);
        assert!((apply(&r, 0.9123) - 0.9123).abs() < 1e-12);
        assert_eq!(apply(&r, 0.8929), 0.7);
        assert_eq!(apply(&r, 0.5), 0.5);
        assert_eq!(apply(&r, 0.49), 0.0);
        assert_eq!(apply(&r, 1.2), 1.0);
        assert_eq!(
            describe(&r),
            "fasce: ≥ 100 % → 100; ≥ 90 % → da 90 a 100 in proporzione; ≥ 70 % → 70; ≥ 50 % → 50; sotto 50 % → 0"
        );
    }

    #[test]
    fn late_deadlines_by_steps() {
        use crate::inputs::config::Scaglione;
        let s = Scadenze {
            ritardo: Ritardo::Scaglioni,
            giorni: None,
            scaglioni: vec![
                Scaglione { giorni: 10, punteggio: 80.0 },
                Scaglione { giorni: 30, punteggio: 50.0 },
            ],
        };
        let ratio = |actual: &str| achievement(&ind("Entro 30-06-2024", actual), &s).unwrap().ratio;
        assert_eq!(ratio("30-06-2024"), 1.0);
        assert_eq!(ratio("10-07-2024"), 0.8);
        assert_eq!(ratio("11-07-2024"), 0.5);
        assert_eq!(ratio("30-07-2024"), 0.5);
        assert_eq!(ratio("31-07-2024"), 0.0);
        assert_eq!(
            describe_deadline(&s),
            "scadenza: rispettata 100, fino a 10 giorni di ritardo 80, fino a 30 giorni di ritardo 50, oltre 0"
        );
    }

    #[test]
    fn minimum_thresholds_in_the_indicators_unit() {
        let mut i = ind(">= 40,00 %", "29,00 %");
        i.soglia_minima = Some(30.0);
        assert!(below_minimum(&i));
        let mut j = ind("<= 10 gg", "13 gg");
        j.soglia_minima = Some(12.0);
        assert!(below_minimum(&j));
        j.value = Some(12.0);
        assert!(!below_minimum(&j));
    }
}
