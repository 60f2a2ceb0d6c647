//! Fitting a model: syntax → parameter table → RAM → estimates → inference → results.
//!
//! This is the crate's front door ([`fit`]); the other modules each do one step.

use crate::constraints::Reduction;
use crate::information;
use crate::linalg;
use crate::objective::Objective;
use crate::observed::Moments;
use crate::optimize::{self, OptimOptions};
use crate::partable::{self, EntryPoint, GroupEqual, Op, ParTable, TableOptions};
use crate::ram::RamModel;
use crate::fit as measures;
use crate::results::{FitResult, GroupMatrices, NamedValues, ParameterRow};
use crate::standardize::{self, Kind};
use crate::start::StartStyle;
use crate::stats;
use crate::syntax;
use ndarray::{Array1, Array2};
use serde::Serialize;

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

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let c = if a[i - 1] == b[j - 1] { 0 } else { 1 };
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + c);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Near matches of `name` among `candidates` (at most three).
pub fn near_matches(name: &str, candidates: &[String]) -> Vec<String> {
    let mut scored: Vec<(usize, &String)> = candidates
        .iter()
        .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= 2.max(name.len() / 3))
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c.clone()).collect()
}

/// Per-group data prepared for estimation.
struct Prepared {
    moments: Vec<Moments>,
    group_labels: Vec<String>,
    norig: Vec<usize>,
}

fn prepare(data: &Data, ov: &[String]) -> Result<Prepared, SemError> {
    match data {
        Data::Raw {
            names,
            values,
            group,
            group_labels,
            ..
        } => {
            let mut cols = Vec::with_capacity(ov.len());
            for v in ov {
                match names.iter().position(|n| n == v) {
                    Some(c) => cols.push(c),
                    None => {
                        let near = near_matches(v, names);
                        let hint = if near.is_empty() {
                            String::new()
                        } else {
                            format!("; did you mean {}?", near.join(", "))
                        };
                        return Err(SemError::UnknownVariable {
                            name: v.clone(),
                            hint,
                        });
                    }
                }
            }
            let ngroups = if group.is_some() {
                group_labels.len().max(1)
            } else {
                1
            };
            let mut moments = Vec::new();
            let mut norig = Vec::new();
            for g in 0..ngroups {
                let rows: Vec<usize> = (0..values.nrows())
                    .filter(|&r| group.as_ref().is_none_or(|gr| gr[r] == g))
                    .collect();
                norig.push(rows.len());
                let complete: Vec<usize> = rows
                    .iter()
                    .copied()
                    .filter(|&r| cols.iter().all(|&c| values[[r, c]].is_finite()))
                    .collect();
                let mut x = Array2::zeros((complete.len(), cols.len()));
                for (i, &r) in complete.iter().enumerate() {
                    for (j, &c) in cols.iter().enumerate() {
                        x[[i, j]] = values[[r, c]];
                    }
                }
                if complete.len() <= cols.len() {
                    let label = group_labels.get(g).cloned().unwrap_or_default();
                    return Err(SemError::Data(format!(
                        "{}only {} complete cases for {} variables; use --missing ml or check the data",
                        if ngroups > 1 { format!("group {label}: ") } else { String::new() },
                        complete.len(),
                        cols.len()
                    )));
                }
                moments.push(Moments::from_complete(x.view()));
            }
            let labels = if ngroups > 1 { group_labels.clone() } else { Vec::new() };
            Ok(Prepared {
                moments,
                group_labels: labels,
                norig,
            })
        }
        Data::Moments {
            names,
            groups,
            group_labels,
        } => {
            let mut moments = Vec::new();
            let mut norig = Vec::new();
            for (cov, mean, n) in groups {
                let mut c = Array2::zeros((ov.len(), ov.len()));
                let mut m = Array1::zeros(ov.len());
                let mut idx = Vec::new();
                for v in ov {
                    match names.iter().position(|x| x == v) {
                        Some(i) => idx.push(i),
                        None => {
                            return Err(SemError::UnknownVariable {
                                name: v.clone(),
                                hint: " (sample covariance matrix)".into(),
                            })
                        }
                    }
                }
                let rescale = (*n as f64 - 1.0) / *n as f64;
                for (a, &i) in idx.iter().enumerate() {
                    for (b, &j) in idx.iter().enumerate() {
                        c[[a, b]] = cov[[i, j]] * rescale;
                    }
                    if let Some(mean) = mean {
                        m[a] = mean[i];
                    }
                }
                norig.push(*n);
                moments.push(Moments::new(*n, c, m));
            }
            Ok(Prepared {
                moments,
                group_labels: group_labels.clone(),
                norig,
            })
        }
    }
}

fn ngroups_of(data: &Data) -> usize {
    match data {
        Data::Raw {
            group: Some(_),
            group_labels,
            ..
        } => group_labels.len().max(1),
        Data::Raw { .. } => 1,
        Data::Moments { groups, .. } => groups.len(),
    }
}

/// log-likelihood of the saturated model of a group: −N/2 [p log 2π + log|S| + p].
fn saturated_loglik(n: usize, p: usize, logdet_s: f64) -> f64 {
    -(n as f64) / 2.0 * (p as f64 * (2.0 * std::f64::consts::PI).ln() + logdet_s + p as f64)
}

/// Fit a model in lavaan syntax to data.
pub fn fit(model: &str, data: &Data, opts: &FitOptions) -> Result<FitResult, SemError> {
    if opts.missing == Missing::Ml {
        return Err(SemError::Unsupported("missing = \"ml\" (FIML)".into()));
    }
    if opts.estimator == Estimator::Mlr {
        return Err(SemError::Unsupported("estimator = \"MLR\"".into()));
    }
    let syn = syntax::parse(model)?;
    let ngroups = ngroups_of(data);
    let topts = TableOptions {
        entry: opts.entry,
        meanstructure: opts.meanstructure,
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
    let prep = prepare(data, &pt.ov_names)?;
    if let Data::Moments { groups, .. } = data {
        if pt.meanstructure && groups.iter().any(|g| g.1.is_none()) {
            return Err(SemError::Data(
                "the model has a mean structure but no sample means were given (--sample-mean)".into(),
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
    let red = Reduction::build(&pt)?;
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

    let obj = Objective::new(&ram, &red, &prep.moments);
    // Attempts as lavaan's `optim.attempts`: scaled starting values, then lavaan's own rules;
    // the first converged solution is kept, otherwise the one with the lowest fx.
    let mut opt: Option<optimize::OptimResult> = None;
    for style in [StartStyle::Scaled, StartStyle::Lavaan] {
        let theta0 = crate::start::start_values(&pt, &prep.moments, style);
        let phi0 = red.phi_from_theta(&theta0);
        if !obj.value(&phi0).is_finite() {
            continue;
        }
        let attempt = optimize::minimize(&obj, &phi0, &opts.optim);
        let better = match &opt {
            None => true,
            Some(o) => (attempt.converged && !o.converged) || (attempt.converged == o.converged && attempt.fx < o.fx),
        };
        if better {
            opt = Some(attempt);
        }
        if opt.as_ref().is_some_and(|o| o.converged) {
            break;
        }
    }
    let opt = opt.ok_or(SemError::BadStart)?;
    let mut theta = vec![0.0; red.ntheta()];
    red.theta(&opt.phi, &mut theta);
    let mut warnings = Vec::new();
    if !opt.converged {
        warnings.push(format!(
            "the optimizer did not converge ({}; largest gradient element {:.2e}); results are not trustworthy",
            opt.reason, opt.max_abs_gradient
        ));
    }

    // ---- inference ----
    let ntotal: usize = prep.moments.iter().map(|m| m.nobs).sum();
    let information = opts.information.unwrap_or(Information::Expected);
    let ws = obj.workspace_at(&theta);
    let mut vcov_theta: Option<Array2<f64>> = None;
    if let Some(ws) = &ws {
        let i_theta = match information {
            Information::Expected => information::expected(&ram, ws, &obj.weights),
            Information::Observed => information::hessian(&ram, ws, &obj.weights),
        };
        let j = red.jacobian(&opt.phi);
        let mut i_phi = j.t().dot(&i_theta).dot(&j);
        if information == Information::Observed && !red.linear {
            i_phi += &red.curvature(&opt.phi, &ws.grad_theta);
        }
        match linalg::symmetric_inverse(i_phi.view()) {
            Some(inv) => {
                let ev = linalg::symmetric_eigenvalues(i_phi.view());
                if ev.first().copied().unwrap_or(0.0) <= 1e-10 * ev.last().copied().unwrap_or(1.0).abs() {
                    warnings.push("the information matrix is close to singular: the model may not be identified".into());
                }
                vcov_theta = Some(j.dot(&inv).dot(&j.t()) / ntotal as f64);
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
    let x_idx: Vec<usize> = pt
        .ov_x
        .iter()
        .filter_map(|x| pt.ov_names.iter().position(|v| v == x))
        .collect();
    let mut baseline_chisq = 0.0;
    for (g, m) in prep.moments.iter().enumerate() {
        let n = m.nobs as f64;
        let f = ws.ml[g]
            .clone()
            .value(m, &ws.implied[g], ms)
            .unwrap_or(f64::NAN);
        chisq += n * f;
        let ls = m.logdet.unwrap_or(f64::NAN);
        let sat = saturated_loglik(m.nobs, p, ls);
        let mut x_part = 0.0;
        let mut logdet_sxx = 0.0;
        if !x_idx.is_empty() {
            let sxx = Array2::from_shape_fn((x_idx.len(), x_idx.len()), |(a, b)| m.cov[[x_idx[a], x_idx[b]]]);
            logdet_sxx = linalg::spd_inverse(sxx.view()).map(|(_, l)| l).unwrap_or(f64::NAN);
            x_part = saturated_loglik(m.nobs, x_idx.len(), logdet_sxx);
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
    let se_of = |k: usize| -> Option<f64> {
        vcov_theta
            .as_ref()
            .map(|v| v[[k, k]].max(0.0).sqrt())
    };
    // SDs and residual variances per group for standardization
    let m_all = ram.nvar();
    let is_lv: Vec<bool> = (0..m_all).map(|v| v >= p).collect();
    let is_x: Vec<bool> = (0..m_all).map(|v| v < p && x_idx.contains(&v)).collect();
    let names = &ram.var_names;
    let index = |s: &str| names.iter().position(|v| v == s).unwrap_or(0);
    let z975 = stats::qnorm(0.975);
    let mut parameters: Vec<ParameterRow> = Vec::new();
    for (ri, r) in pt.rows.iter().enumerate() {
        let Some((g, slot)) = ram.row_slots[ri] else { continue };
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
                    (Some(se), Some(z), Some(2.0 * stats::pnorm(-z.abs())), Some(est - z975 * se), Some(est + z975 * se))
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
            label: if r.user_label { r.label.clone() } else { String::new() },
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
                (Some(z), Some(2.0 * stats::pnorm(-z.abs())), Some(est - z975 * se), Some(est + z975 * se))
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
    let group_moments: Vec<measures::GroupMoments> = groups
        .iter()
        .map(|gm| measures::GroupMoments {
            nobs: gm.nobs,
            sample_cov: gm.sample_cov.view(),
            sample_mean: gm.sample_mean.as_ref().map(|m| m.view()),
            implied_cov: gm.implied_cov.view(),
            implied_mean: gm.implied_mean.as_ref().map(|m| m.view()),
            fixed_x: &x_idx,
            missing: None,
        })
        .collect();
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
        robust: None,
        missing_ml: false,
        fiml_corrected: None,
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
        fit: NamedValues(fit_values),
        warnings,
        information,
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
                    .or_else(|| params.iter().find(|r| r.op == ":=" && r.lhs == name).and_then(pick))
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
