//! Newton's method from a start near the optimum: the lean refit of power analyses and
//! bootstraps, which start at the pseudo-true values or at the full sample's estimates.

use super::optimize;
use crate::linalg;
use crate::loss::objective::Objective;
use ndarray::Array1;

/// Newton's method with the analytic Hessian (the expected information where the Hessian is
/// not positive definite) and step halving, from a start near the optimum. Stops when the
/// Newton decrement `gᵀH⁻¹g` is below 1e-20 (fx within rounding of its minimum). Returns
/// (φ, fx, iterations, converged).
pub fn newton(obj: &Objective, phi0: &[f64]) -> (Vec<f64>, f64, u32, bool) {
    let n = phi0.len();
    let mut phi = phi0.to_vec();
    let mut grad = vec![0.0; n];
    let mut fx = obj.value_and_gradient(&phi, &mut grad);
    let mut iterations = 0u32;
    if !fx.is_finite() {
        return (phi, fx, iterations, false);
    }
    let max_abs = |g: &[f64]| g.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let mut cand = vec![0.0; n];
    let mut g2 = vec![0.0; n];
    for _ in 0..40 {
        let step = optimize::phi_information(obj, &phi, true)
            .and_then(|h| linalg::spd_inverse(h.view()))
            .or_else(|| {
                optimize::phi_information(obj, &phi, false)
                    .and_then(|h| linalg::spd_inverse(h.view()))
            })
            .map(|(inv, _)| inv.dot(&Array1::from(grad.clone())));
        let Some(step) = step else { break };
        let decrement: f64 = step.iter().zip(&grad).map(|(s, g)| s * g).sum();
        if decrement.is_nan() || decrement <= 1e-20 {
            return (phi, fx, iterations, max_abs(&grad) < 1e-5);
        }
        iterations += 1;
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..30 {
            for i in 0..n {
                cand[i] = phi[i] - t * step[i];
            }
            let f2 = obj.value_and_gradient(&cand, &mut g2);
            // Armijo, or at the noise floor of fx a smaller gradient
            let armijo = f2 <= fx - 1e-4 * t * decrement;
            let flat = f2 <= fx + 1e-12 * fx.abs().max(1.0) && max_abs(&g2) < max_abs(&grad);
            if f2.is_finite() && (armijo || flat) {
                phi.copy_from_slice(&cand);
                grad.copy_from_slice(&g2);
                fx = f2;
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            break;
        }
    }
    let converged = max_abs(&grad) < 1e-5 && {
        // a last check of the decrement
        optimize::phi_information(obj, &phi, true)
            .and_then(|h| linalg::spd_inverse(h.view()))
            .map(|(inv, _)| {
                let g = Array1::from(grad.clone());
                g.dot(&inv.dot(&g)) < 1e-12
            })
            .unwrap_or(false)
    };
    (phi, fx, iterations, converged)
}
