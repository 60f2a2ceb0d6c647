//! `crosslag fit`: fit a model in lavaan syntax (the command line of ../docs/CONTRACT.md).
//!
//! `--se bootstrap` is lavaan's `se = "bootstrap"`: the model is refitted to `--bootstrap R`
//! resamples of the rows (of the clusters with `--cluster`), and the standard errors, z, p and
//! the intervals of every free and `:=` parameter come from the replications
//! ([`crosslag_sem::analyses::bootstrap::Bootstrap::fit_with_bootstrap_se`] has the formulas).

pub use crate::options::Format;
use crate::options::{EstimationArgs, ModelArgs};
use crate::output;
use crate::simulate_cmd::{self, Progress};
use clap::Args;
use crosslag_data::{
    read_frame_with_labels, read_matrix_csv, select_with_labels, ReadOptions, Selection,
};
use crosslag_sem::analyses::bootstrap::{Bootstrap, BootstrapOptions};
use crosslag_sem::infer::{
    se_method, BootCiType, BootstrapOption, SeMethod, SeRequest, SeRequestError, SeType,
};
use crosslag_sem::{Data, FitOptions, OutputOptions};
use ndarray::{Array1, Array2};
use std::path::{Path, PathBuf};

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
    /// Standard errors (lavaan se): default as lavaan (from the information matrix; the
    /// sandwich with MLR or --cluster), `standard` (from the information matrix, also with
    /// MLR), `robust.huber.white` (the sandwich, also with ML: robust SEs beside the
    /// normal-theory test), or `bootstrap` (SEs, z, p and intervals from refits to resampled
    /// rows, or clusters with --cluster).
    #[arg(long, value_name = "TYPE")]
    pub se: Option<String>,
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

/// The message of a flag that is not a number of replications.
fn replications_error(r: &str) -> String {
    format!(
        "--bootstrap: '{r}' is not a usable number of replications; give a whole number R of at least 2 (lavaan's default is 1000)"
    )
}

/// The flag an option of bootstrap standard errors comes from.
fn bootstrap_flag(option: BootstrapOption) -> &'static str {
    match option {
        BootstrapOption::Replications => "--bootstrap",
        BootstrapOption::Seed => "--seed",
        BootstrapOption::Ci => "--boot-ci",
        BootstrapOption::BollenStine => "--bollen-stine",
    }
}

/// `--se`, `--bootstrap`, `--seed`, `--boot-ci`, `--bollen-stine` → the estimation crate's
/// request, checked there ([`crosslag_sem::infer::se_method`]); every mistake is one sentence
/// naming the option.
pub fn se_choice(args: &FitArgs) -> Result<SeMethod, String> {
    let given = args.se.as_deref().unwrap_or("standard");
    let se: SeType = given.parse().map_err(|_| {
        format!("--se: unknown type '{given}'; use standard, robust.huber.white or bootstrap")
    })?;
    let replications = match args.bootstrap.as_deref().map(str::trim) {
        None => None,
        Some(r) => Some(r.parse::<usize>().map_err(|_| replications_error(r))?),
    };
    let seed = match args.seed.as_deref().map(str::trim) {
        None => None,
        Some(v) => Some(v.parse::<u64>().map_err(|_| {
            format!(
                "--seed: '{v}' is not a seed; give a whole number from 0 to 18446744073709551615"
            )
        })?),
    };
    let ci = match args.boot_ci.as_deref() {
        None => None,
        Some(c) => Some(c.parse::<BootCiType>().map_err(|_| {
            format!(
                "--boot-ci: unknown interval type '{}'; use perc (percentile) or bca",
                c.trim().to_ascii_lowercase()
            )
        })?),
    };
    let request = SeRequest {
        se,
        explicit: args.se.is_some(),
        replications,
        seed,
        ci,
        bollen_stine: args.bollen_stine,
    };
    let est = &args.common.estimation;
    let raw_data = args.common.sample_cov.is_none();
    se_method(&request, est.missing, raw_data).map_err(|e| match e {
        SeRequestError::NotBootstrap(option) => {
            let name = bootstrap_flag(option);
            format!("{name} applies to bootstrap standard errors: add --se bootstrap (or leave out {name})")
        }
        SeRequestError::BootstrapNeedsRawData => {
            "--se bootstrap resamples raw data: give --data instead of --sample-cov".into()
        }
        SeRequestError::TooFewReplications(_) => {
            replications_error(args.bootstrap.as_deref().map_or("", str::trim))
        }
        SeRequestError::BollenStineNeedsCompleteData => {
            "--bollen-stine needs complete data: leave it out with --missing ml".into()
        }
    })
}

/// The data and estimation options shared by `fit` and `compare`.
#[derive(Args, Debug)]
pub struct CommonArgs {
    /// Data file: .csv (NA or empty = missing), .parquet, .dta, .sav.
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub estimation: EstimationArgs,
    /// Grouping column (multi-group model).
    #[arg(long)]
    pub group: Option<String>,
    /// Cluster column (cluster-robust standard errors).
    #[arg(long)]
    pub cluster: Option<String>,
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
    Ok(FitOptions {
        model: args.model.options(args.group.is_some())?,
        estimation: args.estimation.options(),
        output: OutputOptions::default(),
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
    opts.output.vcov = args.vcov;
    opts.output.modindices = args.modindices;
    let sem_error = |e: crosslag_sem::SemError| match e {
        crosslag_sem::SemError::Syntax(_) | crosslag_sem::SemError::Table(_) => {
            format!("{model_name}: {e}")
        }
        _ => e.to_string(),
    };
    let (bopts, ci) = match se {
        SeMethod::Information(kind) => {
            opts.estimation.se = kind;
            let res = crosslag_sem::fit(&model, &data, &opts).map_err(sem_error)?;
            let text = match args.format {
                Format::Json => output::json(&res, args.vcov)?,
                Format::Table => output::table(&res),
            };
            return output::emit(&text, args.output.as_deref());
        }
        SeMethod::Bootstrap(b) => (BootstrapOptions::for_se(&b), b.ci),
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
