//! The family builders: declaration → [`Spec`].
//!
//! Each builder writes the model out in the order of Mulder & Hamaker's (2021) lavaan code:
//! between part, within part, lagged effects, within-wave covariances, variances, fixed
//! observed residual variances, means. Everything the model estimates is written explicitly
//! (grand means and intercepts too), so that the text reads as the model and an entry point's
//! automatic parameters add nothing — with one exception: in the CLPM, `sem()` supplies the
//! residual variances of the observed scores and fixes the moments of the exogenous wave-1
//! scores at their sample values (`fixed.x`), as in reference case01.

use super::ir::{term, Coef, Rel, Spec};
use super::{
    Constraint, Family, GroupLagged, Invariance, ModelCount, PanelDeclaration, PanelError,
};
use crate::specify::options::FitOptions;

fn invalid(msg: impl Into<String>) -> PanelError {
    PanelError::Invalid(msg.into())
}

/// A construct with its columns resolved.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub name: String,
    /// Column per wave (single-indicator families).
    pub cols: Vec<String>,
    /// Indicator name and column per wave (MI-RICLPM).
    pub items: Vec<(String, Vec<String>)>,
}

/// Waves and constructs with their columns.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub waves: Vec<String>,
    pub cons: Vec<Resolved>,
}

/// lavaan names: letters, digits, `_` and `.`, not starting with a digit.
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

fn fill(pattern: &str, stem: &str, wave: &str, item: &str) -> String {
    pattern
        .replace("{stem}", stem)
        .replace("{wave}", wave)
        .replace("{item}", item)
}

impl Layout {
    pub(crate) fn resolve(decl: &PanelDeclaration) -> Result<Layout, PanelError> {
        let waves = decl.waves.labels();
        let t = waves.len();
        let min = match decl.family {
            Family::Clpm => 2,
            _ => 3,
        };
        if t < min {
            return Err(invalid(format!(
                "the {} needs at least {min} waves (got {t})",
                decl.family.title()
            )));
        }
        for (i, w) in waves.iter().enumerate() {
            if w.is_empty()
                || !w
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
            {
                return Err(invalid(format!(
                    "wave label '{w}' must be letters, digits, '_' or '.'"
                )));
            }
            if waves[..i].contains(w) {
                return Err(invalid(format!("wave label '{w}' is given twice")));
            }
        }
        if decl.constructs.is_empty() {
            return Err(invalid("declare at least one construct"));
        }
        if !decl.column_pattern.contains("{wave}")
            && decl
                .constructs
                .iter()
                .any(|c| c.columns.is_none() && c.indicators.is_empty())
        {
            return Err(invalid(format!(
                "the column pattern '{}' has no {{wave}}",
                decl.column_pattern
            )));
        }
        let mut cons = Vec::new();
        for c in &decl.constructs {
            if !is_name(&c.name) {
                return Err(invalid(format!(
                    "construct name '{}' must start with a letter and contain only letters, digits, '_' or '.'",
                    c.name
                )));
            }
            if cons.iter().any(|r: &Resolved| r.name == c.name) {
                return Err(invalid(format!("construct '{}' is declared twice", c.name)));
            }
            let stem = c.stem.clone().unwrap_or_else(|| c.name.clone());
            let cols = match &c.columns {
                Some(cols) if cols.len() != t => {
                    return Err(invalid(format!(
                        "construct '{}': {} columns for {t} waves",
                        c.name,
                        cols.len()
                    )))
                }
                Some(cols) => cols.clone(),
                None => waves
                    .iter()
                    .map(|w| fill(&decl.column_pattern, &stem, w, ""))
                    .collect(),
            };
            let mut items = Vec::new();
            for ind in &c.indicators {
                if !ind
                    .name
                    .chars()
                    .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '.')
                    || ind.name.is_empty()
                {
                    return Err(invalid(format!(
                        "indicator name '{}' must be letters, digits, '_' or '.'",
                        ind.name
                    )));
                }
                let icols = match &ind.columns {
                    Some(v) if v.len() != t => {
                        return Err(invalid(format!(
                            "indicator '{}' of '{}': {} columns for {t} waves",
                            ind.name,
                            c.name,
                            v.len()
                        )))
                    }
                    Some(v) => v.clone(),
                    None => {
                        if !decl.item_pattern.contains("{wave}")
                            || !decl.item_pattern.contains("{item}")
                        {
                            return Err(invalid(format!(
                                "the item pattern '{}' needs {{wave}} and {{item}}",
                                decl.item_pattern
                            )));
                        }
                        waves
                            .iter()
                            .map(|w| fill(&decl.item_pattern, &stem, w, &ind.name))
                            .collect()
                    }
                };
                items.push((ind.name.clone(), icols));
            }
            cons.push(Resolved {
                name: c.name.clone(),
                cols,
                items,
            });
        }
        // every column a valid, distinct name
        let mut seen: Vec<&String> = Vec::new();
        for r in &cons {
            let all: Vec<&String> = if decl.family == Family::MiRiclpm {
                r.items.iter().flat_map(|(_, v)| v.iter()).collect()
            } else {
                r.cols.iter().collect()
            };
            for col in all {
                if !is_name(col) {
                    return Err(invalid(format!(
                        "column '{col}' is not a valid variable name"
                    )));
                }
                if seen.contains(&col) {
                    return Err(invalid(format!("column '{col}' is used twice")));
                }
                seen.push(col);
            }
        }
        Ok(Layout { waves, cons })
    }

    fn t(&self) -> usize {
        self.waves.len()
    }
}

/// Which parameters are held equal over waves, and how labels look in several groups.
struct Ctx<'a> {
    decl: &'a PanelDeclaration,
    lay: &'a Layout,
    lagged: bool,
    rvar: bool,
    rcov: bool,
    means: bool,
    me: bool,
    /// `None`: one group; `Some(labels)`: several (labels may be empty if not given).
    groups: Option<&'a [String]>,
    lagged_across: GroupLagged,
}

impl<'a> Ctx<'a> {
    fn new(decl: &'a PanelDeclaration, lay: &'a Layout) -> Ctx<'a> {
        let has = |c: Constraint| decl.options.constrain.contains(&c);
        Ctx {
            decl,
            lay,
            lagged: has(Constraint::Lagged),
            rvar: has(Constraint::ResidualVariances) || has(Constraint::Residuals),
            rcov: has(Constraint::ResidualCovariances) || has(Constraint::Residuals),
            means: has(Constraint::Means),
            me: has(Constraint::MeasurementError),
            groups: decl.options.groups.as_ref().map(|g| g.labels.as_slice()),
            lagged_across: decl
                .options
                .groups
                .as_ref()
                .map_or(GroupLagged::Free, |g| g.lagged),
        }
    }

    /// A labelled coefficient: the same label in every group when `across` (equal across
    /// groups, written `c(a, a)` when the groups are known), else one label per group
    /// (`c(a_g1, a_g2)`), which needs the group labels.
    fn label(&self, base: &str, across: bool) -> Result<Coef, PanelError> {
        match self.groups {
            None => Ok(Coef::Label(base.to_string())),
            Some(g) if across => {
                if g.is_empty() {
                    Ok(Coef::Label(base.to_string()))
                } else {
                    Ok(Coef::PerGroup(vec![base.to_string(); g.len()]))
                }
            }
            Some(g) => {
                if g.len() < 2 {
                    return Err(invalid(format!(
                        "a multi-group model with parameters held equal over waves needs the group labels (for the per-group label {base}_g1, {base}_g2, …)"
                    )));
                }
                Ok(Coef::PerGroup(
                    (1..=g.len()).map(|k| format!("{base}_g{k}")).collect(),
                ))
            }
        }
    }

    /// Coefficient of the lagged effect of construct `j` at wave `t − lag` on construct `i`
    /// at wave `t` (0-based indices).
    fn lag_coef(&self, i: usize, j: usize, t: usize, lag: usize) -> Result<Coef, PanelError> {
        let tag = if lag == 1 {
            String::new()
        } else {
            lag.to_string()
        };
        let ci = &self.lay.cons[i].name;
        let cj = &self.lay.cons[j].name;
        let base = if i == j {
            format!("ar{tag}_{ci}")
        } else {
            format!("cl{tag}_{cj}_to_{ci}")
        };
        let across = self.lagged_across == GroupLagged::Labels;
        if self.lagged {
            self.label(&base, across)
        } else if self.groups.is_some() && across {
            self.label(&format!("{base}_{}", self.lay.waves[t]), true)
        } else {
            Ok(Coef::Free)
        }
    }

    fn rvar_coef(&self, i: usize) -> Result<Coef, PanelError> {
        if self.rvar {
            self.label(&format!("rvar_{}", self.lay.cons[i].name), false)
        } else {
            Ok(Coef::Free)
        }
    }

    fn rcov_coef(&self, i: usize, j: usize) -> Result<Coef, PanelError> {
        if self.rcov {
            self.label(
                &format!("rcov_{}_{}", self.lay.cons[i].name, self.lay.cons[j].name),
                false,
            )
        } else {
            Ok(Coef::Free)
        }
    }

    fn mean_coef(&self, i: usize) -> Result<Coef, PanelError> {
        if self.means {
            self.label(&format!("mean_{}", self.lay.cons[i].name), false)
        } else {
            Ok(Coef::Free)
        }
    }

    fn nc(&self) -> usize {
        self.lay.cons.len()
    }

    fn t(&self) -> usize {
        self.lay.t()
    }

    /// "equal over time" suffix for a comment.
    fn eq(on: bool) -> &'static str {
        if on {
            ", equal over time"
        } else {
            ""
        }
    }

    /// "(waves 2-4)"
    fn later_waves(&self) -> String {
        format!(
            "(waves {}-{})",
            self.lay.waves[1],
            self.lay.waves[self.t() - 1]
        )
    }

    /// Lagged regressions among `name(i, t)`.
    fn lagged_block(
        &self,
        s: &mut Spec,
        name: &dyn Fn(usize, usize) -> String,
        title: &str,
    ) -> Result<(), PanelError> {
        let extra = if self.decl.options.lag2 {
            ", lag 1 and lag 2"
        } else {
            ""
        };
        s.comment(format!("{title}{extra}{}", Self::eq(self.lagged)));
        for t in 1..self.t() {
            for i in 0..self.nc() {
                let mut rhs = Vec::new();
                for j in 0..self.nc() {
                    rhs.push(term(self.lag_coef(i, j, t, 1)?, &name(j, t - 1)));
                }
                if self.decl.options.lag2 && t >= 2 {
                    for j in 0..self.nc() {
                        rhs.push(term(self.lag_coef(i, j, t, 2)?, &name(j, t - 2)));
                    }
                }
                s.relation(vec![name(i, t)], Rel::Regression, rhs);
            }
        }
        Ok(())
    }

    /// Wave-1 covariances and within-wave residual covariances among `name(i, t)`.
    fn covariance_block(
        &self,
        s: &mut Spec,
        name: &dyn Fn(usize, usize) -> String,
        wave1: bool,
        title: &str,
    ) -> Result<(), PanelError> {
        if self.nc() < 2 {
            return Ok(());
        }
        if wave1 {
            s.comment("wave-1 within covariance(s)");
            for i in 0..self.nc() {
                for j in i + 1..self.nc() {
                    s.one(&name(i, 0), Rel::Covariance, Coef::Free, &name(j, 0));
                }
            }
        }
        s.comment(format!("{title}{}", Self::eq(self.rcov)));
        for t in 1..self.t() {
            for i in 0..self.nc() {
                for j in i + 1..self.nc() {
                    s.one(
                        &name(i, t),
                        Rel::Covariance,
                        self.rcov_coef(i, j)?,
                        &name(j, t),
                    );
                }
            }
        }
        Ok(())
    }

    /// Wave-1 variances and residual variances at later waves of `name(i, t)`.
    fn variance_block(
        &self,
        s: &mut Spec,
        name: &dyn Fn(usize, usize) -> String,
        what: &str,
    ) -> Result<(), PanelError> {
        s.comment(format!(
            "variances (wave {}) and residual variances {} of the {what}{}",
            self.lay.waves[0],
            self.later_waves(),
            if self.rvar {
                ", the latter equal over time"
            } else {
                ""
            }
        ));
        for t in 0..self.t() {
            for i in 0..self.nc() {
                let coef = if t == 0 {
                    Coef::Free
                } else {
                    self.rvar_coef(i)?
                };
                s.variance(&name(i, t), coef);
            }
        }
        Ok(())
    }

    /// Grand means `x_t ~ 1` (or `mean_x*1`).
    fn means_block(&self, s: &mut Spec) -> Result<(), PanelError> {
        s.comment(if self.means {
            "grand means (intercepts of the observed variables), equal over time"
        } else {
            "grand means (intercepts of the observed variables), free per wave"
        });
        for i in 0..self.nc() {
            s.intercepts(self.lay.cons[i].cols.clone(), self.mean_coef(i)?);
        }
        Ok(())
    }

    /// Observed-score predictors with effects equal over waves.
    fn observed_predictors(&self, s: &mut Spec) -> Result<(), PanelError> {
        let preds = &self.decl.options.observed_predictors;
        if preds.is_empty() {
            return Ok(());
        }
        s.comment("time-invariant predictor(s) of the observed scores, effects equal over time");
        for i in 0..self.nc() {
            let mut rhs = Vec::new();
            for z in preds {
                rhs.push(term(
                    self.label(&format!("s_{}_{z}", self.lay.cons[i].name), false)?,
                    z,
                ));
            }
            s.relation(self.lay.cons[i].cols.clone(), Rel::Regression, rhs);
        }
        Ok(())
    }

    /// Predictors of between factors (`RI_x ~ z`).
    fn between_predictors(&self, s: &mut Spec, factors: &[String], what: &str) {
        let preds = &self.decl.options.ri_predictors;
        if preds.is_empty() {
            return;
        }
        s.comment(format!("time-invariant predictor(s) of the {what}"));
        for f in factors {
            s.relation(
                vec![f.clone()],
                Rel::Regression,
                preds.iter().map(|z| term(Coef::Free, z)).collect(),
            );
        }
    }

    /// Outcomes of between factors (`z ~ RI_x + RI_y`), with their residual variances.
    fn outcomes(&self, s: &mut Spec, factors: &[String], what: &str) {
        let outs = &self.decl.options.outcomes;
        if outs.is_empty() {
            return;
        }
        s.comment(format!(
            "time-invariant outcome(s) of the {what}: regressions, residual variances, intercepts"
        ));
        for z in outs {
            s.relation(
                vec![z.clone()],
                Rel::Regression,
                factors.iter().map(|f| term(Coef::Free, f)).collect(),
            );
        }
        for z in outs {
            s.variance(z, Coef::Free);
        }
        s.intercepts(outs.clone(), Coef::Free);
    }

    /// (Residual) variances and covariances of a set of between factors.
    fn between_covariances(&self, s: &mut Spec, factors: &[String], what: &str) {
        let resid = if self.decl.options.ri_predictors.is_empty() {
            ""
        } else {
            "residual "
        };
        s.comment(format!("{resid}variances and covariances of the {what}"));
        for f in factors {
            s.variance(f, Coef::Free);
        }
        for i in 0..factors.len() {
            for j in i + 1..factors.len() {
                s.one(&factors[i], Rel::Covariance, Coef::Free, &factors[j]);
            }
        }
    }
}

/// Checks that the options make sense for the family.
fn check_options(decl: &PanelDeclaration, lay: &Layout) -> Result<(), PanelError> {
    let o = &decl.options;
    let fam = decl.family;
    let title = fam.title();
    let has = |c: Constraint| o.constrain.contains(&c);
    if has(Constraint::Means) && matches!(fam, Family::Clpm | Family::MiRiclpm | Family::LcmSr) {
        return Err(invalid(format!(
            "grand means are not parameters of the {title} (its means are {}); drop the 'means' constraint",
            match fam {
                Family::Clpm => "intercepts of the regressions, wave 1 exogenous",
                Family::MiRiclpm => "item intercepts: use invariance = strong",
                _ => "growth factor means",
            }
        )));
    }
    if has(Constraint::MeasurementError) && fam != Family::Starts {
        return Err(invalid(format!(
            "measurement-error variances are part of STARTS, not of the {title}"
        )));
    }
    let univariate_starts = fam == Family::Starts && lay.cons.len() == 1;
    if univariate_starts && o.lag2 {
        return Err(invalid(
            "the univariate STARTS model has an AR(1) trait: lag-2 effects are not available",
        ));
    }
    if o.lag2 && lay.t() < 3 {
        return Err(invalid("lag-2 effects need at least 3 waves"));
    }
    if !o.ri_predictors.is_empty() && matches!(fam, Family::Clpm | Family::MiRiclpm) {
        return Err(invalid(format!(
            "the {title} has no random intercepts to predict; use observed-score predictors{}",
            if fam == Family::MiRiclpm {
                " in the RI-CLPM"
            } else {
                ""
            }
        )));
    }
    if !o.observed_predictors.is_empty() && matches!(fam, Family::MiRiclpm | Family::LcmSr) {
        return Err(invalid(format!(
            "observed-score predictors are not available for the {title}"
        )));
    }
    if !o.outcomes.is_empty() && matches!(fam, Family::Clpm | Family::MiRiclpm) {
        return Err(invalid(format!(
            "time-invariant outcomes of random intercepts are not available for the {title}"
        )));
    }
    for z in o
        .ri_predictors
        .iter()
        .chain(&o.observed_predictors)
        .chain(&o.outcomes)
    {
        if !is_name(z) {
            return Err(invalid(format!("'{z}' is not a valid variable name")));
        }
        let used = lay
            .cons
            .iter()
            .any(|c| c.cols.contains(z) || c.items.iter().any(|(_, v)| v.contains(z)));
        if used {
            return Err(invalid(format!(
                "'{z}' is one of the repeated measures, not a time-invariant variable"
            )));
        }
    }
    for z in &o.ri_predictors {
        if o.observed_predictors.contains(z) {
            return Err(invalid(format!(
                "'{z}' predicts both the random intercepts and the observed scores: its effects are then not identified (x_t = … + (γ + s)·{z}); choose one"
            )));
        }
    }
    for z in &o.outcomes {
        if o.ri_predictors.contains(z) || o.observed_predictors.contains(z) {
            return Err(invalid(format!(
                "'{z}' cannot be both a predictor and an outcome"
            )));
        }
    }
    if fam == Family::MiRiclpm {
        for c in &lay.cons {
            if c.items.len() < 2 {
                return Err(invalid(format!(
                    "MI-RICLPM: construct '{}' needs at least 2 indicators (got {})",
                    c.name,
                    c.items.len()
                )));
            }
        }
    } else if let Some(c) = decl.constructs.iter().find(|c| !c.indicators.is_empty()) {
        return Err(invalid(format!(
            "construct '{}' has indicators, which only the MI-RICLPM uses",
            c.name
        )));
    }
    if let Some(ts) = &o.time_scores {
        if fam != Family::LcmSr {
            return Err(invalid("time scores are for the LCM-SR"));
        }
        if ts.len() != lay.t() {
            return Err(invalid(format!(
                "{} time scores for {} waves",
                ts.len(),
                lay.t()
            )));
        }
        if ts.iter().any(|x| !x.is_finite()) {
            return Err(invalid("time scores must be finite numbers"));
        }
    }
    if let Some(g) = &o.groups {
        if !is_name(&g.variable) {
            return Err(invalid(format!(
                "group variable '{}' is not a valid name",
                g.variable
            )));
        }
        if g.labels.len() == 1 {
            return Err(invalid("a multi-group model needs at least two groups"));
        }
        for (k, l) in g.labels.iter().enumerate() {
            if g.labels[..k].contains(l) {
                return Err(invalid(format!("group label '{l}' is given twice")));
            }
        }
    }
    Ok(())
}

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

/// Header comment lines: family, sources, variables, options, how to fit, counts.
pub(crate) fn header(
    decl: &PanelDeclaration,
    lay: &Layout,
    fo: &FitOptions,
    count: &ModelCount,
) -> Vec<String> {
    let o = &decl.options;
    let mut h = Vec::new();
    h.push(match decl.family {
        Family::Clpm => "CLPM: cross-lagged panel model on the observed scores".to_string(),
        Family::Riclpm => "RI-CLPM (Hamaker, Kuiper & Grasman, 2015; syntax after Mulder & Hamaker, 2021)".to_string(),
        Family::MiRiclpm => format!(
            "MI-RICLPM, {} invariance (Mulder & Hamaker, 2021, extension 3)",
            match o.invariance {
                Invariance::Configural => "configural",
                Invariance::Weak => "weak",
                Invariance::Strong => "strong",
            }
        ),
        Family::Starts if lay.cons.len() == 1 => "univariate STARTS (Kenny & Zautra, 1995, 2001): trait, stationary AR(1) trait, state".to_string(),
        Family::Starts => "STARTS as RI-CLPM plus measurement-error variances (Kenny & Zautra, 2001; Mulder, powRICLPM)".to_string(),
        Family::LcmSr => "LCM-SR: latent curve model with structured residuals (Curran et al., 2014)".to_string(),
    });
    let waves = &lay.waves;
    for k in &lay.cons {
        if decl.family == Family::MiRiclpm {
            let items: Vec<String> = k
                .items
                .iter()
                .map(|(it, cols)| format!("{it}: {} … {}", cols[0], cols[cols.len() - 1]))
                .collect();
            h.push(format!("construct {}: {}", k.name, items.join("; ")));
        } else {
            h.push(format!("construct {}: {}", k.name, k.cols.join(", ")));
        }
    }
    h.push(format!("waves: {}", waves.join(", ")));
    let mut opts = Vec::new();
    let has = |c: Constraint| o.constrain.contains(&c);
    if has(Constraint::Lagged) {
        opts.push("lagged effects equal over time".to_string());
    }
    if has(Constraint::Residuals)
        || (has(Constraint::ResidualVariances) && has(Constraint::ResidualCovariances))
    {
        opts.push("residual variances and covariances equal over time".to_string());
    } else if has(Constraint::ResidualVariances) {
        opts.push("residual variances equal over time".to_string());
    } else if has(Constraint::ResidualCovariances) {
        opts.push("residual covariances equal over time".to_string());
    }
    if has(Constraint::Means) {
        opts.push("grand means equal over time".to_string());
    }
    if has(Constraint::MeasurementError) && !(decl.family == Family::Starts && lay.cons.len() == 1)
    {
        opts.push("measurement-error variances equal over time".to_string());
    }
    if o.lag2 {
        opts.push("lag-2 effects".to_string());
    }
    if !o.ri_predictors.is_empty() {
        opts.push(format!(
            "predictors of the between factors: {}",
            o.ri_predictors.join(", ")
        ));
    }
    if !o.observed_predictors.is_empty() {
        opts.push(format!(
            "predictors of the observed scores: {}",
            o.observed_predictors.join(", ")
        ));
    }
    if !o.outcomes.is_empty() {
        opts.push(format!("outcomes: {}", o.outcomes.join(", ")));
    }
    if let Some(g) = &o.groups {
        opts.push(format!(
            "groups by {}{}: lagged effects {}",
            g.variable,
            if g.labels.is_empty() {
                String::new()
            } else {
                format!(" ({})", g.labels.join(", "))
            },
            match g.lagged {
                GroupLagged::Free => "free across groups",
                GroupLagged::GroupEqual => "equal across groups (group.equal = \"regressions\")",
                GroupLagged::Labels => "equal across groups (shared labels)",
            }
        ));
    }
    if !opts.is_empty() {
        h.push(format!("options: {}", opts.join("; ")));
    }
    let func = fo.model.entry.as_lavaan();
    let mut args = vec!["model".to_string(), "data".to_string()];
    if fo.model.meanstructure {
        args.push("meanstructure = TRUE".into());
    }
    if fo.model.int_ov_free == Some(true) {
        args.push("int.ov.free = TRUE".into());
    }
    if let Some(g) = &o.groups {
        args.push(format!("group = \"{}\"", g.variable));
        if !fo.model.group_equal.is_empty() {
            args.push("group.equal = \"regressions\"".into());
        }
    }
    h.push(format!("fit with {func}({})", args.join(", ")));
    let per = match &o.groups {
        Some(g) if g.labels.is_empty() => " (counted for 2 groups)",
        _ => "",
    };
    h.push(format!(
        "{} free parameters, {} sample moments, df = {}{per}",
        count.npar, count.moments, count.df
    ));
    h
}
