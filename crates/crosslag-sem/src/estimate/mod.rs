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

/// Minimise from several starts, as lavaan's `optim.attempts` but more thoroughly, and
/// return the lowest objective found with the objectives of the other local minima.
///
/// 1. Scaled starting values. A converged, admissible minimum ends the search.
/// 2. Otherwise (no convergence, or a negative variance, which can mark one of several
///    basins: LCM-SR and STARTS models have them) lavaan's start with the full budget, then
///    ten restarts from lavaan's starting values perturbed by a
///    fixed-seed generator (regressions uniform in ±0.3, variances times a factor in
///    [0.5, 1.5]) with a smaller iteration budget, ending after three restarts that converge
///    to the best minimum found.
///
/// Once the search has begun, an admissible minimum does not end it. ML's answer is the
/// lowest converged objective (admissible or not: lavaan reports an
/// inadmissible optimum with a warning, and so does crosslag); the other converged minima
/// whose objective is higher are returned for a warning. If nothing converged, the lowest fx.
/// With bounds (`label > c`, `--bounds pos-var`) every attempt is completed by
/// [`enforce_bounds`].
pub fn estimate(
    pt: &ParTable,
    red: &Reduction,
    obj: &Objective,
    moments: &[Moments],
    optim: &OptimOptions,
) -> Option<(OptimResult, Vec<f64>)> {
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

/// Two minima are the same when their objectives agree to this relative tolerance.
const SAME_MINIMUM: f64 = 1e-7;

fn same_minimum(a: f64, b: f64) -> bool {
    (a - b).abs() <= SAME_MINIMUM * a.abs().max(b.abs()).max(1e-3)
}

/// The converged minima found so far, the best attempt, and the best admissible one.
#[derive(Default)]
struct Found {
    best: Option<OptimResult>,
    best_admissible: Option<OptimResult>,
    minima: Vec<f64>,
}

impl Found {
    fn consider(&mut self, attempt: OptimResult, admissible: bool) {
        if attempt.converged && !self.minima.iter().any(|&m| same_minimum(m, attempt.fx)) {
            self.minima.push(attempt.fx);
        }
        let better = |o: &Option<OptimResult>| match o.as_ref() {
            None => true,
            Some(o) => {
                (attempt.converged && !o.converged)
                    || (attempt.converged == o.converged && attempt.fx < o.fx)
            }
        };
        if attempt.converged && admissible && better(&self.best_admissible) {
            self.best_admissible = Some(attempt.clone());
        }
        if better(&self.best) {
            self.best = Some(attempt);
        }
    }

    /// The result and the objectives of the other converged minima above it. The lowest
    /// objective, except with bounds: bounds ask for an admissible solution (lavaan's
    /// `bounds = "pos.var"`), so there the lowest admissible one is preferred.
    fn finish(self, prefer_admissible: bool) -> Option<(OptimResult, Vec<f64>)> {
        let best = match (prefer_admissible, self.best_admissible) {
            (true, Some(a)) => a,
            _ => self.best?,
        };
        let mut others: Vec<f64> = self
            .minima
            .into_iter()
            .filter(|&m| best.converged && !same_minimum(m, best.fx) && m > best.fx)
            .collect();
        others.sort_by(f64::total_cmp);
        Some((best, others))
    }
}

/// The attempts of [`estimate`], each by `attempt(start, options)`.
fn search(
    pt: &ParTable,
    red: &Reduction,
    obj: &Objective,
    moments: &[Moments],
    optim: &OptimOptions,
    attempt: impl Fn(&[f64], &OptimOptions) -> OptimResult,
) -> Option<(OptimResult, Vec<f64>)> {
    let mut found = Found::default();
    let prefer_admissible = !red.bounds.is_empty();
    let admissible = |o: &OptimResult| o.converged && admissible_at(pt, red, obj, &o.phi);
    let start_of = |style| red.phi_from_theta(&start::start_values(pt, moments, style));
    let scaled = start_of(StartStyle::Scaled);
    let lavaan = start_of(StartStyle::Lavaan);
    let first = obj
        .value(&scaled)
        .is_finite()
        .then(|| attempt(&scaled, optim));
    let first_ok = first.as_ref().is_some_and(admissible);
    if let Some(res) = first {
        found.consider(res, first_ok);
    }
    if first_ok {
        // A converged, admissible minimum from the scaled start ends the search: a probe of
        // lavaan's start on every fit would cost up to a hundred times the fit itself
        // (measured on case02: 3.4 ms fit, 215 ms probe), so the search for other basins is
        // kept for the fits that show a sign of them.
        return found.finish(prefer_admissible);
    }
    if obj.value(&lavaan).is_finite() {
        let res = attempt(&lavaan, optim);
        let ok = admissible(&res);
        found.consider(res, ok);
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
    let mut confirmations = 0;
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
        let (converged, fx) = (res.converged, res.fx);
        let ok = admissible(&res);
        found.consider(res, ok);
        let best_fx = found.best.as_ref().map_or(f64::NAN, |o| o.fx);
        if converged && same_minimum(fx, best_fx) {
            confirmations += 1;
        }
        if confirmations >= 3 {
            break;
        }
    }
    found.finish(prefer_admissible)
}

/// Whether the solution at φ is admissible ([`admissible::is_admissible`], lavaan's
/// post-estimation check).
pub fn admissible_at(pt: &ParTable, red: &Reduction, obj: &Objective, phi: &[f64]) -> bool {
    let mut theta = vec![0.0; red.ntheta()];
    red.theta(phi, &mut theta);
    obj.workspace_at(&theta)
        .is_some_and(|ws| admissible::is_admissible(pt, obj.model, &ws.mats, &ws.implied))
}
