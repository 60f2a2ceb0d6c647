//! The family builders: declaration → [`Spec`].
//!
//! Each builder writes the model out in the order of Mulder & Hamaker's (2021) lavaan code:
//! between part, within part, lagged effects, within-wave covariances, variances, fixed
//! observed residual variances, means. Everything the model estimates is written explicitly
//! (grand means and intercepts too), so that the text reads as the model and an entry point's
//! automatic parameters add nothing — with one exception: in the CLPM, `sem()` supplies the
//! residual variances of the observed scores and fixes the moments of the exogenous wave-1
//! scores at their sample values (`fixed.x`), as in reference case01.

use super::check::check_options;
use super::ctx::Ctx;
use super::declaration::{Family, Invariance, PanelDeclaration, PanelError};
use super::ir::{term, Coef, Rel, Spec};
use super::layout::Layout;

/// The model of a declaration.
pub(crate) fn build(decl: &PanelDeclaration, lay: &Layout) -> Result<Spec, PanelError> {
    check_options(decl, lay)?;
    let ctx = Ctx::new(decl, lay);
    let mut s = Spec::default();
    match decl.family {
        Family::Clpm => clpm(&ctx, &mut s)?,
        Family::Riclpm => riclpm(&ctx, &mut s, false)?,
        Family::Starts if lay.cons.len() == 1 => starts_univariate(&ctx, &mut s)?,
        Family::Starts => riclpm(&ctx, &mut s, true)?,
        Family::MiRiclpm => mi_riclpm(&ctx, &mut s)?,
        Family::LcmSr => lcm_sr(&ctx, &mut s)?,
    }
    Ok(s)
}

/// CLPM: `x_t ~ x_{t−1} + y_{t−1}` on the observed scores; `sem()` adds residual variances,
/// and the wave-1 scores are exogenous (fixed.x) unless a predictor makes them endogenous.
fn clpm(c: &Ctx<'_>, s: &mut Spec) -> Result<(), PanelError> {
    let cols = |i: usize, t: usize| c.lay.cons[i].cols[t].clone();
    c.lagged_block(s, &cols, "CLPM: autoregressive and cross-lagged paths")?;
    let wave1_endogenous = !c.decl.options.observed_predictors.is_empty();
    if wave1_endogenous && c.nc() > 1 {
        s.comment("wave-1 residual covariance(s) (wave 1 depends on the predictors)");
        for i in 0..c.nc() {
            for j in i + 1..c.nc() {
                s.one(&cols(i, 0), Rel::Covariance, Coef::Free, &cols(j, 0));
            }
        }
    }
    let title = format!("within-wave residual covariances {}", c.later_waves());
    c.covariance_block(s, &cols, false, &title)?;
    if c.rvar {
        s.comment(format!(
            "residual variances {}, equal over time",
            c.later_waves()
        ));
        for t in 1..c.t() {
            for i in 0..c.nc() {
                s.variance(&cols(i, t), c.rvar_coef(i)?);
            }
        }
    }
    let first = if wave1_endogenous { 0 } else { 1 };
    s.comment(format!(
        "intercepts (waves {}-{}){}",
        c.lay.waves[first],
        c.lay.waves[c.t() - 1],
        if wave1_endogenous {
            ""
        } else {
            "; wave-1 scores are exogenous (means and covariances at their sample values)"
        }
    ));
    for k in &c.lay.cons {
        s.intercepts(k.cols[first..].to_vec(), Coef::Free);
    }
    c.observed_predictors(s)?;
    Ok(())
}

/// RI-CLPM (and, with `measurement_error`, the multivariate STARTS).
fn riclpm(c: &Ctx<'_>, s: &mut Spec, measurement_error: bool) -> Result<(), PanelError> {
    let lay = c.lay;
    let ri: Vec<String> = lay.cons.iter().map(|k| format!("RI_{}", k.name)).collect();
    let w = |i: usize, t: usize| format!("w_{}_{}", lay.cons[i].name, lay.waves[t]);
    s.comment("between part: random intercepts (all loadings fixed at 1)");
    for (i, k) in lay.cons.iter().enumerate() {
        s.relation(
            vec![ri[i].clone()],
            Rel::Loading,
            k.cols
                .iter()
                .map(|col| term(Coef::Fixed(1.0), col))
                .collect(),
        );
    }
    s.comment("within part: within-person centred components (loading fixed at 1)");
    for (i, k) in lay.cons.iter().enumerate() {
        for t in 0..c.t() {
            s.one(&w(i, t), Rel::Loading, Coef::Fixed(1.0), &k.cols[t]);
        }
    }
    c.lagged_block(s, &w, "lagged effects (autoregressive and cross-lagged)")?;
    c.covariance_block(
        s,
        &w,
        true,
        "within-wave residual covariances (innovations)",
    )?;
    c.between_predictors(s, &ri, "random intercepts");
    c.between_covariances(s, &ri, "random intercepts");
    c.variance_block(s, &w, "within components")?;
    if measurement_error {
        s.comment(if c.me {
            "measurement-error (state) variances of the observed variables, equal over time"
        } else {
            "measurement-error (state) variances of the observed variables, free per wave"
        });
        for k in &lay.cons {
            let coef = if c.me {
                c.label(&format!("me_{}", k.name), false)?
            } else {
                Coef::Free
            };
            for col in &k.cols {
                s.variance(col, coef.clone());
            }
        }
    } else {
        s.comment("observed residual variances fixed at zero");
        for k in &lay.cons {
            for col in &k.cols {
                s.variance(col, Coef::Fixed(0.0));
            }
        }
    }
    c.means_block(s)?;
    c.observed_predictors(s)?;
    c.outcomes(s, &ri, "random intercepts");
    Ok(())
}

/// Univariate STARTS (Kenny & Zautra): trait, stationary AR(1) trait, equal state variances.
fn starts_univariate(c: &Ctx<'_>, s: &mut Spec) -> Result<(), PanelError> {
    let k = &c.lay.cons[0];
    let trait_ = format!("TRAIT_{}", k.name);
    let art = |t: usize| format!("ART_{}_{}", k.name, c.lay.waves[t]);
    let lab = |base: &str| c.label(base, false);
    s.comment("stable trait (loadings fixed at 1)");
    s.relation(
        vec![trait_.clone()],
        Rel::Loading,
        k.cols
            .iter()
            .map(|col| term(Coef::Fixed(1.0), col))
            .collect(),
    );
    c.between_predictors(s, std::slice::from_ref(&trait_), "trait");
    s.variance(&trait_, lab("var_trait")?);
    s.comment("autoregressive trait (loading fixed at 1) with a stationary AR(1) process");
    for t in 0..c.t() {
        s.one(&art(t), Rel::Loading, Coef::Fixed(1.0), &k.cols[t]);
    }
    let ar = lab("ar")?;
    for t in 1..c.t() {
        s.one(&art(t), Rel::Regression, ar.clone(), &art(t - 1));
    }
    s.variance(&art(0), lab("var_art1")?);
    let innov = lab("var_innov")?;
    for t in 1..c.t() {
        s.variance(&art(t), innov.clone());
    }
    // stationarity: Var(ART_1) = var_innov / (1 − ar²), per group
    let ngroups = match c.groups {
        None => 1,
        Some(g) => g.len(),
    };
    for g in 0..ngroups {
        let name = |base: &str| -> String {
            match lab(base) {
                Ok(coef) => coef.label_in(g).unwrap_or(base).to_string(),
                Err(_) => base.to_string(),
            }
        };
        let (v1, vi, a) = (name("var_art1"), name("var_innov"), name("ar"));
        s.constraint(
            format!("{v1} == {vi} / (1 - {a}^2)"),
            format!("{v1} = {vi} / (1 - {a}*{a})"),
        );
    }
    s.comment("state (occasion-specific) variance, equal over waves");
    let state = lab("var_state")?;
    for col in &k.cols {
        s.variance(col, state.clone());
    }
    c.means_block(s)?;
    c.observed_predictors(s)?;
    c.outcomes(s, std::slice::from_ref(&trait_), "trait");
    Ok(())
}

/// MI-RICLPM (Mulder & Hamaker 2021, extension 3), fitted with `cfa()`.
fn mi_riclpm(c: &Ctx<'_>, s: &mut Spec) -> Result<(), PanelError> {
    let lay = c.lay;
    let inv = c.decl.options.invariance;
    let wf = |i: usize, t: usize| format!("WF_{}_{}", lay.cons[i].name, lay.waves[t]);
    let ris: Vec<String> = lay
        .cons
        .iter()
        .flat_map(|k| {
            k.items
                .iter()
                .map(move |(it, _)| format!("RI_{}_{it}", k.name))
        })
        .collect();
    s.comment("between part: a random intercept per indicator (loadings fixed at 1)");
    for k in &lay.cons {
        for (it, cols) in &k.items {
            s.relation(
                vec![format!("RI_{}_{it}", k.name)],
                Rel::Loading,
                cols.iter().map(|col| term(Coef::Fixed(1.0), col)).collect(),
            );
        }
    }
    s.comment(match inv {
        Invariance::Configural => {
            "within part, measurement model: loadings free per wave (first loading fixed at 1)"
        }
        _ => "within part, measurement model: loadings equal over waves (first loading fixed at 1)",
    });
    for (i, k) in lay.cons.iter().enumerate() {
        for t in 0..c.t() {
            let mut rhs = Vec::new();
            for (m, (it, cols)) in k.items.iter().enumerate() {
                let coef = if m == 0 {
                    Coef::Fixed(1.0)
                } else if inv == Invariance::Configural {
                    Coef::Free
                } else {
                    c.label(&format!("lam_{}_{it}", k.name), false)?
                };
                rhs.push(term(coef, &cols[t]));
            }
            s.relation(vec![wf(i, t)], Rel::Loading, rhs);
        }
    }
    s.comment(if inv == Invariance::Strong {
        "item intercepts equal over waves (strong factorial invariance)"
    } else {
        "item intercepts free per wave"
    });
    for k in &lay.cons {
        for (it, cols) in &k.items {
            let coef = if inv == Invariance::Strong {
                c.label(&format!("nu_{}_{it}", k.name), false)?
            } else {
                Coef::Free
            };
            s.intercepts(cols.clone(), coef);
        }
    }
    if inv == Invariance::Strong {
        s.comment(format!(
            "within factor means free from wave {} on (wave-{} means fixed at 0)",
            lay.waves[1], lay.waves[0]
        ));
        let mut means = Vec::new();
        for i in 0..c.nc() {
            for t in 1..c.t() {
                means.push(wf(i, t));
            }
        }
        s.intercepts(means, Coef::Free);
    }
    c.lagged_block(s, &wf, "lagged effects between the within factors")?;
    c.covariance_block(
        s,
        &wf,
        true,
        "within-wave residual covariances of the within factors",
    )?;
    c.variance_block(s, &wf, "within factors")?;
    c.between_covariances(s, &ris, "random intercepts");
    s.comment("random intercepts uncorrelated with the wave-1 within factors");
    s.relation(
        ris.clone(),
        Rel::Covariance,
        (0..c.nc())
            .map(|i| term(Coef::Fixed(0.0), &wf(i, 0)))
            .collect(),
    );
    s.comment("residual variances of the items");
    for k in &lay.cons {
        for t in 0..c.t() {
            for (_, cols) in &k.items {
                s.variance(&cols[t], Coef::Free);
            }
        }
    }
    Ok(())
}

/// LCM-SR (Curran et al. 2014): growth factors plus lagged structured residuals.
fn lcm_sr(c: &Ctx<'_>, s: &mut Spec) -> Result<(), PanelError> {
    let lay = c.lay;
    let t_n = c.t();
    let scores: Vec<f64> = match &c.decl.options.time_scores {
        Some(v) => v.clone(),
        None => (0..t_n).map(|t| t as f64).collect(),
    };
    let w = |i: usize, t: usize| format!("w_{}_{}", lay.cons[i].name, lay.waves[t]);
    let mut growth = Vec::new();
    for k in &lay.cons {
        growth.push(format!("i_{}", k.name));
        growth.push(format!("s_{}", k.name));
    }
    let shown: Vec<String> = scores.iter().map(|v| super::ir::number(*v)).collect();
    s.comment(format!(
        "growth factors: intercept (loadings 1) and linear slope (loadings {})",
        shown.join(",")
    ));
    for k in &lay.cons {
        s.relation(
            vec![format!("i_{}", k.name)],
            Rel::Loading,
            k.cols
                .iter()
                .map(|col| term(Coef::Fixed(1.0), col))
                .collect(),
        );
        s.relation(
            vec![format!("s_{}", k.name)],
            Rel::Loading,
            k.cols
                .iter()
                .zip(&scores)
                .map(|(col, v)| term(Coef::Fixed(*v), col))
                .collect(),
        );
    }
    c.between_predictors(s, &growth, "growth factors");
    s.comment(if c.decl.options.ri_predictors.is_empty() {
        "growth factor means, variances and covariances"
    } else {
        "growth factor intercepts, residual variances and covariances"
    });
    for f in &growth {
        s.intercepts(vec![f.clone()], Coef::Free);
    }
    for f in &growth {
        s.variance(f, Coef::Free);
    }
    for i in 0..growth.len() {
        for j in i + 1..growth.len() {
            s.one(&growth[i], Rel::Covariance, Coef::Free, &growth[j]);
        }
    }
    s.comment("structured residuals (loading fixed at 1)");
    for (i, k) in lay.cons.iter().enumerate() {
        for t in 0..t_n {
            s.one(&w(i, t), Rel::Loading, Coef::Fixed(1.0), &k.cols[t]);
        }
    }
    c.lagged_block(
        s,
        &w,
        "autoregressive and cross-lagged effects among the residuals",
    )?;
    c.covariance_block(s, &w, true, "within-wave residual covariances")?;
    c.variance_block(s, &w, "structured residuals")?;
    s.comment("observed intercepts and residual variances fixed at zero");
    for k in &lay.cons {
        s.intercepts(k.cols.clone(), Coef::Fixed(0.0));
    }
    for k in &lay.cons {
        for col in &k.cols {
            s.variance(col, Coef::Fixed(0.0));
        }
    }
    c.outcomes(s, &growth, "growth factors");
    Ok(())
}
