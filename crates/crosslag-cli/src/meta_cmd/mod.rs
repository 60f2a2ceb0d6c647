//! `crosslag meta`: meta-analytic SEM (two-stage SEM as R's metaSEM): pool study
//! correlation matrices (random or fixed effects), fit a path model in lavaan syntax to the
//! pooled matrix by WLS, and compare subgroups.
//!
//! ```text
//! crosslag meta --data datasets/meta/roorda11_correlations_long.csv --model roorda.lav
//! crosslag meta --data studies.csv --model model.lav --stage1 fixed --format json
//! crosslag meta --data studies.csv --model model.lav --subgroup "SES > 50"
//! ```

mod json;
mod stage;
mod table;

use clap::{Args, ValueEnum};
use crosslag_sem::meta::data::StudySet;
use crosslag_sem::meta::stage1::{fixed_effects, random_effects, RemOptions, TauType};
use crosslag_sem::meta::stage2::{fit_stage2, PathModel, SeType, Sharing, Stage2Options};
use crosslag_sem::meta::subgroup::{split, PathEquality};
use json::{data_json, stage1_json, stage2_json};
use serde_json::{json, Value};
use stage::Stage1;
use std::fmt::Write as _;
use std::path::PathBuf;
use table::{data_table, stage1_table, stage2_table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Stage1Arg {
    /// Random effects (ML multivariate meta-analysis; metaSEM's default).
    Random,
    /// Fixed effects (multi-group ML with a common correlation matrix).
    Fixed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Tau2Arg {
    /// One heterogeneity variance per correlation (metaSEM `RE.type = "Diag"`).
    Diag,
    /// A full heterogeneity covariance matrix (`RE.type = "Symm"`).
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetaFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct MetaArgs {
    /// Studies: long CSV (`study,n,var1,var2,r` + moderator columns), wide CSV (`study,n,r_<a>_<b>`, optional `has_<a>`) or JSON (`variables`, `studies[].cor`).
    #[arg(long)]
    pub data: PathBuf,
    /// Stage-2 path model in lavaan syntax (`~`, `~~`, labels, fixed values, `:=`). Without it only stage 1 runs.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Stage-1 pooling.
    #[arg(long, value_enum, default_value_t = Stage1Arg::Random)]
    pub stage1: Stage1Arg,
    /// Heterogeneity structure of the random-effects stage 1.
    #[arg(long, value_enum, default_value_t = Tau2Arg::Diag)]
    pub tau2: Tau2Arg,
    /// Subgroup analysis: `COL OP VALUE` (e.g. "SES > 50"; OP one of > >= < <= == !=) splits the studies in two; a bare column name gives one group per value. Adds the χ²-difference test of equal regression paths.
    #[arg(long)]
    pub subgroup: Option<String>,
    /// Continuous study-level moderator (OSMASEM): not available yet in this version.
    #[arg(long)]
    pub moderator: Option<String>,
    /// Variables to analyse, in this order (default: all, in the file's order).
    #[arg(long, value_delimiter = ',')]
    pub variables: Option<Vec<String>>,
    /// Standard errors of stage 2 as metaSEM's `diag.constraints = TRUE` (error variances as constrained parameters; default) or `false` (error variances computed).
    #[arg(long, default_value = "true")]
    pub diag_constraints: String,
    /// Skip the likelihood-based confidence intervals (Wald intervals only).
    #[arg(long)]
    pub no_lb_ci: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MetaFormat::Table)]
    pub format: MetaFormat,
    /// Write the output to this file instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "yes" => Ok(true),
        "false" | "f" | "0" | "no" => Ok(false),
        _ => Err(format!(
            "--diag-constraints takes true or false (got `{s}`)"
        )),
    }
}

fn run_stage1(set: &StudySet, args: &MetaArgs, lb: bool) -> Result<Stage1, String> {
    Ok(match args.stage1 {
        Stage1Arg::Random => Stage1::Random(Box::new(
            random_effects(
                set,
                RemOptions {
                    tau: match args.tau2 {
                        Tau2Arg::Diag => TauType::Diag,
                        Tau2Arg::Full => TauType::Full,
                    },
                    lb_ci: lb,
                },
            )
            .map_err(|e| e.to_string())?,
        )),
        Stage1Arg::Fixed => Stage1::Fixed(Box::new(fixed_effects(set).map_err(|e| e.to_string())?)),
    })
}

/// The studies (validated) and the stage-2 model, if one was given.
fn read_inputs(args: &MetaArgs) -> Result<(StudySet, Option<PathModel>), String> {
    let text = std::fs::read_to_string(&args.data)
        .map_err(|e| format!("cannot read {}: {e}", args.data.display()))?;
    let set = StudySet::from_text(&text, args.variables.as_deref()).map_err(|e| e.to_string())?;
    set.validate().map_err(|e| e.to_string())?;
    let model = match &args.model {
        Some(p) => {
            let t = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            Some(PathModel::from_syntax(&t, &set.variables).map_err(|e| e.to_string())?)
        }
        None => None,
    };
    Ok((set, model))
}

/// Both stages on all studies, into the JSON document and the table.
fn all_studies(
    args: &MetaArgs,
    set: &StudySet,
    model: Option<&PathModel>,
    s2opts: Stage2Options,
    doc: &mut Value,
    table: &mut String,
) -> Result<(), String> {
    data_table(table, set);
    let s1 = run_stage1(set, args, s2opts.lb_ci)?;
    let s1j = stage1_json(&s1, set);
    stage1_table(table, &s1, set);
    for key in [
        "pooled_r",
        "pooled_r_matrix",
        "pooled_r_acov",
        "tau2",
        "I2",
        "Q",
    ] {
        if let Some(v) = s1j.get(key) {
            doc[key] = v.clone();
        }
    }
    doc["stage1"] = s1j;
    if let Some(model) = model {
        let s2 = fit_stage2(model, &[s1.group()], s2opts).map_err(|e| e.to_string())?;
        let j = stage2_json(&s2);
        doc["parameters"] = j["parameters"].clone();
        doc["fit"] = j["fit"].clone();
        doc["stage2"] = j;
        stage2_table(table, &s2, "Stage 2: path model (WLS on the pooled matrix)");
    }
    Ok(())
}

/// `--subgroup`: both stages per subgroup, then (with a model) the test of regression paths
/// equal across subgroups.
fn subgroups(
    args: &MetaArgs,
    set: &StudySet,
    expr: &str,
    model: Option<&PathModel>,
    s2opts: Stage2Options,
    doc: &mut Value,
    table: &mut String,
) -> Result<(), String> {
    let groups = split(set, expr).map_err(|e| e.to_string())?;
    let mut sub_docs = Vec::new();
    let mut free = Vec::new();
    let mut gdata = Vec::new();
    for (name, keep) in &groups {
        let sub = set.subset(keep);
        if sub.studies.is_empty() {
            return Err(format!("--subgroup: no study has {name}"));
        }
        let _ = writeln!(
            table,
            "\n=== Subgroup {name}: {} studies, N = {}",
            sub.studies.len(),
            sub.total_n()
        );
        let s1g = run_stage1(&sub, args, false).map_err(|e| format!("subgroup {name}: {e}"))?;
        stage1_table(table, &s1g, &sub);
        let mut d =
            json!({"name": name, "data": data_json(&sub), "stage1": stage1_json(&s1g, &sub)});
        if let Some(model) = model {
            let s2 = fit_stage2(model, &[s1g.group()], s2opts)
                .map_err(|e| format!("subgroup {name}: {e}"))?;
            free.push((s2.fit.chisq, s2.fit.df));
            stage2_table(table, &s2, &format!("Stage 2 in subgroup {name}"));
            d["stage2"] = stage2_json(&s2);
        }
        gdata.push(s1g.group());
        sub_docs.push(d);
    }
    doc["subgroups"] = Value::Array(sub_docs);
    let Some(model) = model else {
        return Ok(());
    };
    let constrained = fit_stage2(
        model,
        &gdata,
        Stage2Options {
            se: SeType::Computed,
            lb_ci: false,
            sharing: Sharing::Paths,
        },
    )
    .map_err(|e| format!("subgroups with equal paths: {e}"))?;
    let t = PathEquality::test(&free, (constrained.fit.chisq, constrained.fit.df));
    stage2_table(
        table,
        &constrained,
        "Stage 2 with regression paths equal across subgroups",
    );
    let _ = writeln!(
        table,
        "\nEquality of the regression paths across subgroups: Δχ²({}) = {:.3}, p = {:.4} (free: χ²({}) = {:.3}; equal: χ²({}) = {:.3})",
        t.df_diff, t.chisq_diff, t.p, t.free_df, t.free_chisq, constrained.fit.df, constrained.fit.chisq
    );
    doc["equality_test"] = json!({
        "free_model": {"chisq": t.free_chisq, "df": t.free_df},
        "constrained_model": {"chisq": constrained.fit.chisq, "df": constrained.fit.df, "parameters": stage2_json(&constrained)["parameters"].clone()},
        "chisq_diff": t.chisq_diff, "df_diff": t.df_diff, "p": t.p,
    });
    Ok(())
}

pub fn run(args: &MetaArgs) -> Result<(), String> {
    if let Some(m) = &args.moderator {
        return Err(format!(
            "--moderator {m}: one-stage MASEM with continuous moderators is not available yet; use --subgroup"
        ));
    }
    let se = if parse_bool(&args.diag_constraints)? {
        SeType::Constrained
    } else {
        SeType::Computed
    };
    let (set, model) = read_inputs(args)?;
    let s2opts = Stage2Options {
        se,
        lb_ci: !args.no_lb_ci,
        sharing: Sharing::None,
    };
    let mut doc = json!({"data": data_json(&set)});
    let mut table = String::new();
    all_studies(args, &set, model.as_ref(), s2opts, &mut doc, &mut table)?;
    if let Some(expr) = &args.subgroup {
        subgroups(
            args,
            &set,
            expr,
            model.as_ref(),
            s2opts,
            &mut doc,
            &mut table,
        )?;
    }
    let text = match args.format {
        MetaFormat::Json => {
            serde_json::to_string_pretty(&doc).map_err(|e| format!("could not write JSON: {e}"))?
                + "\n"
        }
        MetaFormat::Table => table,
    };
    match &args.output {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}
