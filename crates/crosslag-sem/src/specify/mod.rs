//! Step 1 of a fit, **specify**: model syntax + typed options → the model.
//!
//! [`Model::new`] is the one place where a model is set up, for every command (fit, compare,
//! transact, power, bootstrap, simulate, panel counts): lavaan's defaulting rules (entry point,
//! mean structure, fixed.x, int.ov.free, group.equal; [`partable`]), the reparameterisation of
//! labels and `==` constraints with the bounds ([`constraints`]), the RAM matrices ([`ram`])
//! and the counts npar, ndat and df (lavaan `lav_pt_ndat`, `lav_test_df`).

pub mod constraints;
pub mod options;
pub mod partable;
pub mod ram;

use crate::error::SemError;
use crate::syntax;
use constraints::Reduction;
use options::{Bounds, DataFacts, ModelOptions};
use partable::{Op, ParTable};
use ram::{RamModel, Slot};
use std::borrow::Cow;

/// What the data decide about a model: how many groups, and whether lavaan forces a mean
/// structure (with `missing = "ml"` and with clusters, `lav_options_set`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataSetting {
    pub ngroups: usize,
    pub missing_ml: bool,
    pub clustered: bool,
    /// Summary statistics with sample means (lavaan's `sample.mean`).
    pub sample_mean: bool,
}

impl DataSetting {
    /// One group of complete data.
    pub fn single() -> DataSetting {
        DataSetting {
            ngroups: 1,
            missing_ml: false,
            clustered: false,
            sample_mean: false,
        }
    }
}

/// A specified model: everything that does not depend on the sample.
#[derive(Debug, Clone)]
pub struct Model {
    pub pt: ParTable,
    /// θ = g(φ): labels, `==` constraints and bounds.
    pub red: Reduction,
    /// RAM matrices; the fixed.x moments are filled per sample by [`Model::ram_for`].
    pub ram: RamModel,
    /// Free parameters (lavaan `npar`).
    pub npar: usize,
    /// Sample moments the model is fitted to, without the fixed.x ones (lavaan `ndat`).
    pub ndat: usize,
    /// Positions of the fixed.x covariates among the observed variables.
    pub x_idx: Vec<usize>,
    /// Positions of the exogenous covariates (fixed.x or not): the block of Σ that lavaan's
    /// independence model leaves saturated (`lav_partable_independence`).
    pub baseline_x: Vec<usize>,
    /// fixed.x rows: (group, slot, i, j) — `j = None` for a mean.
    exo: Vec<(usize, Slot, usize, Option<usize>)>,
}

impl Model {
    /// Parse and specify `model` for data described by `setting`.
    pub fn new(model: &str, opts: &ModelOptions, setting: DataSetting) -> Result<Model, SemError> {
        let syn = syntax::parse(model)?;
        let ngroups = setting.ngroups.max(1);
        let (switches, overridden) = opts.resolve(DataFacts {
            ngroups,
            sample_mean: setting.sample_mean,
            missing_ml: setting.missing_ml,
            clustered: setting.clustered,
        });
        let mut pt = partable::build(&syn, opts, &switches, ngroups)?;
        if !overridden.is_empty() {
            pt.warnings.push(format!(
                "{}() sets {} itself (lavaan 0.6.14 ignores the value given); use --function lavaan to choose {}",
                opts.entry,
                overridden.join(", "),
                if overridden.len() == 1 { "it" } else { "them" }
            ));
        }
        Model::from_table(pt, opts)
    }

    /// Specify from a parameter table already built (bounds from `opts`).
    pub fn from_table(pt: ParTable, opts: &ModelOptions) -> Result<Model, SemError> {
        let mut red = Reduction::build(&pt)?;
        if opts.bounds == Bounds::PosVar {
            add_positive_variance_bounds(&pt, &mut red);
        }
        add_nonnegative_bounds(&pt, &mut red, &opts.nonnegative);
        let ram = RamModel::from_partable(&pt);
        let x_idx: Vec<usize> = pt
            .ov_x
            .iter()
            .filter_map(|x| pt.ov_names.iter().position(|v| v == x))
            .collect();
        let baseline_x: Vec<usize> = pt
            .ov_exo
            .iter()
            .filter_map(|x| pt.ov_names.iter().position(|v| v == x))
            .collect();
        let mut exo = Vec::new();
        for (ri, r) in pt.rows.iter().enumerate() {
            let (true, Some((g, slot))) = (r.exo, ram.row_slots[ri]) else {
                continue;
            };
            let i = pt.ov_names.iter().position(|v| *v == r.lhs).unwrap_or(0);
            let j = (r.op == Op::Covariance)
                .then(|| pt.ov_names.iter().position(|v| *v == r.rhs).unwrap_or(0));
            exo.push((g, slot, i, j));
        }
        let ndat = ndat(&pt);
        let npar = red.nphi;
        if npar > ndat {
            return Err(SemError::TooManyParameters {
                npar,
                moments: ndat,
            });
        }
        Ok(Model {
            pt,
            red,
            ram,
            npar,
            ndat,
            x_idx,
            baseline_x,
            exo,
        })
    }

    /// Degrees of freedom of the model's χ² test: ndat − npar.
    pub fn df(&self) -> f64 {
        self.ndat as f64 - self.npar as f64
    }

    /// Degrees of freedom of the independence (baseline) model: ndat minus its parameters —
    /// the variances (and means) of the other variables and, when fixed.x does not fix
    /// them, the moments of the exogenous covariates.
    pub fn baseline_df(&self) -> f64 {
        let p = self.pt.ov_names.len();
        let py = p - self.baseline_x.len();
        let ms = usize::from(self.pt.meanstructure);
        let mut per_group = py + ms * py;
        if self.x_idx.is_empty() {
            let px = self.baseline_x.len();
            per_group += px * (px + 1) / 2 + ms * px;
        }
        self.ndat as f64 - (self.pt.ngroups * per_group) as f64
    }

    pub fn ngroups(&self) -> usize {
        self.pt.ngroups
    }

    pub fn ov_names(&self) -> &[String] {
        &self.pt.ov_names
    }

    /// The RAM model with the fixed.x moments set to their sample values (lavaan fixes them
    /// at the sample moments: `exo = 1` rows); `sample(g, i, Some(j))` is the covariance of
    /// observed variables i and j in group g, `sample(g, i, None)` the mean of i.
    pub fn ram_for(
        &self,
        sample: impl Fn(usize, usize, Option<usize>) -> f64,
    ) -> Cow<'_, RamModel> {
        if self.exo.is_empty() {
            return Cow::Borrowed(&self.ram);
        }
        let mut ram = self.ram.clone();
        for &(g, slot, i, j) in &self.exo {
            ram.fixed[g].set(slot, sample(g, i, j));
        }
        Cow::Owned(ram)
    }
}

/// lavaan's `ndat`: per group p(p+1)/2 (+ p with a mean structure), less the moments of the
/// fixed.x covariates (`lav_pt_ndat`).
fn ndat(pt: &ParTable) -> usize {
    let p = pt.ov_names.len();
    let px = pt.ov_x.len();
    let ms = usize::from(pt.meanstructure);
    pt.ngroups * ((p * (p + 1) / 2 + ms * p) - (px * (px + 1) / 2 + ms * px))
}

/// lavaan's `bounds = "pos.var"`: a lower bound of 0 on every free variance (observed
/// residual and latent; `lav_partable_add_bounds` with `min.var.* = 0`). A variance that an
/// equality constraint computes from others has no φ of its own and is left unbounded.
fn add_positive_variance_bounds(pt: &ParTable, red: &mut Reduction) {
    for r in pt
        .rows
        .iter()
        .filter(|r| r.free > 0 && r.op == Op::Covariance && r.lhs == r.rhs)
    {
        if let Some(i) = red.phi_of_theta(r.free - 1) {
            red.add_lower_bound(i, 0.0);
        }
    }
}

/// A lower bound of 0 on the free parameters named in `names` (lavaan names such as
/// `RI_x~~RI_x`, spaces ignored; every group), e.g. the random-intercept variances of the
/// χ̄² test's restricted fit.
fn add_nonnegative_bounds(pt: &ParTable, red: &mut Reduction, names: &[String]) {
    let names: Vec<String> = names
        .iter()
        .map(|n| n.split_whitespace().collect())
        .collect();
    for r in pt
        .rows
        .iter()
        .filter(|r| r.free > 0 && names.contains(&r.name()))
    {
        if let Some(i) = red.phi_of_theta(r.free - 1) {
            red.add_lower_bound(i, 0.0);
        }
    }
}

/// The observed variables a model uses (to select data columns), in lavaan's order. The
/// number of groups is not known yet: the table is built for as many groups as the longest
/// modifier vector (`c(a, b)*x`) names.
pub fn model_variables(model: &str) -> Result<Vec<String>, SemError> {
    let syn = syntax::parse(model)?;
    let ngroups = syn
        .statements
        .iter()
        .filter_map(|st| match st {
            syntax::Statement::Relation { rhs, .. } => rhs
                .iter()
                .map(|t| {
                    let m = &t.modifiers;
                    let fixed = m.fixed.as_ref().map_or(1, Vec::len);
                    let label = m.label.as_ref().map_or(1, Vec::len);
                    let start = m.start.as_ref().map_or(1, Vec::len);
                    fixed.max(label).max(start)
                })
                .max(),
            _ => None,
        })
        .max()
        .unwrap_or(1);
    let opts = ModelOptions::default();
    let (switches, _) = opts.resolve(DataFacts {
        ngroups: ngroups.max(1),
        ..DataFacts::default()
    });
    let pt = partable::build(&syn, &opts, &switches, ngroups.max(1))?;
    Ok(pt.ov_names)
}
