//! Minimisation for the meta-analytic models: a projected Newton method with lower bounds
//! (the Hessian from central differences of an analytic gradient), and likelihood-based
//! confidence bounds found as the constrained extremum of a function g(θ) on the
//! surface fit(θ) = min + q (the Neale & Miller 1997 definition), solved by Newton's method on
//! the Lagrange conditions.

use super::mat::{chol_solve, cholesky, solve, Mat};

/// A smooth objective with its gradient. `value` may return +∞ outside the domain.
pub trait Objective {
    fn dim(&self) -> usize;
    fn value(&self, x: &[f64]) -> f64;
    fn gradient(&self, x: &[f64]) -> Vec<f64>;
}

/// Gradient of any function by central differences (step relative to |x|).
pub fn numeric_gradient(f: &dyn Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    let mut g = vec![0.0; x.len()];
    let mut y = x.to_vec();
    for j in 0..x.len() {
        let h = 1e-6 * x[j].abs().max(1e-2);
        y[j] = x[j] + h;
        let fp = f(&y);
        y[j] = x[j] - h;
        let fm = f(&y);
        y[j] = x[j];
        g[j] = (fp - fm) / (2.0 * h);
    }
    g
}

/// Hessian by central differences of the gradient (symmetrised). Steps of order 1e-4·|x|;
/// with an analytic gradient this is exact to about 1e-8 relative.
pub fn hessian(obj: &dyn Objective, x: &[f64]) -> Mat {
    let n = x.len();
    let mut h = Mat::zeros(n, n);
    let mut y = x.to_vec();
    for j in 0..n {
        let step = 1e-4 * x[j].abs().max(1e-2);
        y[j] = x[j] + step;
        let gp = obj.gradient(&y);
        y[j] = x[j] - step;
        let gm = obj.gradient(&y);
        y[j] = x[j];
        for i in 0..n {
            h[(i, j)] = (gp[i] - gm[i]) / (2.0 * step);
        }
    }
    h.symmetrize();
    h
}

/// The outcome of a minimisation.
#[derive(Debug, Clone)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub iterations: usize,
    pub converged: bool,
    pub max_abs_gradient: f64,
}

/// Projected Newton with lower bounds (`f64::NEG_INFINITY` = unbounded). Parameters at their
/// bound with a positive gradient are held there; the others take a Newton step (Levenberg
/// damping when the Hessian is not positive definite) with a backtracking line search.
pub fn minimize(obj: &dyn Objective, x0: &[f64], lower: &[f64], max_iter: usize) -> Minimum {
    let n = x0.len();
    let mut x: Vec<f64> = x0.iter().zip(lower).map(|(v, l)| v.max(*l)).collect();
    let mut f = obj.value(&x);
    let mut converged = false;
    let mut iterations = 0;
    let mut g = obj.gradient(&x);
    let mut stall = 0;
    for it in 0..max_iter {
        iterations = it + 1;
        let free: Vec<usize> = (0..n)
            .filter(|&j| !(x[j] <= lower[j] + 1e-12 * (1.0 + lower[j].abs()) && g[j] > 0.0))
            .collect();
        let pg = free.iter().fold(0.0f64, |m, &j| m.max(g[j].abs()));
        if pg < 1e-9 && it > 0 {
            converged = true;
            break;
        }
        let h = hessian(obj, &x);
        let hf = h.select(&free, &free);
        let gf: Vec<f64> = free.iter().map(|&j| g[j]).collect();
        let mut mu = 0.0;
        let dir = loop {
            let mut hh = hf.clone();
            for i in 0..free.len() {
                hh[(i, i)] += mu * (1.0 + hf[(i, i)].abs());
            }
            if let Some(l) = cholesky(&hh) {
                let d = chol_solve(&l, &gf);
                break d.iter().map(|v| -v).collect::<Vec<f64>>();
            }
            mu = if mu == 0.0 { 1e-6 } else { mu * 10.0 };
            if mu > 1e8 {
                break gf.iter().map(|v| -v).collect();
            }
        };
        let mut t = 1.0;
        let slope: f64 = dir.iter().zip(&gf).map(|(d, g)| d * g).sum();
        let mut accepted = false;
        for _ in 0..60 {
            let mut xn = x.clone();
            for (k, &j) in free.iter().enumerate() {
                xn[j] = (x[j] + t * dir[k]).max(lower[j]);
            }
            let fnew = obj.value(&xn);
            if fnew.is_finite() && fnew <= f + 1e-4 * t * slope.min(0.0) + 1e-13 * f.abs().max(1.0)
            {
                let change = (f - fnew).abs();
                let step: f64 = xn
                    .iter()
                    .zip(&x)
                    .fold(0.0, |m, (a, b)| m.max((a - b).abs()));
                x = xn;
                f = fnew;
                accepted = true;
                if change < 1e-14 * f.abs().max(1.0) && step < 1e-10 {
                    stall += 1;
                } else {
                    stall = 0;
                }
                break;
            }
            t *= 0.5;
        }
        g = obj.gradient(&x);
        if !accepted || stall >= 3 {
            let pg = (0..n)
                .filter(|&j| !(x[j] <= lower[j] + 1e-12 && g[j] > 0.0))
                .fold(0.0f64, |m, j| m.max(g[j].abs()));
            converged = pg < 1e-5;
            break;
        }
    }
    let max_abs_gradient = (0..n)
        .filter(|&j| !(x[j] <= lower[j] + 1e-12 && g[j] > 0.0))
        .fold(0.0f64, |m, j| m.max(g[j].abs()));
    Minimum {
        x,
        value: f,
        iterations,
        converged,
        max_abs_gradient,
    }
}

/// A likelihood-based bound: the extremum of g on {fit = min + q}.
#[derive(Debug, Clone)]
pub struct ProfileBound {
    pub value: f64,
    /// fit − (min + q) at the solution.
    pub excess: f64,
    pub converged: bool,
    pub x: Vec<f64>,
}

/// The start of the search for a bound: the point of the quadratic approximation,
/// `x̂ − s H⁻¹∇g` with `s = √(2q / ∇gᵀH⁻¹∇g)`, shortened (halving s) while it leaves the domain
/// (a variance below zero). Returns the point and s.
fn quadratic_start(
    obj: &dyn Objective,
    xhat: &[f64],
    hess_at_min: &Mat,
    g0: &[f64],
    q: f64,
) -> (Vec<f64>, f64) {
    let hinv_g = match cholesky(hess_at_min) {
        Some(l) => chol_solve(&l, g0),
        None => solve(hess_at_min, g0).unwrap_or_else(|| g0.to_vec()),
    };
    let quad: f64 = g0.iter().zip(&hinv_g).map(|(a, b)| a * b).sum();
    let mut s = (2.0 * q / quad.max(1e-300)).sqrt();
    // the quadratic start may leave the domain (a variance below zero): shorten it
    let mut x: Vec<f64> = xhat.iter().zip(&hinv_g).map(|(x, d)| x - s * d).collect();
    for _ in 0..30 {
        if obj.value(&x).is_finite() {
            break;
        }
        s *= 0.5;
        x = xhat.iter().zip(&hinv_g).map(|(x, d)| x - s * d).collect();
    }
    (x, s)
}

/// The Jacobian of a gradient function by central differences (symmetrised): the Hessian
/// of g.
fn gradient_jacobian(grad: &dyn Fn(&[f64]) -> Vec<f64>, x: &[f64]) -> Mat {
    let n = x.len();
    let mut h = Mat::zeros(n, n);
    let mut y = x.to_vec();
    for j in 0..n {
        let step = 1e-5 * x[j].abs().max(1e-2);
        y[j] = x[j] + step;
        let gp = grad(&y);
        y[j] = x[j] - step;
        let gm = grad(&y);
        y[j] = x[j];
        for i in 0..n {
            h[(i, j)] = (gp[i] - gm[i]) / (2.0 * step);
        }
    }
    h.symmetrize();
    h
}

/// The Newton step for the Lagrange conditions at (x, λ): solves
/// `[∇²g + λ∇²fit, ∇fit; ∇fitᵀ, 0] δ = r` (`r` the residual of the conditions).
fn kkt_step(
    obj: &dyn Objective,
    grad_g: &dyn Fn(&[f64]) -> Vec<f64>,
    x: &[f64],
    lambda: f64,
    r: &[f64],
) -> Option<Vec<f64>> {
    let n = x.len();
    let hf = hessian(obj, x);
    let hg = gradient_jacobian(grad_g, x);
    let gf = obj.gradient(x);
    let mut k = Mat::zeros(n + 1, n + 1);
    for i in 0..n {
        for j in 0..n {
            k[(i, j)] = hg[(i, j)] + lambda * hf[(i, j)];
        }
        k[(i, n)] = gf[i];
        k[(n, i)] = gf[i];
    }
    solve(&k, r)
}

/// Finds the lower (`upper = false`) or upper bound of g(θ) over {θ: fit(θ) ≤ fit(θ̂) + q}
/// by Newton's method on the Lagrange conditions ∇g + λ∇fit = 0, fit = fit(θ̂) + q,
/// starting from the quadratic approximation. `g` and its gradient are given as closures.
#[allow(clippy::too_many_arguments)]
pub fn profile_bound(
    obj: &dyn Objective,
    xhat: &[f64],
    fmin: f64,
    q: f64,
    g: &dyn Fn(&[f64]) -> f64,
    grad_g: &dyn Fn(&[f64]) -> Vec<f64>,
    hess_at_min: &Mat,
    upper: bool,
) -> ProfileBound {
    let n = xhat.len();
    let sign = if upper { -1.0 } else { 1.0 };
    // minimise sign*g
    let ggs = |x: &[f64]| grad_g(x).iter().map(|v| sign * v).collect::<Vec<f64>>();
    let target = fmin + q;
    let g0 = ggs(xhat);
    let (mut x, s) = quadratic_start(obj, xhat, hess_at_min, &g0, q);
    let mut lambda = 1.0 / s;
    let residual = |x: &[f64], lambda: f64| -> Option<Vec<f64>> {
        let fv = obj.value(x);
        if !fv.is_finite() {
            return None;
        }
        let gf = obj.gradient(x);
        let gg = ggs(x);
        let mut r: Vec<f64> = gg.iter().zip(&gf).map(|(a, b)| a + lambda * b).collect();
        r.push(fv - target);
        Some(r)
    };
    let norm = |r: &[f64]| r.iter().map(|v| v * v).sum::<f64>().sqrt();
    let mut r = match residual(&x, lambda) {
        Some(r) => r,
        None => {
            return ProfileBound {
                value: f64::NAN,
                excess: f64::NAN,
                converged: false,
                x,
            }
        }
    };
    let scale_g = g0.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
    // stationarity is only as exact as the gradients (central differences in stage 2)
    let done = |r: &[f64], tight: bool| {
        let (tf, ts) = if tight { (1e-11, 1e-10) } else { (1e-8, 1e-5) };
        r[n].abs() < tf && r[..n].iter().all(|v| v.abs() < ts * scale_g)
    };
    for _ in 0..100 {
        if done(&r, true) {
            break;
        }
        let Some(step) = kkt_step(obj, &ggs, &x, lambda, &r) else {
            break;
        };
        let r0 = norm(&r);
        let mut t = 1.0;
        let mut moved = false;
        for _ in 0..40 {
            let xn: Vec<f64> = (0..n).map(|i| x[i] - t * step[i]).collect();
            let ln = lambda - t * step[n];
            if let Some(rn) = residual(&xn, ln) {
                if norm(&rn) < r0 * (1.0 - 1e-4 * t) || norm(&rn) < 1e-12 {
                    x = xn;
                    lambda = ln;
                    r = rn;
                    moved = true;
                    break;
                }
            }
            t *= 0.5;
        }
        if !moved {
            break;
        }
    }
    ProfileBound {
        value: g(&x),
        excess: r[n],
        converged: done(&r, false) && lambda > 0.0,
        x,
    }
}

/// The objective with parameter `k` held at `c` (the other parameters free).
struct Fixed<'a> {
    inner: &'a dyn Objective,
    k: usize,
    c: f64,
}

impl Fixed<'_> {
    fn full(&self, y: &[f64]) -> Vec<f64> {
        let mut x = Vec::with_capacity(y.len() + 1);
        x.extend_from_slice(&y[..self.k]);
        x.push(self.c);
        x.extend_from_slice(&y[self.k..]);
        x
    }
}

impl Objective for Fixed<'_> {
    fn dim(&self) -> usize {
        self.inner.dim() - 1
    }
    fn value(&self, y: &[f64]) -> f64 {
        self.inner.value(&self.full(y))
    }
    fn gradient(&self, y: &[f64]) -> Vec<f64> {
        let mut g = self.inner.gradient(&self.full(y));
        g.remove(self.k);
        g
    }
}

#[allow(clippy::too_many_arguments)]
/// Profile bound of parameter `k` by root finding on the profile fit (parameter fixed, the
/// others re-optimised within their bounds): the fallback of [`profile_bound`]. Returns the
/// parameter's own lower bound when the profile stays below the target there.
pub fn profile_parameter(
    obj: &dyn Objective,
    xhat: &[f64],
    fmin: f64,
    q: f64,
    k: usize,
    lower: &[f64],
    se: f64,
    upper: bool,
) -> Option<f64> {
    let sign = if upper { 1.0 } else { -1.0 };
    let mut others_lower = lower.to_vec();
    others_lower.remove(k);
    let mut start: Vec<f64> = xhat.to_vec();
    start.remove(k);
    let prof = |c: f64| -> f64 {
        let f = Fixed { inner: obj, k, c };
        let m = minimize(&f, &start, &others_lower, 200);
        m.value - fmin - q
    };
    let step = if se.is_finite() && se > 0.0 {
        se * q.sqrt()
    } else {
        0.1 * xhat[k].abs().max(0.01)
    };
    let mut far = xhat[k] + sign * step;
    let mut pf = f64::NAN;
    for _ in 0..40 {
        if !upper && far <= lower[k] {
            far = lower[k];
            pf = prof(far);
            if pf.is_finite() && pf < 0.0 {
                return Some(lower[k]);
            }
            break;
        }
        pf = prof(far);
        if pf.is_finite() && pf > 0.0 {
            break;
        }
        far = xhat[k] + sign * (far - xhat[k]).abs() * 2.0;
    }
    if !(pf.is_finite() && pf > 0.0) {
        return None;
    }
    let (a, b) = if upper {
        (xhat[k], far)
    } else {
        (far, xhat[k])
    };
    crate::stats::uniroot(prof, a, b, 1e-12 * (1.0 + xhat[k].abs()), 200)
        .ok()
        .map(|r| r.root)
}
