//! Robust test statistics: the Yuan–Bentler scaled χ² of MLR and cluster-robust fits
//! (lavaan `test = "yuan.bentler.mplus"`, `lav_test_yuan_bentler`) with the scaling factors
//! of the baseline model, and under `missing = "ml"` the FIML-corrected RMSEA/CFI inputs
//! (lavaan `lav_fit_measures` with `fiml` corrections, Zhang & Savalei 2023).

use super::inputs::{FimlCorrected, GroupMoments, RobustInputs};
use crate::infer::robust::{self, RobustGroup};
use crate::infer::Inference;
use crate::loss::workspace::Workspace;
use crate::measures::loglik::Likelihoods;
use crate::specify::ram::RamModel;
use crate::specify::Model;
use ndarray::{Array1, Array2};
use serde::Serialize;

/// A scaled χ² test (lavaan's `lavInspect(fit, "test")[[2]]`).
#[derive(Debug, Clone, Serialize)]
pub struct ScaledTest {
    /// lavaan's name of the test (`"yuan.bentler.mplus"`).
    pub test: String,
    pub chisq_scaled: f64,
    /// `c = tr(UΓ)/df` (NaN when df = 0).
    pub scaling_factor: f64,
    pub trace_ugamma: f64,
    pub scaling_factor_h1: f64,
    pub scaling_factor_h0: f64,
}

/// The robust tests of a fit (all `None` for plain ML with complete data).
#[derive(Debug, Clone, Default)]
pub struct RobustTests {
    pub scaled_test: Option<ScaledTest>,
    pub robust_inputs: Option<RobustInputs>,
    pub fiml_corrected: Option<FimlCorrected>,
    pub warnings: Vec<String>,
}

/// The robust tests at θ̂, from the sandwich ingredients of [`Inference`].
#[allow(clippy::too_many_arguments)]
pub fn tests(
    model: &Model,
    ram: &RamModel,
    ws: &Workspace,
    phi: &[f64],
    rgroups: &[RobustGroup],
    inference: &Inference,
    lik: &Likelihoods,
    group_moments: &[GroupMoments],
) -> RobustTests {
    let mut out = RobustTests::default();
    let ms = model.pt.meanstructure;
    let p = model.pt.ov_names.len();
    // the independence model keeps the block of the exogenous covariates saturated
    let x_idx = &model.baseline_x;
    // exogenous covariates whose moments fixed.x does not fix: free in the baseline too
    let free_x: Vec<usize> = model
        .baseline_x
        .iter()
        .copied()
        .filter(|i| !model.x_idx.contains(i))
        .collect();
    let df = model.df();
    let baseline_df = model.baseline_df();
    if let (Some(e_inv), Some(b0)) = (inference.e_inv.as_ref(), inference.b0_groups.as_ref()) {
        let traces = robust::h1_traces(rgroups, ms);
        let baselines: Vec<(Array1<f64>, Array2<f64>)> = match &lik.fiml {
            Some(fl) => fl
                .baselines
                .iter()
                .map(|b| (b.mean.clone(), b.cov.clone()))
                .collect(),
            None => rgroups
                .iter()
                .map(|rg| {
                    let xx = Array2::from_shape_fn((x_idx.len(), x_idx.len()), |(a, b)| {
                        rg.h1_cov[[x_idx[a], x_idx[b]]]
                    });
                    let mean = rg.h1_mean.to_owned();
                    robust::baseline_moments(p, &mean, &rg.h1_cov.diag().to_owned(), x_idx, &xx)
                })
                .collect(),
        };
        if let Some(traces) = traces {
            let yb = robust::yb_trace(&traces, b0, e_inv, rgroups);
            let base = robust::baseline_yb_trace(&traces, rgroups, &baselines, ms, &free_x)
                .unwrap_or(f64::NAN);
            // lavaan gives no scaling factor for a model with df = 0
            let trace = if df > 0.0 { yb.trace_ugamma } else { f64::NAN };
            out.robust_inputs = Some(RobustInputs {
                trace_ugamma: trace,
                baseline_trace_ugamma: base,
                scaling_factor_h1: Some(yb.scaling_factor_h1),
                scaling_factor_h0: Some(yb.scaling_factor_h0),
            });
            let c = trace / df;
            out.scaled_test = Some(ScaledTest {
                test: "yuan.bentler.mplus".into(),
                chisq_scaled: lik.chisq / c,
                scaling_factor: c,
                trace_ugamma: trace,
                scaling_factor_h1: yb.scaling_factor_h1,
                scaling_factor_h0: yb.scaling_factor_h0,
            });
        } else {
            out.warnings
                .push("the h1 information could not be inverted: no scaled test statistic".into());
        }
    }
    if let Some(fl) = &lik.fiml {
        let xx3 = super::chisq::ml_chisq(group_moments);
        let xx3_null: f64 = group_moments
            .iter()
            .zip(&fl.baselines)
            .map(|(gm, b)| {
                gm.nobs as f64
                    * super::chisq::ml_discrepancy(
                        gm.sample_cov,
                        gm.sample_mean,
                        b.cov.view(),
                        Some(b.mean.view()),
                    )
            })
            .sum();
        if let Some((k, kb)) = robust::fiml_corrected_k(
            ram,
            &ws.implied,
            &model.red,
            phi,
            rgroups,
            out.robust_inputs.is_some(),
            &free_x,
        ) {
            out.fiml_corrected = Some(FimlCorrected {
                chisq: xx3,
                scaling_factor: k / df,
                baseline_chisq: xx3_null,
                baseline_scaling_factor: kb / baseline_df,
            });
        }
    }
    out
}
