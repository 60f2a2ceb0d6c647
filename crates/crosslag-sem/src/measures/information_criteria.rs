//! Information criteria from the model log-likelihood (`lav_fit_aic.R`; lavaan evaluates them
//! in `lav_model_loglik` with npar net of equality constraints and N = `ntotal`).

/// AIC (Akaike, 1974) = −2 ln L + 2 npar.
pub fn aic(logl: f64, npar: f64) -> f64 {
    (-2.0 * logl) + (2.0 * npar)
}

/// BIC (Schwarz, 1978) = −2 ln L + npar ln N.
pub fn bic(logl: f64, npar: f64, n: f64) -> f64 {
    (-2.0 * logl) + (npar * n.ln())
}

/// Sample-size adjusted BIC (Sclove, 1987), lavaan's `bic2` = −2 ln L + npar ln((N + 2)/24).
pub fn sabic(logl: f64, npar: f64, n: f64) -> f64 {
    let n_star = (n + 2.0) / 24.0;
    (-2.0 * logl) + (npar * n_star.ln())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case02_values() {
        // lavaan case02: logl −16486.147544393167, npar 35, N 1000
        let logl = -16_486.147_544_393_167;
        assert!((aic(logl, 35.0) - 33_042.295_088_786_33).abs() < 1e-8);
        assert!(aic(f64::NAN, 35.0).is_nan());
        assert!((bic(logl, 35.0, 1000.0) - (-2.0 * logl + 35.0 * 1000f64.ln())).abs() < 1e-9);
        assert!(
            (sabic(logl, 35.0, 1000.0) - (-2.0 * logl + 35.0 * (1002.0f64 / 24.0).ln())).abs()
                < 1e-9
        );
    }
}
