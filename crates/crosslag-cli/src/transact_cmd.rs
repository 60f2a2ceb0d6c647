//! `crosslag transact`: the transactional-effects analysis of two constructs — CLPM and
//! RI-CLPM from panel declarations, the χ̄² test of the random intercepts, the cross-lagged
//! effects in both directions with joint Wald and likelihood-ratio tests, and a verdict.
//!
//! ```text
//! crosslag transact --data panel.csv --x close --y lang --waves 4
//! crosslag transact --data curran.csv --x anti --y read --waves 4 --wave-pattern '{stem}{wave}' --constrain lagged --missing ml
//! crosslag transact --data panel.csv --x close --y lang --waves 4 --group ses_low --diagram fig.svg --format json
//! ```
//!
//! The numbers come from `crosslag_sem::analyses::transact`; this file reads the data, prints and
//! writes files (atomically).

use crate::diagram;
use crate::fit::{file_name, Format};
use crate::options::lavaan;
use crate::output;
use clap::{Args, ValueEnum};
use crosslag_data::{read_frame_with_labels, select_with_labels, ReadOptions, Selection};
use crosslag_sem::analyses::compare::LrtMethod;
use crosslag_sem::analyses::transact::{
    self, Direction, Effect, LrtTest, ModelReport, Models, Transact, TransactOptions, WaldTest,
};
use crosslag_sem::families::panel::{self, Constraint, Waves};
use crosslag_sem::{Data, Estimator, Missing};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// CLPM and RI-CLPM, compared by the χ̄² test.
    Both,
    /// Random-intercept CLPM only.
    Riclpm,
    /// Classic CLPM only.
    Clpm,
}

#[derive(Args, Debug)]
pub struct TransactArgs {
    /// Data file: .csv (NA or empty = missing), .parquet, .dta, .sav.
    #[arg(long)]
    pub data: PathBuf,
    /// First construct: its name and column stem (the x of x → y).
    #[arg(long)]
    pub x: String,
    /// Second construct.
    #[arg(long)]
    pub y: String,
    /// Number of waves (labelled 1..T).
    #[arg(long)]
    pub waves: usize,
    /// Which models to fit.
    #[arg(long, value_enum, default_value_t = ModelArg::Both)]
    pub model: ModelArg,
    /// Parameters held equal over time, comma separated: lagged, residuals, residual-variances,
    /// residual-covariances, means (means: RI-CLPM only).
    #[arg(long, value_delimiter = ',')]
    pub constrain: Vec<String>,
    /// Grouping column: everything per group, and tests of group differences.
    #[arg(long)]
    pub group: Option<String>,
    /// Time-invariant covariate (predictor of the observed scores, effect equal over time;
    /// repeatable or comma separated).
    #[arg(long, value_delimiter = ',')]
    pub covariate: Vec<String>,
    #[arg(long, value_name = "listwise|ml", default_value = "listwise", value_parser = lavaan::<Missing>)]
    pub missing: Missing,
    #[arg(long, value_name = "ML|MLR", default_value = "ML", value_parser = lavaan::<Estimator>)]
    pub estimator: Estimator,
    /// Cluster column (cluster-robust standard errors and test).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Significance level of the tests and the verdict.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Column naming: {stem} and {wave} are replaced (e.g. '{stem}{wave}' for anti1..anti4).
    #[arg(long, default_value = panel::DEFAULT_COLUMN_PATTERN)]
    pub wave_pattern: String,
    /// Extra codes meaning "missing", comma separated (e.g. -99,-999).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub missing_codes: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write the path diagram of the verdict's model as SVG (atomically).
    #[arg(long)]
    pub diagram: Option<PathBuf>,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// The analysis options from the command line.
pub fn options(args: &TransactArgs) -> Result<TransactOptions, String> {
    let mut constrain = Vec::new();
    for c in args
        .constrain
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
    {
        match Constraint::parse(c) {
            Some(Constraint::MeasurementError) | None => {
                return Err(format!(
                    "--constrain: unknown constraint '{c}'; use lagged, residuals, residual-variances, residual-covariances or means"
                ))
            }
            Some(v) if !constrain.contains(&v) => constrain.push(v),
            Some(_) => {}
        }
    }
    if args.waves < 2 {
        return Err(format!("--waves must be at least 2 (got {})", args.waves));
    }
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        return Err(format!(
            "--alpha must be between 0 and 1 (got {})",
            args.alpha
        ));
    }
    if !args.wave_pattern.contains("{stem}") || !args.wave_pattern.contains("{wave}") {
        return Err(format!(
            "--wave-pattern '{}' must contain {{stem}} and {{wave}}",
            args.wave_pattern
        ));
    }
    Ok(TransactOptions {
        x: args.x.clone(),
        y: args.y.clone(),
        waves: Waves::Count(args.waves),
        column_pattern: args.wave_pattern.clone(),
        models: match args.model {
            ModelArg::Both => Models::Both,
            ModelArg::Riclpm => Models::Riclpm,
            ModelArg::Clpm => Models::Clpm,
        },
        constrain,
        covariates: args
            .covariate
            .iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect(),
        group: args.group.clone(),
        estimator: args.estimator,
        missing: args.missing,
        ..TransactOptions::new(&args.x, &args.y, args.waves)
    })
}

/// Reads the data and checks that every column of x and y (and each covariate) exists,
/// naming the flag that points to a missing one.
/// The likelihood-ratio and Wald tests that a set of effects is zero, as table text.
fn joint_tests(lrt: Option<&LrtTest>, wald: Option<&WaldTest>) -> Vec<String> {
    let mut tests = Vec::new();
    if let Some(t) = lrt {
        if let (Some(c), Some(df)) = (t.chisq, t.df) {
            let scaled = if t.method == Some(LrtMethod::Standard) {
                ""
            } else {
                " (scaled)"
            };
            tests.push(format!(
                "LRT{scaled} χ²({df:.0}) = {c:.3}, p {}",
                p_is(t.pvalue)
            ));
        }
    }
    if let Some(w) = wald {
        tests.push(format!(
            "Wald χ²({}) = {:.3}, p {}",
            w.df,
            w.chisq,
            p_is(Some(w.pvalue))
        ));
    }
    tests
}

fn load(args: &TransactArgs, opts: &TransactOptions) -> Result<Data, String> {
    let read = ReadOptions {
        missing_codes: args.missing_codes.clone(),
        long: None,
    };
    let (df, labels) = read_frame_with_labels(&args.data, &read).map_err(|e| e.to_string())?;
    let names = crosslag_data::column_names(&df);
    let file = file_name(&args.data);
    let hint = |col: &str| {
        let near = crosslag_sem::observe::prepare::near_matches(col, &names);
        if near.is_empty() {
            String::new()
        } else {
            format!("; did you mean {}?", near.join(", "))
        }
    };
    for (flag, stem) in [("--x", &opts.x), ("--y", &opts.y)] {
        for w in opts.waves.labels() {
            let col = opts
                .column_pattern
                .replace("{stem}", stem)
                .replace("{wave}", &w);
            if !names.contains(&col) {
                return Err(format!(
                    "{flag} {stem}: column '{col}' (pattern '{}', wave {w}) is not in {file}{}",
                    opts.column_pattern,
                    hint(&col)
                ));
            }
        }
    }
    for z in &opts.covariates {
        if !names.contains(z) {
            return Err(format!(
                "--covariate: column '{z}' is not in {file}{}",
                hint(z)
            ));
        }
    }
    let vars = transact::columns(opts).map_err(|e| e.to_string())?;
    let sel = Selection {
        variables: &vars,
        group: args.group.as_deref(),
        cluster: args.cluster.as_deref(),
    };
    let md = select_with_labels(&df, &sel, &file, &labels).map_err(|e| e.to_string())?;
    Ok(Data::Raw {
        names: md.names,
        values: md.values,
        group: md.group,
        group_labels: md.group_labels,
        cluster: md.cluster,
    })
}

pub fn run(args: &TransactArgs) -> Result<(), String> {
    let opts = options(args)?;
    let data = load(args, &opts)?;
    let result = transact::analyze(&data, &opts).map_err(|e| e.to_string())?;
    if let Some(path) = &args.diagram {
        let svg = diagram::svg(&result, result.verdict.model)?;
        output::emit(&svg, Some(path))?;
    }
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&result)
            .map(|mut s| {
                s.push('\n');
                s
            })
            .map_err(|e| format!("could not write JSON: {e}"))?,
        Format::Table => table(&result),
    };
    output::emit(&text, args.output.as_deref())
}

fn num(v: Option<f64>, w: usize, d: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:>w$.d$}"),
        _ => format!("{:>w$}", ""),
    }
}

fn pval(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => "<.001".into(),
        Some(p) => format!("{p:.3}"),
        None => String::new(),
    }
}

/// `< .001` or `= 0.097` after a "p".
fn p_is(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => "< .001".into(),
        Some(p) => format!("= {p:.3}"),
        None => "NA".into(),
    }
}

fn effect_line(out: &mut String, name: &str, e: &Effect) {
    let _ = writeln!(
        out,
        "    {name:<30}{}{}{}{:>8}{}{}{}",
        num(Some(e.estimate.est), 10, 3),
        num(e.estimate.se, 9, 3),
        num(e.estimate.z, 8, 2),
        pval(e.estimate.pvalue),
        num(e.estimate.ci_lower, 10, 3),
        num(e.estimate.ci_upper, 10, 3),
        num(e.std_all, 9, 3)
    );
}

fn effects_header(out: &mut String, title: &str, alpha: f64) {
    let level = format!("{:.0}% CI", (1.0 - alpha) * 100.0);
    let _ = writeln!(
        out,
        "  {title:<32}{:>10}{:>9}{:>8}{:>8}{:>20}{:>9}",
        "est", "se", "z", "p", level, "std.all"
    );
}

fn direction_block(out: &mut String, d: &Direction) {
    let _ = writeln!(
        out,
        "   {} → {}{}",
        d.from,
        d.to,
        if d.constrained {
            " (equal over time)"
        } else {
            ""
        }
    );
    for e in &d.effects {
        let name = format!("{} → {}", e.rhs, e.lhs);
        effect_line(out, &name, e);
    }
    let tests = joint_tests(d.lrt.as_ref(), d.wald.as_ref());
    let _ = writeln!(
        out,
        "      all zero: {}{}",
        if tests.is_empty() {
            "no test available".into()
        } else {
            tests.join("; ")
        },
        if d.significant {
            "  → effect"
        } else {
            "  → no effect"
        }
    );
}

fn model_block(out: &mut String, m: &ModelReport, alpha: f64) {
    let f = &m.fit;
    let _ = writeln!(out, "\n{}", m.name);
    let _ = writeln!(
        out,
        "  χ²({:.0}) = {:.3}, p {}; CFI {}; TLI {}; RMSEA {} [{}, {}]; SRMR {}; npar {}",
        f.df,
        f.chisq,
        p_is(f.pvalue),
        num(f.cfi, 0, 3),
        num(f.tli, 0, 3),
        num(f.rmsea, 0, 3),
        num(f.rmsea_ci_lower, 0, 3),
        num(f.rmsea_ci_upper, 0, 3),
        num(f.srmr, 0, 3),
        f.npar
    );
    if let Some(c) = f.chisq_scaled {
        let _ = writeln!(
            out,
            "  scaled χ² = {c:.3}, p {}; robust CFI {}; robust TLI {}; robust RMSEA {}",
            p_is(f.pvalue_scaled),
            num(f.cfi_robust, 0, 3),
            num(f.tli_robust, 0, 3),
            num(f.rmsea_robust, 0, 3)
        );
    }
    for g in &m.groups {
        if m.groups.len() > 1 {
            let _ = writeln!(out, "\n  Group {} [{}] (N = {})", g.group, g.label, g.nobs);
        }
        effects_header(out, "Cross-lagged effects", alpha);
        direction_block(out, &g.x_to_y);
        direction_block(out, &g.y_to_x);
        effects_header(out, "Autoregressive effects", alpha);
        for e in g.autoregressive_x.iter().chain(&g.autoregressive_y) {
            effect_line(out, &format!("{} → {}", e.rhs, e.lhs), e);
        }
        if let Some(b) = &g.between {
            effects_header(out, "Random intercepts", alpha);
            effect_line(
                out,
                &format!("{} ~~ {}", b.var_x.lhs, b.var_x.rhs),
                &b.var_x,
            );
            effect_line(
                out,
                &format!("{} ~~ {}", b.var_y.lhs, b.var_y.rhs),
                &b.var_y,
            );
            effect_line(out, &format!("{} ~~ {}", b.cov.lhs, b.cov.rhs), &b.cov);
            let _ = writeln!(
                out,
                "    correlation of the random intercepts: {}",
                b.correlation.map_or(
                    "not defined (a variance is not positive)".into(),
                    |r| format!("{r:.3}")
                )
            );
        }
    }
    for j in &m.overall {
        let tests = joint_tests(j.lrt.as_ref(), j.wald.as_ref());
        let _ = writeln!(
            out,
            "  All groups, {} → {} all zero: {}",
            j.from,
            j.to,
            tests.join("; ")
        );
    }
    for t in &m.group_tests {
        let _ = writeln!(
            out,
            "  {}: {}",
            t.hypothesis,
            match (t.chisq, t.df, t.pvalue) {
                (Some(c), Some(df), Some(p)) =>
                    format!("LRT χ²({df:.0}) = {c:.3}, p {}", p_is(Some(p))),
                _ => "not available".into(),
            }
        );
    }
    if !m.warnings.is_empty() {
        let _ = writeln!(out, "  Warnings:");
        for w in &m.warnings {
            let _ = writeln!(out, "    - {w}");
        }
    }
}

/// The human-readable report.
pub fn table(t: &Transact) -> String {
    let mut out = String::new();
    let n: usize = t.nobs.iter().sum();
    let _ = writeln!(
        out,
        "crosslag transact: {x} → {y} and {y} → {x}, {} waves, N = {n}{} ({}, missing = {})\n",
        t.waves.len(),
        if t.group_labels.len() > 1 {
            format!(
                " in {} groups of {}",
                t.group_labels.len(),
                t.group.clone().unwrap_or_default()
            )
        } else {
            String::new()
        },
        match t.estimator {
            Estimator::Ml => "ML",
            Estimator::Mlr => "MLR",
        },
        match t.missing {
            Missing::Listwise => "listwise",
            Missing::Ml => "ml (FIML)",
        },
        x = t.x,
        y = t.y
    );
    let v = &t.verdict;
    let _ = writeln!(
        out,
        "Verdict ({}, α = {}): {}",
        v.model_name, t.alpha, v.summary
    );
    for d in &v.details {
        let _ = writeln!(out, "  - {d}");
    }
    if !v.warnings.is_empty() {
        let _ = writeln!(out, "Warnings:");
        for w in &v.warnings {
            let _ = writeln!(out, "  ! {w}");
        }
    }
    if let Some(c) = &t.comparison {
        let _ = writeln!(out, "\nCLPM versus RI-CLPM");
        if let Some(cb) = &c.chibar {
            let w: Vec<String> = cb
                .weights
                .weights
                .iter()
                .map(|w| format!("{w:.4}"))
                .collect();
            let method = match cb.weights.method {
                transact::chibar::WeightMethod::ClosedForm => "closed form".to_string(),
                transact::chibar::WeightMethod::MonteCarlo { draws, .. } => {
                    format!("Monte Carlo, {draws} draws")
                }
            };
            let _ = writeln!(
                out,
                "  χ̄² test of the random-intercept variances: χ̄² = {:.3}, p {} (critical value {:.3} at α = {})",
                cb.statistic,
                p_is(Some(cb.pvalue)),
                cb.critical_value,
                cb.alpha
            );
            let _ = writeln!(
                out,
                "    mixture Σ w_i χ²({} + i), i = 0..{}: weights {} ({method})",
                cb.u,
                cb.k,
                w.join(", ")
            );
            let _ = writeln!(
                out,
                "    S (sampling covariance of {}):",
                cb.parameters.join(", ")
            );
            for r in &cb.sampling_cov {
                let cells: Vec<String> = r.iter().map(|v| format!("{v:>12.6}")).collect();
                let _ = writeln!(out, "     {}", cells.join(""));
            }
        }
        let nv = &c.naive;
        if let (Some(ch), Some(df)) = (nv.chisq, nv.df) {
            let _ = writeln!(
                out,
                "  naive χ² difference test{}: χ²({df:.0}) = {ch:.3}, p {}",
                if nv.method == Some(LrtMethod::Standard) {
                    ""
                } else {
                    " (scaled)"
                },
                p_is(nv.pvalue)
            );
        }
        let _ = writeln!(
            out,
            "  preferred: {}",
            match c.preferred {
                panel::Family::Clpm => "CLPM",
                _ => "RI-CLPM",
            }
        );
    }
    for m in &t.models {
        model_block(&mut out, m, t.alpha);
    }
    out
}
