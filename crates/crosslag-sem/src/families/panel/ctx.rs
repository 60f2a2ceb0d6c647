//! The context of a family builder: which parameters are held equal over waves and across
//! groups, how their labels look, and the blocks of model text the families share (lagged
//! effects, within-wave covariances, variances, means, predictors and outcomes).

use super::declaration::{Constraint, GroupLagged, PanelDeclaration, PanelError};
use super::ir::{term, Coef, Rel, Spec};
use super::layout::{invalid, Layout};

/// Which parameters are held equal over waves, and how labels look in several groups.
pub(super) struct Ctx<'a> {
    pub(super) decl: &'a PanelDeclaration,
    pub(super) lay: &'a Layout,
    pub(super) lagged: bool,
    pub(super) rvar: bool,
    pub(super) rcov: bool,
    pub(super) means: bool,
    pub(super) me: bool,
    /// `None`: one group; `Some(labels)`: several (labels may be empty if not given).
    pub(super) groups: Option<&'a [String]>,
    pub(super) lagged_across: GroupLagged,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(decl: &'a PanelDeclaration, lay: &'a Layout) -> Ctx<'a> {
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
    pub(super) fn label(&self, base: &str, across: bool) -> Result<Coef, PanelError> {
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
    pub(super) fn lag_coef(
        &self,
        i: usize,
        j: usize,
        t: usize,
        lag: usize,
    ) -> Result<Coef, PanelError> {
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

    pub(super) fn rvar_coef(&self, i: usize) -> Result<Coef, PanelError> {
        if self.rvar {
            self.label(&format!("rvar_{}", self.lay.cons[i].name), false)
        } else {
            Ok(Coef::Free)
        }
    }

    pub(super) fn rcov_coef(&self, i: usize, j: usize) -> Result<Coef, PanelError> {
        if self.rcov {
            self.label(
                &format!("rcov_{}_{}", self.lay.cons[i].name, self.lay.cons[j].name),
                false,
            )
        } else {
            Ok(Coef::Free)
        }
    }

    pub(super) fn mean_coef(&self, i: usize) -> Result<Coef, PanelError> {
        if self.means {
            self.label(&format!("mean_{}", self.lay.cons[i].name), false)
        } else {
            Ok(Coef::Free)
        }
    }

    pub(super) fn nc(&self) -> usize {
        self.lay.cons.len()
    }

    pub(super) fn t(&self) -> usize {
        self.lay.t()
    }

    /// "equal over time" suffix for a comment.
    pub(super) fn eq(on: bool) -> &'static str {
        if on {
            ", equal over time"
        } else {
            ""
        }
    }

    /// "(waves 2-4)"
    pub(super) fn later_waves(&self) -> String {
        format!(
            "(waves {}-{})",
            self.lay.waves[1],
            self.lay.waves[self.t() - 1]
        )
    }

    /// Lagged regressions among `name(i, t)`.
    pub(super) fn lagged_block(
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
    pub(super) fn covariance_block(
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
    pub(super) fn variance_block(
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
    pub(super) fn means_block(&self, s: &mut Spec) -> Result<(), PanelError> {
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
    pub(super) fn observed_predictors(&self, s: &mut Spec) -> Result<(), PanelError> {
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
    pub(super) fn between_predictors(&self, s: &mut Spec, factors: &[String], what: &str) {
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
    pub(super) fn outcomes(&self, s: &mut Spec, factors: &[String], what: &str) {
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
    pub(super) fn between_covariances(&self, s: &mut Spec, factors: &[String], what: &str) {
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
