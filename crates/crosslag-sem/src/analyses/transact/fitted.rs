//! One fitted model of the analysis and what is read from it per group: lagged effects,
//! the tests of each direction, the random intercepts, the tests of group differences.

use super::edit::{self, Path};
use super::hypotheses::{cov_row, decide, restricted_lrt, row, wald};
use super::options::{declaration, TransactError, TransactOptions};
use super::report::{
    Between, ConstructNodes, Direction, Effect, GroupReport, JointTest, Layout, LrtTest, Sign,
};
use crate::families::panel::{self, Constraint, Family, GroupLagged};
use crate::observe::Data;
use crate::report::{FitResult, ParameterRow};
use crate::specify::options::FitOptions;
use crate::specify::partable::Op;

pub(super) struct Fitted<'a> {
    pub(super) opts: &'a TransactOptions,
    pub(super) data: &'a Data,
    pub(super) layout: Layout,
    pub(super) syntax: String,
    /// Lines appended to the generated syntax (the CLPM's wave-1 covariance with fixed.x =
    /// FALSE), also appended to other models generated from a declaration.
    pub(super) extra: String,
    pub(super) fo: FitOptions,
    pub(super) res: FitResult,
    pub(super) group_labels: Vec<String>,
    pub(super) zq: f64,
    pub(super) notes: Vec<String>,
}

impl Fitted<'_> {
    pub(super) fn lagged(
        &self,
        from: &ConstructNodes,
        to: &ConstructNodes,
        g: usize,
    ) -> Vec<Effect> {
        let w = &self.layout.waves;
        (1..w.len())
            .filter_map(|t| {
                let r = row(
                    &self.res,
                    &to.within[t],
                    Op::Regression,
                    &from.within[t - 1],
                    g,
                )?;
                let mut e = Effect::from_row(r, self.zq);
                e.from_wave = Some(w[t - 1].clone());
                e.to_wave = Some(w[t].clone());
                Some(e)
            })
            .collect()
    }

    pub(super) fn rows_of(&self, paths: &[Path], group: Option<usize>) -> Vec<&ParameterRow> {
        self.res
            .parameters
            .iter()
            .filter(|r| r.op == Op::Regression && group.is_none_or(|g| r.group == g))
            .filter(|r| paths.iter().any(|p| p.lhs == r.lhs && p.rhs == r.rhs))
            .collect()
    }

    pub(super) fn direction(
        &self,
        from: &ConstructNodes,
        to: &ConstructNodes,
        g: usize,
    ) -> Result<Direction, TransactError> {
        let effects = self.lagged(from, to, g);
        let paths = self.layout.paths(from, to);
        let rows = self.rows_of(&paths, Some(g));
        let wald = wald(&self.res, &rows);
        let ngroups = self.res.ngroups;
        let in_group = if ngroups > 1 {
            format!(
                " in group {}",
                self.group_labels.get(g - 1).cloned().unwrap_or_default()
            )
        } else {
            String::new()
        };
        let lrt = restricted_lrt(
            format!(
                "no cross-lagged effects {} → {}{in_group}",
                from.name, to.name
            ),
            &self.res,
            edit::fix_at_zero(
                &self.syntax,
                &paths,
                (ngroups > 1).then_some(g - 1),
                ngroups,
            ),
            self.data,
            &self.fo,
        )?;
        let (significant, pvalue) = decide(Some(&lrt), wald.as_ref(), self.opts.alpha);
        let labels: Vec<&str> = effects.iter().map(|e| e.label.as_str()).collect();
        let constrained =
            effects.len() > 1 && !labels[0].is_empty() && labels.iter().all(|l| *l == labels[0]);
        Ok(Direction {
            from: from.name.clone(),
            to: to.name.clone(),
            constrained,
            sign: Sign::of(&effects),
            effects,
            wald,
            lrt: Some(lrt),
            significant,
            pvalue,
        })
    }

    pub(super) fn joint(
        &self,
        from: &ConstructNodes,
        to: &ConstructNodes,
    ) -> Result<JointTest, TransactError> {
        let paths = self.layout.paths(from, to);
        let rows = self.rows_of(&paths, None);
        let wald = wald(&self.res, &rows);
        let lrt = restricted_lrt(
            format!(
                "no cross-lagged effects {} → {} in any group",
                from.name, to.name
            ),
            &self.res,
            edit::fix_at_zero(&self.syntax, &paths, None, self.res.ngroups),
            self.data,
            &self.fo,
        )?;
        let (significant, pvalue) = decide(Some(&lrt), wald.as_ref(), self.opts.alpha);
        Ok(JointTest {
            from: from.name.clone(),
            to: to.name.clone(),
            wald,
            lrt: Some(lrt),
            significant,
            pvalue,
        })
    }

    pub(super) fn between(&self, g: usize) -> Option<Between> {
        let (rx, ry) = (
            self.layout.x.intercept.as_ref()?,
            self.layout.y.intercept.as_ref()?,
        );
        let vx = cov_row(&self.res, rx, rx, g)?;
        let vy = cov_row(&self.res, ry, ry, g)?;
        let c = cov_row(&self.res, rx, ry, g)?;
        let correlation = (vx.estimate.est > 0.0 && vy.estimate.est > 0.0)
            .then(|| c.estimate.est / (vx.estimate.est * vy.estimate.est).sqrt());
        Some(Between {
            var_x: Effect::from_row(vx, self.zq),
            var_y: Effect::from_row(vy, self.zq),
            cov: Effect::from_row(c, self.zq),
            correlation,
        })
    }

    pub(super) fn group_report(&self, g: usize) -> Result<GroupReport, TransactError> {
        let (x, y) = (&self.layout.x, &self.layout.y);
        Ok(GroupReport {
            group: g,
            label: self.group_labels.get(g - 1).cloned().unwrap_or_default(),
            nobs: self.res.nobs.get(g - 1).copied().unwrap_or(0),
            x_to_y: self.direction(x, y, g)?,
            y_to_x: self.direction(y, x, g)?,
            autoregressive_x: self.lagged(x, x, g),
            autoregressive_y: self.lagged(y, y, g),
            between: self.between(g),
        })
    }

    /// Several groups: cross-lagged effects equal across groups (edited syntax), and all
    /// lagged effects equal across groups (the declaration's option).
    pub(super) fn group_tests(&self, family: Family) -> Result<Vec<LrtTest>, TransactError> {
        let (x, y) = (&self.layout.x, &self.layout.y);
        let constrained = self.opts.constrain.contains(&Constraint::Lagged);
        let mut paths = Vec::new();
        let mut labels = Vec::new();
        for (from, to) in [(x, y), (y, x)] {
            for (t, p) in self.layout.paths(from, to).into_iter().enumerate() {
                labels.push(if constrained {
                    format!("eqg_cl_{}_to_{}", from.name, to.name)
                } else {
                    format!(
                        "eqg_cl_{}_to_{}_{}",
                        from.name,
                        to.name,
                        self.layout.waves[t + 1]
                    )
                });
                paths.push(p);
            }
        }
        let cross = restricted_lrt(
            "cross-lagged effects equal across groups".into(),
            &self.res,
            edit::equal_across_groups(&self.syntax, &paths, &labels),
            self.data,
            &self.fo,
        )?;
        let decl = declaration(self.opts, family, &self.group_labels, GroupLagged::Labels);
        let model = panel::generate(&decl)?;
        let lagged = restricted_lrt(
            "all lagged effects (autoregressive and cross-lagged) equal across groups".into(),
            &self.res,
            Ok(format!("{}{}", model.syntax, self.extra)),
            self.data,
            &self.fo,
        )?;
        Ok(vec![cross, lagged])
    }
}
