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

use crate::power_cmd::{self, Format};
use crate::{bootstrap_cmd, output};
use clap::Args;
use crosslag_sem::bootstrap::{self, BootOutput, BOOTSTRAP_KIND};
use crosslag_sem::power::{self, PowerOutput, POWER_KIND};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Shard outputs (JSON) of one power analysis or bootstrap.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Power curves as SVG (power analyses).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Parameters to show in the table and plot.
    #[arg(long, value_delimiter = ',')]
    pub params: Vec<String>,
    /// Keep every replication in the JSON output.
    #[arg(long)]
    pub keep_records: bool,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
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
        power_cmd::write_power(
            merged,
            args.format,
            args.keep_records,
            args.plot.as_ref(),
            &args.params,
            args.output.as_deref(),
        )
    } else {
        if args.plot.is_some() {
            return Err("--plot is for power analyses".into());
        }
        let parts = texts
            .iter()
            .map(|(p, t)| {
                serde_json::from_str::<BootOutput>(t).map_err(|e| format!("{}: {e}", p.display()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let merged = bootstrap::merge(parts)?;
        let text = bootstrap_cmd::render(merged, args.format == Format::Json, args.keep_records)?;
        output::emit(&text, args.output.as_deref())
    }
}
