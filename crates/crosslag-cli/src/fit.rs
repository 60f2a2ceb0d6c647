//! `crosslag fit`: fit a model in lavaan syntax (the command line of ../docs/CONTRACT.md).
//!
//! `--se bootstrap` is lavaan's `se = "bootstrap"`: the model is refitted to `--bootstrap R`
//! resamples of the rows (of the clusters with `--cluster`), and the standard errors, z, p and
//! the intervals of every free and `:=` parameter come from the replications
//! ([`crosslag_sem::bootstrap::Bootstrap::fit_with_bootstrap_se`] has the formulas).

use crate::output;
use crate::simulate_cmd::{self, Progress};
use clap::{Args, ValueEnum};
use crosslag_data::{
    read_frame_with_labels, read_matrix_csv, select_with_labels, ReadOptions, Selection,
};
use crosslag_sem::bootstrap::{BootCiType, Bootstrap, BootstrapOptions};
use crosslag_sem::{Data, EntryPoint, Estimator, FitOptions, GroupEqual, Information, Missing};
use ndarray::{Array1, Array2};
use std::path::{Path, PathBuf};

/// lavaan entry point whose defaults apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Function {
    Sem,
    Cfa,
    Lavaan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EstimatorArg {
    #[value(name = "ML", alias = "ml")]
    Ml,
    #[value(name = "MLR", alias = "mlr")]
    Mlr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MissingArg {
    Listwise,
    #[value(alias = "fiml")]
    Ml,
}

/// Automatic bounds (lavaan `bounds=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BoundsArg {
    /// None besides `label > c` constraints in the model.
    None,
    /// Every free variance kept at or above 0 (lavaan "pos.var").
    #[value(name = "pos-var", alias = "pos.var")]
    PosVar,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InformationArg {
    Expected,
    Observed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// lavaan-style summary.
    Table,
    /// JSON (documented in docs/json-output.md).
    Json,
}

#[derive(Args, Debug)]
pub struct FitArgs {
    /// Model in lavaan syntax.
    #[arg(long)]
    pub model: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Include the covariance matrix of the estimates in the JSON output.
    #[arg(long)]
    pub vcov: bool,
    /// Compute modification indices (lavaan's `modindices()`; complete-data ML).
    #[arg(long)]
    pub modindices: bool,
    /// Standard errors: `standard` (from the information matrix; sandwich with MLR or
    /// --cluster) or `bootstrap` (lavaan's se = "bootstrap": SEs, z, p and intervals from
    /// refits to resampled rows, or clusters with --cluster).
    #[arg(long, default_value = "standard", value_name = "TYPE")]
    pub se: String,
    /// Bootstrap replications for --se bootstrap (lavaan's `bootstrap =`) [default: 1000].
    #[arg(long, value_name = "R", allow_hyphen_values = true)]
    pub bootstrap: Option<String>,
    /// Seed of the bootstrap: replication b resamples with derive_seed(S, [b]), so results do
    /// not depend on the number of threads [default: 1].
    #[arg(long, value_name = "S", allow_hyphen_values = true)]
    pub seed: Option<String>,
    /// Bootstrap intervals (lavaan's boot.ci.type): perc (percentile) or bca (bias-corrected
    /// and accelerated; adds one jackknife refit per row or cluster) [default: perc].
    #[arg(long, value_name = "TYPE")]
    pub boot_ci: Option<String>,
    /// With --se bootstrap: also the Bollen–Stine bootstrap p-value of the chi-square test
    /// (complete data).
    #[arg(long)]
    pub bollen_stine: bool,
    /// Worker threads of the bootstrap (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// How the standard errors of a fit are computed.
#[derive(Debug, Clone, PartialEq)]
pub enum SeChoice {
    /// From the information matrix (lavaan's `se = "standard"`, or the sandwich of MLR).
    Standard,
    /// lavaan's `se = "bootstrap"`.
    Bootstrap(BootstrapOptions, BootCiType),
}

/// `--se`, `--bootstrap`, `--seed`, `--boot-ci`, `--bollen-stine` → what to compute; every
/// mistake is one sentence naming the option.
pub fn se_choice(args: &FitArgs) -> Result<SeChoice, String> {
    let se = args.se.trim().to_ascii_lowercase();
    let bootstrap = match se.as_str() {
        "standard" => false,
        "bootstrap" | "boot" => true,
        "robust.huber.white" | "robust" | "robust.mlr" | "sandwich" => {
            if args.common.estimator == EstimatorArg::Mlr {
                // MLR's standard errors are lavaan's robust.huber.white
                false
            } else {
                return Err(format!(
                    "--se {}: sandwich standard errors come with --estimator MLR (which also scales the test); with ML use --se standard or --se bootstrap",
                    args.se
                ));
            }
        }
        _ => {
            return Err(format!(
                "--se: unknown type '{}'; use standard or bootstrap",
                args.se
            ))
        }
    };
    if !bootstrap {
        let given = [
            ("--bootstrap", args.bootstrap.is_some()),
            ("--seed", args.seed.is_some()),
            ("--boot-ci", args.boot_ci.is_some()),
            ("--bollen-stine", args.bollen_stine),
        ];
        if let Some((name, _)) = given.iter().find(|(_, g)| *g) {
            return Err(format!(
                "{name} applies to bootstrap standard errors: add --se bootstrap (or leave out {name})"
            ));
        }
        return Ok(SeChoice::Standard);
    }
    if args.common.sample_cov.is_some() {
        return Err(
            "--se bootstrap resamples raw data: give --data instead of --sample-cov".into(),
        );
    }
    let reps = match args.bootstrap.as_deref().map(str::trim) {
        None => 1000,
        Some(r) => match r.parse::<usize>() {
            Ok(n) if n >= 2 => n,
            _ => {
                return Err(format!(
                    "--bootstrap: '{r}' is not a usable number of replications; give a whole number R of at least 2 (lavaan's default is 1000)"
                ))
            }
        },
    };
    let seed = match args.seed.as_deref().map(str::trim) {
        None => 1,
        Some(v) => v.parse::<u64>().map_err(|_| {
            format!(
                "--seed: '{v}' is not a seed; give a whole number from 0 to 18446744073709551615"
            )
        })?,
    };
    let ci = match args
        .boot_ci
        .as_deref()
        .map(|c| c.trim().to_ascii_lowercase())
    {
        None => BootCiType::Perc,
        Some(c) => match c.as_str() {
            "perc" | "percentile" => BootCiType::Perc,
            "bca" => BootCiType::Bca,
            _ => {
                return Err(format!(
                    "--boot-ci: unknown interval type '{c}'; use perc (percentile) or bca"
                ))
            }
        },
    };
    if args.bollen_stine && args.common.missing == MissingArg::Ml {
        return Err("--bollen-stine needs complete data: leave it out with --missing ml".into());
    }
    Ok(SeChoice::Bootstrap(
        BootstrapOptions {
            reps,
            seed,
            level: 0.95,
            bollen_stine: args.bollen_stine,
            bca: ci == BootCiType::Bca,
        },
        ci,
    ))
}

/// The data and estimation options shared by `fit` and `compare`.
#[derive(Args, Debug)]
pub struct CommonArgs {
    /// Data file: .csv (NA or empty = missing), .parquet, .dta, .sav.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Which lavaan entry point's defaults apply (cfa = sem; lavaan = nothing automatic).
    #[arg(long = "function", value_enum, default_value_t = Function::Sem)]
    pub function: Function,
    /// meanstructure = TRUE.
    #[arg(long)]
    pub meanstructure: bool,
    /// int.ov.free = TRUE (for --function lavaan).
    #[arg(long)]
    pub int_ov_free: bool,
    #[arg(long, value_enum, default_value_t = EstimatorArg::Ml)]
    pub estimator: EstimatorArg,
    #[arg(long, value_enum, default_value_t = MissingArg::Listwise)]
    pub missing: MissingArg,
    /// Grouping column (multi-group model).
    #[arg(long)]
    pub group: Option<String>,
    /// Parameters held equal across groups, comma separated (loadings, intercepts, regressions, residuals, residual.covariances, lv.variances, lv.covariances, means).
    #[arg(long, value_delimiter = ',')]
    pub group_equal: Vec<String>,
    /// Parameters freed from --group-equal, comma separated (e.g. "f=~x2,y~1").
    #[arg(long, value_delimiter = ',')]
    pub group_partial: Vec<String>,
    /// Cluster column (cluster-robust standard errors).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Information matrix for standard errors (default: lavaan's for the estimator).
    #[arg(long, value_enum)]
    pub information: Option<InformationArg>,
    /// Keep every free variance at or above 0 (`pos-var`, lavaan's bounds = "pos.var") for an
    /// admissible solution where the unrestricted one has negative variances.
    #[arg(long, value_enum, default_value_t = BoundsArg::None)]
    pub bounds: BoundsArg,
    /// Summary statistics: covariance matrix (CSV, header row of names, divisor N − 1).
    #[arg(long, requires = "sample_nobs", conflicts_with = "data")]
    pub sample_cov: Option<PathBuf>,
    /// Summary statistics: means (one-row CSV with a header row of names).
    #[arg(long, requires = "sample_cov")]
    pub sample_mean: Option<PathBuf>,
    /// Summary statistics: number of observations.
    #[arg(long, requires = "sample_cov")]
    pub sample_nobs: Option<usize>,
    /// Extra codes meaning "missing", comma separated (e.g. -99,-999).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub missing_codes: Vec<String>,
}

/// The file's name without its folder, for messages.
pub(crate) fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// The options of the estimation crate from the command line.
pub fn fit_options(args: &CommonArgs) -> Result<FitOptions, String> {
    let mut group_equal = Vec::new();
    for g in &args.group_equal {
        let g = g.trim();
        if g.is_empty() {
            continue;
        }
        match GroupEqual::parse(g) {
            Some(v) => group_equal.push(v),
            None => {
                return Err(format!(
                    "--group-equal: unknown parameter type '{g}'; use loadings, intercepts, regressions, residuals, residual.covariances, lv.variances, lv.covariances or means"
                ))
            }
        }
    }
    if !group_equal.is_empty() && args.group.is_none() {
        return Err("--group-equal needs --group".into());
    }
    Ok(FitOptions {
        entry: match args.function {
            Function::Sem => EntryPoint::Sem,
            Function::Cfa => EntryPoint::Cfa,
            Function::Lavaan => EntryPoint::Lavaan,
        },
        meanstructure: args.meanstructure,
        int_ov_free: args.int_ov_free.then_some(true),
        estimator: match args.estimator {
            EstimatorArg::Ml => Estimator::Ml,
            EstimatorArg::Mlr => Estimator::Mlr,
        },
        missing: match args.missing {
            MissingArg::Listwise => Missing::Listwise,
            MissingArg::Ml => Missing::Ml,
        },
        information: args.information.map(|i| match i {
            InformationArg::Expected => Information::Expected,
            InformationArg::Observed => Information::Observed,
        }),
        group_equal,
        bounds: match args.bounds {
            BoundsArg::None => crosslag_sem::Bounds::None,
            BoundsArg::PosVar => crosslag_sem::Bounds::PosVar,
        },
        group_partial: args
            .group_partial
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        keep_vcov: false,
        modindices: false,
        ..FitOptions::default()
    })
}

/// Read the model file.
pub fn read_model(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the model file: {e}", path.display()))
}

/// Load the data a model needs (raw data or summary statistics).
pub fn load_data(args: &CommonArgs, model_vars: &[String]) -> Result<Data, String> {
    if let Some(cov_path) = &args.sample_cov {
        let (names, rows) = read_matrix_csv(cov_path).map_err(|e| e.to_string())?;
        let p = names.len();
        if rows.len() != p || rows.iter().any(|r| r.len() != p) {
            return Err(format!(
                "{}: a covariance matrix needs {p} rows of {p} values (one per name in the header)",
                file_name(cov_path)
            ));
        }
        let cov = Array2::from_shape_fn((p, p), |(i, j)| rows[i][j]);
        let mean = match &args.sample_mean {
            Some(mp) => {
                let (mnames, mrows) = read_matrix_csv(mp).map_err(|e| e.to_string())?;
                let first = mrows
                    .first()
                    .ok_or_else(|| format!("{}: no row of means", file_name(mp)))?;
                let mut m = Array1::zeros(p);
                for (i, n) in names.iter().enumerate() {
                    let j = mnames
                        .iter()
                        .position(|x| x == n)
                        .ok_or_else(|| format!("{}: no mean for variable '{n}'", file_name(mp)))?;
                    m[i] = first[j];
                }
                Some(m)
            }
            None => None,
        };
        let n = args.sample_nobs.unwrap_or(0);
        if n < 2 {
            return Err("--sample-nobs must be at least 2".into());
        }
        return Ok(Data::Moments {
            names,
            groups: vec![(cov, mean, n)],
            group_labels: Vec::new(),
        });
    }
    let path = args
        .data
        .as_ref()
        .ok_or("--data or --sample-cov is required")?;
    let opts = ReadOptions {
        missing_codes: args.missing_codes.clone(),
        long: None,
    };
    let (df, labels) = read_frame_with_labels(path, &opts).map_err(|e| e.to_string())?;
    let sel = Selection {
        variables: model_vars,
        group: args.group.as_deref(),
        cluster: args.cluster.as_deref(),
    };
    let md = select_with_labels(&df, &sel, &file_name(path), &labels).map_err(|e| e.to_string())?;
    Ok(Data::Raw {
        names: md.names,
        values: md.values,
        group: md.group,
        group_labels: md.group_labels,
        cluster: md.cluster,
    })
}

pub fn run(args: &FitArgs) -> Result<(), String> {
    let se = se_choice(args)?;
    let model = read_model(&args.model)?;
    let model_name = file_name(&args.model);
    let vars = crosslag_sem::model_variables(&model).map_err(|e| format!("{model_name}: {e}"))?;
    let data = load_data(&args.common, &vars)?;
    let mut opts = fit_options(&args.common)?;
    opts.keep_vcov = args.vcov;
    opts.modindices = args.modindices;
    let sem_error = |e: crosslag_sem::SemError| match e {
        crosslag_sem::SemError::Syntax(_) | crosslag_sem::SemError::Table(_) => {
            format!("{model_name}: {e}")
        }
        _ => e.to_string(),
    };
    let (bopts, ci) = match se {
        SeChoice::Standard => {
            let res = crosslag_sem::fit(&model, &data, &opts).map_err(sem_error)?;
            let text = match args.format {
                Format::Json => output::json(&res, args.vcov)?,
                Format::Table => output::table(&res),
            };
            return output::emit(&text, args.output.as_deref());
        }
        SeChoice::Bootstrap(bopts, ci) => (bopts, ci),
    };
    simulate_cmd::set_threads(args.threads)?;
    let prepared = Bootstrap::new(&model, &data, &opts, &bopts).map_err(sem_error)?;
    let progress = Progress::new("bootstrap");
    let cb = |d: usize, t: usize| {
        if let Some(p) = &progress {
            p.update(d, t)
        }
    };
    let out = prepared.run(None, Some(&cb));
    let (res, info) = prepared
        .fit_with_bootstrap_se(&out, ci)
        .map_err(sem_error)?;
    let text = match args.format {
        Format::Json => {
            let mut doc = output::json_value(&res, args.vcov);
            doc["bootstrap"] =
                serde_json::to_value(&info).map_err(|e| format!("could not write JSON: {e}"))?;
            serde_json::to_string_pretty(&doc)
                .map(|mut s| {
                    s.push('\n');
                    s
                })
                .map_err(|e| format!("could not write JSON: {e}"))?
        }
        Format::Table => output::table_with(&res, Some(&info)),
    };
    output::emit(&text, args.output.as_deref())
}
