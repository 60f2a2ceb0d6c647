//! The normal-theory maximum-likelihood discrepancy of one group and its analytic gradient.
//!
//! ```text
//!   F(θ) = log|Σ| + tr(W Σ⁻¹) − log|S| − p,     W = S + (ȳ − μ)(ȳ − μ)ᵀ
//! ```
//! (lavaan `lav_model_objective_ml`; without a mean structure W = S). lavaan minimises
//! `fx = ½ Σ_g (N_g/N) F_g` and reports χ² = 2 N fx.
//!
//! Gradient (Magnus & Neudecker; RAM form as in von Oertzen & Brick 2014), with
//! `Ω = Σ⁻¹ − Σ⁻¹ W Σ⁻¹`, `g_μ = −2 Σ⁻¹ (ȳ − μ)`, `G = F B`:
//! ```text
//!   ∂F/∂S = Gᵀ Ω G            (off-diagonal parameters count twice)
//!   ∂F/∂A = 2 Gᵀ Ω G S Bᵀ + (Gᵀ g_μ)(B m)ᵀ
//!   ∂F/∂m = Gᵀ g_μ
//! ```

use crate::implied::Implied;
use crate::linalg;
use crate::observe::moments::Moments;
use crate::specify::ram::RamMatrices;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2};

/// Buffers for one group's ML discrepancy and gradient.
#[derive(Debug, Clone)]
pub struct MlGroup {
    /// Σ⁻¹ at the last evaluation.
    pub sigma_inv: Array2<f64>,
    /// W = S + d dᵀ.
    pub w: Array2<f64>,
    /// d = ȳ − μ.
    pub d: Array1<f64>,
    /// Ω = Σ⁻¹ − Σ⁻¹ W Σ⁻¹.
    pub omega: Array2<f64>,
    /// Gradient of F with respect to the entries of A, S (symmetric, per entry) and m.
    pub grad_a: Array2<f64>,
    pub grad_s: Array2<f64>,
    pub grad_m: Array1<f64>,
    work_pp: Array2<f64>,
    work_pp2: Array2<f64>,
    gto: Array2<f64>,
    work_mm: Array2<f64>,
    /// ∂F/∂μ (set by [`MlGroup::gradient`], or by the caller before [`MlGroup::map_to_ram`]).
    pub gmu: Array1<f64>,
}

impl MlGroup {
    pub fn new(p: usize, m: usize) -> MlGroup {
        MlGroup {
            sigma_inv: Array2::zeros((p, p)),
            w: Array2::zeros((p, p)),
            d: Array1::zeros(p),
            omega: Array2::zeros((p, p)),
            grad_a: Array2::zeros((m, m)),
            grad_s: Array2::zeros((m, m)),
            grad_m: Array1::zeros(m),
            work_pp: Array2::zeros((p, p)),
            work_pp2: Array2::zeros((p, p)),
            gto: Array2::zeros((m, p)),
            work_mm: Array2::zeros((m, m)),
            gmu: Array1::zeros(p),
        }
    }

    /// F for this group; `None` when Σ is not positive definite.
    pub fn value(&mut self, obs: &Moments, imp: &Implied, meanstructure: bool) -> Option<f64> {
        let p = imp.p;
        let logdet = linalg::spd_inverse_into(
            imp.sigma.view(),
            self.sigma_inv.view_mut(),
            self.work_pp.view_mut(),
        )?;
        self.w.assign(&obs.cov);
        if meanstructure {
            for i in 0..p {
                self.d[i] = obs.mean[i] - imp.mu[i];
            }
            for i in 0..p {
                for j in 0..p {
                    self.w[[i, j]] += self.d[i] * self.d[j];
                }
            }
        } else {
            self.d.fill(0.0);
        }
        let mut tr = 0.0;
        for i in 0..p {
            for j in 0..p {
                tr += self.w[[i, j]] * self.sigma_inv[[i, j]];
            }
        }
        let logdet_s = obs.logdet.unwrap_or(0.0);
        Some(logdet + tr - logdet_s - p as f64)
    }

    /// Gradient of F with respect to the RAM entries; call after [`MlGroup::value`].
    pub fn gradient(&mut self, imp: &Implied, mats: &RamMatrices, meanstructure: bool) {
        let p = imp.p;
        // Ω = Σ⁻¹ − Σ⁻¹ W Σ⁻¹
        general_mat_mul(1.0, &self.sigma_inv, &self.w, 0.0, &mut self.work_pp);
        general_mat_mul(1.0, &self.work_pp, &self.sigma_inv, 0.0, &mut self.work_pp2);
        self.omega.assign(&self.sigma_inv);
        self.omega -= &self.work_pp2;
        if meanstructure {
            // g_μ = −2 Σ⁻¹ (ȳ − μ)
            for i in 0..p {
                let mut acc = 0.0;
                for j in 0..p {
                    acc += self.sigma_inv[[i, j]] * self.d[j];
                }
                self.gmu[i] = -2.0 * acc;
            }
        }
        self.map_to_ram(imp, mats, meanstructure);
    }

    /// The RAM chain rule: from `Ω = ∂F/∂Σ` (in [`MlGroup::omega`]) and `g_μ = ∂F/∂μ` (in
    /// [`MlGroup::gmu`]) to the gradient with respect to the entries of A, S and m. Shared by
    /// every discrepancy whose derivative with respect to (μ, Σ) is given in this form (FIML:
    /// [`crate::observe::missing`]).
    pub fn map_to_ram(&mut self, imp: &Implied, mats: &RamMatrices, meanstructure: bool) {
        let p = imp.p;
        let m = imp.b.nrows();
        let g = imp.g();
        // ∂F/∂S = Gᵀ Ω G
        general_mat_mul(1.0, &g.t(), &self.omega, 0.0, &mut self.gto);
        general_mat_mul(1.0, &self.gto, &g, 0.0, &mut self.grad_s);
        // ∂F/∂A = 2 (Gᵀ Ω G) S Bᵀ + (Gᵀ g_μ)(B m)ᵀ
        general_mat_mul(1.0, &self.grad_s, &mats.s, 0.0, &mut self.work_mm);
        general_mat_mul(2.0, &self.work_mm, &imp.b.t(), 0.0, &mut self.grad_a);
        if meanstructure {
            for i in 0..m {
                let mut acc = 0.0;
                for k in 0..p {
                    acc += g[[k, i]] * self.gmu[k];
                }
                self.grad_m[i] = acc;
            }
            for i in 0..m {
                for j in 0..m {
                    self.grad_a[[i, j]] += self.grad_m[i] * imp.bm[j];
                }
            }
        } else {
            self.grad_m.fill(0.0);
        }
    }
}
