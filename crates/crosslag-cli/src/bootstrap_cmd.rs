//! `crosslag bootstrap`: nonparametric bootstrap of a fitted model — percentile and BCa
//! intervals for every parameter (including `:=` ones) and the Bollen–Stine p-value.
//!
//! ```text
//! crosslag bootstrap --data panel.csv --model mediation.lav --reps 2000 --seed 1
//! crosslag bootstrap ... --cluster teacher            # resample classrooms
//! crosslag bootstrap ... --shard 2/4 --output b2.json  # one slice, for `crosslag merge`
//! ```
//!
//! Every option of `crosslag fit` that describes the model and data applies (`--function`,
//! `--meanstructure`, `--group`, `--cluster`, `--missing ml`, ...).

use crate::fit::{self, CommonArgs};
use crate::output;
use crate::power_cmd::Format;
use crate::simulate_cmd::{self, Progress};
use clap::Args;
use crosslag_sem::analyses::bootstrap::{self, BootOutput, BootstrapOptions};
use crosslag_sem::analyses::power::Shard;
use std::fmt::Write as _;

#[derive(Args, Debug)]
pub struct BootstrapArgs {
    /// Model in lavaan syntax.
    #[arg(long)]
    pub model: std::path::PathBuf,
    #[command(flatten)]
    pub fit: CommonArgs,
    /// Bootstrap replications.
    #[arg(long, default_value_t = 2000)]
    pub reps: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Skip the Bollen–Stine test.
    #[arg(long)]
    pub no_bollen_stine: bool,
    /// Skip the BCa intervals (and the jackknife they need).
    #[arg(long)]
    pub no_bca: bool,
    /// Run only the K-th of N slices of the replications (JSON output, for `crosslag merge`).
    #[arg(long)]
    pub shard: Option<String>,
    /// Keep every replication's estimates in the JSON output.
    #[arg(long)]
    pub keep_records: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, short)]
    pub output: Option<std::path::PathBuf>,
}

pub fn run(args: &BootstrapArgs) -> Result<(), String> {
    simulate_cmd::set_threads(args.threads)?;
    if args.fit.sample_cov.is_some() {
        return Err("a bootstrap needs raw data (--data), not summary statistics".into());
    }
    let model = fit::read_model(&args.model)?;
    let model_name = args.model.display().to_string();
    let vars = crosslag_sem::model_variables(&model).map_err(|e| format!("{model_name}: {e}"))?;
    let data = fit::load_data(&args.fit, &vars)?;
    let opts = fit::fit_options(&args.fit)?;
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let bopts = BootstrapOptions {
        reps: args.reps,
        seed: args.seed,
        level: args.level,
        bollen_stine: !args.no_bollen_stine,
        bca: !args.no_bca,
    };
    let prepared =
        bootstrap::Bootstrap::new(&model, &data, &opts, &bopts).map_err(|e| match e {
            crosslag_sem::SemError::Syntax(_) | crosslag_sem::SemError::Table(_) => {
                format!("{model_name}: {e}")
            }
            _ => e.to_string(),
        })?;
    let progress = Progress::new("bootstrap");
    let cb = |d: usize, t: usize| {
        if let Some(p) = &progress {
            p.update(d, t)
        }
    };
    let out = prepared.run(shard, Some(&cb));
    let json = args.format == Format::Json || out.shard.is_some();
    let text = render(out, json, args.keep_records)?;
    output::emit(&text, args.output.as_deref())
}

/// JSON (records only with `keep_records`, always for a shard) or a table.
pub fn render(mut out: BootOutput, json: bool, keep_records: bool) -> Result<String, String> {
    if out.shard.is_none() && !keep_records {
        out.records.clear();
    }
    if json || out.shard.is_some() {
        return serde_json::to_string_pretty(&out)
            .map(|mut s| {
                s.push('\n');
                s
            })
            .map_err(|e| format!("could not write JSON: {e}"));
    }
    Ok(table(&out))
}

fn num(x: Option<f64>, w: usize) -> String {
    match x {
        Some(v) if v.is_finite() => {
            let a = v.abs();
            if a != 0.0 && !(1e-3..1e5).contains(&a) {
                format!("{v:>w$.3e}")
            } else {
                format!("{v:>w$.4}")
            }
        }
        _ => format!("{:>w$}", ""),
    }
}

/// The summary as a table.
pub fn table(out: &BootOutput) -> String {
    let mut s = String::new();
    let o = &out.design.options;
    let Some(sum) = &out.summary else {
        return "no summary (a shard: merge the parts first)\n".into();
    };
    let _ = writeln!(
        s,
        "crosslag bootstrap: {} replications (seed {}), {} converged, {} admissible; N = {}",
        sum.reps,
        o.seed,
        sum.converged,
        sum.admissible,
        out.design
            .nobs
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" + ")
    );
    for w in &out.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    let pct = 100.0 * o.level;
    let _ = writeln!(
        s,
        "\n  {:<26}{:>11}{:>11}{:>11}{:>11}{:>23}{:>23}",
        "parameter",
        "estimate",
        "SE",
        "boot SE",
        "boot bias",
        format!("{pct}% percentile"),
        format!("{pct}% BCa")
    );
    for p in &sum.parameters {
        let bca = p
            .bca
            .map(|(a, b)| format!("{} {}", num(Some(a), 11), num(Some(b), 11)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  {:<26}{}{}{}{}{} {}{:>23}",
            p.name,
            num(Some(p.est), 11),
            num(p.se, 11),
            num(Some(p.boot_se), 11),
            num(Some(p.bias), 11),
            num(Some(p.percentile.0), 11),
            num(Some(p.percentile.1), 11),
            bca
        );
    }
    if let Some(bs) = &sum.bollen_stine {
        let _ = writeln!(
            s,
            "\nBollen–Stine bootstrap: chi-square {:.3} on {} df, p = {:.4} ({} replications converged)",
            bs.chisq, bs.df, bs.pvalue, bs.used
        );
    }
    s
}
