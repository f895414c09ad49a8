//! The OIV's validation outcome as data, for *Amministrazione trasparente* (art. 31 D.Lgs.
//! 33/2013, «Controlli e rilievi sull'amministrazione»): one JSON record with its criteria and a
//! CSV of the criteria, beside the validation document. The fields follow what the law asks the
//! record to say (who validated what, when, with which outcome, where the document is); the
//! README says which of ANAC's standard-schema fields could be confirmed.

use crate::escape;
use crate::score::Scored;
use crate::view::CarteOiv;
use serde::Serialize;

/// The record of the validation.
#[derive(Serialize)]
struct Record<'a> {
    ente: &'a str,
    codice_ipa: Option<&'a str>,
    anno_di_riferimento: i32,
    organismo: &'static str,
    componenti: Vec<&'a str>,
    tipo_documento: &'static str,
    riferimento_normativo: &'static str,
    /// ISO 8601, from the validation act; none while it is not configured.
    data: Option<String>,
    luogo: Option<&'a str>,
    /// The OIV's recorded conclusion (`validata`, `validata_con_osservazioni`, `non_validata`);
    /// none while the OIV has not recorded it.
    esito: Option<&'static str>,
    esito_proposto: &'static str,
    /// `bozza` while anything keeps the document from being signed, else `definitivo`.
    stato_documento: &'static str,
    documento: &'a str,
    /// SHA-256 of the inputs the document was made from (see `inputs::impronta`).
    impronta_dati: &'a str,
    osservazioni: Option<&'a str>,
    criteri: Vec<Criterio<'a>>,
}

#[derive(Serialize)]
struct Criterio<'a> {
    criterio: &'a str,
    riferimento: &'a str,
    essenziale: bool,
    /// `verificato`, `non_soddisfatto`, `da_verificare`.
    esito: String,
    evidenza: &'a str,
}

/// The JSON record and the CSV of the criteria, for the validation document named `documento`.
pub fn files(
    s: &Scored,
    carte: &CarteOiv,
    documento: &str,
) -> Result<(Vec<u8>, Vec<u8>), crate::error::Error> {
    let v = &carte.validazione;
    let date = s
        .config
        .ciclo
        .atti
        .iter()
        .find(|a| a.tipo == Some(crate::inputs::config::TipoAtto::Validazione))
        .and_then(|a| crate::value::parse_date(&a.data).ok())
        .map(|d| d.format("%Y-%m-%d").to_string());
    let record = Record {
        ente: &s.config.ente.nome,
        codice_ipa: s.config.ente.codice_ipa.as_deref(),
        anno_di_riferimento: s.config.anno,
        organismo: "Organismo Indipendente di Valutazione",
        componenti: s.config.ciclo.oiv.iter().map(|m| m.nome.as_str()).collect(),
        tipo_documento: "Documento di validazione della Relazione sulla performance",
        riferimento_normativo: "art. 14, comma 4, lettera c), D.Lgs. 150/2009",
        data: date,
        luogo: v.luogo.as_deref(),
        esito: v.conclusione_id,
        esito_proposto: v.proposta_id,
        stato_documento: if v.bozza { "bozza" } else { "definitivo" },
        documento,
        impronta_dati: &carte.versione.impronta,
        osservazioni: v.osservazioni.as_deref(),
        criteri: carte
            .criteri
            .iter()
            .map(|c| Criterio {
                criterio: &c.criterio,
                riferimento: c.riferimento,
                essenziale: c.essenziale,
                esito: c.stato.replace(' ', "_"),
                evidenza: &c.evidenza,
            })
            .collect(),
    };
    let json = serde_json::to_vec_pretty(&record)
        .map_err(|e| crate::error::Error::Output(format!("esito della validazione non scrivibile: {e}")))?;
    // Opened by people in a spreadsheet: a text that would run as a formula keeps its apostrophe.
    let text = |t: &str| escape::csv(&escape::csv_for_spreadsheet(t), ',');
    let mut csv = String::from(
        "anno_di_riferimento,ente,codice_ipa,criterio,riferimento,essenziale,esito,evidenza\r\n",
    );
    for c in &record.criteri {
        let fields = [
            s.config.anno.to_string(),
            text(&s.config.ente.nome),
            text(s.config.ente.codice_ipa.as_deref().unwrap_or("")),
            text(c.criterio),
            text(c.riferimento),
            c.essenziale.to_string(),
            c.esito.clone(),
            text(c.evidenza),
        ];
        csv.push_str(&fields.join(","));
        csv.push_str("\r\n");
    }
    Ok((json, csv.into_bytes()))
}
