//! Step 5 of a fit, **infer**: the covariance matrix of the estimates from the information
//! matrix (with lavaan's generalized inverse, [`vcov`]), the sandwich and the robust tests
//! ([`robust`]), the delta method for `:=` parameters ([`delta`]); which standard errors a
//! fit may have ([`request`]: lavaan's `se =` checked against the estimator and the data).

pub mod delta;
pub mod request;
pub mod robust;
pub mod vcov;

pub use request::{
    se_method, BootCiType, BootstrapOption, BootstrapSe, SeMethod, SeRequest, SeRequestError,
    SeType,
};

use crate::loss::discrepancy;
use crate::loss::workspace::Workspace;
use crate::observe::prepare::SampleData;
use crate::specify::options::Information;
use crate::specify::ram::RamModel;
use crate::specify::Model;
use ndarray::Array2;
use robust::RobustGroup;

/// The covariance matrix of the estimates and what robust tests need of it.
#[derive(Debug, Clone, Default)]
pub struct Inference {
    /// Covariance matrix of θ̂ (every equality copy); `None` when the information is singular.
    pub vcov_theta: Option<Array2<f64>>,
    /// The inverse information in θ, J (Jᵀ I J)⁻¹ Jᵀ (lavaan's generalized inverse where it
    /// drops a direction), unscaled by N.
    pub e_inv: Option<Array2<f64>>,
    /// Per-group first-order (casewise score) information B0_g, for robust inference.
    pub b0_groups: Option<Vec<Array2<f64>>>,
    pub warnings: Vec<String>,
}

/// The robust-inference view of each group's raw data (complete rows, or FIML patterns).
pub fn robust_groups<'a>(
    sample: &'a SampleData,
    x_idx: &'a [usize],
    weights: &[f64],
    fiml: bool,
) -> Vec<RobustGroup<'a>> {
    sample
        .raw
        .iter()
        .enumerate()
        .map(|(g, gd)| RobustGroup {
            data: gd,
            h1_mean: sample.moments[g].mean.view(),
            h1_cov: sample.moments[g].cov.view(),
            fixed_x: x_idx,
            weight: weights[g],
            fiml,
        })
        .collect()
}

/// Whether observed-information standard errors under non-linear equality constraints add
/// the constraints' curvature (the Hessian of the Lagrangian) to the objective's Hessian.
/// lavaan 0.6.14 does not, and crosslag reports lavaan's numbers.
const LAGRANGIAN_CURVATURE: bool = false;

/// Standard errors at θ̂: vcov = J (Jᵀ I J)⁻¹ Jᵀ / N from the expected or observed
/// information ([`vcov::inverse_information`], lavaan's generalized inverse where it drops
/// a direction; active inequality constraints as equality rows), or with `robust` groups the
/// Huber–White sandwich E⁻¹ B0 E⁻¹ / N. One code path for `crosslag fit` and every
/// replication of a power analysis or bootstrap.
#[allow(clippy::too_many_arguments)]
pub fn standard_errors(
    model: &Model,
    ram: &RamModel,
    ws: &Workspace,
    phi: &[f64],
    weights: &[f64],
    ntotal: usize,
    information: Information,
    robust: Option<&[RobustGroup]>,
    group_labels: &[String],
) -> Inference {
    let mut out = Inference::default();
    let n = ntotal as f64;
    let i_theta = match information {
        Information::Expected => discrepancy::expected(ram, ws, weights),
        Information::Observed => discrepancy::hessian(ram, ws, weights),
    };
    // Non-linear `==` constraints: lavaan 0.6.14 inverts the bordered matrix of the
    // objective's Hessian and the constraints' Jacobian (`lav_model_information_augment_invert`),
    // i.e. J (Jᵀ H J)⁻¹ Jᵀ on the constraint surface without the constraints' curvature
    // (the Lagrangian term Σ λ_k ∇²c_k); crosslag does the same, so the standard errors are
    // lavaan's. `LAGRANGIAN_CURVATURE` switches the exact Lagrangian Hessian on.
    let curvature =
        (LAGRANGIAN_CURVATURE && information == Information::Observed && !model.red.linear)
            .then(|| model.red.curvature(phi, &ws.grad_theta));
    let (e_inv, notes) = vcov::inverse_information(
        &model.pt,
        &model.red,
        phi,
        &ws.theta,
        &i_theta,
        curvature.as_ref(),
        group_labels,
    );
    out.warnings = notes;
    let Some(e_inv) = e_inv else {
        out.warnings.push(
            "the information matrix is singular: standard errors could not be computed (the model may not be identified)".into(),
        );
        return out;
    };
    match robust {
        Some(groups) => match robust::first_order_theta(ram, &ws.implied, groups) {
            Some(b0) => {
                let b0_total = robust::weighted_sum(&b0, groups);
                out.vcov_theta = Some(e_inv.dot(&b0_total).dot(&e_inv) / n);
                out.b0_groups = Some(b0);
            }
            None => out.warnings.push(
                "the casewise scores could not be computed: robust standard errors are not available".into(),
            ),
        },
        None => out.vcov_theta = Some(&e_inv / n),
    }
    out.e_inv = Some(e_inv);
    out
}
