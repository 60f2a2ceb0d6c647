//! The standard normal distribution: Φ, its upper tail and its inverse (Acklam with Halley
//! refinement).

use super::gamma::{dpois_raw, gamma_p_series};

/// √(2π).
const SQRT_2PI: f64 = 2.506_628_274_631_000_7;

/// exp(−t²/2) without the rounding error of t² (Cody's splitting t = t_hi + t_lo).
fn exp_neg_half_sq(t: f64) -> f64 {
    let hi = (t * 16.0).trunc() / 16.0;
    let del = (t - hi) * (t + hi);
    (-0.5 * hi * hi).exp() * (-0.5 * del).exp()
}

/// Upper tail 1 − Φ(t) for t ≥ 0.
///
/// t < 1: ½ − ½ erf(t/√2) with erf from the positive series of P(½, t²/2);
/// t ≥ 1: φ(t)·R(t) with Laplace's continued fraction for Mills' ratio
/// R(t) = 1/(t + 1/(t + 2/(t + 3/(t + …)))) evaluated backwards from a fixed depth.
fn norm_upper_nonneg(t: f64) -> f64 {
    if t < 1.0 {
        let z = 0.5 * t * t;
        let p = dpois_raw(0.5, z) * gamma_p_series(0.5, z);
        0.5 - 0.5 * p
    } else if t > 40.0 {
        0.0
    } else {
        let depth = if t < 2.0 {
            400
        } else if t < 5.0 {
            150
        } else {
            60
        };
        let mut m = 0.0;
        for k in (1..=depth).rev() {
            m = f64::from(k) / (t + m);
        }
        dnorm(t) / (t + m)
    }
}

/// Standard normal distribution function Φ(x) (R: `pnorm(x)`).
pub fn pnorm(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        norm_upper_nonneg(-x)
    } else {
        1.0 - norm_upper_nonneg(x)
    }
}

/// Upper tail 1 − Φ(x), accurate when tiny (R: `pnorm(x, lower.tail = FALSE)`).
pub fn pnorm_upper(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x >= 0.0 {
        norm_upper_nonneg(x)
    } else {
        1.0 - norm_upper_nonneg(-x)
    }
}

/// Standard normal density φ(x).
fn dnorm(x: f64) -> f64 {
    exp_neg_half_sq(x.abs()) / SQRT_2PI
}

/// Acklam's rational approximation of Φ⁻¹(p) for 0 < p ≤ ½ (relative error < 1.2e-9).
fn qnorm_acklam_lower(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    if p < 0.02425 {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Standard normal quantile Φ⁻¹(p) (R: `qnorm(p)`), full double precision.
///
/// ```
/// let z = crosslag_sem::stats::qnorm(0.975);
/// assert!((z - 1.959963984540054).abs() < 1e-15);
/// ```
///
/// Acklam's approximation refined by Halley steps on the accurate [`pnorm`]/[`pnorm_upper`];
/// for p > ½ the upper tail 1 − p is inverted, as R's AS 241 does.
pub fn qnorm(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p > 0.5 {
        // solve 1 − Φ(x) = 1 − p in the upper tail
        let q = 1.0 - p;
        let mut x = -qnorm_acklam_lower(q);
        for _ in 0..3 {
            let e = pnorm_upper(x) - q;
            // d(1 − Φ)/dx = −φ(x)
            let u = -e / dnorm(x);
            let step = u / (1.0 + 0.5 * x * u);
            x -= step;
            if step.abs() <= 1e-16 * x.abs() {
                break;
            }
        }
        x
    } else {
        let mut x = qnorm_acklam_lower(p);
        for _ in 0..3 {
            let e = pnorm(x) - p;
            let u = e / dnorm(x);
            let step = u / (1.0 + 0.5 * x * u);
            x -= step;
            if step.abs() <= 1e-16 * x.abs() {
                break;
            }
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::rel;

    #[test]
    fn normal_known_values() {
        // R: qnorm(0.975) = 1.959963984540054
        assert!(rel(qnorm(0.975), 1.959_963_984_540_054) < 1e-15);
        assert!(rel(qnorm(0.025), -1.959_963_984_540_054) < 1e-15);
        assert_eq!(qnorm(0.5), 0.0);
        // mpmath
        assert!(rel(pnorm(1.96), 0.975_002_104_851_779_6) < 1e-15);
        assert!(rel(pnorm_upper(1.96), 0.024_997_895_148_220_434) < 1e-14);
        assert!(rel(pnorm(-1.0), 0.158_655_253_931_457_05) < 1e-15);
        assert!(rel(pnorm(-10.0), 7.619_853_024_160_526e-24) < 1e-14);
        assert!(rel(pnorm(-37.5), 4.605_353_009_581_955e-308) < 1e-12);
        assert!(rel(pnorm(0.3), 0.617_911_422_188_952_6) < 1e-15);
        assert!(rel(pnorm_upper(5.0), 2.866_515_718_791_939e-7) < 1e-14);
        for &p in &[1e-300, 1e-20, 1e-5, 0.01, 0.2, 0.4999, 0.6, 0.9, 0.999_999] {
            let x = qnorm(p);
            let back = if p > 0.5 {
                1.0 - pnorm_upper(x)
            } else {
                pnorm(x)
            };
            // |d ln Φ / dx| ≈ |x| amplifies the last bit of x
            assert!(rel(back, p) < 1e-14 * (1.0 + x * x), "qnorm({p}) = {x}");
        }
    }
}
