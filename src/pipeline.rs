//! The whole run in one place: read the configuration, ingest the workbooks, score them.

use crate::config::Config;
use crate::decisions::Decisions;
use crate::error::{Error, Problem};
use crate::model::Report;
use crate::score::{self, Summary};
use std::path::Path;

/// A scored report with everything a writer needs.
pub struct Scored {
    pub config: Config,
    pub report: Report,
    pub summary: Summary,
    /// Warnings of every stage (findings for the OIV), in stage order.
    pub warnings: Vec<Problem>,
}

/// Reads and scores the inputs: configuration, workbooks, the evaluator's decisions.
pub fn run(config_path: &Path, data_dir: &Path) -> Result<Scored, Error> {
    run_with(Config::load(config_path)?, data_dir)
}

/// Like [`run`], with a configuration already loaded.
pub fn run_with(config: Config, data_dir: &Path) -> Result<Scored, Error> {
    let decisions = Decisions::load(data_dir)?;
    let (mut report, mut warnings) = crate::ingest::ingest(data_dir)?;
    let (summary, score_warnings) = score::score(&mut report, &config.smvp, &decisions)?;
    warnings.extend(score_warnings);
    Ok(Scored {
        config,
        report,
        summary,
        warnings,
    })
}
