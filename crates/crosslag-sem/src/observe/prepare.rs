//! Data prepared for estimation: the model variables of raw data or summary statistics per
//! group, sample moments (divisor N), and under FIML the missing-data patterns and the
//! saturated model by EM.

use super::Data;
use crate::error::SemError;
use crate::observe::h1::{self, H1Estimates};
use crate::observe::missing::GroupData;
use crate::observe::moments::Moments;
use ndarray::{Array1, Array2};

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let c = if a[i - 1] == b[j - 1] { 0 } else { 1 };
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + c);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Near matches of `name` among `candidates` (at most three).
pub fn near_matches(name: &str, candidates: &[String]) -> Vec<String> {
    let mut scored: Vec<(usize, &String)> = candidates
        .iter()
        .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= 2.max(name.len() / 3))
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c.clone()).collect()
}

/// Per-group data prepared for estimation.
pub struct SampleData {
    /// Sample moments (divisor N); under FIML the saturated EM estimates.
    pub moments: Vec<Moments>,
    pub group_labels: Vec<String>,
    pub norig: Vec<usize>,
    /// Raw data by missing-data pattern (FIML, robust inference); empty otherwise.
    pub raw: Vec<GroupData>,
    /// Saturated-model estimates (FIML).
    pub h1: Vec<H1Estimates>,
    /// Rows dropped because every model variable was missing (FIML).
    pub dropped_empty: usize,
    /// Rows dropped because a fixed.x covariate was missing (FIML).
    pub dropped_x: usize,
}

impl SampleData {
    /// Total N over groups.
    /// lavaan's `likelihood = "wishart"`: the covariance matrices with divisor N − 1
    /// (`sample.cov.rescale = FALSE`: summary statistics are used as given).
    pub fn rescale_to_unbiased(&mut self) {
        for m in self.moments.iter_mut() {
            let n = m.nobs as f64;
            let cov = &m.cov * (n / (n - 1.0));
            *m = Moments::new(m.nobs, cov, m.mean.clone());
        }
    }

    pub fn ntotal(&self) -> usize {
        self.moments.iter().map(|m| m.nobs).sum()
    }

    /// What the user must know about the rows used (as lavaan says it).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        if self.dropped_x > 0 {
            out.push(format!(
                "{} case{} {} deleted because of missing values in exogenous covariates while fixed.x = TRUE (as lavaan does)",
                self.dropped_x,
                plural(self.dropped_x),
                if self.dropped_x == 1 { "was" } else { "were" }
            ));
        }
        if self.dropped_empty > 0 {
            out.push(format!(
                "{} case{} with no observed value on any model variable {} ignored (as lavaan does)",
                self.dropped_empty,
                plural(self.dropped_empty),
                if self.dropped_empty == 1 { "was" } else { "were" }
            ));
        }
        out
    }
}

/// How raw data are used: FIML (all rows with an observed value, patterns, EM), or complete
/// rows only, keeping them when robust inference needs casewise scores.
#[derive(Clone, Copy)]
pub struct RawUse<'a> {
    pub fiml: bool,
    pub keep_raw: bool,
    /// Positions (in the model variables) of the fixed.x covariates: under FIML, lavaan
    /// deletes the cases with a missing covariate (`lav_data`, "cases were deleted due to
    /// missing values in exogenous variable(s), while fixed.x = TRUE").
    pub fixed_x: &'a [usize],
}

/// The sample data of the model variables `ov` (lavaan's order) for a fit.
pub fn prepare(data: &Data, ov: &[String], raw_use: RawUse<'_>) -> Result<SampleData, SemError> {
    match data {
        Data::Raw {
            names,
            values,
            group,
            group_labels,
            cluster,
        } => prepare_raw(
            names,
            values,
            group.as_deref(),
            group_labels,
            cluster.as_deref(),
            ov,
            raw_use,
        ),
        Data::Moments {
            names,
            groups,
            group_labels,
        } => prepare_moments(names, groups, group_labels, ov),
    }
}

/// Raw data: the model columns per group, complete-case moments or (FIML) patterns and EM.
fn prepare_raw(
    names: &[String],
    values: &Array2<f64>,
    group: Option<&[usize]>,
    group_labels: &[String],
    cluster: Option<&[usize]>,
    ov: &[String],
    raw_use: RawUse<'_>,
) -> Result<SampleData, SemError> {
    {
        let mut cols = Vec::with_capacity(ov.len());
        for v in ov {
            match names.iter().position(|n| n == v) {
                Some(c) => cols.push(c),
                None => {
                    let near = near_matches(v, names);
                    let hint = if near.is_empty() {
                        String::new()
                    } else {
                        format!("; did you mean {}?", near.join(", "))
                    };
                    return Err(SemError::UnknownVariable {
                        name: v.clone(),
                        hint,
                    });
                }
            }
        }
        let ngroups = if group.is_some() {
            group_labels.len().max(1)
        } else {
            1
        };
        let mut moments = Vec::new();
        let mut norig = Vec::new();
        let mut raw = Vec::new();
        let mut h1s = Vec::new();
        let mut dropped_empty = 0;
        let mut dropped_x = 0;
        for g in 0..ngroups {
            let mut rows: Vec<usize> = (0..values.nrows())
                .filter(|&r| group.as_ref().is_none_or(|gr| gr[r] == g))
                .collect();
            norig.push(rows.len());
            if raw_use.fiml && !raw_use.fixed_x.is_empty() {
                let before = rows.len();
                rows.retain(|&r| {
                    raw_use
                        .fixed_x
                        .iter()
                        .all(|&j| values[[r, cols[j]]].is_finite())
                });
                dropped_x += before - rows.len();
            }
            let label = group_labels.get(g).cloned().unwrap_or_default();
            let in_group = if ngroups > 1 {
                format!("group {label}: ")
            } else {
                String::new()
            };
            if raw_use.fiml {
                let (gd, h1, dropped) =
                    prepare_fiml_group(values, &rows, &cols, cluster, ov, &in_group)?;
                dropped_empty += dropped;
                moments.push(Moments::new(gd.nobs(), h1.cov.clone(), h1.mean.clone()));
                raw.push(gd);
                h1s.push(h1);
                continue;
            }
            let complete: Vec<usize> = rows
                .iter()
                .copied()
                .filter(|&r| cols.iter().all(|&c| values[[r, c]].is_finite()))
                .collect();
            let mut x = Array2::zeros((complete.len(), cols.len()));
            for (i, &r) in complete.iter().enumerate() {
                for (j, &c) in cols.iter().enumerate() {
                    x[[i, j]] = values[[r, c]];
                }
            }
            if complete.len() <= cols.len() {
                let label = group_labels.get(g).cloned().unwrap_or_default();
                return Err(SemError::Data(format!(
                    "{}only {} complete cases for {} variables; use --missing ml or check the data",
                    if ngroups > 1 {
                        format!("group {label}: ")
                    } else {
                        String::new()
                    },
                    complete.len(),
                    cols.len()
                )));
            }
            moments.push(Moments::from_complete(x.view()));
            if raw_use.keep_raw {
                let cl = cluster
                    .as_ref()
                    .map(|c| complete.iter().map(|&r| c[r]).collect());
                raw.push(GroupData::new(x, cl));
            }
        }
        let labels = if ngroups > 1 {
            group_labels.to_vec()
        } else {
            Vec::new()
        };
        Ok(SampleData {
            moments,
            group_labels: labels,
            norig,
            raw,
            h1: h1s,
            dropped_empty,
            dropped_x,
        })
    }
}

/// Summary statistics: the model variables' moments per group, the covariance matrix
/// rescaled by (N−1)/N (lavaan `sample.cov.rescale`).
#[allow(clippy::type_complexity)]
fn prepare_moments(
    names: &[String],
    groups: &[(Array2<f64>, Option<Array1<f64>>, usize)],
    group_labels: &[String],
    ov: &[String],
) -> Result<SampleData, SemError> {
    {
        let mut moments = Vec::new();
        let mut norig = Vec::new();
        for (cov, mean, n) in groups {
            let mut c = Array2::zeros((ov.len(), ov.len()));
            let mut m = Array1::zeros(ov.len());
            let mut idx = Vec::new();
            for v in ov {
                match names.iter().position(|x| x == v) {
                    Some(i) => idx.push(i),
                    None => {
                        return Err(SemError::UnknownVariable {
                            name: v.clone(),
                            hint: " (sample covariance matrix)".into(),
                        })
                    }
                }
            }
            let rescale = (*n as f64 - 1.0) / *n as f64;
            for (a, &i) in idx.iter().enumerate() {
                for (b, &j) in idx.iter().enumerate() {
                    c[[a, b]] = cov[[i, j]] * rescale;
                }
                if let Some(mean) = mean {
                    m[a] = mean[i];
                }
            }
            norig.push(*n);
            moments.push(Moments::new(*n, c, m));
        }
        Ok(SampleData {
            moments,
            group_labels: group_labels.to_vec(),
            norig,
            raw: Vec::new(),
            h1: Vec::new(),
            dropped_empty: 0,
            dropped_x: 0,
        })
    }
}

/// One group's FIML data: rows with at least one observed model variable, arranged by
/// pattern, and the saturated (EM) estimates. Returns the data, the estimates and the number
/// of rows dropped for having no observed value.
fn prepare_fiml_group(
    values: &Array2<f64>,
    rows: &[usize],
    cols: &[usize],
    cluster: Option<&[usize]>,
    ov: &[String],
    in_group: &str,
) -> Result<(GroupData, H1Estimates, usize), SemError> {
    let kept: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|&r| cols.iter().any(|&c| values[[r, c]].is_finite()))
        .collect();
    let x = Array2::from_shape_fn((kept.len(), cols.len()), |(i, j)| {
        values[[kept[i], cols[j]]]
    });
    for (j, name) in ov.iter().enumerate() {
        if !x.column(j).iter().any(|v| v.is_finite()) {
            return Err(SemError::Data(format!(
                "{in_group}variable '{name}' has no observed value"
            )));
        }
    }
    if kept.len() < 2 {
        return Err(SemError::Data(format!(
            "{in_group}fewer than two cases with an observed value"
        )));
    }
    let cl = cluster.map(|c| kept.iter().map(|&r| c[r]).collect());
    let gd = GroupData::new(x, cl);
    let h1 = h1::estimate_h1(&gd, 1e-11).ok_or_else(|| {
        SemError::Data(format!(
            "{in_group}the saturated (EM) covariance matrix of the model variables is not positive definite (a variable is constant, a linear combination of others, or two variables are never observed together)"
        ))
    })?;
    Ok((gd, h1, rows.len() - kept.len()))
}
