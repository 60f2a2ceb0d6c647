//! Panel model families from a short declaration: lavaan model syntax (and Mplus text) for
//! the cross-lagged panel model and its relatives, plus the [`FitOptions`] they must be
//! fitted with.
//!
//! A [`PanelDeclaration`] names the constructs (a variable stem, or one column per wave), the
//! waves, the [`Family`] and the [`PanelOptions`]; [`generate`] returns a [`PanelModel`]:
//! readable, commented lavaan syntax in the style of Mulder & Hamaker (2021), the matching
//! Mplus `MODEL` section, the entry point and flags for [`crate::measures`], the observed
//! variables the model uses, and its parameter count and degrees of freedom.
//!
//! # Families
//!
//! Notation for construct x at wave t = 1, …, T (Hamaker, Kuiper & Grasman, 2015):
//!
//! - **CLPM** ([`Family::Clpm`]): `x_t = ν_t + Σ_y β_{xy,t} y_{t−1} + u_t` on the observed
//!   scores (y over all constructs, x included), wave-1 scores exogenous (their (co)variances and means fixed at the sample values,
//!   lavaan's `fixed.x`), within-wave residual covariances at t ≥ 2; fitted with `sem()`.
//! - **RI-CLPM** ([`Family::Riclpm`]; Hamaker et al., 2015; lavaan code of Mulder & Hamaker,
//!   2021): `x_t = μ_t + κ + p_t`, a random intercept κ (`RI_x =~ 1*x_1 + … + 1*x_T`) and a
//!   within component `p_t` (`w_x_t =~ 1*x_t`) with `p_t = α_t p_{t−1} + β_t q_{t−1} + u_t`;
//!   observed residual variances 0, random intercepts uncorrelated with the wave-1 within
//!   components, grand means μ_t free per wave; fitted with `lavaan(meanstructure = TRUE,
//!   int.ov.free = TRUE)`. With two constructs npar = 2T + 6 + 7(T − 1) (2T means, three RI
//!   (co)variances, three wave-1 (co)variances, and per later wave four lagged effects, two
//!   innovation variances and one innovation covariance), against 2T(2T + 3)/2 moments.
//! - **MI-RICLPM** ([`Family::MiRiclpm`]; Mulder & Hamaker, 2021, extension 3): one random
//!   intercept per indicator, a within factor per construct and wave (`WF_x_t =~ x_t_i1 + …`),
//!   the lagged model among the within factors; measurement invariance over waves by
//!   [`Invariance`] (configural, weak = equal loadings, strong = equal loadings and item
//!   intercepts with within factor means free from wave 2); fitted with `cfa(meanstructure =
//!   TRUE)`.
//! - **STARTS** ([`Family::Starts`]; Kenny & Zautra, 1995, 2001): with one construct the
//!   univariate model `Var(x_t) = σ²_trait + σ²_AR + σ²_state`, `Cov(x_s, x_t) = σ²_trait +
//!   a^{|s−t|} σ²_AR`: a trait factor, a stationary AR(1) factor (`σ²_{AR,1} = σ²_innov / (1 −
//!   a²)`) and one state variance; with several constructs the RI-CLPM plus a free
//!   measurement-error (state) variance per observed variable (powRICLPM's `estimate_ME`).
//! - **LCM-SR** ([`Family::LcmSr`]; Curran, Howard, Bainter, Lane & McGinley, 2014): per
//!   construct an intercept and a linear slope factor (time scores 0, 1, …, T − 1 unless
//!   given) with free means and a full covariance matrix, and the lagged model among the
//!   structured residuals `w_x_t`; observed intercepts and residual variances 0; fitted with
//!   `lavaan(meanstructure = TRUE)`.
//!
//! # Names
//!
//! Columns are `{stem}_{wave}` (see [`PanelDeclaration::column_pattern`]) and, for indicators,
//! `{stem}_{wave}_{item}`. Latent variables: `RI_x`, `w_x_t` (RI-CLPM, bivariate STARTS),
//! `RI_x_i`, `WF_x_t` (MI-RICLPM), `TRAIT_x`, `ART_x_t` (univariate STARTS), `i_x`, `s_x`,
//! `w_x_t` (LCM-SR), where x is the construct's name and t the wave label. Labels of
//! constrained parameters: `ar_x` (x on its own lag), `cl_y_to_x` (x on lagged y), `ar2_x`,
//! `cl2_y_to_x` (lag 2), `rvar_x`, `rcov_x_y` (innovation variances and covariances),
//! `mean_x` (grand means), `me_x` (measurement error), `s_x_z` (effect of a time-invariant z
//! on x_t), `lam_x_i`, `nu_x_i` (loadings, item intercepts); a wave suffix (`ar_x_3`) when
//! time-varying effects are held equal across groups, a group suffix (`ar_x_g2`) when a
//! constrained parameter stays free across groups.
//!
//! # Sources
//!
//! Hamaker, Kuiper & Grasman (2015), *Psychological Methods* 20, 102–116; Mulder & Hamaker
//! (2021), *Structural Equation Modeling* 28, 638–648, and their lavaan/Mplus code
//! (GitHub `JeroenDMulder/RI-CLPM`); Kenny & Zautra (1995), *J. Consulting and Clinical
//! Psychology* 63, 52–59; Kenny & Zautra (2001) in Collins & Sayer (eds.), *New Methods for
//! the Analysis of Change*; Curran et al. (2014), *J. Consulting and Clinical Psychology* 82,
//! 879–894; Mulder, `powRICLPM` (measurement-error and constraint options).
//!
//! Files: `declaration` (the declaration and the generated model's types), `generate` (model
//! from declaration), `layout` (names of the variables), `check` (the options a family
//! takes), `ctx` and `build` (the model's statements), `ir` (the statements, shared by the
//! lavaan and Mplus texts), `header` (the comment header), `mplus` (the Mplus text).

mod build;
mod check;
mod ctx;
mod declaration;
mod generate;
mod header;
mod ir;
mod layout;
mod mplus;
#[cfg(test)]
mod tests;

pub use declaration::{
    Constraint, Construct, Family, GroupLagged, Indicator, Invariance, ModelCount, MultiGroup,
    PanelDeclaration, PanelError, PanelModel, PanelOptions, Waves, DEFAULT_COLUMN_PATTERN,
    DEFAULT_ITEM_PATTERN,
};
pub use generate::{count_model, fit_options, generate, lavaan_syntax, mplus_syntax};
