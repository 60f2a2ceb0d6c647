//! The studies of a meta-analysis and what the analyses read from them (metaSEM's
//! effect sizes, counts, the weighted mean matrix).

use crate::meta::MetaError;
use serde::Serialize;
use std::collections::BTreeMap;

/// A study-level moderator value: its text and, when it reads as a number, the number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModValue {
    pub text: String,
    pub number: Option<f64>,
}

/// One study.
#[derive(Debug, Clone, Serialize)]
pub struct Study {
    /// The study's id as written.
    pub id: String,
    pub n: f64,
    /// The raw p × p matrix as reported (`None` = missing; the diagonal marks presence).
    pub raw: Vec<Vec<Option<f64>>>,
    /// Variable present (diagonal not missing).
    pub present: Vec<bool>,
    /// Moderator values by column name (`None` = missing).
    pub moderators: BTreeMap<String, Option<ModValue>>,
}

/// A set of studies over common variables.
#[derive(Debug, Clone, Serialize)]
pub struct StudySet {
    pub variables: Vec<String>,
    pub studies: Vec<Study>,
    /// Moderator columns in file order.
    pub moderator_names: Vec<String>,
}

/// Number of correlations among p variables.
pub fn n_pairs(p: usize) -> usize {
    p * (p - 1) / 2
}

/// The vechs order of metaSEM: column-major lower triangle, (2,1), (3,1), ..., (p,1), (3,2), ...
/// Each entry is (row, col) with row > col.
pub fn vechs_pairs(p: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for j in 0..p {
        for i in j + 1..p {
            out.push((i, j));
        }
    }
    out
}

impl StudySet {
    /// The same studies over the given variables (a subset, in the given order).
    pub fn reorder(&self, variables: &[String]) -> Result<StudySet, MetaError> {
        let idx: Vec<usize> = variables
            .iter()
            .map(|v| {
                self.variables.iter().position(|x| x == v).ok_or_else(|| {
                    MetaError::new(format!("the variable `{v}` is not in the studies file"))
                })
            })
            .collect::<Result<_, _>>()?;
        let studies = self
            .studies
            .iter()
            .map(|s| Study {
                id: s.id.clone(),
                n: s.n,
                raw: idx
                    .iter()
                    .map(|&i| idx.iter().map(|&j| s.raw[i][j]).collect())
                    .collect(),
                present: idx.iter().map(|&i| s.present[i]).collect(),
                moderators: s.moderators.clone(),
            })
            .collect();
        Ok(StudySet {
            variables: variables.to_vec(),
            studies,
            moderator_names: self.moderator_names.clone(),
        })
    }

    pub fn p(&self) -> usize {
        self.variables.len()
    }

    /// Labels of the correlations in vechs order (`first_second` in variable order).
    pub fn pair_labels(&self) -> Vec<String> {
        vechs_pairs(self.p())
            .iter()
            .map(|&(i, j)| format!("{}_{}", self.variables[j], self.variables[i]))
            .collect()
    }

    /// The correlations of study `s` as metaSEM uses them (vechs order; `None` = missing or
    /// dropped by the missing-diagonal rule).
    pub fn effect_sizes(&self, s: usize) -> Vec<Option<f64>> {
        let st = &self.studies[s];
        vechs_pairs(self.p())
            .iter()
            .map(|&(i, j)| {
                if st.present[i] && st.present[j] {
                    st.raw[i][j]
                } else {
                    None
                }
            })
            .collect()
    }

    /// Per correlation: number of studies that report it (usable) and the total N of those.
    pub fn counts(&self) -> Vec<(usize, f64)> {
        let q = n_pairs(self.p());
        let mut out = vec![(0usize, 0.0f64); q];
        for s in 0..self.studies.len() {
            for (k, e) in self.effect_sizes(s).iter().enumerate() {
                if e.is_some() {
                    out[k].0 += 1;
                    out[k].1 += self.studies[s].n;
                }
            }
        }
        out
    }

    /// Off-diagonal values reported but dropped because a diagonal is missing.
    pub fn dropped_values(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for st in &self.studies {
            for &(i, j) in &vechs_pairs(self.p()) {
                if st.raw[i][j].is_some() && !(st.present[i] && st.present[j]) {
                    out.push((
                        st.id.clone(),
                        self.variables[j].clone(),
                        self.variables[i].clone(),
                    ));
                }
            }
        }
        out
    }

    /// metaSEM's weighted mean matrix: elementwise sum n_i r_i / sum n_i over the studies
    /// whose raw matrix has the entry (dropped off-diagonal values included). Unit diagonal.
    pub fn rbar_weighted(&self) -> Vec<Vec<f64>> {
        let p = self.p();
        let mut m = vec![vec![0.0; p]; p];
        for i in 0..p {
            m[i][i] = 1.0;
            for j in 0..i {
                let (mut num, mut den) = (0.0, 0.0);
                for st in &self.studies {
                    if let Some(r) = st.raw[i][j] {
                        num += st.n * r;
                        den += st.n;
                    }
                }
                let v = if den > 0.0 { num / den } else { 0.0 };
                m[i][j] = v;
                m[j][i] = v;
            }
        }
        m
    }

    pub fn total_n(&self) -> f64 {
        self.studies.iter().map(|s| s.n).sum()
    }

    /// Studies whose moderator `name` is missing or not numeric: an error naming the first.
    pub fn numeric_moderator(&self, name: &str) -> Result<Vec<f64>, MetaError> {
        if !self.moderator_names.iter().any(|m| m == name) {
            return Err(MetaError::new(format!(
                "the moderator `{name}` is not a column of the studies file (columns: {})",
                self.moderator_names.join(", ")
            )));
        }
        self.studies
            .iter()
            .map(|s| match s.moderators.get(name).cloned().flatten() {
                Some(ModValue {
                    number: Some(x), ..
                }) if x.is_finite() => Ok(x),
                Some(v) => Err(MetaError::new(format!(
                    "study {}: the moderator `{name}` = `{}` is not a number",
                    s.id, v.text
                ))),
                None => Err(MetaError::new(format!(
                    "study {}: the moderator `{name}` is missing",
                    s.id
                ))),
            })
            .collect()
    }

    /// The studies for which `keep` is true (in order).
    pub fn subset(&self, keep: &[bool]) -> StudySet {
        StudySet {
            variables: self.variables.clone(),
            studies: self
                .studies
                .iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(s, _)| s.clone())
                .collect(),
            moderator_names: self.moderator_names.clone(),
        }
    }
}
