//! Fitting a model: syntax → parameter table → RAM → estimates → inference → results.
//!
//! This is the crate's front door ([`fit`]); the other modules each do one step.

use crate::constraints::Reduction;
use crate::fit as measures;
use crate::inference;
use crate::information;
use crate::linalg;
use crate::objective::{FimlData, Objective};
use crate::optimize::OptimOptions;
use crate::partable::{self, EntryPoint, GroupEqual, Op, ParTable, TableOptions};
use crate::ram::RamModel;
use crate::results::{FitResult, GroupMatrices, NamedValues, ParameterRow, ScaledTest};
use crate::robust;
use crate::standardize::{self, Kind};
use crate::stats;
use crate::syntax;
use crate::vcov;
use ndarray::{Array1, Array2};
pub use prepare::near_matches;
use prepare::{ngroups_of, prepare, RawUse};

mod prepare;
use serde::Serialize;
use std::sync::Arc;

/// Estimator (lavaan `estimator=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Estimator {
    #[serde(rename = "ML")]
    Ml,
    #[serde(rename = "MLR")]
    Mlr,
}

/// Treatment of missing values (lavaan `missing=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    Listwise,
    Ml,
}

/// Information matrix for standard errors (lavaan `information=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Information {
    Expected,
    Observed,
}

/// Automatic bounds on parameters (lavaan `bounds=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Bounds {
    /// No bounds besides the user's `label > c` constraints (lavaan's default).
    #[default]
    None,
    /// Every free variance (observed residual and latent) at least 0 (lavaan `"pos.var"`).
    PosVar,
}

/// Options of a fit, with lavaan's meaning; `Default` gives `sem()`'s defaults.
#[derive(Debug, Clone, Serialize)]
pub struct FitOptions {
    pub entry: EntryPoint,
    pub meanstructure: bool,
    pub int_ov_free: Option<bool>,
    pub estimator: Estimator,
    pub missing: Missing,
    /// `None`: lavaan's default for the estimator and missing-data method.
    pub information: Option<Information>,
    pub group_equal: Vec<GroupEqual>,
    pub group_partial: Vec<String>,
    pub fixed_x: bool,
    pub std_lv: bool,
    pub optim: OptimOptions,
    /// Include the covariance matrix of the estimates in the result.
    pub keep_vcov: bool,
    /// Compute modification indices (lavaan `modindices()`; complete-data ML).
    pub modindices: bool,
    pub bounds: Bounds,
    /// Parameters held at or above 0, by lavaan name (`RI_x~~RI_x`; spaces ignored; every
    /// group): e.g. the random-intercept variances in the χ̄² test's restricted fit.
    pub nonnegative: Vec<String>,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            entry: EntryPoint::Sem,
            meanstructure: false,
            int_ov_free: None,
            estimator: Estimator::Ml,
            missing: Missing::Listwise,
            information: None,
            group_equal: Vec::new(),
            group_partial: Vec::new(),
            fixed_x: true,
            std_lv: false,
            optim: OptimOptions::default(),
            keep_vcov: false,
            modindices: false,
            bounds: Bounds::None,
            nonnegative: Vec::new(),
        }
    }
}

/// The data of a fit: raw rows or summary statistics, per group.
#[derive(Debug, Clone)]
pub enum Data {
    /// Raw data: `values` is rows × `names` (NaN = missing); `group` gives a 0-based group
    /// per row; `cluster` a 0-based cluster per row.
    Raw {
        names: Vec<String>,
        values: Array2<f64>,
        group: Option<Vec<usize>>,
        group_labels: Vec<String>,
        cluster: Option<Vec<usize>>,
    },
    /// Summary statistics per group: covariance with divisor N − 1 (rescaled by (N−1)/N as
    /// lavaan does), optional means, N.
    Moments {
        names: Vec<String>,
        groups: Vec<(Array2<f64>, Option<Array1<f64>>, usize)>,
        group_labels: Vec<String>,
    },
}

/// Why a fit could not be run.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SemError {
    #[error("model syntax, {0}")]
    Syntax(#[from] syntax::SyntaxError),
    #[error("model, {0}")]
    Table(#[from] partable::TableError),
    #[error("variable '{name}' is not in the data{hint}")]
    UnknownVariable { name: String, hint: String },
    #[error("{0}")]
    Data(String),
    #[error("the model is not identified: {npar} free parameters but only {moments} sample moments; fix or constrain parameters")]
    TooManyParameters { npar: usize, moments: usize },
    #[error("{0} is not supported yet")]
    Unsupported(String),
    #[error("the starting values give a covariance matrix that is not positive definite; give start values with start()")]
    BadStart,
}

/// The observed variables a model uses (to select data columns), in lavaan's order.
pub fn model_variables(model: &str) -> Result<Vec<String>, SemError> {
    let syn = syntax::parse(model)?;
    let pt = partable::build(&syn, &TableOptions::default())?;
    Ok(pt.ov_names)
}

/// Fit a model in lavaan syntax to data.
pub fn fit(model: &str, data: &Data, opts: &FitOptions) -> Result<FitResult, SemError> {
    let clustered = matches!(
        data,
        Data::Raw {
            cluster: Some(_),
            ..
        }
    );
    let fiml = opts.missing == Missing::Ml;
    // MLR, and any fit with clusters (lavaan: se = "robust.cluster", test = "yuan.bentler.mplus")
    let robust = opts.estimator == Estimator::Mlr || clustered;
    if matches!(data, Data::Moments { .. }) && (fiml || robust) {
        return Err(SemError::Data(
            "missing = \"ml\" and robust (MLR) inference need raw data, not summary statistics"
                .into(),
        ));
    }
    let syn = syntax::parse(model)?;
    let ngroups = ngroups_of(data);
    let topts = TableOptions {
        entry: opts.entry,
        // lavaan forces a mean structure with missing = "ml" and with clusters
        meanstructure: opts.meanstructure || fiml || clustered,
        int_ov_free: opts.int_ov_free,
        int_lv_free: false,
        fixed_x: opts.fixed_x,
        std_lv: opts.std_lv,
        orthogonal: false,
        ngroups,
        group_equal: opts.group_equal.clone(),
        group_partial: opts.group_partial.clone(),
    };
    let mut pt = partable::build(&syn, &topts)?;
    let prep = prepare(
        data,
        &pt.ov_names,
        RawUse {
            fiml,
            keep_raw: robust,
            fixed_x: &pt
                .ov_x
                .iter()
                .filter_map(|x| pt.ov_names.iter().position(|v| v == x))
                .collect::<Vec<usize>>(),
        },
    )?;
    if let Data::Moments { groups, .. } = data {
        if pt.meanstructure && groups.iter().any(|g| g.1.is_none()) {
            return Err(SemError::Data(
                "the model has a mean structure but no sample means were given (--sample-mean)"
                    .into(),
            ));
        }
    }
    // exogenous covariates: fix their moments at the sample values
    for r in pt.rows.iter_mut().filter(|r| r.exo) {
        let m = &prep.moments[r.group];
        let i = pt.ov_names.iter().position(|v| *v == r.lhs).unwrap_or(0);
        r.ustart = Some(match r.op {
            Op::Covariance => {
                let j = pt.ov_names.iter().position(|v| *v == r.rhs).unwrap_or(0);
                m.cov[[i, j]]
            }
            _ => m.mean[i],
        });
    }
    for (g, m) in prep.moments.iter().enumerate() {
        if m.logdet.is_none() {
            let label = prep.group_labels.get(g).cloned().unwrap_or_default();
            return Err(SemError::Data(format!(
                "{}the sample covariance matrix of the model variables is not positive definite (a variable is constant or a linear combination of others)",
                if ngroups > 1 { format!("group {label}: ") } else { String::new() }
            )));
        }
    }
    let mut red = Reduction::build(&pt)?;
    if opts.bounds == Bounds::PosVar {
        crate::estimate::add_positive_variance_bounds(&pt, &mut red);
    }
    crate::estimate::add_nonnegative_bounds(&pt, &mut red, &opts.nonnegative);
    let ram = RamModel::from_partable(&pt);
    let p = pt.ov_names.len();
    let px = pt.ov_x.len();
    let ms = pt.meanstructure;
    let moments_per_group = p * (p + 1) / 2 + if ms { p } else { 0 };
    let x_moments = px * (px + 1) / 2 + if ms { px } else { 0 };
    let ndat = ngroups * (moments_per_group - x_moments);
    let npar = red.nphi;
    if npar > ndat {
        return Err(SemError::TooManyParameters {
            npar,
            moments: ndat,
        });
    }

    let fiml_data = fiml.then(|| {
        Arc::new(FimlData {
            groups: prep.raw.clone(),
            h1: prep
                .h1
                .iter()
                .zip(&prep.raw)
                .map(|(h, gd)| h.m2ll / gd.nobs() as f64)
                .collect(),
        })
    });
    let obj = match &fiml_data {
        Some(fd) => Objective::fiml(&ram, &red, &prep.moments, Arc::clone(fd)),
        None => Objective::new(&ram, &red, &prep.moments),
    };
    let opt = crate::estimate::estimate(&pt, &red, &obj, &prep.moments, &opts.optim)
        .ok_or(SemError::BadStart)?;
    let mut theta = vec![0.0; red.ntheta()];
    red.theta(&opt.phi, &mut theta);
    let mut warnings = Vec::new();
    if prep.dropped_x > 0 {
        warnings.push(format!(
            "{} case{} deleted because of missing values in exogenous covariates while fixed.x = TRUE (as lavaan does)",
            prep.dropped_x,
            if prep.dropped_x == 1 { " was" } else { "s were" }
        ));
    }
    if prep.dropped_empty > 0 {
        warnings.push(format!(
            "{} case{} with no observed value on any model variable {} ignored (as lavaan does)",
            prep.dropped_empty,
            if prep.dropped_empty == 1 { "" } else { "s" },
            if prep.dropped_empty == 1 {
                "was"
            } else {
                "were"
            }
        ));
    }
    if !opt.converged {
        warnings.push(format!(
            "the optimizer did not converge ({}; largest gradient element {:.2e}); results are not trustworthy",
            opt.reason, opt.max_abs_gradient
        ));
    }

    // ---- inference ----
    let ntotal: usize = prep.moments.iter().map(|m| m.nobs).sum();
    // lavaan: observed information with missing = "ml", MLR and clusters, else expected
    let information = opts.information.unwrap_or(if fiml || robust {
        Information::Observed
    } else {
        Information::Expected
    });
    let ws = obj.workspace_at(&theta);
    let x_idx: Vec<usize> = pt
        .ov_x
        .iter()
        .filter_map(|x| pt.ov_names.iter().position(|v| v == x))
        .collect();
    let weights = obj.weights.clone();
    let rgroups: Vec<robust::RobustGroup> = prep
        .raw
        .iter()
        .enumerate()
        .map(|(g, gd)| robust::RobustGroup {
            data: gd,
            h1_mean: prep.moments[g].mean.view(),
            h1_cov: prep.moments[g].cov.view(),
            fixed_x: &x_idx,
            weight: weights[g],
            fiml,
        })
        .collect();
    let mut vcov_theta: Option<Array2<f64>> = None;
    // E⁻¹ in θ and the per-group first-order informations B0_g (robust inference)
    let mut e_inv_theta: Option<Array2<f64>> = None;
    let mut b0_groups: Option<Vec<Array2<f64>>> = None;
    if let Some(ws) = &ws {
        let i_theta = match information {
            Information::Expected => information::expected(&ram, ws, &obj.weights),
            Information::Observed => information::hessian(&ram, ws, &obj.weights),
        };
        let curvature = (information == Information::Observed && !red.linear)
            .then(|| red.curvature(&opt.phi, &ws.grad_theta));
        let (e_inv, notes) = vcov::inverse_information(
            &pt,
            &red,
            &opt.phi,
            &theta,
            &i_theta,
            curvature.as_ref(),
            &prep.group_labels,
        );
        warnings.extend(notes);
        match e_inv {
            Some(e_inv) => {
                if robust {
                    // Huber–White sandwich E⁻¹ B0 E⁻¹ / N
                    match robust::first_order_theta(&ram, &ws.implied, &rgroups) {
                        Some(b0) => {
                            let b0_total = robust::weighted_sum(&b0, &rgroups);
                            vcov_theta = Some(e_inv.dot(&b0_total).dot(&e_inv) / ntotal as f64);
                            b0_groups = Some(b0);
                        }
                        None => warnings.push(
                            "the casewise scores could not be computed: robust standard errors are not available".into(),
                        ),
                    }
                } else {
                    vcov_theta = Some(&e_inv / ntotal as f64);
                }
                e_inv_theta = Some(e_inv);
            }
            None => warnings.push(
                "the information matrix is singular: standard errors could not be computed (the model may not be identified)".into(),
            ),
        }
    }

    // ---- log-likelihood, chi-square ----
    let ws = ws.ok_or(SemError::BadStart)?;
    let mut chisq = 0.0;
    let mut logl = 0.0;
    let mut unrestricted = 0.0;
    let mut baseline_chisq = 0.0;
    let fiml_lik = fiml.then(|| inference::fiml_likelihood(&ws, &prep.raw, &prep.h1, &x_idx));
    if let Some(fl) = &fiml_lik {
        chisq = fl.chisq;
        logl = fl.logl;
        unrestricted = fl.unrestricted;
        baseline_chisq = fl.baseline_chisq;
    }
    for (g, m) in prep.moments.iter().enumerate() {
        if fiml {
            break;
        }
        let n = m.nobs as f64;
        let f = ws.ml[g]
            .clone()
            .value(m, &ws.implied[g], ms)
            .unwrap_or(f64::NAN);
        chisq += n * f;
        let ls = m.logdet.unwrap_or(f64::NAN);
        let sat = inference::saturated_loglik(m.nobs, p, ls);
        let mut x_part = 0.0;
        let mut logdet_sxx = 0.0;
        if !x_idx.is_empty() {
            let sxx = Array2::from_shape_fn((x_idx.len(), x_idx.len()), |(a, b)| {
                m.cov[[x_idx[a], x_idx[b]]]
            });
            logdet_sxx = linalg::spd_inverse(sxx.view())
                .map(|(_, l)| l)
                .unwrap_or(f64::NAN);
            x_part = inference::saturated_loglik(m.nobs, x_idx.len(), logdet_sxx);
        }
        logl += sat - n / 2.0 * f - x_part;
        unrestricted += sat - x_part;
        // independence baseline: diagonal Σ for non-x variables, S_xx for x
        let mut lb = logdet_sxx;
        for i in 0..p {
            if !x_idx.contains(&i) {
                lb += m.cov[[i, i]].ln();
            }
        }
        baseline_chisq += n * (lb - ls);
    }
    let df = ndat as f64 - npar as f64;
    let py = p - px;
    let baseline_df = ndat as f64 - (ngroups * (py + if ms { py } else { 0 })) as f64;

    // ---- parameter rows ----
    let se_of =
        |k: usize| -> Option<f64> { vcov_theta.as_ref().map(|v| v[[k, k]].max(0.0).sqrt()) };
    // SDs and residual variances per group for standardization
    let m_all = ram.nvar();
    let is_lv: Vec<bool> = (0..m_all).map(|v| v >= p).collect();
    let is_x: Vec<bool> = (0..m_all).map(|v| v < p && x_idx.contains(&v)).collect();
    let names = &ram.var_names;
    let index = |s: &str| names.iter().position(|v| v == s).unwrap_or(0);
    let z975 = stats::qnorm(0.975);
    let mut parameters: Vec<ParameterRow> = Vec::new();
    for (ri, r) in pt.rows.iter().enumerate() {
        let Some((g, slot)) = ram.row_slots[ri] else {
            continue;
        };
        let est = if r.free > 0 {
            theta[r.free - 1]
        } else {
            ram.fixed[g].get(slot)
        };
        let e = &ws.implied[g].e;
        let sd = Array1::from_shape_fn(m_all, |v| e[[v, v]].sqrt());
        let s = &ws.mats[g].s;
        let std_lv = standardize::row_value(Kind::Lv, r, est, &sd, s, &is_lv, &is_x, &index);
        let std_all = standardize::row_value(Kind::All, r, est, &sd, s, &is_lv, &is_x, &index);
        let std_nox = standardize::row_value(Kind::NoX, r, est, &sd, s, &is_lv, &is_x, &index);
        let (se, z, pvalue, lo, hi) = if r.free > 0 {
            match se_of(r.free - 1) {
                Some(se) => {
                    let z = est / se;
                    (
                        Some(se),
                        Some(z),
                        Some(2.0 * stats::pnorm(-z.abs())),
                        Some(est - z975 * se),
                        Some(est + z975 * se),
                    )
                }
                None => (None, None, None, None, None),
            }
        } else {
            (Some(0.0), None, None, Some(est), Some(est))
        };
        parameters.push(ParameterRow {
            lhs: r.lhs.clone(),
            op: r.op.as_str().to_string(),
            rhs: r.rhs.clone(),
            group: g + 1,
            label: if r.user_label {
                r.label.clone()
            } else {
                String::new()
            },
            free: r.free,
            exo: r.exo,
            est,
            se,
            z,
            pvalue,
            ci_lower: lo,
            ci_upper: hi,
            std_lv: Some(std_lv),
            std_all: Some(std_all),
            std_nox: Some(std_nox),
        });
    }
    // defined parameters (delta method)
    for d in &pt.definitions {
        let (est, grad_phi) = red.definition_value(d, &opt.phi);
        // Var = ∇ᵀ V_φ ∇, where V_φ is vcov_θ at the first copy of each φ element.
        let se = vcov_theta.as_ref().map(|vt| {
            let idx = &red.phi_first_theta;
            let mut var = 0.0;
            for a in 0..grad_phi.len() {
                for b in 0..grad_phi.len() {
                    var += grad_phi[a] * vt[[idx[a], idx[b]]] * grad_phi[b];
                }
            }
            var.max(0.0).sqrt()
        });
        let (z, pvalue, lo, hi) = match se {
            Some(se) => {
                let z = est / se;
                (
                    Some(z),
                    Some(2.0 * stats::pnorm(-z.abs())),
                    Some(est - z975 * se),
                    Some(est + z975 * se),
                )
            }
            None => (None, None, None, None),
        };
        parameters.push(ParameterRow {
            lhs: d.name.clone(),
            op: ":=".into(),
            rhs: d.expr.to_lavaan(),
            group: 0,
            label: d.name.clone(),
            free: 0,
            exo: false,
            est,
            se,
            z,
            pvalue,
            ci_lower: lo,
            ci_upper: hi,
            std_lv: None,
            std_all: None,
            std_nox: None,
        });
    }
    standardize_definitions(&pt, &mut parameters);

    let groups: Vec<GroupMatrices> = (0..ngroups)
        .map(|g| GroupMatrices {
            names: pt.ov_names.clone(),
            implied_cov: ws.implied[g].sigma.clone(),
            implied_mean: ms.then(|| ws.implied[g].mu.clone()),
            sample_cov: prep.moments[g].cov.clone(),
            sample_mean: ms.then(|| prep.moments[g].mean.clone()),
            nobs: prep.moments[g].nobs,
        })
        .collect();
    let r2 = crate::results::r_squared(&pt, &ram, &ws, &parameters);
    // what GFI needs under missing = "ml": patterns, pairwise covariances, available means
    let missing_parts: Vec<(Vec<measures::MissingPattern>, Array2<f64>, Array1<f64>)> = if fiml {
        prep.raw
            .iter()
            .map(|gd| {
                let pats = gd
                    .patterns
                    .iter()
                    .map(|pt| measures::MissingPattern {
                        observed: (0..p).map(|j| pt.obs.contains(&j)).collect(),
                        freq: pt.freq,
                    })
                    .collect();
                (pats, gd.pairwise_cov(), gd.available_means())
            })
            .collect()
    } else {
        Vec::new()
    };
    let group_moments: Vec<measures::GroupMoments> = groups
        .iter()
        .enumerate()
        .map(|(g, gm)| measures::GroupMoments {
            nobs: gm.nobs,
            sample_cov: gm.sample_cov.view(),
            sample_mean: gm.sample_mean.as_ref().map(|m| m.view()),
            implied_cov: gm.implied_cov.view(),
            implied_mean: gm.implied_mean.as_ref().map(|m| m.view()),
            fixed_x: &x_idx,
            missing: missing_parts
                .get(g)
                .map(|(pats, cov, mean)| measures::MissingMoments {
                    patterns: pats,
                    pairwise_cov: cov.view(),
                    available_mean: mean.view(),
                }),
        })
        .collect();
    // ---- robust tests: Yuan–Bentler (MLR, clusters) and FIML-corrected RMSEA/CFI ----
    let mut scaled_test: Option<ScaledTest> = None;
    let mut robust_inputs: Option<measures::RobustInputs> = None;
    if let (true, Some(e_inv), Some(b0)) = (robust, e_inv_theta.as_ref(), b0_groups.as_ref()) {
        let traces = robust::h1_traces(&rgroups, ms);
        let baselines: Vec<(Array1<f64>, Array2<f64>)> = match &fiml_lik {
            Some(fl) => fl
                .baselines
                .iter()
                .map(|b| (b.mean.clone(), b.cov.clone()))
                .collect(),
            None => prep
                .moments
                .iter()
                .map(|m| {
                    let xx = Array2::from_shape_fn((x_idx.len(), x_idx.len()), |(a, b)| {
                        m.cov[[x_idx[a], x_idx[b]]]
                    });
                    robust::baseline_moments(p, &m.mean, &m.cov.diag().to_owned(), &x_idx, &xx)
                })
                .collect(),
        };
        if let Some(traces) = traces {
            let yb = robust::yb_trace(&traces, b0, e_inv, &rgroups);
            let base =
                robust::baseline_yb_trace(&traces, &rgroups, &baselines, ms).unwrap_or(f64::NAN);
            // lavaan gives no scaling factor for a model with df = 0
            let trace = if df > 0.0 { yb.trace_ugamma } else { f64::NAN };
            robust_inputs = Some(measures::RobustInputs {
                trace_ugamma: trace,
                baseline_trace_ugamma: base,
                scaling_factor_h1: Some(yb.scaling_factor_h1),
                scaling_factor_h0: Some(yb.scaling_factor_h0),
            });
            let c = trace / df;
            scaled_test = Some(ScaledTest {
                test: "yuan.bentler.mplus".into(),
                chisq_scaled: chisq / c,
                scaling_factor: c,
                trace_ugamma: trace,
                scaling_factor_h1: yb.scaling_factor_h1,
                scaling_factor_h0: yb.scaling_factor_h0,
            });
        } else {
            warnings
                .push("the h1 information could not be inverted: no scaled test statistic".into());
        }
    }
    let mut fiml_corrected: Option<measures::FimlCorrected> = None;
    if let Some(fl) = &fiml_lik {
        let xx3 = measures::chisq::ml_chisq(&group_moments);
        let xx3_null: f64 = group_moments
            .iter()
            .zip(&fl.baselines)
            .map(|(gm, b)| {
                gm.nobs as f64
                    * measures::chisq::ml_discrepancy(
                        gm.sample_cov,
                        gm.sample_mean,
                        b.cov.view(),
                        Some(b.mean.view()),
                    )
            })
            .sum();
        if let Some((k, kb)) = robust::fiml_corrected_k(
            &ram,
            &ws.implied,
            &red,
            &opt.phi,
            &rgroups,
            robust_inputs.is_some(),
        ) {
            fiml_corrected = Some(measures::FimlCorrected {
                chisq: xx3,
                scaling_factor: k / df,
                baseline_chisq: xx3_null,
                baseline_scaling_factor: kb / baseline_df,
            });
        }
    }
    warnings.extend(inference::admissibility_warnings(
        &pt,
        &ram,
        &ws,
        &prep.group_labels,
    ));
    let fit_list = measures::fit_measures(&measures::FitInputs {
        npar,
        fmin: opt.fx,
        chisq,
        df,
        baseline_chisq,
        baseline_df,
        logl,
        unrestricted_logl: unrestricted,
        groups: &group_moments,
        robust: robust_inputs,
        missing_ml: fiml,
        fiml_corrected,
        options: measures::FitMeasureOptions::default(),
    });
    let fit_values: Vec<(String, Option<f64>)> = fit_list
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    Ok(FitResult {
        converged: opt.converged,
        iterations: opt.iterations,
        optimizer_reason: opt.reason.clone(),
        max_abs_gradient: opt.max_abs_gradient,
        ngroups,
        group_labels: prep.group_labels.clone(),
        nobs: prep.moments.iter().map(|m| m.nobs).collect(),
        norig: prep.norig.clone(),
        npar,
        fmin: opt.fx,
        chisq,
        df,
        baseline_chisq,
        baseline_df,
        loglik: logl,
        unrestricted_loglik: unrestricted,
        ntotal,
        parameters,
        groups,
        r2,
        vcov: if opts.keep_vcov { vcov_theta } else { None },
        modindices: if opts.modindices && fiml_data.is_none() {
            crate::modindices::modification_indices(
                &pt,
                &red,
                &opt.phi,
                &prep.moments,
                information == Information::Observed,
            )
        } else {
            Vec::new()
        },
        fit: NamedValues(fit_values),
        warnings,
        information,
        estimator: opts.estimator,
        missing: opts.missing,
        clustered,
        meanstructure: ms,
        ov_names: pt.ov_names.clone(),
        scaled_test,
    })
}

/// std values of `:=` rows: the definition evaluated on standardized labelled parameters
/// (as lavaan does).
fn standardize_definitions(pt: &ParTable, params: &mut [ParameterRow]) {
    type Pick = fn(&ParameterRow) -> Option<f64>;
    let picks: [(usize, Pick); 3] = [(0, |r| r.std_lv), (1, |r| r.std_all), (2, |r| r.std_nox)];
    for d in &pt.definitions {
        let mut vals = [None; 3];
        for (slot, pick) in picks {
            let lookup = |name: &str| -> Option<f64> {
                params
                    .iter()
                    .find(|r| r.op != ":=" && r.label == name)
                    .and_then(pick)
                    .or_else(|| {
                        params
                            .iter()
                            .find(|r| r.op == ":=" && r.lhs == name)
                            .and_then(pick)
                    })
            };
            vals[slot] = d.expr.eval(&lookup).ok();
        }
        if let Some(row) = params.iter_mut().find(|r| r.op == ":=" && r.lhs == d.name) {
            row.std_lv = vals[0];
            row.std_all = vals[1];
            row.std_nox = vals[2];
        }
    }
}
