//! `crosslag fit`: fit a model in lavaan syntax (the command line of ../docs/CONTRACT.md).

use crate::output;
use clap::{Args, ValueEnum};
use crosslag_data::{
    read_frame_with_labels, read_matrix_csv, select_with_labels, ReadOptions, Selection,
};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InformationArg {
    Expected,
    Observed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// lavaan-style summary.
    Table,
    /// The JSON of CONTRACT.md.
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
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// The data and estimation options shared by `fit` and `compare`.
#[derive(Args, Debug)]
pub struct CommonArgs {
    /// Data file: .csv (NA or empty = missing), .parquet, .dta, .sav.
    #[arg(long, required_unless_present = "sample_cov")]
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

fn file_name(p: &Path) -> String {
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
    let model = read_model(&args.model)?;
    let model_name = file_name(&args.model);
    let vars = crosslag_sem::model_variables(&model).map_err(|e| format!("{model_name}: {e}"))?;
    let data = load_data(&args.common, &vars)?;
    let mut opts = fit_options(&args.common)?;
    opts.keep_vcov = args.vcov;
    opts.modindices = args.modindices;
    let res = crosslag_sem::fit(&model, &data, &opts).map_err(|e| match e {
        crosslag_sem::SemError::Syntax(_) | crosslag_sem::SemError::Table(_) => {
            format!("{model_name}: {e}")
        }
        _ => e.to_string(),
    })?;
    let text = match args.format {
        Format::Json => output::json(&res, args.vcov)?,
        Format::Table => output::table(&res),
    };
    output::emit(&text, args.output.as_deref())
}
