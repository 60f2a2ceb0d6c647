//! The saturated ("h1") parameterisation σ = (μ, vech Σ) of one group, and the matrices that
//! robust inference and the FIML information are built from.
//!
//! `vech` runs down the columns of the lower triangle, as lavaan's `lav_matrix_vech`; a
//! covariance element σ_ij (i > j) moves Σ_ij and Σ_ji together. With ℓ = −logL/N (per case)
//! and, per missing-data pattern p (complete data: one pattern), `A = Σ_p⁻¹` (embedded in
//! zeros), `h = A d_p`, `B = 2 A T_p A − A`, `c_ij = ½` if i = j else 1:
//!
//! ```text
//!   ∂²ℓ/∂μ_m∂μ_n   = Σ_p (n_p/N) A_mn
//!   ∂²ℓ/∂μ_m∂σ_kl  = Σ_p (n_p/N) c_kl (A_mk h_l + A_ml h_k)
//!   ∂²ℓ/∂σ_ij∂σ_kl = Σ_p (n_p/N) ½ c_ij c_kl (A_jk B_li + A_jl B_ki + A_ik B_lj + A_il B_kj)
//! ```
//!
//! (the observed information, `lav_mvnorm_missing_information_observed_samplestats`; with
//! `B = A` and no μσ block, the expected information `lav_mvnorm_missing_information_expected`;
//! for complete data at (ȳ, S) both are lavaan's `lav_mvnorm_h1_information_observed`). Casewise
//! scores ∂log f(y_i)/∂σ with `z = ⌈Σ_p⁻¹(y_i,o − μ_o)⌉` are `z_m` and `c_ij (2 z_i z_j − 2A_ij)/2`,
//! i.e. `z_i z_j − A_ij` off the diagonal and `½(z_i² − A_ii)` on it
//! (`lav_mvnorm_missing_scores_mu_vech_sigma`). The first-order information is
//! `Σ_i s_i s_iᵀ / N`; with clusters the scores are first summed within clusters and multiplied
//! by `√(G/(G−1))` (`lav_mvnorm_information_firstorder`, lavaan-conventions §4.10).
//!
//! `Δ = ∂σ/∂θ` (lavaan's `computeDelta`) has the columns `(∂μ/∂θ_k, vech ∂Σ/∂θ_k)` from
//! [`crate::implied::derivatives::first`].

use crate::linalg;
use crate::observe::missing::{FimlWork, GroupData};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// Positions of the saturated parameters of a group with `p` variables.
#[derive(Debug, Clone)]
pub struct Layout {
    pub p: usize,
    pub meanstructure: bool,
    /// (i, j), i ≥ j, in vech order.
    pub pairs: Vec<(usize, usize)>,
    /// Position in σ of Σ_ij (row-major p × p, symmetric).
    index: Vec<usize>,
}

impl Layout {
    pub fn new(p: usize, meanstructure: bool) -> Layout {
        let off = if meanstructure { p } else { 0 };
        let mut pairs = Vec::with_capacity(p * (p + 1) / 2);
        let mut index = vec![0; p * p];
        for j in 0..p {
            for i in j..p {
                index[i * p + j] = off + pairs.len();
                index[j * p + i] = off + pairs.len();
                pairs.push((i, j));
            }
        }
        Layout {
            p,
            meanstructure,
            pairs,
            index,
        }
    }

    /// Dimension of σ.
    pub fn q(&self) -> usize {
        self.pairs.len() + if self.meanstructure { self.p } else { 0 }
    }

    /// Position of σ_ij.
    pub fn cov(&self, i: usize, j: usize) -> usize {
        self.index[i * self.p + j]
    }

    /// Position of μ_i (only with a mean structure).
    pub fn mean(&self, i: usize) -> usize {
        i
    }

    /// ∂ℓ/∂σ from the matrix derivative `Ω = ∂F/∂Σ` and `h` (∂F/∂μ = −2h) of `F = 2ℓ`.
    pub fn gradient_from(&self, omega: &Array2<f64>, h: &Array1<f64>) -> Array1<f64> {
        let mut g = Array1::zeros(self.q());
        if self.meanstructure {
            for i in 0..self.p {
                g[i] = -h[i];
            }
        }
        for &(i, j) in &self.pairs {
            g[self.cov(i, j)] = if i == j {
                0.5 * omega[[i, i]]
            } else {
                omega[[i, j]]
            };
        }
        g
    }

    /// (μ, Σ) − α·step.
    pub fn apply_step(
        &self,
        mu: &Array1<f64>,
        sigma: &Array2<f64>,
        step: &Array1<f64>,
        alpha: f64,
    ) -> (Array1<f64>, Array2<f64>) {
        let mut m = mu.clone();
        let mut s = sigma.clone();
        if self.meanstructure {
            for i in 0..self.p {
                m[i] -= alpha * step[i];
            }
        }
        for &(i, j) in &self.pairs {
            let v = s[[i, j]] - alpha * step[self.cov(i, j)];
            s[[i, j]] = v;
            s[[j, i]] = v;
        }
        (m, s)
    }

    /// σ-positions of the independence model's free parameters: means (with a mean
    /// structure) and variances of the variables not in `fixed_x`.
    pub fn independence_index(&self, fixed_x: &[usize]) -> Vec<usize> {
        let mut idx = Vec::new();
        if self.meanstructure {
            idx.extend((0..self.p).filter(|i| !fixed_x.contains(i)));
        }
        idx.extend(
            (0..self.p)
                .filter(|i| !fixed_x.contains(i))
                .map(|i| self.cov(i, i)),
        );
        idx
    }

    /// σ-positions of lavaan's independence model: [`Layout::independence_index`] plus the
    /// covariances among the exogenous covariates whose moments are not fixed (`free_x`:
    /// with fixed.x = FALSE lavaan's baseline keeps their block saturated).
    pub fn baseline_index(&self, fixed_x: &[usize], free_x: &[usize]) -> Vec<usize> {
        let mut idx = self.independence_index(fixed_x);
        for &(i, j) in &self.pairs {
            if i != j && free_x.contains(&i) && free_x.contains(&j) {
                idx.push(self.cov(i, j));
            }
        }
        idx
    }

    /// σ-positions of the moments of the fixed.x covariates alone (their means and their
    /// (co)variances among themselves): lavaan's `eliminate.pstar.idx`.
    pub fn fixed_x_index(&self, fixed_x: &[usize]) -> Vec<usize> {
        let mut idx = Vec::new();
        if self.meanstructure {
            idx.extend(fixed_x.iter().copied());
        }
        for &(i, j) in &self.pairs {
            if fixed_x.contains(&i) && fixed_x.contains(&j) {
                idx.push(self.cov(i, j));
            }
        }
        idx
    }
}

/// Per-pattern ingredients: observed indices, n_p, A = Σ_p⁻¹, h = A d, B.
struct PatternTerms {
    obs: Vec<usize>,
    freq: f64,
    a: Array2<f64>,
    h: Array1<f64>,
    b: Array2<f64>,
}

fn pattern_terms(
    gd: &GroupData,
    mu: ArrayView1<f64>,
    sigma: ArrayView2<f64>,
    expected: bool,
) -> Option<Vec<PatternTerms>> {
    let mut out = Vec::with_capacity(gd.patterns.len());
    for pt in &gd.patterns {
        let o = &pt.obs;
        let k = o.len();
        let s = Array2::from_shape_fn((k, k), |(a, b)| sigma[[o[a], o[b]]]);
        let (a, _) = linalg::spd_inverse(s.view())?;
        let d = Array1::from_shape_fn(k, |i| pt.mean[i] - mu[o[i]]);
        let h = a.dot(&d);
        let b = if expected {
            a.clone()
        } else {
            let mut t = pt.cov.clone();
            for i in 0..k {
                for j in 0..k {
                    t[[i, j]] += d[i] * d[j];
                }
            }
            let ata = a.dot(&t).dot(&a);
            &ata * 2.0 - &a
        };
        out.push(PatternTerms {
            obs: o.clone(),
            freq: pt.freq as f64,
            a,
            h,
            b,
        });
    }
    Some(out)
}

fn information(
    gd: &GroupData,
    mu: ArrayView1<f64>,
    sigma: ArrayView2<f64>,
    meanstructure: bool,
    expected: bool,
) -> Option<Array2<f64>> {
    let lay = Layout::new(gd.p, meanstructure);
    let q = lay.q();
    let n = gd.nobs() as f64;
    let mut info = Array2::zeros((q, q));
    for t in pattern_terms(gd, mu, sigma, expected)? {
        let w = t.freq / n;
        let o = &t.obs;
        let k = o.len();
        let lp: Vec<(usize, usize)> = (0..k).flat_map(|b| (b..k).map(move |a| (a, b))).collect();
        let (a, bm, h) = (&t.a, &t.b, &t.h);
        if meanstructure {
            for m in 0..k {
                for nn in 0..k {
                    info[[o[m], o[nn]]] += w * a[[m, nn]];
                }
                if !expected {
                    for &(kk, l) in &lp {
                        let c = if kk == l { 0.5 } else { 1.0 };
                        let v = w * c * (a[[m, kk]] * h[l] + a[[m, l]] * h[kk]);
                        let pos = lay.cov(o[kk], o[l]);
                        info[[o[m], pos]] += v;
                        info[[pos, o[m]]] += v;
                    }
                }
            }
        }
        for &(i, j) in &lp {
            let cij = if i == j { 0.5 } else { 1.0 };
            let pij = lay.cov(o[i], o[j]);
            for &(kk, l) in &lp {
                let ckl = if kk == l { 0.5 } else { 1.0 };
                let v = a[[j, kk]] * bm[[l, i]]
                    + a[[j, l]] * bm[[kk, i]]
                    + a[[i, kk]] * bm[[l, j]]
                    + a[[i, l]] * bm[[kk, j]];
                info[[pij, lay.cov(o[kk], o[l])]] += w * 0.5 * cij * ckl * v;
            }
        }
    }
    Some(info)
}

/// Observed information per case (Hessian of ℓ = −logL/N) with respect to σ at (μ, Σ).
pub fn observed_information(
    gd: &GroupData,
    mu: ArrayView1<f64>,
    sigma: ArrayView2<f64>,
    meanstructure: bool,
) -> Option<Array2<f64>> {
    information(gd, mu, sigma, meanstructure, false)
}

/// Expected information per case with respect to σ at (μ, Σ) under the observed patterns.
pub fn expected_information(
    gd: &GroupData,
    mu: ArrayView1<f64>,
    sigma: ArrayView2<f64>,
    meanstructure: bool,
) -> Option<Array2<f64>> {
    information(gd, mu, sigma, meanstructure, true)
}

/// Complete-data normal information per case at Σ (`lav_mvnorm_h1_information_expected`):
/// `Σ⁻¹` for the means, `½ D'(Σ⁻¹ ⊗ Σ⁻¹)D` for vech Σ.
pub fn normal_information(sigma: ArrayView2<f64>, meanstructure: bool) -> Option<Array2<f64>> {
    let p = sigma.nrows();
    let lay = Layout::new(p, meanstructure);
    let (a, _) = linalg::spd_inverse(sigma)?;
    let mut info = Array2::zeros((lay.q(), lay.q()));
    if meanstructure {
        for m in 0..p {
            for n in 0..p {
                info[[m, n]] = a[[m, n]];
            }
        }
    }
    for &(i, j) in &lay.pairs {
        let cij = if i == j { 0.5 } else { 1.0 };
        for &(k, l) in &lay.pairs {
            let ckl = if k == l { 0.5 } else { 1.0 };
            let v = a[[j, k]] * a[[l, i]]
                + a[[j, l]] * a[[k, i]]
                + a[[i, k]] * a[[l, j]]
                + a[[i, l]] * a[[k, j]];
            info[[lay.cov(i, j), lay.cov(k, l)]] = 0.5 * cij * ckl * v;
        }
    }
    Some(info)
}

/// Casewise scores ∂log f(y_i)/∂σ at (μ, Σ) (cases × q). Without a mean structure pass the
/// sample means as μ.
pub fn scores(
    gd: &GroupData,
    mu: ArrayView1<f64>,
    sigma: ArrayView2<f64>,
    meanstructure: bool,
) -> Option<Array2<f64>> {
    let lay = Layout::new(gd.p, meanstructure);
    let mut sc = Array2::zeros((gd.nobs(), lay.q()));
    for pt in &gd.patterns {
        let o = &pt.obs;
        let k = o.len();
        let s = Array2::from_shape_fn((k, k), |(a, b)| sigma[[o[a], o[b]]]);
        let (a, _) = linalg::spd_inverse(s.view())?;
        let mut yc = Array1::zeros(k);
        for &r in &pt.rows {
            for i in 0..k {
                yc[i] = gd.values[[r, o[i]]] - mu[o[i]];
            }
            let z = a.dot(&yc);
            if meanstructure {
                for i in 0..k {
                    sc[[r, o[i]]] = z[i];
                }
            }
            for j in 0..k {
                for i in j..k {
                    let v = z[i] * z[j] - a[[i, j]];
                    sc[[r, lay.cov(o[i], o[j])]] = if i == j { 0.5 * v } else { v };
                }
            }
        }
    }
    Some(sc)
}

/// First-order information `Σ s sᵀ / N` from casewise scores; with clusters the scores are
/// summed per cluster first, and multiplied by √(G/(G−1)) when `correction`.
pub fn crossprod_scores(
    sc: &Array2<f64>,
    cluster: Option<&[usize]>,
    correction: bool,
) -> Array2<f64> {
    let n = sc.nrows() as f64;
    match cluster {
        None => sc.t().dot(sc) / n,
        Some(cl) => {
            let g = cl.iter().copied().max().map_or(0, |m| m + 1);
            let mut sums = Array2::zeros((g, sc.ncols()));
            for (r, &c) in cl.iter().enumerate() {
                let mut row = sums.row_mut(c);
                row += &sc.row(r);
            }
            let f = if correction && g > 1 {
                g as f64 / (g as f64 - 1.0)
            } else {
                1.0
            };
            sums.t().dot(&sums) * f / n
        }
    }
}

/// tr(X Y) of two square matrices.
pub fn trace_product(x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    let n = x.nrows();
    let mut t = 0.0;
    for i in 0..n {
        for j in 0..n {
            t += x[[i, j]] * y[[j, i]];
        }
    }
    t
}

/// Inverse of `a` with the rows/columns in `masked` set to zero (lavaan's handling of the
/// fixed.x moments in `lav_test_yuan_bentler_mplus_trace`).
pub fn masked_inverse(a: &Array2<f64>, masked: &[usize]) -> Option<Array2<f64>> {
    let q = a.nrows();
    let keep: Vec<usize> = (0..q).filter(|i| !masked.contains(i)).collect();
    let sub = Array2::from_shape_fn((keep.len(), keep.len()), |(i, j)| a[[keep[i], keep[j]]]);
    let inv = linalg::symmetric_inverse(sub.view())?;
    let mut out = Array2::zeros((q, q));
    for (i, &ki) in keep.iter().enumerate() {
        for (j, &kj) in keep.iter().enumerate() {
            out[[ki, kj]] = inv[[i, j]];
        }
    }
    Some(out)
}

/// The saturated (H1) estimates of one group: EM moments and −2 logL (without 2π).
#[derive(Debug, Clone)]
pub struct H1Estimates {
    pub mean: Array1<f64>,
    pub cov: Array2<f64>,
    /// Σ_p n_p [log|Σ_p| + tr(Σ_p⁻¹ T_p)] at the estimates.
    pub m2ll: f64,
    pub em_iterations: usize,
    pub newton_steps: usize,
    /// Largest |∂F/∂σ| at the estimates.
    pub max_abs_gradient: f64,
}

/// One EM step (`lav_mvnorm_missing_estep` + M-step) from pattern statistics: the expected
/// complete-data sums T1 = Σ_i E[y_i], T2 = Σ_i E[y_i y_iᵀ] given the observed parts.
fn em_step(
    gd: &GroupData,
    mu: &Array1<f64>,
    sigma: &Array2<f64>,
) -> Option<(Array1<f64>, Array2<f64>)> {
    let p = gd.p;
    let n = gd.nobs() as f64;
    let mut t1 = Array1::<f64>::zeros(p);
    let mut t2 = Array2::<f64>::zeros((p, p));
    for pt in &gd.patterns {
        let o = &pt.obs;
        let mis: Vec<usize> = (0..p).filter(|j| !o.contains(j)).collect();
        let f = pt.freq as f64;
        // sums over the pattern's cases of y_o and y_o y_oᵀ
        let so = &pt.mean * f;
        let k = o.len();
        let soo = Array2::from_shape_fn((k, k), |(a, b)| {
            f * (pt.cov[[a, b]] + pt.mean[a] * pt.mean[b])
        });
        if mis.is_empty() {
            for a in 0..k {
                t1[o[a]] += so[a];
                for b in 0..k {
                    t2[[o[a], o[b]]] += soo[[a, b]];
                }
            }
            continue;
        }
        let s_oo = Array2::from_shape_fn((k, k), |(a, b)| sigma[[o[a], o[b]]]);
        let (inv, _) = linalg::spd_inverse(s_oo.view())?;
        let m = mis.len();
        let s_mo = Array2::from_shape_fn((m, k), |(a, b)| sigma[[mis[a], o[b]]]);
        let beta = s_mo.dot(&inv); // m × k
                                   // conditional covariance Σ_mm − B Σ_om
        let cond = Array2::from_shape_fn((m, m), |(a, b)| {
            sigma[[mis[a], mis[b]]] - (0..k).map(|c| beta[[a, c]] * s_mo[[b, c]]).sum::<f64>()
        });
        // y_m = a + B y_o, a = μ_m − B μ_o
        let alpha = Array1::from_shape_fn(m, |a| {
            mu[mis[a]] - (0..k).map(|c| beta[[a, c]] * mu[o[c]]).sum::<f64>()
        });
        let sm = &alpha * f + beta.dot(&so); // Σ y_m
        let smo = {
            // Σ y_m y_oᵀ = a (Σ y_o)ᵀ + B Σ y_o y_oᵀ
            let mut x = beta.dot(&soo);
            for a in 0..m {
                for b in 0..k {
                    x[[a, b]] += alpha[a] * so[b];
                }
            }
            x
        };
        // Σ y_m y_mᵀ = n a aᵀ + a (B Σy_o)ᵀ + (B Σy_o) aᵀ + B (Σ y_o y_oᵀ) Bᵀ, plus n × cond
        let bso = beta.dot(&so);
        let bsb = beta.dot(&soo).dot(&beta.t());
        for a in 0..k {
            t1[o[a]] += so[a];
            for b in 0..k {
                t2[[o[a], o[b]]] += soo[[a, b]];
            }
        }
        for a in 0..m {
            t1[mis[a]] += sm[a];
            for b in 0..k {
                t2[[mis[a], o[b]]] += smo[[a, b]];
                t2[[o[b], mis[a]]] += smo[[a, b]];
            }
            for b in 0..m {
                t2[[mis[a], mis[b]]] += f * alpha[a] * alpha[b]
                    + alpha[a] * bso[b]
                    + bso[a] * alpha[b]
                    + bsb[[a, b]]
                    + f * cond[[a, b]];
            }
        }
    }
    let mu_new = &t1 / n;
    let mut sigma_new = &t2 / n;
    for i in 0..p {
        for j in 0..p {
            sigma_new[[i, j]] -= mu_new[i] * mu_new[j];
        }
    }
    Some((mu_new, sigma_new))
}

/// Saturated-model estimates by EM (lavaan's starting values: available-case means and
/// variances, zero covariances), then Newton steps with the exact observed information
/// until the largest gradient element is below `tol`.
pub fn estimate_h1(gd: &GroupData, tol: f64) -> Option<H1Estimates> {
    let p = gd.p;
    let mut mu = gd.available_means();
    let var = gd.available_variances();
    let mut sigma = Array2::zeros((p, p));
    for j in 0..p {
        sigma[[j, j]] = if var[j].is_finite() && var[j] > 0.0 {
            var[j]
        } else {
            1.0
        };
    }
    let mut em_iterations = 0;
    if !gd.complete() {
        for _ in 0..10_000 {
            let (m2, s2) = em_step(gd, &mu, &sigma)?;
            let delta = m2
                .iter()
                .zip(mu.iter())
                .map(|(a, b)| (a - b).abs())
                .chain(s2.iter().zip(sigma.iter()).map(|(a, b)| (a - b).abs()))
                .fold(0.0f64, f64::max);
            mu = m2;
            sigma = s2;
            em_iterations += 1;
            // EM converges linearly; Newton below finishes the job
            let scale = sigma.diag().iter().fold(1.0f64, |m, v| m.max(v.abs()));
            if delta < 1e-7 * scale {
                break;
            }
        }
    } else {
        mu = gd.patterns[0].mean.clone();
        sigma = gd.patterns[0].cov.clone();
    }
    let mut work = FimlWork::new(gd);
    let n = gd.nobs() as f64;
    let mut f = work.value(gd, mu.view(), sigma.view(), true)?;
    let layout = Layout::new(p, true);
    let mut newton_steps = 0;
    let mut gmax = f64::INFINITY;
    for _ in 0..50 {
        let g = layout.gradient_from(&work.omega, &work.h);
        gmax = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if gmax <= tol || gd.complete() {
            break;
        }
        let hess = observed_information(gd, mu.view(), sigma.view(), true)?;
        let Some(hinv) = linalg::symmetric_inverse(hess.view()) else {
            break;
        };
        let step = hinv.dot(&g);
        let mut alpha = 1.0;
        let mut accepted = false;
        for _ in 0..30 {
            let (m2, s2) = layout.apply_step(&mu, &sigma, &step, alpha);
            if let Some(f2) = work.value(gd, m2.view(), s2.view(), false) {
                if f2 <= f + 1e-12 * f.abs().max(1.0) {
                    mu = m2;
                    sigma = s2;
                    accepted = true;
                    break;
                }
            }
            alpha *= 0.5;
        }
        newton_steps += 1;
        f = work.value(gd, mu.view(), sigma.view(), true)?;
        if !accepted {
            break;
        }
    }
    let _ = n;
    Some(H1Estimates {
        mean: mu,
        cov: sigma,
        m2ll: f,
        em_iterations,
        newton_steps,
        max_abs_gradient: gmax,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::missing::{FimlWork, GroupData};
    use ndarray::array;

    fn data() -> GroupData {
        let nan = f64::NAN;
        let x = array![
            [1.0, 2.0, 0.5],
            [2.0, nan, 1.5],
            [0.3, 1.1, nan],
            [1.4, 2.9, 0.1],
            [nan, 0.4, 2.2],
            [0.9, 1.7, 1.0],
            [2.2, 2.5, nan],
            [1.1, nan, 0.7],
            [0.2, 0.9, 0.4],
        ];
        GroupData::new(x, None)
    }

    /// ℓ(σ) = −2logL/(2N) without 2π.
    fn ell(gd: &GroupData, mu: &Array1<f64>, s: &Array2<f64>) -> f64 {
        let mut w = FimlWork::new(gd);
        w.value(gd, mu.view(), s.view(), false).unwrap() / (2.0 * gd.nobs() as f64)
    }

    #[test]
    fn gradient_scores_and_hessian_agree_with_finite_differences() {
        let gd = data();
        let mu = array![1.0, 1.6, 0.9];
        let s = array![[0.8, 0.3, 0.1], [0.3, 0.9, -0.2], [0.1, -0.2, 0.6]];
        let lay = Layout::new(3, true);
        let mut w = FimlWork::new(&gd);
        w.value(&gd, mu.view(), s.view(), true).unwrap();
        let g = lay.gradient_from(&w.omega, &w.h);
        // scores sum to −N ∇ℓ
        let sc = scores(&gd, mu.view(), s.view(), true).unwrap();
        let n = gd.nobs() as f64;
        for k in 0..lay.q() {
            let ssum: f64 = sc.column(k).sum();
            assert!((ssum / n + g[k]).abs() < 1e-12, "score {k}");
        }
        let hess = observed_information(&gd, mu.view(), s.view(), true).unwrap();
        let eps = 1e-5;
        for k in 0..lay.q() {
            let mut e = Array1::zeros(lay.q());
            e[k] = 1.0;
            let (m1, s1) = lay.apply_step(&mu, &s, &e, -eps);
            let (m2, s2) = lay.apply_step(&mu, &s, &e, eps);
            let fd = (ell(&gd, &m1, &s1) - ell(&gd, &m2, &s2)) / (2.0 * eps);
            assert!((fd - g[k]).abs() < 1e-8, "gradient {k}: {fd} vs {}", g[k]);
            let mut w1 = FimlWork::new(&gd);
            w1.value(&gd, m1.view(), s1.view(), true).unwrap();
            let g1 = lay.gradient_from(&w1.omega, &w1.h);
            let mut w2 = FimlWork::new(&gd);
            w2.value(&gd, m2.view(), s2.view(), true).unwrap();
            let g2 = lay.gradient_from(&w2.omega, &w2.h);
            for l in 0..lay.q() {
                let fd = (g1[l] - g2[l]) / (2.0 * eps);
                assert!(
                    (fd - hess[[l, k]]).abs() < 1e-6,
                    "hessian {l},{k}: {fd} vs {}",
                    hess[[l, k]]
                );
            }
        }
    }
}
