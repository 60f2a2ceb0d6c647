//! `crosslag compare`: fit two or more nested models to the same data and compare them as
//! lavaan's `anova()` / `lavTestLRT()` does (χ² difference test, or the Satorra–Bentler 2001
//! scaled difference for MLR), with AIC and BIC side by side. Models can also come as saved
//! results of `crosslag fit --format json` (`--result`), e.g. fits with different
//! `--group-equal` settings.

use crate::fit::{self, CommonArgs, Format};
use crate::output;
use clap::Args;
use crosslag_sem::analyses::compare::{self, Comparison, LrtMethod, ModelFit};
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// A model in lavaan syntax, fitted with the options below; give --model once per model
    /// (two or more models in all, in any order: they are sorted by degrees of freedom).
    #[arg(long = "model", required_unless_present = "results")]
    pub models: Vec<PathBuf>,
    /// A saved fit (`crosslag fit --format json` output) to include; repeatable. Fits saved
    /// with different options (e.g. --group-equal) can be compared this way.
    #[arg(long = "result")]
    pub results: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Model names: file stems, or file names where stems repeat.
fn model_names(paths: &[PathBuf]) -> Vec<String> {
    let stem = |p: &Path| {
        p.file_stem()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.display().to_string())
    };
    let stems: Vec<String> = paths.iter().map(|p| stem(p)).collect();
    paths
        .iter()
        .zip(&stems)
        .map(|(p, s)| {
            if stems.iter().filter(|t| *t == s).count() > 1 {
                p.display().to_string()
            } else {
                s.clone()
            }
        })
        .collect()
}

fn num(x: Option<f64>, digits: usize) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.digits$}"),
        _ => String::new(),
    }
}

/// lavaan-style table of a comparison.
fn table(cmp: &Comparison, entries: &[Entry]) -> String {
    let mut out = String::new();
    let scaled = cmp.method != LrtMethod::Standard;
    if scaled {
        let _ = writeln!(
            out,
            "Scaled Chi-Squared Difference Test (method = \"{}\")\n",
            cmp.method
        );
        let _ = writeln!(
            out,
            "The \"Chisq\" column contains standard test statistics, not the robust test that should be\nreported per model. A robust difference test is a function of two standard (not robust)\nstatistics.\n"
        );
    } else {
        let _ = writeln!(out, "Chi-Squared Difference Test\n");
    }
    let w = cmp
        .rows
        .iter()
        .map(|r| r.model.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut header = format!(
        "{:w$} {:>4} {:>12} {:>12} {:>10} {:>11}",
        "", "Df", "AIC", "BIC", "Chisq", "Chisq diff"
    );
    if !scaled {
        header.push_str(&format!(" {:>8}", "RMSEA"));
    }
    header.push_str(&format!(" {:>8} {:>11}", "Df diff", "Pr(>Chisq)"));
    let _ = writeln!(out, "{header}");
    for r in &cmp.rows {
        let mut line = format!(
            "{:w$} {:>4} {:>12} {:>12} {:>10} {:>11}",
            r.model,
            num(Some(r.df), 0),
            num(r.aic, 2),
            num(r.bic, 2),
            num(Some(r.chisq), 3),
            num(r.chisq_diff, 3)
        );
        if !scaled {
            line.push_str(&format!(" {:>8}", num(r.rmsea, 5)));
        }
        let p = match r.pvalue {
            Some(p) if p < 1e-4 => format!("{p:.3e}"),
            other => num(other, 4),
        };
        line.push_str(&format!(" {:>8} {:>11}", num(r.df_diff, 0), p));
        let _ = writeln!(out, "{line}");
    }
    if scaled {
        let _ = writeln!(out, "\nScaled statistics per model:");
        for r in &cmp.rows {
            let _ = writeln!(
                out,
                "  {:w$}  chisq.scaled {:>10}  scaling factor {:>8}",
                r.model,
                num(r.chisq_scaled, 3),
                num(r.scaling_factor, 4)
            );
        }
        for r in cmp.rows.iter().skip(1) {
            if let Some(c) = r.scaling_factor_diff {
                let _ = writeln!(out, "  difference to {}: scaling factor {:.4}", r.model, c);
            }
        }
    }
    let mut warnings: Vec<String> = cmp.warnings.clone();
    for e in entries {
        warnings.extend(e.warnings.iter().map(|w| format!("{}: {w}", e.name)));
    }
    if !warnings.is_empty() {
        let _ = writeln!(out, "\nWarnings:");
        for wn in warnings {
            let _ = writeln!(out, "  - {wn}");
        }
    }
    out
}

/// One model of the comparison: fitted now, or read from a saved result.
struct Entry {
    name: String,
    file: PathBuf,
    fit: ModelFit,
    nobs: Vec<usize>,
    warnings: Vec<String>,
}

/// A saved `crosslag fit --format json` result.
fn read_result(path: &Path, name: &str) -> Result<Entry, String> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: {e}"))?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        format!("{file}: not a JSON result ({e}); save fits with `crosslag fit --format json`")
    })?;
    let summary = doc.get("comparison").ok_or_else(|| {
        format!(
            "{file}: no \"comparison\" summary in this JSON; save the fit again with `crosslag fit --format json`"
        )
    })?;
    let fit: ModelFit = serde_json::from_value(summary.clone())
        .map_err(|e| format!("{file}: the \"comparison\" summary is incomplete ({e})"))?;
    let nobs = serde_json::from_value(doc["nobs"].clone()).unwrap_or_default();
    let warnings = serde_json::from_value(doc["warnings"].clone()).unwrap_or_default();
    Ok(Entry {
        name: name.to_string(),
        file: path.to_path_buf(),
        fit,
        nobs,
        warnings,
    })
}

pub fn run(args: &CompareArgs) -> Result<(), String> {
    if args.models.len() + args.results.len() < 2 {
        return Err(
            "compare needs at least two models (give --model or --result twice or more)".into(),
        );
    }
    let paths: Vec<PathBuf> = args.models.iter().chain(&args.results).cloned().collect();
    let names = model_names(&paths);
    let mut entries: Vec<Entry> = Vec::new();
    if !args.models.is_empty() {
        let opts = fit::fit_options(&args.common)?;
        for (path, name) in args.models.iter().zip(&names) {
            let model = fit::read_model(path)?;
            let vars = crosslag_sem::model_variables(&model).map_err(|e| format!("{name}: {e}"))?;
            let data = fit::load_data(&args.common, &vars)?;
            let res =
                crosslag_sem::fit(&model, &data, &opts).map_err(|e| format!("{name}: {e}"))?;
            entries.push(Entry {
                name: name.clone(),
                file: path.clone(),
                fit: ModelFit::from(&res),
                nobs: res.nobs.clone(),
                warnings: res.warnings.clone(),
            });
        }
    }
    for (path, name) in args.results.iter().zip(&names[args.models.len()..]) {
        entries.push(read_result(path, name)?);
    }
    let fits: Vec<(String, ModelFit)> = entries
        .iter()
        .map(|e| (e.name.clone(), e.fit.clone()))
        .collect();
    let cmp = compare::lrt_fits(&fits).map_err(|e| e.to_string())?;
    let text = match args.format {
        Format::Json => {
            let models: Vec<serde_json::Value> = entries
                .iter()
                .map(|e| {
                    let f = &e.fit;
                    json!({
                        "model": e.name,
                        "file": e.file.display().to_string(),
                        "converged": f.converged,
                        "npar": f.npar,
                        "nobs": e.nobs,
                        "loglik": f.loglik,
                        "chisq": f.chisq,
                        "df": f.df,
                        "aic": f.aic,
                        "bic": f.bic,
                        "chisq_scaled": f.chisq_scaled.filter(|v| v.is_finite()),
                        "scaling_factor": f.scaling_factor.filter(|v| v.is_finite()),
                        "warnings": e.warnings,
                    })
                })
                .collect();
            let doc = json!({
                "method": cmp.method,
                "table": cmp.rows,
                "models": models,
                "warnings": cmp.warnings,
            });
            serde_json::to_string_pretty(&doc).map_err(|e| format!("could not write JSON: {e}"))?
                + "\n"
        }
        Format::Table => table(&cmp, &entries),
    };
    output::emit(&text, args.output.as_deref())
}
