//! Estimation from several starting points (lavaan's `optim.attempts`, more thoroughly).

use crate::constraints::Reduction;
use crate::objective::Objective;
use crate::observed::Moments;
use crate::optimize::{self, OptimOptions, OptimResult};
use crate::partable::{Op, ParTable};
use crate::start::{self, StartStyle};

/// Minimise from several starts, as lavaan's `optim.attempts` but more thoroughly.
///
/// 1. Scaled starting values, then lavaan's own rules. A converged, admissible solution ends
///    the search.
/// 2. Otherwise (not converged, or a negative variance, which can mark one of several basins:
///    LCM-SR and STARTS models have them) up to ten restarts from lavaan's starting values
///    perturbed by a fixed-seed generator (regressions uniform in ±0.3, variances times a
///    factor in [0.5, 1.5]) with a smaller iteration budget; the search stops at an admissible
///    solution or after three converged restarts.
///
/// The converged solution with the lowest fx is kept (or, if none converged, the lowest fx).
pub fn estimate(
    pt: &ParTable,
    red: &Reduction,
    obj: &Objective,
    moments: &[Moments],
    optim: &OptimOptions,
) -> Option<OptimResult> {
    let mut best: Option<OptimResult> = None;
    let consider = |attempt: OptimResult, best: &mut Option<OptimResult>| {
        let better = match best.as_ref() {
            None => true,
            Some(o) => {
                (attempt.converged && !o.converged)
                    || (attempt.converged == o.converged && attempt.fx < o.fx)
            }
        };
        if better {
            *best = Some(attempt);
        }
    };
    let done = |best: &Option<OptimResult>| {
        best.as_ref()
            .is_some_and(|o| o.converged && !has_negative_variance(pt, red, &o.phi))
    };
    for style in [StartStyle::Scaled, StartStyle::Lavaan] {
        let phi0 = red.phi_from_theta(&start::start_values(pt, moments, style));
        if obj.value(&phi0).is_finite() {
            consider(optimize::minimize(obj, &phi0, optim), &mut best);
        }
        if done(&best) {
            return best;
        }
    }
    let base = start::start_values(pt, moments, StartStyle::Lavaan);
    let short = OptimOptions {
        max_iterations: optim.max_iterations.min(500),
        ..optim.clone()
    };
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut uniform = move || {
        // xorshift64*: a fixed sequence, so that results are reproducible
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut converged = 0;
    for _ in 0..10 {
        let mut theta = base.clone();
        for r in pt.rows.iter().filter(|r| r.free > 0) {
            let k = r.free - 1;
            match r.op {
                Op::Regression => theta[k] = (uniform() - 0.5) * 0.6,
                Op::Covariance if r.lhs == r.rhs => theta[k] *= 0.5 + uniform(),
                _ => {}
            }
        }
        let phi0 = red.phi_from_theta(&theta);
        if !obj.value(&phi0).is_finite() {
            continue;
        }
        let attempt = optimize::minimize(obj, &phi0, &short);
        converged += attempt.converged as usize;
        consider(attempt, &mut best);
        if done(&best) || converged >= 3 {
            break;
        }
    }
    best
}

/// Whether any free variance parameter is negative at φ.
pub fn has_negative_variance(pt: &ParTable, red: &Reduction, phi: &[f64]) -> bool {
    let mut theta = vec![0.0; red.ntheta()];
    red.theta(phi, &mut theta);
    pt.rows
        .iter()
        .any(|r| r.free > 0 && r.op == Op::Covariance && r.lhs == r.rhs && theta[r.free - 1] < 0.0)
}
