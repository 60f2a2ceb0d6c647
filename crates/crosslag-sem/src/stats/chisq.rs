//! The central χ² distribution (distribution function, upper tail, quantile) and the
//! noncentral χ² distribution function (Ding's AS 275 as modified in R's `pnchisq`).

use std::f64::consts::LN_2;

use super::gamma::{gamma_p, gamma_q, ln_gamma, ln_gamma_p, LN_SQRT_2PI};
use super::normal::qnorm;

/// ln(2)·DBL_MIN_EXP (−1021): below this `exp()` underflows (R's `_dbl_min_exp`).
const DBL_MIN_EXP_LN: f64 = LN_2 * -1021.0;

/// χ² distribution function P(X ≤ x), X ~ χ²(df) (R: `pchisq(x, df)`).
pub fn pchisq(x: f64, df: f64) -> f64 {
    gamma_p(0.5 * df, 0.5 * x)
}

/// χ² upper tail P(X > x), accurate when tiny (R: `pchisq(x, df, lower.tail = FALSE)`).
///
/// ```
/// use crosslag_sem::stats::{pchisq, pchisq_upper};
/// assert!((pchisq(3.841458820694124, 1.0) - 0.95).abs() < 1e-15);
/// let p = pchisq_upper(147.66443917387306, 12.0); // 1.687e-25, where 1 − pchisq() gives 0
/// assert!((p / 1.6870676945365464e-25 - 1.0).abs() < 1e-13);
/// ```
pub fn pchisq_upper(x: f64, df: f64) -> f64 {
    gamma_q(0.5 * df, 0.5 * x)
}

/// χ² density.
fn dchisq(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let a = 0.5 * df;
    ((a - 1.0) * (0.5 * x).ln() - 0.5 * x - ln_gamma(a)).exp() * 0.5
}

/// χ² quantile (R: `qchisq(p, df)`): Wilson–Hilferty start, then safeguarded Newton steps on
/// the lower tail (p ≤ ½) or on the upper tail 1 − p (p > ½) to full precision.
pub fn qchisq(p: f64, df: f64) -> f64 {
    if p.is_nan() || df.is_nan() || !(0.0..=1.0).contains(&p) || df < 0.0 {
        return f64::NAN;
    }
    if df == 0.0 || p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let a = 0.5 * df;
    let upper = p > 0.5;
    let target = if upper { 1.0 - p } else { p };
    // g(x) increases in x
    let g = |x: f64| {
        if upper {
            target - pchisq_upper(x, df)
        } else {
            pchisq(x, df) - target
        }
    };
    // starting value
    let z = qnorm(p);
    let c = 2.0 / (9.0 * df);
    let wh = df * (1.0 - c + z * c.sqrt()).powi(3);
    // for small x, P(x) = (x/2)^a / Γ(a+1) · (1 + O(x)); exact enough where x underflows
    let ln_small = LN_2 + (p.ln() + ln_gamma(a + 1.0)) / a;
    if ln_small < -700.0 {
        return ln_small.exp();
    }
    let small = ln_small.exp();
    let mut x = if wh > 0.0 {
        wh
    } else if small > 0.0 && small.is_finite() {
        small
    } else {
        df
    };
    // bracket
    let (mut lo, mut hi) = (0.0_f64, f64::INFINITY);
    for _ in 0..1000 {
        let gx = g(x);
        if gx == 0.0 {
            return x;
        }
        if gx < 0.0 {
            lo = lo.max(x);
        } else {
            hi = hi.min(x);
        }
        let dens = dchisq(x, df);
        let mut xn = if dens > 0.0 && dens.is_finite() {
            x - gx / dens
        } else {
            f64::NAN
        };
        if !(xn > lo && xn < hi) {
            xn = if hi.is_finite() {
                0.5 * (lo + hi)
            } else {
                2.0 * x.max(1.0)
            };
        }
        if (xn - x).abs() <= 4.0 * f64::EPSILON * xn.abs() {
            return xn;
        }
        if hi.is_finite() && (hi - lo) <= 4.0 * f64::EPSILON * hi {
            return xn;
        }
        x = xn;
    }
    x
}

/// ln(eˣ + eʸ).
fn logspace_add(lx: f64, ly: f64) -> f64 {
    if lx == f64::NEG_INFINITY {
        return ly;
    }
    if ly == f64::NEG_INFINITY {
        return lx;
    }
    lx.max(ly) + (-(lx - ly).abs()).exp().ln_1p()
}

/// Noncentral χ² distribution function P(X ≤ x), X ~ χ²(df, ncp) (R: `pchisq(x, df, ncp)`).
///
/// As R's `pnchisq`: for ncp < 80 the Poisson mixture Σᵢ₌₀¹⁰⁹ πᵢ P(χ²(df+2i) ≤ x) / Σ πᵢ with
/// πᵢ = e^{−ncp/2}(ncp/2)ⁱ/i! (in log space when every term underflows); for ncp ≥ 80 Ding's
/// series (AS 275) Σₙ vₙ tₙ with vₙ the cumulative Poisson weights and
/// tₙ = (x/2)^{df/2+n} e^{−x/2}/Γ(df/2+n+1), stopped when the remainder bound
/// tₙ·x/(df+2n−x) ≤ 1e-12 and the last term ≤ 8ε·sum.
///
/// ```
/// // p-value of the test of close fit for χ² = 14.77 on 9 df, N = 1000 (lavaan case02)
/// let ncp = 1000.0 * 9.0 * 0.05 * 0.05;
/// let p = 1.0 - crosslag_sem::stats::pchisq_nc(14.771793464731786, 9.0, ncp);
/// assert!((p - 0.9673883717734938).abs() < 1e-14);
/// ```
pub fn pchisq_nc(x: f64, df: f64, ncp: f64) -> f64 {
    if x.is_nan() || df.is_nan() || ncp.is_nan() || df < 0.0 || ncp < 0.0 {
        return f64::NAN;
    }
    if !ncp.is_finite() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return if x == 0.0 && df == 0.0 {
            (-0.5 * ncp).exp()
        } else {
            0.0
        };
    }
    if x.is_infinite() {
        return 1.0;
    }
    if ncp < 80.0 {
        let lambda = 0.5 * ncp;
        if df > 0.0 && x.ln() < LN_2 + 2.0 / df * (ln_gamma(0.5 * df + 1.0) + DBL_MIN_EXP_LN) {
            // every pchisq(x, df + 2i) underflows: work with logarithms
            let ll = lambda.ln();
            let mut pr = -lambda;
            let mut sum = f64::NEG_INFINITY;
            let mut sum2 = f64::NEG_INFINITY;
            for i in 0..110 {
                sum2 = logspace_add(sum2, pr);
                sum = logspace_add(
                    sum,
                    pr + ln_gamma_p(0.5 * (df + 2.0 * f64::from(i)), 0.5 * x),
                );
                pr += ll - f64::from(i + 1).ln();
            }
            return (sum - sum2).exp();
        }
        let mut pr = (-lambda).exp();
        let mut sum = 0.0;
        let mut sum2 = 0.0;
        for i in 0..110 {
            sum2 += pr;
            sum += pr * pchisq(x, df + 2.0 * f64::from(i));
            pr *= lambda / f64::from(i + 1);
        }
        return sum / sum2;
    }
    ding_series(x, df, ncp).min(1.0)
}

/// Ding's (1992) series for the noncentral χ² lower tail, with R's underflow handling.
fn ding_series(x: f64, f: f64, theta: f64) -> f64 {
    const ERRMAX: f64 = 1e-12;
    const RELTOL: f64 = 8.0 * f64::EPSILON;
    const ITRMAX: usize = 1_000_000;
    let lam = 0.5 * theta;
    let mut lam_sml = -lam < DBL_MIN_EXP_LN;
    let (mut u, mut lu, l_lam) = if lam_sml {
        (0.0, -lam, lam.ln())
    } else {
        ((-lam).exp(), 0.0, 0.0)
    };
    let mut v = u;
    let x2 = 0.5 * x;
    let f2 = 0.5 * f;
    let mut f_x_2n = f - x;
    let mut lt = if f2 * f64::EPSILON > 0.125 && (x2 - f2).abs() < f64::EPSILON.sqrt() * f2 {
        let t = x2 - f2;
        (1.0 - t) * (2.0 - t / (f2 + 1.0)) - LN_SQRT_2PI - 0.5 * (f2 + 1.0).ln()
    } else {
        f2 * x2.ln() - x2 - ln_gamma(f2 + 1.0)
    };
    let mut t_sml = lt < DBL_MIN_EXP_LN;
    let l_x = x.ln();
    let (mut t, mut ans, mut term);
    if t_sml {
        if x > f + theta + 5.0 * (2.0 * (f + 2.0 * theta)).sqrt() {
            return 1.0;
        }
        t = 0.0;
        ans = 0.0;
        term = 0.0;
    } else {
        t = lt.exp();
        ans = v * t;
        term = ans;
    }
    let mut f_2n = f + 2.0;
    f_x_2n += 2.0;
    let mut n = 1usize;
    while n <= ITRMAX {
        if f_x_2n > 0.0 {
            let bound = t * x / f_x_2n;
            if bound <= ERRMAX && term <= RELTOL * ans {
                break;
            }
        }
        let nf = n as f64;
        if lam_sml {
            lu += l_lam - nf.ln();
            if lu >= DBL_MIN_EXP_LN {
                u = lu.exp();
                v = u;
                lam_sml = false;
            }
        } else {
            u *= lam / nf;
            v += u;
        }
        if t_sml {
            lt += l_x - f_2n.ln();
            if lt >= DBL_MIN_EXP_LN {
                t = lt.exp();
                t_sml = false;
            }
        } else {
            t *= x / f_2n;
        }
        if !lam_sml && !t_sml {
            term = v * t;
            ans += term;
        }
        n += 1;
        f_2n += 2.0;
        f_x_2n += 2.0;
    }
    ans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::rel;

    #[test]
    fn chisq_known_values() {
        // mpmath: pchisq(3.84145882, 1) = 0.949999999979301538
        assert!(rel(pchisq(3.841_458_82, 1.0), 0.949_999_999_979_301_5) < 1e-14);
        // R: qchisq(0.95, 1) = 3.841458820694124
        assert!(rel(qchisq(0.95, 1.0), 3.841_458_820_694_124) < 1e-14);
        // case01 of the lavaan references: chisq 147.664…, df 12 (mpmath)
        assert!(
            rel(
                pchisq_upper(147.664_439_173_873_06, 12.0),
                1.687_067_694_536_546_4e-25
            ) < 1e-13
        );
        assert!(
            rel(
                pchisq_upper(85.305_521_769_794_11, 24.0),
                8.502_553_165_210_597e-9
            ) < 1e-13
        );
        // lavaan computes 1 - pchisq(): case15a pvalue 8.50255321704907e-09
        assert!(
            (1.0 - pchisq(85.305_521_769_794_11, 24.0) - 8.502_553_217_049_07e-9).abs() < 1e-16
        );
        assert_eq!(pchisq_upper(5_830.405_403_344_122, 28.0), 0.0); // 1.6e-1231 underflows
        assert_eq!(qchisq(1e-300, 1.0), 0.0); // π/2·1e-600 underflows
        for &df in &[0.5, 1.0, 2.0, 9.0, 9.025_566_758_080_032, 239.0, 1000.0] {
            for &p in &[1e-100, 1e-12, 0.001, 0.05, 0.5, 0.95, 0.99, 1.0 - 1e-9] {
                let x = qchisq(p, df);
                if x == 0.0 {
                    // the quantile underflows
                    assert!(LN_2 + (p.ln() + ln_gamma(0.5 * df + 1.0)) / (0.5 * df) < -700.0);
                    continue;
                }
                let back = if p > 0.5 {
                    1.0 - pchisq_upper(x, df)
                } else {
                    pchisq(x, df)
                };
                assert!(rel(back, p) < 1e-13, "qchisq({p}, {df}) = {x}: {back}");
            }
        }
    }

    #[test]
    fn noncentral_chisq_known_values() {
        // ncp = 0 is the central distribution
        assert!(rel(pchisq_nc(10.0, 9.0, 0.0), pchisq(10.0, 9.0)) < 1e-15);
        // mpmath (Poisson mixture to 40 digits)
        assert!(
            rel(
                pchisq_nc(14.771_793_464_731_786, 9.0, 22.5),
                0.032_611_628_226_506_2
            ) < 1e-12
        );
        assert!(rel(pchisq_nc(100.0, 20.0, 90.0), 0.321_621_375_288_406_5) < 1e-12);
        // tiny lower tail, every central term underflows (log-space branch)
        assert!(rel(pchisq_nc(0.5, 239.0, 10.0), 9.859_184_126_774_956e-273) < 1e-11);
        // case09 rmsea.notclose.pvalue: lavaan 1.374142564867655e-117, mpmath 1.3741425648676090e-117
        assert!(
            rel(
                pchisq_nc(281.679_549_250_742_4, 239.0, 1223.68),
                1.374_142_564_867_609e-117
            ) < 1e-12
        );
    }
}
