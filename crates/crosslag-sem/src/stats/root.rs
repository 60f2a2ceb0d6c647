//! Brent's bracketing root finder with R's exact iteration (`R_zeroin2`), as `uniroot()`.

/// R's default `uniroot()` tolerance, `.Machine$double.eps^0.25` = 2⁻¹³.
pub const UNIROOT_TOL: f64 = 1.220_703_125e-4;
/// R's default `uniroot()` iteration limit.
pub const UNIROOT_MAXITER: usize = 1000;

/// A root found by [`uniroot`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Root {
    /// The root estimate (R: `$root`).
    pub root: f64,
    /// Iterations used (R: `$iter`).
    pub iter: usize,
    /// Width of the final bracket (R: `$estim.prec`).
    pub estim_prec: f64,
    /// False when the iteration limit was reached (R warns and returns the last iterate).
    pub converged: bool,
}

/// Why [`uniroot`] could not run (these are errors in R, caught by lavaan's `try()`).
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum RootError {
    /// `lower < upper` is not fulfilled.
    #[error("lower < upper is not fulfilled")]
    InvalidInterval,
    /// f(lower) or f(upper) is NaN.
    #[error("f() is NaN at an end point")]
    NotANumber,
    /// f(lower) and f(upper) have the same sign.
    #[error("f() values at end points not of opposite sign")]
    NotBracketed,
}

/// Brent's root finder exactly as R's `uniroot(f, c(lower, upper), tol, maxiter)`
/// (`R_zeroin2`: inverse quadratic / secant interpolation with bisection fallback; the iteration
/// stops when half the bracket is ≤ 2ε|b| + tol/2). Use [`UNIROOT_TOL`] and
/// [`UNIROOT_MAXITER`] for R's defaults.
///
/// ```
/// use crosslag_sem::stats::{uniroot, UNIROOT_MAXITER};
/// let r = uniroot(|x| x * x - 2.0, 0.0, 2.0, 1e-12, UNIROOT_MAXITER).unwrap();
/// assert!((r.root - 2f64.sqrt()).abs() < 1e-12);
/// ```
pub fn uniroot<F: FnMut(f64) -> f64>(
    mut f: F,
    lower: f64,
    upper: f64,
    tol: f64,
    maxiter: usize,
) -> Result<Root, RootError> {
    if lower.is_nan() || upper.is_nan() || lower >= upper {
        return Err(RootError::InvalidInterval);
    }
    let fa = f(lower);
    let fb = f(upper);
    if fa.is_nan() || fb.is_nan() {
        return Err(RootError::NotANumber);
    }
    let trunc = |v: f64| v.clamp(-f64::MAX, f64::MAX);
    if trunc(fa) * trunc(fb) > 0.0 {
        return Err(RootError::NotBracketed);
    }
    zeroin(&mut f, lower, upper, fa, fb, tol, maxiter)
}

/// Brent–Dekker `zeroin` with known end-point values (the iteration of R's `R_zeroin2`).
fn zeroin<F: FnMut(f64) -> f64>(
    f: &mut F,
    ax: f64,
    bx: f64,
    fa0: f64,
    fb0: f64,
    tol: f64,
    maxiter: usize,
) -> Result<Root, RootError> {
    let (mut a, mut b) = (ax, bx);
    let (mut fa, mut fb) = (fa0, fb0);
    let (mut c, mut fc) = (a, fa);
    if fa == 0.0 {
        return Ok(Root {
            root: a,
            iter: 0,
            estim_prec: 0.0,
            converged: true,
        });
    }
    if fb == 0.0 {
        return Ok(Root {
            root: b,
            iter: 0,
            estim_prec: 0.0,
            converged: true,
        });
    }
    let mut remaining = maxiter + 1;
    while remaining > 0 {
        remaining -= 1;
        let prev_step = b - a;
        if fc.abs() < fb.abs() {
            // make b the best approximation
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol_act = 2.0 * f64::EPSILON * b.abs() + tol / 2.0;
        let mut new_step = (c - b) / 2.0;
        if new_step.abs() <= tol_act || fb == 0.0 {
            return Ok(Root {
                root: b,
                iter: maxiter + 1 - remaining - 1,
                estim_prec: (c - b).abs(),
                converged: true,
            });
        }
        // interpolation, if the previous step was large enough and went the right way
        if prev_step.abs() >= tol_act && fa.abs() > fb.abs() {
            let cb = c - b;
            let (mut p, mut q);
            if a == c {
                // secant
                let t1 = fb / fa;
                p = cb * t1;
                q = 1.0 - t1;
            } else {
                // inverse quadratic interpolation
                let qq = fa / fc;
                let t1 = fb / fc;
                let t2 = fb / fa;
                p = t2 * (cb * qq * (qq - t1) - (b - a) * (t1 - 1.0));
                q = (qq - 1.0) * (t1 - 1.0) * (t2 - 1.0);
            }
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if p < (0.75 * cb * q - (tol_act * q).abs() / 2.0) && p < (prev_step * q / 2.0).abs() {
                new_step = p / q;
            }
        }
        if new_step.abs() < tol_act {
            new_step = if new_step > 0.0 { tol_act } else { -tol_act };
        }
        a = b;
        fa = fb;
        b += new_step;
        fb = f(b);
        if (fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0) {
            c = a;
            fc = fa;
        }
    }
    Ok(Root {
        root: b,
        iter: maxiter,
        estim_prec: (c - b).abs(),
        converged: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniroot_matches_r() {
        // R: uniroot(function(x) x^2 - 2, c(0, 2))$root = 1.414214 (tol 1.22e-4)
        let r = uniroot(|x| x * x - 2.0, 0.0, 2.0, UNIROOT_TOL, UNIROOT_MAXITER).unwrap();
        assert!((r.root - 2f64.sqrt()).abs() < 1e-4);
        assert!(r.converged);
        let r = uniroot(|x| x * x - 2.0, 0.0, 2.0, 1e-14, UNIROOT_MAXITER).unwrap();
        assert!((r.root - 2f64.sqrt()).abs() < 1e-14);
        assert_eq!(
            uniroot(|x| x * x + 1.0, 0.0, 2.0, UNIROOT_TOL, 1000),
            Err(RootError::NotBracketed)
        );
    }
}
