//! Minimisation of the objective.
//!
//! 1. L-BFGS (argmin, Moré–Thuente line search) on a whitened parameter ψ with
//!    `φ = φ₀ + L⁻ᵀ ψ`, where `L Lᵀ` is the expected information at the start. The Hessian in ψ
//!    is then close to the identity, so the very different scales of SEM parameters (a
//!    variance of 200 next to a loading of 0.8) do not slow the search.
//!    It stops at a whitened gradient norm of 1e-6.
//! 2. Newton steps with the analytic Hessian (step halving when a step does not decrease fx)
//!    until the largest gradient element is below `grad_tol` (1e-10): two or three steps
//!    after a successful stage 1.
//!
//! The result says how many iterations were used and why the search stopped.

use crate::linalg;
use crate::loss::discrepancy;
use crate::loss::objective::Objective;
use argmin::core::{CostFunction, Error, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::{Array1, Array2};
use serde::Serialize;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

pub use crate::specify::options::OptimOptions;

/// Outcome of a minimisation.
#[derive(Debug, Clone, Serialize)]
pub struct OptimResult {
    pub phi: Vec<f64>,
    pub fx: f64,
    /// Quasi-Newton iterations plus Newton steps.
    pub iterations: u64,
    pub converged: bool,
    /// Why the search stopped.
    pub reason: Termination,
    /// Largest |∂fx/∂φ_i| at the solution.
    pub max_abs_gradient: f64,
}

/// Why a minimisation stopped (what [`OptimResult::reason`] says).
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// The largest gradient element is below the tolerance (or L-BFGS's whitened gradient
    /// norm below 1e-6, when the Newton steps had nothing left to do).
    GradientBelowTolerance,
    /// L-BFGS reached its iteration limit.
    IterationLimit,
    /// L-BFGS stopped for another of argmin's reasons, in argmin's words.
    Solver(String),
    /// argmin returned without a reason.
    Stopped,
    /// L-BFGS's line search failed (argmin's message).
    LineSearch(String),
    /// Not converged, and neither stage could decrease fx further.
    NoFurtherDecrease,
    /// Converged with no reason recorded (no L-BFGS stage, gradient between the tolerance
    /// and 1e-5), or a result assembled by a caller.
    Unrecorded,
    /// The active-set method of the bounds ran out of iterations.
    BoundsNotSatisfied,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::GradientBelowTolerance => f.write_str("gradient below tolerance"),
            Stop::IterationLimit => f.write_str("iteration limit reached"),
            Stop::Solver(text) => f.write_str(text),
            Stop::Stopped => f.write_str("stopped"),
            Stop::LineSearch(e) => write!(f, "line search stopped: {e}"),
            Stop::NoFurtherDecrease => f.write_str("no further decrease"),
            Stop::Unrecorded => Ok(()),
            Stop::BoundsNotSatisfied => {
                f.write_str("the bounds could not be satisfied (active-set iteration limit)")
            }
        }
    }
}

/// The termination of a minimisation: why it stopped and, for a search under bounds, how
/// many parameters ended on a bound. Written (and serialized) as one sentence, e.g.
/// `gradient below tolerance; 1 parameter on its bound`.
#[derive(Debug, Clone, PartialEq)]
pub struct Termination {
    pub stop: Stop,
    /// Parameters held on a bound at the solution (searches under bounds).
    pub on_bounds: Option<usize>,
}

impl Termination {
    pub fn new(stop: Stop) -> Termination {
        Termination {
            stop,
            on_bounds: None,
        }
    }
}

impl fmt::Display for Termination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.stop)?;
        if let Some(nb) = self.on_bounds {
            let one = nb == 1;
            write!(
                f,
                "; {nb} parameter{} on {} bound{}",
                if one { "" } else { "s" },
                if one { "its" } else { "their" },
                if one { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

impl Serialize for Termination {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

struct Whitened<'a, 'b> {
    obj: &'b Objective<'a>,
    phi0: Vec<f64>,
    /// φ = φ₀ + T ψ
    t: Array2<f64>,
    /// Lowest fx seen and its φ: the line search can stop with an error (a trial point where
    /// Σ is not positive definite), and the progress made until then is kept.
    best: Rc<RefCell<(f64, Vec<f64>)>>,
}

impl Whitened<'_, '_> {
    fn phi(&self, psi: &Array1<f64>) -> Vec<f64> {
        let mut phi = self.phi0.clone();
        let n = phi.len();
        for i in 0..n {
            let mut acc = 0.0;
            for j in 0..n {
                acc += self.t[[i, j]] * psi[j];
            }
            phi[i] += acc;
        }
        phi
    }
}

impl CostFunction for Whitened<'_, '_> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, psi: &Self::Param) -> Result<f64, Error> {
        let phi = self.phi(psi);
        let v = self.obj.value(&phi);
        let mut best = self.best.borrow_mut();
        if v < best.0 {
            *best = (v, phi);
        }
        Ok(v)
    }
}

impl Gradient for Whitened<'_, '_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, psi: &Self::Param) -> Result<Array1<f64>, Error> {
        let phi = self.phi(psi);
        let n = phi.len();
        let mut g = vec![0.0; n];
        self.obj.value_and_gradient(&phi, &mut g);
        // ∂/∂ψ = Tᵀ ∂/∂φ
        let mut out = Array1::zeros(n);
        for j in 0..n {
            let mut acc = 0.0;
            for i in 0..n {
                acc += self.t[[i, j]] * g[i];
            }
            out[j] = acc;
        }
        Ok(out)
    }
}

/// Information in φ: Jᵀ I_θ J, by the expected (`observed = false`) or observed information.
pub fn phi_information(obj: &Objective, phi: &[f64], observed: bool) -> Option<Array2<f64>> {
    let mut theta = vec![0.0; obj.reduction.ntheta()];
    obj.reduction.theta(phi, &mut theta);
    let ws = obj.workspace_at(&theta)?;
    let i_theta = if observed {
        discrepancy::hessian(obj.model, &ws, &obj.weights)
    } else {
        discrepancy::expected(obj.model, &ws, &obj.weights)
    };
    let j = obj.reduction.jacobian(phi);
    let mut info = j.t().dot(&i_theta).dot(&j);
    if observed && !obj.reduction.linear {
        info += &obj.reduction.curvature(phi, &ws.grad_theta);
    }
    Some(info)
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

/// Backtracking along `-step`: accept a decrease of fx or, at the noise floor of fx, a smaller
/// gradient. Updates the point on success.
fn line_search(
    obj: &Objective,
    phi: &mut Vec<f64>,
    fx: &mut f64,
    grad: &mut [f64],
    step: &Array1<f64>,
) -> bool {
    let n = phi.len();
    let mut alpha = 1.0;
    let mut g2 = vec![0.0; n];
    for _ in 0..40 {
        let cand: Vec<f64> = phi
            .iter()
            .zip(step.iter())
            .map(|(p, s)| p - alpha * s)
            .collect();
        let f2 = obj.value_and_gradient(&cand, &mut g2);
        // the segment must not cross a region where Σ is not positive definite (a pole of
        // the likelihood separates basins, e.g. an autoregression passing 1 in STARTS)
        let crosses = (1..8).any(|k| {
            let t = alpha * k as f64 / 8.0;
            let mid: Vec<f64> = phi
                .iter()
                .zip(step.iter())
                .map(|(p, s)| p - t * s)
                .collect();
            !obj.value(&mid).is_finite()
        });
        if crosses {
            alpha *= 0.5;
            continue;
        }
        let decrease = f2 < *fx;
        // fx is a difference of log-determinants and traces of order p: its rounding noise is
        // about 1e-14 in absolute terms, whatever the size of fx itself
        let flat = f2 <= *fx + 1e-11 * fx.abs().max(1.0) && max_abs(&g2) < max_abs(grad);
        if f2.is_finite() && (decrease || flat) {
            *phi = cand;
            *fx = f2;
            grad.copy_from_slice(&g2);
            return true;
        }
        alpha *= 0.5;
    }
    false
}

/// The whitening transform T of stage 1 (`φ = φ₀ + T ψ`, `T = L⁻ᵀ` with `L Lᵀ` the expected
/// information at the start), or a diagonal scaling `|φ_i|` (at least 0.1) where the
/// information is not positive definite.
fn whitening(obj: &Objective, phi: &[f64]) -> Array2<f64> {
    let n = phi.len();
    phi_information(obj, phi, false)
        .and_then(|info| {
            let mut l = info.clone();
            linalg::cholesky_in_place(l.view_mut()).then_some(l)
        })
        .and_then(|l| linalg::inverse(l.t()))
        .unwrap_or_else(|| {
            // diagonal scaling when the information is not positive definite at the start
            let mut t = Array2::zeros((n, n));
            for i in 0..n {
                t[[i, i]] = phi[i].abs().max(0.1);
            }
            t
        })
}

/// Stage 1: L-BFGS in the whitened parameter from `phi`, which becomes the best point seen.
/// Returns the iterations and why L-BFGS stopped (`None` if the solver could not be set up).
fn lbfgs_stage(obj: &Objective, phi: &mut Vec<f64>, opts: &OptimOptions) -> (u64, Option<Stop>) {
    let n = phi.len();
    let problem = Whitened {
        obj,
        phi0: phi.clone(),
        t: whitening(obj, phi),
        best: Rc::new(RefCell::new((obj.value(phi), phi.clone()))),
    };
    let best = Rc::clone(&problem.best);
    let linesearch = MoreThuenteLineSearch::new();
    // L-BFGS only brings the search near the optimum (whitened gradient norm 1e-6, where fx is
    // within about 1e-12 of its minimum); the Newton steps of stage 2 converge quadratically
    // from there, whereas L-BFGS would spend most of its iterations at the noise floor.
    let solver = LBFGS::new(linesearch, 10)
        .with_tolerance_grad(1e-6)
        .and_then(|s| s.with_tolerance_cost(0.0));
    let Ok(solver) = solver else {
        return (0, None);
    };
    let mut iterations = 0;
    // in the whitened space a well-posed problem needs a few hundred iterations at most
    let max_iters = opts.max_iterations.min(50 * n as u64 + 200);
    let res = Executor::new(problem, solver)
        .configure(|state| state.param(Array1::zeros(n)).max_iters(max_iters))
        .run();
    let stop = match res {
        Ok(res) => {
            let state = res.state();
            iterations += state.get_iter();
            match state.get_termination_reason() {
                Some(TerminationReason::SolverConverged) => Stop::GradientBelowTolerance,
                Some(TerminationReason::MaxItersReached) => Stop::IterationLimit,
                Some(r) => Stop::Solver(r.text().to_string()),
                None => Stop::Stopped,
            }
        }
        Err(e) => Stop::LineSearch(e.to_string()),
    };
    let (f_best, phi_best) = best.borrow().clone();
    if f_best.is_finite() {
        *phi = phi_best;
    }
    (iterations, Some(stop))
}

/// One step of stage 2 from (φ, fx, ∇fx): Newton with the analytic Hessian, else
/// Levenberg–Marquardt on the Hessian, `(H + μ |diag H|) δ = g` with μ raised until the
/// damped matrix is positive definite and the step decreases fx (the expected information
/// stands in where the Hessian could not be computed). Steps are capped at length 1 in the
/// metric of the expected information (δᵀ I δ ≤ 1, a predicted change of fx of about ½): a
/// full Newton step from a poor start can jump over a pole of the likelihood into another
/// basin. Returns whether a step was taken.
fn newton_step(obj: &Objective, phi: &mut Vec<f64>, fx: &mut f64, grad: &mut [f64]) -> bool {
    let n = phi.len();
    let g = Array1::from(grad.to_vec());
    let info = phi_information(obj, phi, false);
    let cap = |step: Array1<f64>| -> Array1<f64> {
        match info.as_ref() {
            Some(i) => {
                let len = step.dot(&i.dot(&step)).max(0.0).sqrt();
                if len > 1.0 {
                    step / len
                } else {
                    step
                }
            }
            None => step,
        }
    };
    let hessian = phi_information(obj, phi, true);
    if let Some(h) = hessian.as_ref() {
        if let Some((hinv, _)) = linalg::spd_inverse(h.view()) {
            if line_search(obj, phi, fx, grad, &cap(hinv.dot(&g))) {
                return true;
            }
        }
    }
    if let Some(info) = hessian.as_ref().or(info.as_ref()) {
        let mut mu = 1e-6;
        for _ in 0..12 {
            let mut damped = info.clone();
            for i in 0..n {
                damped[[i, i]] += mu * info[[i, i]].abs().max(1e-12);
            }
            if let Some((inv, _)) = linalg::spd_inverse(damped.view()) {
                if line_search(obj, phi, fx, grad, &cap(inv.dot(&g))) {
                    return true;
                }
            }
            mu *= 10.0;
        }
    }
    false
}

/// Minimise fx from `phi0`.
pub fn minimize(obj: &Objective, phi0: &[f64], opts: &OptimOptions) -> OptimResult {
    let n = phi0.len();
    let mut phi = phi0.to_vec();
    let mut grad = vec![0.0; n];

    // ---- stage 1: whitened L-BFGS ----
    let (mut iterations, lbfgs_stop) = lbfgs_stage(obj, &mut phi, opts);

    // ---- stage 2: Newton steps with the analytic Hessian, or Fisher scoring where the
    // Hessian is not positive definite, with step halving. After a successful stage 1 this
    // takes a handful of steps; when stage 1 stopped early (its line search met a point where
    // Σ is not positive definite) it is the main search.
    let mut fx = obj.value_and_gradient(&phi, &mut grad);
    // Newton-type steps converge in tens of iterations when they converge at all
    let budget = if max_abs(&grad) < 1e-4 {
        opts.newton_steps
    } else {
        (opts.max_iterations as usize).min(500)
    };
    for _ in 0..budget {
        if !fx.is_finite() || max_abs(&grad) <= opts.grad_tol {
            break;
        }
        let accepted = newton_step(obj, &mut phi, &mut fx, &mut grad);
        iterations += 1;
        if !accepted {
            break;
        }
    }
    let max_abs_gradient = max_abs(&grad);
    let converged = fx.is_finite() && max_abs_gradient < 1e-5;
    let stop = if converged && max_abs_gradient <= opts.grad_tol {
        Stop::GradientBelowTolerance
    } else {
        match lbfgs_stop {
            Some(stop) => stop,
            None if !converged => Stop::NoFurtherDecrease,
            None => Stop::Unrecorded,
        }
    };
    OptimResult {
        phi,
        fx,
        iterations,
        converged,
        reason: Termination::new(stop),
        max_abs_gradient,
    }
}
