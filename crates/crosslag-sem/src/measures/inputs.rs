//! The ingredients of the fit measures taken from a fit: per-group moments (with, under
//! `missing = "ml"`, the patterns, pairwise covariances and available-case means that GFI
//! needs), and R².

use super::{GroupMoments, MissingMoments, MissingPattern};
use crate::loss::objective::Workspace;
use crate::observe::prepare::SampleData;
use crate::report::{GroupMatrices, NamedValues};
use crate::specify::partable::{Op, ParTable};
use crate::specify::ram::RamModel;
use ndarray::{Array1, Array2};

/// What GFI needs under `missing = "ml"`, per group: patterns, pairwise covariances and
/// available-case means (empty for complete data).
pub type MissingParts = Vec<(Vec<MissingPattern>, Array2<f64>, Array1<f64>)>;

/// [`MissingParts`] of the sample.
pub fn missing_parts(sample: &SampleData, fiml: bool) -> MissingParts {
    if !fiml {
        return Vec::new();
    }
    sample
        .raw
        .iter()
        .map(|gd| {
            let p = gd.values.ncols();
            let pats = gd
                .patterns
                .iter()
                .map(|pt| MissingPattern {
                    observed: (0..p).map(|j| pt.obs.contains(&j)).collect(),
                    freq: pt.freq,
                })
                .collect();
            (pats, gd.pairwise_cov(), gd.available_means())
        })
        .collect()
}

/// Per-group moments for the fit measures.
pub fn group_moments<'a>(
    groups: &'a [GroupMatrices],
    x_idx: &'a [usize],
    missing: &'a MissingParts,
) -> Vec<GroupMoments<'a>> {
    groups
        .iter()
        .enumerate()
        .map(|(g, gm)| GroupMoments {
            nobs: gm.nobs,
            sample_cov: gm.sample_cov.view(),
            sample_mean: gm.sample_mean.as_ref().map(|m| m.view()),
            implied_cov: gm.implied_cov.view(),
            implied_mean: gm.implied_mean.as_ref().map(|m| m.view()),
            fixed_x: x_idx,
            missing: missing.get(g).map(|(pats, cov, mean)| MissingMoments {
                patterns: pats,
                pairwise_cov: cov.view(),
                available_mean: mean.view(),
            }),
        })
        .collect()
}

/// R² = 1 − ψ_v / var_implied(v) for each endogenous variable (lhs of `~`, or an indicator).
pub fn r_squared(pt: &ParTable, ram: &RamModel, ws: &Workspace) -> Vec<NamedValues> {
    let mut out = Vec::new();
    for g in 0..pt.ngroups {
        let mut vals = Vec::new();
        for (v, name) in ram.var_names.iter().enumerate() {
            let endo = pt.rows.iter().any(|r| {
                r.group == g
                    && ((r.op == Op::Regression && r.lhs == *name)
                        || (r.op == Op::Loading && r.rhs == *name))
            });
            if !endo {
                continue;
            }
            let total = ws.implied[g].e[[v, v]];
            let resid = ws.mats[g].s[[v, v]];
            vals.push((name.clone(), Some(1.0 - resid / total)));
        }
        out.push(NamedValues(vals));
    }
    out
}
