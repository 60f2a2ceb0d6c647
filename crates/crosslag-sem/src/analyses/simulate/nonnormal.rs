//! Non-normal scores (Vale & Maurelli 1983): Fleishman's (1978) polynomial coefficients for a
//! target skewness and excess kurtosis, and the intermediate correlation of two normal scores
//! that gives the polynomials a target correlation.

use super::SimError;

/// Fleishman's polynomial coefficients `(b, c, d)` (`a = −c`) for skewness `g1` and excess
/// kurtosis `g2`: Newton's method on Fleishman's three moment equations.
pub fn fleishman(g1: f64, g2: f64) -> Result<[f64; 3], SimError> {
    if g1 == 0.0 && g2 == 0.0 {
        return Ok([1.0, 0.0, 0.0]);
    }
    let f = |x: [f64; 3]| -> [f64; 3] {
        let [b, c, d] = x;
        [
            b * b + 6.0 * b * d + 2.0 * c * c + 15.0 * d * d - 1.0,
            2.0 * c * (b * b + 24.0 * b * d + 105.0 * d * d + 2.0) - g1,
            24.0 * (b * d
                + c * c * (1.0 + b * b + 28.0 * b * d)
                + d * d * (12.0 + 48.0 * b * d + 141.0 * c * c + 225.0 * d * d))
                - g2,
        ]
    };
    let norm = |v: [f64; 3]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    // several starts: Newton's method on this system is sensitive to the start
    for start in [
        [1.0, 0.0, 0.0],
        [0.9, g1 / 6.0, 0.0],
        [0.8, 0.1 * g1.signum(), 0.05],
        [1.1, 0.0, -0.05],
    ] {
        let mut x = start;
        let mut fx = f(x);
        for _ in 0..200 {
            if norm(fx) < 1e-13 {
                break;
            }
            // numerical Jacobian (central differences)
            let mut jac = [[0.0; 3]; 3];
            for k in 0..3 {
                let h = 1e-7 * x[k].abs().max(1.0);
                let mut xp = x;
                let mut xm = x;
                xp[k] += h;
                xm[k] -= h;
                let (fp, fm) = (f(xp), f(xm));
                for i in 0..3 {
                    jac[i][k] = (fp[i] - fm[i]) / (2.0 * h);
                }
            }
            let Some(step) = solve3(jac, fx) else { break };
            let mut t = 1.0;
            let mut improved = false;
            for _ in 0..30 {
                let cand = [x[0] - t * step[0], x[1] - t * step[1], x[2] - t * step[2]];
                let fc = f(cand);
                if norm(fc) < norm(fx) {
                    x = cand;
                    fx = fc;
                    improved = true;
                    break;
                }
                t *= 0.5;
            }
            if !improved {
                break;
            }
        }
        if norm(fx) < 1e-10 && x[0] > 0.0 {
            return Ok(x);
        }
    }
    Err(SimError::Invalid(format!(
        "skewness {g1} with excess kurtosis {g2} cannot be reached by Fleishman's polynomial (the kurtosis must be well above 1.5·skewness² − 1.2)"
    )))
}

fn solve3(a: [[f64; 3]; 3], b: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(a);
    if !d.is_finite() || d.abs() < 1e-300 {
        return None;
    }
    let mut x = [0.0; 3];
    for (k, xk) in x.iter_mut().enumerate() {
        let mut m = a;
        for i in 0..3 {
            m[i][k] = b[i];
        }
        *xk = det(m) / d;
    }
    Some(x)
}

/// The correlation ρ of two standard normals whose Fleishman transforms have correlation `r`
/// (Vale & Maurelli's cubic, solved by bisection on [−1, 1]).
pub fn intermediate_correlation(r: f64, ci: [f64; 3], cj: [f64; 3]) -> Result<f64, SimError> {
    let [b1, c1, d1] = ci;
    let [b2, c2, d2] = cj;
    let k1 = b1 * b2 + 3.0 * b1 * d2 + 3.0 * d1 * b2 + 9.0 * d1 * d2;
    let k2 = 2.0 * c1 * c2;
    let k3 = 6.0 * d1 * d2;
    let g = |rho: f64| rho * (k1 + rho * (k2 + rho * k3)) - r;
    let (mut lo, mut hi) = (-1.0f64, 1.0f64);
    let (glo, ghi) = (g(lo), g(hi));
    if glo > 0.0 || ghi < 0.0 {
        return Err(SimError::Invalid(format!(
            "the correlation {r:.4} cannot be reached with the requested skewness and kurtosis (Vale–Maurelli)"
        )));
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if g(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-16 {
            break;
        }
    }
    Ok(0.5 * (lo + hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleishman_moments() {
        for (g1, g2) in [(1.0, 1.5), (-0.5, 0.5), (0.0, 3.0), (2.0, 7.0)] {
            let [b, c, d] = fleishman(g1, g2).unwrap();
            // moments of y = -c + b z + c z² + d z³ by Monte Carlo-free formulas: re-evaluate
            let var = b * b + 6.0 * b * d + 2.0 * c * c + 15.0 * d * d;
            assert!((var - 1.0).abs() < 1e-9);
            let skew = 2.0 * c * (b * b + 24.0 * b * d + 105.0 * d * d + 2.0);
            assert!((skew - g1).abs() < 1e-9);
        }
        assert!(fleishman(3.0, 0.0).is_err());
    }
}
