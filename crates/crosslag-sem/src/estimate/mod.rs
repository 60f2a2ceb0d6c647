//! Estimation from several starting points (lavaan's `optim.attempts`, more thoroughly).

pub mod optimize;
pub mod start;

pub mod newton;

use crate::implied::admissible;
use crate::loss::objective::Objective;
use crate::observe::moments::Moments;
use crate::specify::constraints::{Bound, Reduction};
use crate::specify::partable::{Op, ParTable};
use optimize::{OptimOptions, OptimResult, Stop, Termination};
use start::StartStyle;

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
/// With bounds (`label > c`, `--bounds pos-var`) every attempt is completed by
/// [`enforce_bounds`], so that a variance held at 0 by a bound ends the search as an
/// admissible solution instead of calling for restarts.
pub fn estimate(
    pt: &ParTable,
    red: &Reduction,
    obj: &Objective,
    moments: &[Moments],
    optim: &OptimOptions,
) -> Option<OptimResult> {
    let attempt = |phi0: &[f64], opts: &OptimOptions| {
        let res = optimize::minimize(obj, phi0, opts);
        if red.bounds.is_empty() {
            res
        } else {
            enforce_bounds(red, obj, res, opts)
        }
    };
    search(pt, red, obj, moments, optim, attempt)
}

/// Which bound of φ_i is violated (or, with `slack`, within `slack` of being reached), and
/// its value.
fn bound_hit(b: &Bound, x: f64, slack: f64) -> Option<f64> {
    match (b.lower, b.upper) {
        (Some(l), _) if x < l + slack => Some(l),
        (_, Some(u)) if x > u - slack => Some(u),
        _ => None,
    }
}

/// Minimise under simple bounds `l ≤ φ_i ≤ u` by an active-set method (Nocedal & Wright,
/// Numerical Optimization, 2nd ed., §16.5) on top of the unbounded minimiser: the bounds that
/// the current solution violates are added to the active set (held at their values, see
/// [`Reduction::pin`]) and the others minimised again; at a feasible solution a bound whose
/// multiplier has the wrong sign (the gradient points into the feasible region, so moving
/// off the bound lowers fx) is released, the worst first. The result satisfies the
/// Karush–Kuhn–Tucker conditions: zero gradient in the free parameters, and for an active
/// lower bound ∂fx/∂φ_i ≥ 0 (≤ 0 for an upper one). lavaan (`bounds = "pos.var"`) lets
/// nlminb's box constraints do the same.
pub fn enforce_bounds(
    red: &Reduction,
    obj: &Objective,
    unbounded: OptimResult,
    optim: &OptimOptions,
) -> OptimResult {
    let feasible = |phi: &[f64]| {
        red.bounds
            .iter()
            .all(|b| bound_hit(b, phi[b.phi], 0.0).is_none())
    };
    if feasible(&unbounded.phi) {
        return unbounded;
    }
    let n = red.nphi;
    let mut phi = unbounded.phi.clone();
    let mut active: Vec<(usize, f64)> = Vec::new();
    let mut iterations = unbounded.iterations;
    let mut last = unbounded;
    for _ in 0..(2 * red.bounds.len() + 5) {
        // add every violated bound, and project the point onto the box
        for b in &red.bounds {
            if let Some(v) = bound_hit(b, phi[b.phi], 0.0) {
                if !active.iter().any(|(i, _)| *i == b.phi) {
                    active.push((b.phi, v));
                }
                phi[b.phi] = v;
            }
        }
        let (pinned, kept) = red.pin(&active);
        let sub = obj.with_reduction(&pinned);
        let start: Vec<f64> = kept.iter().map(|&i| phi[i]).collect();
        let res = optimize::minimize(&sub, &start, optim);
        iterations += res.iterations;
        for (j, &i) in kept.iter().enumerate() {
            phi[i] = res.phi[j];
        }
        for &(i, v) in &active {
            phi[i] = v;
        }
        last = OptimResult {
            phi: phi.clone(),
            iterations,
            ..res
        };
        if !feasible(&phi) {
            continue;
        }
        // multipliers of the active bounds: the full gradient at the pinned coordinates
        let mut g = vec![0.0; n];
        obj.value_and_gradient(&phi, &mut g);
        let wrong_sign = |&(i, v): &(usize, f64)| -> f64 {
            let b = red.bounds.iter().find(|b| b.phi == i).expect("a bound");
            if b.lower == Some(v) {
                -g[i]
            } else {
                g[i]
            }
        };
        let worst = active
            .iter()
            .enumerate()
            .map(|(k, a)| (k, wrong_sign(a)))
            .filter(|&(_, w)| w > 1e-8)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match worst {
            Some((k, _)) => {
                active.remove(k);
            }
            None => {
                last.reason.on_bounds = Some(active.len());
                return last;
            }
        }
    }
    last.converged = false;
    last.reason = Termination::new(Stop::BoundsNotSatisfied);
    last
}

/// The attempts of [`estimate`], each by `attempt(start, options)`.
fn search(
    pt: &ParTable,
    red: &Reduction,
    obj: &Objective,
    moments: &[Moments],
    optim: &OptimOptions,
    attempt: impl Fn(&[f64], &OptimOptions) -> OptimResult,
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
            .is_some_and(|o| o.converged && admissible_at(pt, red, obj, &o.phi))
    };
    for style in [StartStyle::Scaled, StartStyle::Lavaan] {
        let phi0 = red.phi_from_theta(&start::start_values(pt, moments, style));
        if obj.value(&phi0).is_finite() {
            consider(attempt(&phi0, optim), &mut best);
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
        let res = attempt(&phi0, &short);
        converged += res.converged as usize;
        consider(res, &mut best);
        if done(&best) || converged >= 3 {
            break;
        }
    }
    best
}

/// Whether the solution at φ is admissible ([`admissible::is_admissible`], lavaan's
/// post-estimation check).
pub fn admissible_at(pt: &ParTable, red: &Reduction, obj: &Objective, phi: &[f64]) -> bool {
    let mut theta = vec![0.0; red.ntheta()];
    red.theta(phi, &mut theta);
    obj.workspace_at(&theta)
        .is_some_and(|ws| admissible::is_admissible(pt, obj.model, &ws.mats, &ws.implied))
}
