//! `crosslag merge`: combine the shard outputs of `crosslag power --shard K/N` (or
//! `crosslag bootstrap --shard K/N`) into exactly the output of a single run.
//!
//! ```text
//! crosslag merge part1.json part2.json part3.json --format table
//! ```
//!
//! The parts must come from the same design (models, options, seed, replications); every
//! slice must be present once. The summary is computed from the merged replications in
//! replication order, so it is bit for bit that of a single run.

use crate::power_cmd::{self, Format, ReportArgs};
use crate::{bootstrap_cmd, output};
use clap::Args;
use crosslag_sem::analyses::bootstrap::{self, BootOutput, BOOTSTRAP_KIND};
use crosslag_sem::analyses::power::{self, PowerOutput, POWER_KIND};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Shard outputs (JSON) of one power analysis or bootstrap.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(args: &MergeArgs) -> Result<(), String> {
    let mut texts = Vec::new();
    let mut kind: Option<String> = None;
    for p in &args.parts {
        let text =
            std::fs::read_to_string(p).map_err(|e| format!("{}: cannot read: {e}", p.display()))?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a JSON output of crosslag: {e}", p.display()))?;
        let k = v["kind"].as_str().unwrap_or("").to_string();
        if k != POWER_KIND && k != BOOTSTRAP_KIND {
            return Err(format!(
                "{}: not the output of `crosslag power` or `crosslag bootstrap`",
                p.display()
            ));
        }
        match &kind {
            Some(first) if *first != k => {
                return Err(format!(
                    "{}: a {k} output among {first} outputs",
                    p.display()
                ))
            }
            _ => kind = Some(k),
        }
        texts.push((p, text));
    }
    if kind.as_deref() == Some(POWER_KIND) {
        let parts = texts
            .iter()
            .map(|(p, t)| {
                serde_json::from_str::<PowerOutput>(t).map_err(|e| format!("{}: {e}", p.display()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let merged = power::merge(parts)?;
        power_cmd::write_power(merged, &args.report)
    } else {
        let report = &args.report;
        if report.plot.is_some() {
            return Err("--plot is for power analyses".into());
        }
        let parts = texts
            .iter()
            .map(|(p, t)| {
                serde_json::from_str::<BootOutput>(t).map_err(|e| format!("{}: {e}", p.display()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let merged = bootstrap::merge(parts)?;
        let text =
            bootstrap_cmd::render(merged, report.format == Format::Json, report.keep_records)?;
        output::emit(&text, report.output.as_deref())
    }
}
