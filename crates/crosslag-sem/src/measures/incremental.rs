//! Incremental (comparative) fit indices: the model's χ² (X², df) against the baseline
//! model's (X²_B, df_B), as in lavaan's `lav_fit_cfi.R`. NaN stands for R's `NA` and any NaN
//! input gives NaN.
//!
//! Robust versions (Brosseau-Liard & Savalei, 2014, eq. 15; Savalei 2018) replace df by ĉ·df
//! and df_B by ĉ_B·df_B, where ĉ, ĉ_B are the scaling factors of the scaled test of the model
//! and of the baseline model; lavaan uses them only when df > 0, ĉ ≠ 1 and ĉ_B ≠ 1.

/// R's `isTRUE(all.equal(x, 0))`: |x| ≤ √ε (1.49e-8).
fn all_equal_zero(x: f64) -> bool {
    x.abs() <= 1.490_116_119_384_765_6e-8
}

/// max(a, b) propagating NaN, like R's `max()`.
fn rmax(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

fn any_nan(v: &[f64]) -> bool {
    v.iter().any(|x| x.is_nan())
}

/// (df, df_B) multipliers: (ĉ, ĉ_B) when the robust formula applies, else (1, 1).
fn multipliers(df: f64, c: Option<(f64, f64)>) -> (f64, f64) {
    match c {
        Some((c, c_b)) if df > 0.0 && c != 1.0 && c_b != 1.0 => (c, c_b),
        _ => (1.0, 1.0),
    }
}

/// CFI, comparative fit index (Bentler, 1990; `lav_fit_cfi`):
/// 1 − max(X² − df, 0) / max(X² − df, X²_B − df_B, 0); 1 when both are ≈ 0.
pub fn cfi(x2: f64, df: f64, x2_b: f64, df_b: f64) -> f64 {
    cfi_robust(x2, df, x2_b, df_b, None)
}

/// Robust CFI (Brosseau-Liard & Savalei, 2014): [`cfi`] with ĉ·df and ĉ_B·df_B.
/// `c = Some((ĉ, ĉ_B))`; NaN if either is NaN.
pub fn cfi_robust(x2: f64, df: f64, x2_b: f64, df_b: f64, c: Option<(f64, f64)>) -> f64 {
    let (ch, ch_b) = c.unwrap_or((1.0, 1.0));
    if any_nan(&[x2, df, x2_b, df_b, ch, ch_b]) {
        return f64::NAN;
    }
    let (m, m_b) = multipliers(df, c);
    let t1 = rmax(x2 - m * df, 0.0);
    let t2 = rmax(rmax(x2 - m * df, x2_b - m_b * df_b), 0.0);
    if all_equal_zero(t1) && all_equal_zero(t2) {
        1.0
    } else {
        1.0 - t1 / t2
    }
}

/// RNI, relative noncentrality index (McDonald & Marsh, 1990; `lav_fit_rni`):
/// 1 − (X² − df)/(X²_B − df_B), not truncated; NA when X²_B − df_B ≈ 0.
pub fn rni(x2: f64, df: f64, x2_b: f64, df_b: f64) -> f64 {
    rni_robust(x2, df, x2_b, df_b, None)
}

/// Robust RNI: [`rni`] with ĉ·df and ĉ_B·df_B.
pub fn rni_robust(x2: f64, df: f64, x2_b: f64, df_b: f64, c: Option<(f64, f64)>) -> f64 {
    let (ch, ch_b) = c.unwrap_or((1.0, 1.0));
    if any_nan(&[x2, df, x2_b, df_b, ch, ch_b]) {
        return f64::NAN;
    }
    let (m, m_b) = multipliers(df, c);
    let t1 = x2 - m * df;
    let t2 = x2_b - m_b * df_b;
    if all_equal_zero(t2) || !t1.is_finite() || !t2.is_finite() {
        f64::NAN
    } else {
        1.0 - t1 / t2
    }
}

/// TLI, Tucker–Lewis index = NNFI, non-normed fit index (`lav_fit_tli`, lavaan ≥ 0.5-21 form):
/// 1 − [(X² − df)·df_B] / [(X²_B − df_B)·df], not truncated (can exceed 1); 1 when df = 0.
pub fn tli(x2: f64, df: f64, x2_b: f64, df_b: f64) -> f64 {
    tli_robust(x2, df, x2_b, df_b, None)
}

/// Robust TLI/NNFI: [`tli`] with ĉ·df and ĉ_B·df_B.
pub fn tli_robust(x2: f64, df: f64, x2_b: f64, df_b: f64, c: Option<(f64, f64)>) -> f64 {
    let (ch, ch_b) = c.unwrap_or((1.0, 1.0));
    if any_nan(&[x2, df, x2_b, df_b, ch, ch_b]) {
        return f64::NAN;
    }
    let (m, m_b) = multipliers(df, c);
    let t1 = (x2 - m * df) * df_b;
    let t2 = (x2_b - m_b * df_b) * df;
    if df > 0.0 && t2.abs() > 0.0 {
        1.0 - t1 / t2
    } else if !t1.is_finite() || !t2.is_finite() {
        f64::NAN
    } else {
        1.0
    }
}

/// RFI, relative fit index (Bollen, 1986; `lav_fit_rfi`):
/// (X²_B/df_B − X²/df) / (X²_B/df_B), set to 1 when either part is negative or df = 0;
/// NA when df > df_B.
pub fn rfi(x2: f64, df: f64, x2_b: f64, df_b: f64) -> f64 {
    if any_nan(&[x2, df, x2_b, df_b]) {
        return f64::NAN;
    }
    if df > df_b {
        f64::NAN
    } else if df > 0.0 && df_b > 0.0 {
        let t1 = x2_b / df_b - x2 / df;
        let t2 = x2_b / df_b;
        if !t1.is_finite() || !t2.is_finite() {
            f64::NAN
        } else if t1 < 0.0 || t2 < 0.0 {
            1.0
        } else {
            t1 / t2
        }
    } else {
        1.0
    }
}

/// NFI, normed fit index (Bentler & Bonett, 1980; `lav_fit_nfi`): (X²_B − X²)/X²_B;
/// 1 when df = 0; NA when df > df_B or X²_B ≈ 0.
pub fn nfi(x2: f64, df: f64, x2_b: f64, df_b: f64) -> f64 {
    if any_nan(&[x2, df, x2_b, df_b]) {
        return f64::NAN;
    }
    if df > df_b || all_equal_zero(x2_b) {
        f64::NAN
    } else if df > 0.0 {
        (x2_b - x2) / x2_b
    } else {
        1.0
    }
}

/// PNFI, parsimony normed fit index (James, Mulaik & Brett, 1982; `lav_fit_pnfi`):
/// (df/df_B)·(X²_B − X²)/X²_B; NA unless df_B > 0 and X²_B > 0.
pub fn pnfi(x2: f64, df: f64, x2_b: f64, df_b: f64) -> f64 {
    if any_nan(&[x2, df, x2_b, df_b]) {
        return f64::NAN;
    }
    if df_b > 0.0 && x2_b > 0.0 {
        (df / df_b) * ((x2_b - x2) / x2_b)
    } else {
        f64::NAN
    }
}

/// IFI, incremental fit index (Bollen, 1989; `lav_fit_ifi`): (X²_B − X²)/(X²_B − df);
/// 1 when the denominator is negative, NA when it is ≈ 0.
pub fn ifi(x2: f64, df: f64, x2_b: f64, df_b: f64) -> f64 {
    if any_nan(&[x2, df, x2_b, df_b]) {
        return f64::NAN;
    }
    let t1 = x2_b - x2;
    let t2 = x2_b - df;
    if !t1.is_finite() || !t2.is_finite() {
        f64::NAN
    } else if t2 < 0.0 {
        1.0
    } else if all_equal_zero(t2) {
        f64::NAN
    } else {
        t1 / t2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lavaan_edge_cases() {
        // perfect fit: CFI 1, TLI > 1, RNI > 1
        assert_eq!(cfi(5.0, 9.0, 500.0, 28.0), 1.0);
        assert!(tli(5.0, 9.0, 500.0, 28.0) > 1.0);
        assert!(rni(5.0, 9.0, 500.0, 28.0) > 1.0);
        // df = 0
        assert_eq!(tli(0.0, 0.0, 500.0, 28.0), 1.0);
        assert_eq!(nfi(0.0, 0.0, 500.0, 28.0), 1.0);
        assert_eq!(rfi(0.0, 0.0, 500.0, 28.0), 1.0);
        assert_eq!(pnfi(0.0, 0.0, 500.0, 28.0), 0.0);
        // baseline fits as well as the model
        assert_eq!(cfi(0.0, 3.0, 1.0, 3.0), 1.0);
        assert!(rni(1.0, 3.0, 3.0, 3.0).is_nan());
        assert!(nfi(1.0, 3.0, 0.0, 3.0).is_nan());
        assert!(rfi(1.0, 30.0, 100.0, 28.0).is_nan());
        // NA in → NA out
        assert!(cfi(f64::NAN, 3.0, 100.0, 28.0).is_nan());
        assert!(cfi_robust(10.0, 3.0, 100.0, 28.0, Some((f64::NAN, 1.2))).is_nan());
        // robust formula is skipped when a scaling factor is exactly 1
        assert_eq!(
            cfi_robust(10.0, 3.0, 100.0, 28.0, Some((1.0, 1.2))),
            cfi(10.0, 3.0, 100.0, 28.0)
        );
    }
}
