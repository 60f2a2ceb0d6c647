//! Every entry of lavaan 0.6.14's `fitMeasures()` in lavaan's order, from the families of
//! indices in the sibling files.

use super::inputs::FitInputs;
use super::{chisq, incremental, information_criteria, other, residual, rmsea};

/// `NaN`/`±Inf` → `None`, as lavaan's JSON does.
fn na(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Every entry of lavaan 0.6.14's `fitMeasures(fit)` (default `fit.measures = "all"`,
/// estimator ML), by lavaan's name and in lavaan's order (`lav_fit_measures`): the `.scaled`
/// entries and `chisq.scaling.factor`, `baseline.chisq.scaling.factor`, `scaling.factor.h1/h0`
/// appear with a scaled test; the `.robust` entries with a scaled test or `missing = "ml"`.
///
/// ```
/// use crosslag_sem::measures::{fit_measures, get, FitInputs, FitMeasureOptions, GroupMoments};
/// use ndarray::array;
///
/// // a one-factor-like model for two variables that misses their covariance
/// let s = array![[1.0, 0.3], [0.3, 1.0]];
/// let sigma = array![[1.0, 0.0], [0.0, 1.0]];
/// let groups = [GroupMoments {
///     nobs: 200,
///     sample_cov: s.view(),
///     sample_mean: None,
///     implied_cov: sigma.view(),
///     implied_mean: None,
///     fixed_x: &[],
///     missing: None,
/// }];
/// let chisq = 200.0 * -(1.0_f64 - 0.09).ln(); // N·F_ML
/// let inp = FitInputs {
///     npar: 2,
///     fmin: chisq / 400.0,
///     chisq,
///     df: 1.0,
///     baseline_chisq: chisq,
///     baseline_df: 1.0,
///     logl: -560.0,
///     unrestricted_logl: -560.0 + chisq / 2.0,
///     groups: &groups,
///     robust: None,
///     missing_ml: false,
///     fiml_corrected: None,
///     options: FitMeasureOptions::default(),
///     wishart: false,
/// };
/// let fm = fit_measures(&inp);
/// assert_eq!(fm[0], ("npar", Some(2.0)));
/// assert_eq!(get(&fm, "cfi"), Some(0.0)); // no better than the independence model
/// assert!((get(&fm, "srmr").unwrap() - (0.09_f64 / 3.0).sqrt()).abs() < 1e-15);
/// ```
pub fn fit_measures(inp: &FitInputs) -> Vec<(&'static str, Option<f64>)> {
    let st = Stats::of(inp);
    let mut out = Out(Vec::with_capacity(80));
    out.push("npar", inp.npar as f64);
    test_measures(&mut out, inp, &st);
    baseline_measures(&mut out, &st);
    likelihood_measures(&mut out, inp, &st);
    rmsea_measures(&mut out, inp, &st);
    residual_and_other_measures(&mut out, inp, &st);
    out.0
}

/// The measures in lavaan's order; `NaN`/`±Inf` become `None`.
struct Out(Vec<(&'static str, Option<f64>)>);

impl Out {
    fn push(&mut self, name: &'static str, v: f64) {
        self.0.push((name, na(v)));
    }
}

/// The test statistics every family of measures uses.
struct Stats {
    n: f64,
    g: f64,
    x2: f64,
    df: f64,
    x2_b: f64,
    df_b: f64,
    /// `.robust` measures are reported (a scaled test, or `missing = "ml"`).
    robust_flag: bool,
    sc: Option<ScaledStats>,
    rob: RobustStats,
}

impl Stats {
    fn of(inp: &FitInputs) -> Stats {
        let (x2, df) = (inp.chisq, inp.df);
        let (x2_b, df_b) = (inp.baseline_chisq, inp.baseline_df);
        let scaled = inp.robust.as_ref();
        // scaled test statistics (lav_test_yuan_bentler_mplus / satorra_bentler)
        let sc = scaled.map(|r| {
            let c = r.trace_ugamma / df;
            let c = if c < 0.0 { f64::NAN } else { c };
            let c_b = r.baseline_trace_ugamma / df_b;
            let c_b = if c_b < 0.0 { f64::NAN } else { c_b };
            let df2 = if r.trace_ugamma.is_finite() && r.trace_ugamma != 0.0 {
                r.trace_ugamma
            } else {
                f64::NAN
            };
            ScaledStats {
                // with df = 0 lavaan has no scaling factor and reports the unscaled statistic
                // (non-zero only when an inequality constraint is active)
                x2: if df == 0.0 { x2 } else { x2 / c },
                c,
                x2_b: x2_b / c_b,
                c_b,
                df2,
                h1: r.scaling_factor_h1,
                h0: r.scaling_factor_h0,
            }
        });

        // robust ingredients: (XX3, c.hat, XX3.scaled, XX3.null, c.hat.null)
        let rob = if inp.missing_ml {
            inp.fiml_corrected.map_or(RobustStats::NA, |f| RobustStats {
                x2: f.chisq,
                c: f.scaling_factor,
                x2_scaled: f.chisq / f.scaling_factor,
                x2_b: f.baseline_chisq,
                c_b: f.baseline_scaling_factor,
            })
        } else if let Some(s) = &sc {
            RobustStats {
                x2,
                c: s.c,
                x2_scaled: s.x2,
                x2_b,
                c_b: s.c_b,
            }
        } else {
            RobustStats::NA
        };

        Stats {
            n: inp.n(),
            g: inp.groups.len() as f64,
            x2,
            df,
            x2_b,
            df_b,
            robust_flag: scaled.is_some() || inp.missing_ml,
            sc,
            rob,
        }
    }
}

/// The χ² test, and the scaled test.
fn test_measures(out: &mut Out, inp: &FitInputs, st: &Stats) {
    let (x2, df, sc) = (st.x2, st.df, &st.sc);
    // χ² test
    out.push("fmin", inp.fmin);
    out.push("chisq", x2);
    out.push("df", df);
    out.push("pvalue", chisq::chisq_pvalue(x2, df));
    if let Some(s) = &sc {
        out.push("chisq.scaled", s.x2);
        out.push("df.scaled", df);
        out.push("pvalue.scaled", chisq::chisq_pvalue(s.x2, df));
        out.push("chisq.scaling.factor", s.c);
    }
}

/// The baseline model's test and the incremental indices (lav_fit_cfi_lavobject).
fn baseline_measures(out: &mut Out, st: &Stats) {
    use incremental as inc;
    let (x2, df, x2_b, df_b) = (st.x2, st.df, st.x2_b, st.df_b);
    let (sc, rob, robust_flag) = (&st.sc, &st.rob, st.robust_flag);
    // everything NA if a statistic is not finite
    let base_ok = x2.is_finite() && df.is_finite() && x2_b.is_finite() && df_b.is_finite();
    let b = |v: f64| if base_ok { v } else { f64::NAN };
    out.push("baseline.chisq", b(x2_b));
    out.push("baseline.df", b(df_b));
    out.push("baseline.pvalue", b(chisq::chisq_pvalue(x2_b, df_b)));
    if let Some(s) = &sc {
        out.push("baseline.chisq.scaled", b(s.x2_b));
        out.push("baseline.df.scaled", b(df_b));
        out.push(
            "baseline.pvalue.scaled",
            b(chisq::chisq_pvalue(s.x2_b, df_b)),
        );
        out.push("baseline.chisq.scaling.factor", b(s.c_b));
    }

    out.push("cfi", b(inc::cfi(x2, df, x2_b, df_b)));
    out.push("tli", b(inc::tli(x2, df, x2_b, df_b)));
    if let Some(s) = &sc {
        out.push("cfi.scaled", b(inc::cfi(s.x2, df, s.x2_b, df_b)));
        out.push("tli.scaled", b(inc::tli(s.x2, df, s.x2_b, df_b)));
    }
    let robust_c = Some((rob.c, rob.c_b));
    if robust_flag {
        out.push(
            "cfi.robust",
            b(inc::cfi_robust(rob.x2, df, rob.x2_b, df_b, robust_c)),
        );
        out.push(
            "tli.robust",
            b(inc::tli_robust(rob.x2, df, rob.x2_b, df_b, robust_c)),
        );
    }
    out.push("nnfi", b(inc::tli(x2, df, x2_b, df_b)));
    out.push("rfi", b(inc::rfi(x2, df, x2_b, df_b)));
    out.push("nfi", b(inc::nfi(x2, df, x2_b, df_b)));
    out.push("pnfi", b(inc::pnfi(x2, df, x2_b, df_b)));
    out.push("ifi", b(inc::ifi(x2, df, x2_b, df_b)));
    out.push("rni", b(inc::rni(x2, df, x2_b, df_b)));
    if let Some(s) = &sc {
        out.push("nnfi.scaled", b(inc::tli(s.x2, df, s.x2_b, df_b)));
        out.push("rfi.scaled", b(inc::rfi(s.x2, df, s.x2_b, df_b)));
        out.push("nfi.scaled", b(inc::nfi(s.x2, df, s.x2_b, df_b)));
        out.push("pnfi.scaled", b(inc::pnfi(s.x2, df, s.x2_b, df_b)));
        out.push("ifi.scaled", b(inc::ifi(s.x2, df, s.x2_b, df_b)));
        out.push("rni.scaled", b(inc::rni(s.x2, df, s.x2_b, df_b)));
    }
    if robust_flag {
        out.push(
            "nnfi.robust",
            b(inc::tli_robust(rob.x2, df, rob.x2_b, df_b, robust_c)),
        );
        out.push(
            "rni.robust",
            b(inc::rni_robust(rob.x2, df, rob.x2_b, df_b, robust_c)),
        );
    }
}

/// Log-likelihoods and information criteria.
fn likelihood_measures(out: &mut Out, inp: &FitInputs, st: &Stats) {
    // BIC and the sample-size adjusted BIC use ntotal, whatever the likelihood
    let (n, sc) = (inp.ntotal() as f64, &st.sc);
    // likelihood (lav_fit_aic_lavobject, lav_model_loglik)
    let npar = inp.npar as f64;
    out.push("logl", inp.logl);
    out.push("unrestricted.logl", inp.unrestricted_logl);
    out.push("aic", information_criteria::aic(inp.logl, npar));
    out.push("bic", information_criteria::bic(inp.logl, npar, n));
    out.push("ntotal", n);
    out.push("bic2", information_criteria::sabic(inp.logl, npar, n));
    if let Some(s) = &sc {
        if s.h1.is_some() || s.h0.is_some() {
            out.push("scaling.factor.h1", s.h1.unwrap_or(f64::NAN));
            out.push("scaling.factor.h0", s.h0.unwrap_or(f64::NAN));
        }
    }
}

/// RMSEA, its interval and tests, scaled and robust.
fn rmsea_measures(out: &mut Out, inp: &FitInputs, st: &Stats) {
    let (n, g, x2, df) = (st.n, st.g, st.x2, st.df);
    let (sc, rob, robust_flag) = (&st.sc, &st.rob, st.robust_flag);
    let opt = inp.options;
    // RMSEA (lav_fit_rmsea_lavobject)
    let level = opt.rmsea_ci_level;
    let (h0c, h0n) = (opt.rmsea_close_h0, opt.rmsea_notclose_h0);
    out.push("rmsea", rmsea::rmsea(x2, df, n, g, 1.0));
    let (lo, hi) = rmsea::rmsea_ci(x2, df, n, g, 1.0, level);
    out.push("rmsea.ci.lower", lo);
    out.push("rmsea.ci.upper", hi);
    out.push("rmsea.ci.level", level);
    out.push(
        "rmsea.pvalue",
        rmsea::rmsea_close_pvalue(x2, df, n, g, 1.0, h0c),
    );
    out.push("rmsea.close.h0", h0c);
    out.push(
        "rmsea.notclose.pvalue",
        rmsea::rmsea_notclose_pvalue(x2, df, n, g, 1.0, h0n),
    );
    out.push("rmsea.notclose.h0", h0n);
    if let Some(s) = &sc {
        // 'scaled' RMSEA: the unscaled statistic referred to tr(UΓ) degrees of freedom
        out.push("rmsea.scaled", rmsea::rmsea(x2, s.df2, n, g, 1.0));
        let (lo, hi) = rmsea::rmsea_ci(x2, s.df2, n, g, 1.0, level);
        out.push("rmsea.ci.lower.scaled", lo);
        out.push("rmsea.ci.upper.scaled", hi);
        out.push(
            "rmsea.pvalue.scaled",
            rmsea::rmsea_close_pvalue(x2, s.df2, n, g, 1.0, h0c),
        );
        out.push(
            "rmsea.notclose.pvalue.scaled",
            rmsea::rmsea_notclose_pvalue(x2, s.df2, n, g, 1.0, h0n),
        );
    }
    if robust_flag {
        out.push("rmsea.robust", rmsea::rmsea(rob.x2, df, n, g, rob.c));
        // the CI and p-values take the scaled statistic and c.hat
        let (lo, hi) = rmsea::rmsea_ci(rob.x2_scaled, df, n, g, rob.c, level);
        out.push("rmsea.ci.lower.robust", lo);
        out.push("rmsea.ci.upper.robust", hi);
        out.push(
            "rmsea.pvalue.robust",
            rmsea::rmsea_close_pvalue(rob.x2_scaled, df, n, g, rob.c, h0c),
        );
        out.push(
            "rmsea.notclose.pvalue.robust",
            rmsea::rmsea_notclose_pvalue(rob.x2_scaled, df, n, g, rob.c, h0n),
        );
    }
}

/// The SRMR family, Hoelter's CN, GFI/AGFI/PGFI, MFI and ECVI.
fn residual_and_other_measures(out: &mut Out, inp: &FitInputs, st: &Stats) {
    let (n, x2, df) = (st.n, st.x2, st.df);
    let npar = inp.npar as f64;
    // SRMR family (lav_fit_srmr_lavobject)
    let r = residual::combined(inp.groups, inp.meanstructure());
    out.push("rmr", r.rmr);
    out.push("rmr_nomean", r.rmr_nomean);
    out.push("srmr", r.srmr_bentler); // mimic = "lavaan"
    out.push("srmr_bentler", r.srmr_bentler);
    out.push("srmr_bentler_nomean", r.srmr_bentler_nomean);
    out.push("crmr", r.crmr);
    out.push("crmr_nomean", r.crmr_nomean);
    out.push("srmr_mplus", r.srmr_mplus);
    out.push("srmr_mplus_nomean", r.srmr_mplus_nomean);

    // other
    out.push("cn_05", other::cn(x2, df, n, 0.05));
    out.push("cn_01", other::cn(x2, df, n, 0.01));
    let (gfi, nel) = other::gfi_groups(inp.groups, inp.missing_ml);
    out.push("gfi", gfi);
    out.push("agfi", other::agfi(gfi, nel, df));
    out.push("pgfi", other::pgfi(gfi, nel, df));
    out.push("mfi", other::mfi(x2, df, n));
    out.push("ecvi", other::ecvi(x2, npar, n));
}

/// The scaled test and the scaled baseline test.
struct ScaledStats {
    x2: f64,
    c: f64,
    x2_b: f64,
    c_b: f64,
    /// `sum(trace.UGamma)` (NA if not finite or 0), the df of the scaled RMSEA.
    df2: f64,
    h1: Option<f64>,
    h0: Option<f64>,
}

/// lavaan's `XX3`, `c.hat3`, `XX3.scaled`, `XX3.null`, `c.hat3.null`.
struct RobustStats {
    x2: f64,
    c: f64,
    x2_scaled: f64,
    x2_b: f64,
    c_b: f64,
}

impl RobustStats {
    const NA: Self = Self {
        x2: f64::NAN,
        c: f64::NAN,
        x2_scaled: f64::NAN,
        x2_b: f64::NAN,
        c_b: f64::NAN,
    };
}

/// Look a measure up by name in the output of [`fit_measures`].
pub fn get(measures: &[(&'static str, Option<f64>)], name: &str) -> Option<f64> {
    measures
        .iter()
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measures::inputs::*;
    use ndarray::array;

    fn saturated_inputs<'a>(groups: &'a [GroupMoments<'a>]) -> FitInputs<'a> {
        FitInputs {
            npar: 5,
            fmin: 0.0,
            chisq: 0.0,
            df: 0.0,
            baseline_chisq: 100.0,
            baseline_df: 1.0,
            logl: -300.0,
            unrestricted_logl: -300.0,
            groups,
            robust: None,
            missing_ml: false,
            fiml_corrected: None,
            options: FitMeasureOptions::default(),
            wishart: false,
        }
    }

    #[test]
    fn just_identified_model_gives_lavaans_na_pattern() {
        let s = array![[2.0, 0.3], [0.3, 1.0]];
        let m = array![1.0, 2.0];
        let groups = [GroupMoments {
            nobs: 100,
            sample_cov: s.view(),
            sample_mean: Some(m.view()),
            implied_cov: s.view(),
            implied_mean: Some(m.view()),
            fixed_x: &[],
            missing: None,
        }];
        let out = fit_measures(&saturated_inputs(&groups));
        assert_eq!(out.len(), 46);
        for name in [
            "pvalue",
            "rmsea.pvalue",
            "rmsea.notclose.pvalue",
            "cn_05",
            "cn_01",
        ] {
            assert_eq!(get(&out, name), None, "{name}");
        }
        for (name, v) in [
            ("cfi", 1.0),
            ("tli", 1.0),
            ("nnfi", 1.0),
            ("rfi", 1.0),
            ("nfi", 1.0),
            ("pnfi", 0.0),
            ("ifi", 1.0),
            ("rni", 1.0 + 0.0 / 99.0),
            ("rmsea", 0.0),
            ("rmsea.ci.lower", 0.0),
            ("rmsea.ci.upper", 0.0),
            ("srmr", 0.0),
            ("gfi", 1.0),
            ("agfi", 1.0),
            ("pgfi", 0.0),
            ("mfi", 1.0),
            ("ecvi", 0.1),
            ("aic", 610.0),
        ] {
            assert_eq!(get(&out, name), Some(v), "{name}");
        }
    }

    #[test]
    fn failed_baseline_makes_the_incremental_family_na() {
        let s = array![[2.0, 0.3], [0.3, 1.0]];
        let groups = [GroupMoments {
            nobs: 100,
            sample_cov: s.view(),
            sample_mean: None,
            implied_cov: s.view(),
            implied_mean: None,
            fixed_x: &[],
            missing: None,
        }];
        let mut inp = saturated_inputs(&groups);
        inp.baseline_chisq = f64::NAN;
        inp.missing_ml = true; // robust family present, FIML-corrected ingredients missing
        let out = fit_measures(&inp);
        for name in [
            "baseline.chisq",
            "cfi",
            "tli",
            "cfi.robust",
            "nnfi",
            "rni.robust",
        ] {
            assert_eq!(get(&out, name), None, "{name}");
        }
        // lav_fit_rmsea: ifelse(df > 0, …, 0) gives 0 for df = 0 even with an NA statistic
        assert_eq!(get(&out, "rmsea.robust"), Some(0.0));
        assert_eq!(get(&out, "rmsea.pvalue.robust"), None);
        // GFI under missing = "ml" needs the missing-data moments
        assert_eq!(get(&out, "gfi"), None);
        assert_eq!(out.len(), 55);
    }
}
