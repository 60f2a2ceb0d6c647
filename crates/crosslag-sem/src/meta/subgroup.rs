//! Subgroup analysis: splitting the studies by a study-level moderator (`SES > 50`, or one
//! group per value of a column). The χ²-difference test of equal regression paths fits the
//! stage-2 model to all subgroups at once with the paths shared
//! ([`super::stage2::Sharing::Paths`]) and compares it with the sum of the per-group χ².

use super::data::{ModValue, StudySet};
use super::MetaError;

/// A subgroup split: (name, keep mask) per group.
pub fn split(set: &StudySet, expr: &str) -> Result<Vec<(String, Vec<bool>)>, MetaError> {
    let e = expr.trim();
    let ops = [">=", "<=", "==", "!=", ">", "<", "="];
    let found = ops.iter().find_map(|op| e.find(op).map(|i| (i, *op)));
    let value_of = |s: &super::data::Study, col: &str| -> Result<ModValue, MetaError> {
        s.moderators.get(col).cloned().flatten().ok_or_else(|| {
            MetaError::new(format!("study {}: the moderator `{col}` is missing", s.id))
        })
    };
    match found {
        Some((i, op)) => {
            let col = e[..i].trim();
            let rhs = e[i + op.len()..]
                .trim()
                .trim_matches('"')
                .trim_matches('\'');
            if !set.moderator_names.iter().any(|m| m == col) {
                return Err(MetaError::new(format!(
                    "--subgroup: `{col}` is not a column of the studies file (columns: {})",
                    set.moderator_names.join(", ")
                )));
            }
            let num = rhs.parse::<f64>().ok();
            let mut keep = Vec::new();
            for s in &set.studies {
                let v = value_of(s, col)?;
                let t = match (num, v.number, op) {
                    (Some(b), Some(a), ">") => a > b,
                    (Some(b), Some(a), ">=") => a >= b,
                    (Some(b), Some(a), "<") => a < b,
                    (Some(b), Some(a), "<=") => a <= b,
                    (Some(b), Some(a), "==" | "=") => a == b,
                    (Some(b), Some(a), "!=") => a != b,
                    (_, _, "==" | "=") => v.text == rhs,
                    (_, _, "!=") => v.text != rhs,
                    _ => {
                        return Err(MetaError::new(format!(
                        "study {}: the moderator `{col}` = `{}` cannot be compared with {op} {rhs}",
                        s.id, v.text
                    )))
                    }
                };
                keep.push(t);
            }
            let not = keep.iter().map(|k| !k).collect();
            let neg = match op {
                ">" => "<=",
                ">=" => "<",
                "<" => ">=",
                "<=" => ">",
                "==" | "=" => "!=",
                _ => "==",
            };
            Ok(vec![
                (format!("{col} {op} {rhs}"), keep),
                (format!("{col} {neg} {rhs}"), not),
            ])
        }
        None => {
            let col = e;
            if !set.moderator_names.iter().any(|m| m == col) {
                return Err(MetaError::new(format!(
                    "--subgroup: `{col}` is not a column of the studies file (columns: {})",
                    set.moderator_names.join(", ")
                )));
            }
            let mut values: Vec<String> = Vec::new();
            let mut per = Vec::new();
            for s in &set.studies {
                let v = value_of(s, col)?.text;
                if !values.contains(&v) {
                    values.push(v.clone());
                }
                per.push(v);
            }
            Ok(values
                .iter()
                .map(|v| {
                    (
                        format!("{col} == {v}"),
                        per.iter().map(|x| x == v).collect(),
                    )
                })
                .collect())
        }
    }
}

/// The χ²-difference test of regression paths equal across subgroups: the model with the
/// paths shared ([`super::stage2::Sharing::Paths`]) against the subgroups fitted separately
/// (χ² and df summed over them); Δχ² = χ²_equal − Σχ²_g on Δdf = df_equal − Σdf_g, p from
/// χ²(Δdf) at max(Δχ², 0).
#[derive(Debug, Clone, PartialEq)]
pub struct PathEquality {
    pub free_chisq: f64,
    pub free_df: usize,
    pub chisq_diff: f64,
    pub df_diff: usize,
    pub p: f64,
}

impl PathEquality {
    /// `free`: (χ², df) of each subgroup's own fit; `equal`: (χ², df) of the shared-path fit.
    pub fn test(free: &[(f64, usize)], equal: (f64, usize)) -> PathEquality {
        let mut free_chisq = 0.0;
        let mut free_df = 0usize;
        for &(c, d) in free {
            free_chisq += c;
            free_df += d;
        }
        let chisq_diff = equal.0 - free_chisq;
        let df_diff = equal.1.saturating_sub(free_df);
        PathEquality {
            free_chisq,
            free_df,
            chisq_diff,
            df_diff,
            p: crate::stats::pchisq_upper(chisq_diff.max(0.0), df_diff as f64),
        }
    }
}
