//! The front door, [`fit`]: the steps of an SEM fit wired in order — specify, observe,
//! loss, estimate, infer, measure, report. Each step is a module of its own; this file only
//! passes their results along.

use crate::error::SemError;
use crate::estimate;
use crate::estimate::optimize::OptimResult;
use crate::implied::admissible;
use crate::infer::{self, Inference};
use crate::loss::objective::Objective;
use crate::loss::workspace::Workspace;
use crate::measures::{self, loglik};
use crate::observe::moments::fixed_x_value;
use crate::observe::prepare::{prepare, RawUse, SampleData};
use crate::observe::Data;
use crate::report::{self, FitResult, GroupMatrices, NamedValues};
use crate::specify::options::{Estimator, FitOptions, Information, Likelihood, Missing, Se};
use crate::specify::ram::RamModel;
use crate::specify::{DataSetting, Model};

/// Fit a model in lavaan syntax to data.
pub fn fit(model: &str, data: &Data, opts: &FitOptions) -> Result<FitResult, SemError> {
    let est_opts = &opts.estimation;
    // specify, observe
    let setting = data_setting(data, est_opts.estimator, est_opts.missing)?;
    let rb = Robustness::of(est_opts, setting);
    let robust = rb.test || rb.se;
    let model = Model::new(model, &opts.model, setting)?;
    let wishart = est_opts.likelihood == Likelihood::Wishart;
    if wishart && setting.missing_ml {
        return Err(SemError::Unsupported(
            "likelihood = \"wishart\" with missing = \"ml\" (the Wishart likelihood is for complete data)".into(),
        ));
    }
    let mut sample = observe(data, &model, setting.missing_ml, robust)?;
    if wishart {
        sample.rescale_to_unbiased();
    }
    let ram = model.ram_for(|g, i, j| fixed_x_value(&sample.moments, g, i, j));
    // loss, estimate
    let obj = Objective::of_sample(&ram, &model.red, &sample);
    let (opt, other_minima) = estimate::estimate(
        &model.pt,
        &model.red,
        &obj,
        &sample.moments,
        &est_opts.optim,
    )
    .ok_or(SemError::BadStart)?;
    let mut theta = vec![0.0; model.red.ntheta()];
    model.red.theta(&opt.phi, &mut theta);
    let ws = obj.workspace_at(&theta).ok_or(SemError::BadStart)?;
    // infer
    let n_vcov = sample.ntotal() - if wishart { model.ngroups() } else { 0 };
    let rgroups = infer::robust_groups(&sample, &model.x_idx, &obj.weights, setting.missing_ml);
    let information = est_opts.information_for(rb.se);
    let inference = infer::standard_errors(
        &model,
        &ram,
        &ws,
        &opt.phi,
        &obj.weights,
        n_vcov,
        information,
        robust.then_some(rgroups.as_slice()),
        &sample.group_labels,
    );
    let (inference, test_inference) = rb.apply(inference, n_vcov);
    // measure
    let lik = loglik::likelihoods(&model, &ws, &sample, est_opts.likelihood);
    let mut warnings = fit_warnings(&model, &ram, &ws, &sample, &opt, &other_minima, &inference);
    let parameters =
        report::rows::parameter_rows(&model, &ram, &ws, &opt.phi, inference.vcov_theta.as_ref());
    let groups = group_matrices(&model, &ws, &sample);
    let missing_parts = measures::missing_parts(&sample, setting.missing_ml);
    let group_moments = measures::group_moments(&groups, &model.x_idx, &missing_parts);
    let tests = measures::robust_tests::tests(
        &model,
        &ram,
        &ws,
        &opt.phi,
        &rgroups,
        &test_inference,
        &lik,
        &group_moments,
    );
    warnings.extend(tests.warnings.iter().cloned());
    let fit_values = fit_measures(&model, &opt, &lik, &group_moments, &tests, setting, wishart);
    let modindices = if opts.output.modindices && !setting.missing_ml {
        measures::modindices::modification_indices(
            &model.pt,
            &ram,
            &model.red,
            &opt.phi,
            &sample.moments,
            information == Information::Observed,
        )
    } else {
        Vec::new()
    };
    // report
    Ok(FitResult {
        converged: opt.converged,
        iterations: opt.iterations,
        optimizer_reason: opt.reason.clone(),
        max_abs_gradient: opt.max_abs_gradient,
        ngroups: model.ngroups(),
        group_labels: sample.group_labels.clone(),
        nobs: sample.moments.iter().map(|m| m.nobs).collect(),
        norig: sample.norig.clone(),
        npar: model.npar,
        fmin: opt.fx,
        chisq: lik.chisq,
        df: model.df(),
        baseline_chisq: lik.baseline_chisq,
        baseline_df: model.baseline_df(),
        loglik: lik.logl,
        unrestricted_loglik: lik.unrestricted,
        ntotal: sample.ntotal(),
        r2: measures::r_squared(&model.pt, &ram, &ws),
        parameters,
        groups,
        vcov: inference.vcov_theta.filter(|_| opts.output.vcov),
        modindices,
        fit: NamedValues(
            fit_values
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        ),
        warnings,
        information,
        estimator: est_opts.estimator,
        missing: est_opts.missing,
        clustered: setting.clustered,
        meanstructure: model.pt.meanstructure,
        ov_names: model.pt.ov_names.clone(),
        scaled_test: tests.scaled_test,
    })
}

/// lavaan's `fitMeasures()` of the fit.
fn fit_measures<'a>(
    model: &Model,
    opt: &OptimResult,
    lik: &loglik::Likelihoods,
    group_moments: &'a [measures::GroupMoments<'a>],
    tests: &measures::robust_tests::RobustTests,
    setting: DataSetting,
    wishart: bool,
) -> Vec<(&'static str, Option<f64>)> {
    measures::fit_measures(&measures::FitInputs {
        npar: model.npar,
        fmin: opt.fx,
        chisq: lik.chisq,
        df: model.df(),
        baseline_chisq: lik.baseline_chisq,
        baseline_df: model.baseline_df(),
        logl: lik.logl,
        unrestricted_logl: lik.unrestricted,
        groups: group_moments,
        robust: tests.robust_inputs,
        missing_ml: setting.missing_ml,
        fiml_corrected: tests.fiml_corrected,
        options: measures::FitMeasureOptions::default(),
        wishart,
    })
}

/// Which robust inference a fit makes: the scaled test comes with MLR and clusters, the
/// sandwich standard errors with them too unless `se` says otherwise (lavaan: `se =
/// "standard"` with MLR, `"robust.huber.white"` with ML). lavaan's default information is
/// the observed one with the sandwich (and FIML), else the expected one.
#[derive(Debug, Clone, Copy)]
struct Robustness {
    test: bool,
    se: bool,
}

impl Robustness {
    fn of(est_opts: &crate::specify::options::EstimationOptions, setting: DataSetting) -> Self {
        let test = est_opts.estimator == Estimator::Mlr || setting.clustered;
        let se = match est_opts.se {
            Se::Default => test,
            Se::Standard => false,
            Se::RobustHuberWhite => true,
        };
        Robustness { test, se }
    }

    /// The inference the parameters report and the one the tests use: without the sandwich
    /// the covariance matrix is the inverse information over N (N − G under the Wishart
    /// likelihood, `lav_model_vcov`); without a scaled test the tests get no first-order
    /// information.
    fn apply(self, mut inference: Inference, n_vcov: usize) -> (Inference, Inference) {
        if !self.se {
            if let Some(e_inv) = &inference.e_inv {
                inference.vcov_theta = Some(e_inv / n_vcov as f64);
            }
        }
        let tests = Inference {
            b0_groups: inference.b0_groups.clone().filter(|_| self.test),
            ..inference.clone()
        };
        (inference, tests)
    }
}

/// The warnings of a fit before the robust tests: the model's (options an entry point
/// overrides), the sample's, other local minima, non-convergence, the inference's, and
/// lavaan's post-estimation checks of an admissible solution.
fn fit_warnings(
    model: &Model,
    ram: &RamModel,
    ws: &Workspace,
    sample: &SampleData,
    opt: &OptimResult,
    other_minima: &[f64],
    inference: &Inference,
) -> Vec<String> {
    let mut warnings = model.pt.warnings.clone();
    warnings.extend(sample.warnings());
    if let Some(fx) = other_minima.first() {
        warnings.push(format!(
            "the objective has other local minima: the reported solution is the lowest found; the next lowest has a chi-square {:.4} higher ({} other minim{} found from other starting values)",
            2.0 * sample.ntotal() as f64 * (fx - opt.fx),
            other_minima.len(),
            if other_minima.len() == 1 { "um" } else { "a" }
        ));
    }
    if !opt.converged {
        warnings.push(format!(
            "the optimizer did not converge ({}; largest gradient element {:.2e}); results are not trustworthy",
            opt.reason, opt.max_abs_gradient
        ));
    }
    warnings.extend(inference.warnings.iter().cloned());
    warnings.extend(admissible::warnings(
        &model.pt,
        ram,
        &ws.mats,
        &ws.implied,
        &sample.group_labels,
    ));
    warnings
}

/// What the data decide about the model, and the combinations of data and options that
/// cannot be fitted.
pub fn data_setting(
    data: &Data,
    estimator: Estimator,
    missing: Missing,
) -> Result<DataSetting, SemError> {
    let setting = DataSetting {
        ngroups: data.ngroups(),
        missing_ml: missing == Missing::Ml,
        clustered: data.clustered(),
        sample_mean: matches!(data, Data::Moments { groups, .. } if groups.iter().any(|g| g.1.is_some())),
    };
    let robust = estimator == Estimator::Mlr || setting.clustered;
    if matches!(data, Data::Moments { .. }) && (setting.missing_ml || robust) {
        return Err(SemError::Data(
            "missing = \"ml\" and robust (MLR) inference need raw data, not summary statistics"
                .into(),
        ));
    }
    Ok(setting)
}

/// Step 2: the sample data of the model, with the checks lavaan makes of them.
pub fn observe(
    data: &Data,
    model: &Model,
    missing_ml: bool,
    keep_raw: bool,
) -> Result<SampleData, SemError> {
    let sample = prepare(
        data,
        &model.pt.ov_names,
        RawUse {
            fiml: missing_ml,
            keep_raw,
            fixed_x: &model.x_idx,
        },
    )?;
    if let Data::Moments { groups, .. } = data {
        if model.pt.meanstructure && groups.iter().any(|g| g.1.is_none()) {
            return Err(SemError::Data(
                "the model has a mean structure but no sample means were given (--sample-mean)"
                    .into(),
            ));
        }
    }
    for (g, m) in sample.moments.iter().enumerate() {
        if m.logdet.is_none() {
            let label = sample.group_labels.get(g).cloned().unwrap_or_default();
            return Err(SemError::Data(format!(
                "{}the sample covariance matrix of the model variables is not positive definite (a variable is constant or a linear combination of others)",
                if model.ngroups() > 1 { format!("group {label}: ") } else { String::new() }
            )));
        }
    }
    Ok(sample)
}

/// Observed and implied moments per group.
fn group_matrices(model: &Model, ws: &Workspace, sample: &SampleData) -> Vec<GroupMatrices> {
    let ms = model.pt.meanstructure;
    (0..model.ngroups())
        .map(|g| GroupMatrices {
            names: model.pt.ov_names.clone(),
            implied_cov: ws.implied[g].sigma.clone(),
            implied_mean: ms.then(|| ws.implied[g].mu.clone()),
            sample_cov: sample.moments[g].cov.clone(),
            sample_mean: ms.then(|| sample.moments[g].mean.clone()),
            nobs: sample.moments[g].nobs,
        })
        .collect()
}
