//! What a meta-analysis needs of the studies; an error names the study at fault.

use super::set::{Study, StudySet};
use crate::meta::mat::{cholesky, Mat};
use crate::meta::MetaError;

impl StudySet {
    /// Checks what a meta-analysis needs; the error names the study.
    pub fn validate(&self) -> Result<(), MetaError> {
        let p = self.p();
        if p < 2 {
            return Err(MetaError::new("the studies have fewer than two variables"));
        }
        if self.studies.is_empty() {
            return Err(MetaError::new("there are no studies"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for st in &self.studies {
            let id = &st.id;
            if !seen.insert(id.clone()) {
                return Err(MetaError::new(format!("study {id} appears twice")));
            }
            self.check_study(st)?;
        }
        Ok(())
    }

    /// One study: n > 3, correlations in [−1, 1], at least two present variables, and a
    /// positive definite matrix of the present variables whose correlations are all given.
    fn check_study(&self, st: &Study) -> Result<(), MetaError> {
        let p = self.p();
        let id = &st.id;
        if !st.n.is_finite() || st.n <= 3.0 {
            return Err(MetaError::new(format!(
                "study {id}: n = {} (a study needs n > 3)",
                st.n
            )));
        }
        for i in 0..p {
            for j in 0..p {
                if let Some(r) = st.raw[i][j] {
                    if !r.is_finite() || r.abs() > 1.0 {
                        return Err(MetaError::new(format!(
                            "study {id}: the correlation {}–{} = {r} is outside [-1, 1]",
                            self.variables[i.min(j)],
                            self.variables[i.max(j)]
                        )));
                    }
                }
            }
        }
        let pres: Vec<usize> = (0..p).filter(|&j| st.present[j]).collect();
        if pres.len() < 2 {
            let which = pres
                .first()
                .map(|&j| format!("only {} is present", self.variables[j]))
                .unwrap_or_else(|| "no variable is present".to_string());
            return Err(MetaError::new(format!(
                "study {id}: {which}; a study needs at least two variables (a variable is absent when its diagonal is missing)"
            )));
        }
        // positive definiteness of the complete part among present variables
        let complete: Vec<usize> = pres
            .iter()
            .copied()
            .filter(|&a| pres.iter().all(|&b| st.raw[a][b].is_some()))
            .collect();
        if complete.len() >= 2 {
            let m = Mat::from_rows(
                &complete
                    .iter()
                    .map(|&a| {
                        complete
                            .iter()
                            .map(|&b| st.raw[a][b].unwrap_or(0.0))
                            .collect()
                    })
                    .collect::<Vec<_>>(),
            );
            if cholesky(&m).is_none() {
                return Err(MetaError::new(format!(
                    "study {id}: the correlation matrix of {} is not positive definite",
                    complete
                        .iter()
                        .map(|&j| self.variables[j].as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        Ok(())
    }
}
