//! The delta method for `:=` parameters: for a function d(φ) with gradient ∇ = ∂d/∂φ,
//! Var(d̂) = ∇ᵀ V_φ ∇, where V_φ is the covariance matrix of the free parameters φ, read from
//! the covariance matrix in θ at the first copy of each φ element (lavaan `lav_model_vcov_se`
//! with `def.function`).

use ndarray::Array2;

/// The delta-method standard error of a function of φ with gradient `grad_phi`, from the
/// covariance matrix of θ (`phi_first_theta[a]`: the θ index of φ_a).
pub fn se(vcov_theta: &Array2<f64>, phi_first_theta: &[usize], grad_phi: &[f64]) -> f64 {
    let mut var = 0.0;
    for (a, &ga) in grad_phi.iter().enumerate() {
        if ga == 0.0 {
            continue;
        }
        for (b, &gb) in grad_phi.iter().enumerate() {
            var += ga * vcov_theta[[phi_first_theta[a], phi_first_theta[b]]] * gb;
        }
    }
    var.max(0.0).sqrt()
}
