//! The JSON layout of `shared/realdata`: `{"variables": [...], "studies": [{"study": ..,
//! "n": .., "cor": [[..]], <moderators>}]}`, `null` = missing.

use super::csv::mod_value;
use super::set::{ModValue, Study, StudySet};
use crate::meta::json::Json;
use crate::meta::MetaError;
use std::collections::BTreeMap;

/// The p × p matrix `cor` of a study, completed symmetrically from either triangle.
fn correlation_matrix(id: &str, s: &Json, p: usize) -> Result<Vec<Vec<Option<f64>>>, MetaError> {
    let cor = s
        .get("cor")
        .and_then(|v| v.as_array())
        .filter(|rows| rows.len() == p)
        .ok_or_else(|| MetaError::new(format!("study {id}: `cor` must be a {p}×{p} matrix")))?;
    let mut raw = vec![vec![None; p]; p];
    for (i, row) in cor.iter().enumerate() {
        let row = row
            .as_array()
            .filter(|r| r.len() == p)
            .ok_or_else(|| MetaError::new(format!("study {id}: `cor` must be a {p}×{p} matrix")))?;
        for (j, v) in row.iter().enumerate() {
            raw[i][j] = match v {
                Json::Null => None,
                v => Some(v.as_f64().ok_or_else(|| {
                    MetaError::new(format!(
                        "study {id}: cor[{}][{}] is not a number",
                        i + 1,
                        j + 1
                    ))
                })?),
            };
        }
    }
    // symmetric completion from either triangle
    for i in 0..p {
        for j in 0..i {
            if raw[i][j].is_none() {
                raw[i][j] = raw[j][i];
            }
            raw[j][i] = raw[i][j];
        }
    }
    Ok(raw)
}

/// The moderators of a study: every key but `study`, `n`, `cor` and `label` (numbers, strings,
/// booleans as 1/0, `null` = missing); new names are added to `mod_names` in order.
fn moderators(s: &Json, mod_names: &mut Vec<String>) -> BTreeMap<String, Option<ModValue>> {
    let mut moderators = BTreeMap::new();
    if let Json::Object(obj) = s {
        for (key, v) in obj {
            if matches!(key.as_str(), "study" | "n" | "cor" | "label") {
                continue;
            }
            if !mod_names.contains(key) {
                mod_names.push(key.clone());
            }
            let mv = match v {
                Json::Null => None,
                Json::Number(x, t) => Some(ModValue {
                    text: t.clone(),
                    number: Some(*x),
                }),
                Json::String(t) => mod_value(t),
                Json::Bool(b) => Some(ModValue {
                    text: b.to_string(),
                    number: Some(if *b { 1.0 } else { 0.0 }),
                }),
                _ => continue,
            };
            moderators.insert(key.clone(), mv);
        }
    }
    moderators
}

impl StudySet {
    /// Reads the JSON layout of `shared/realdata` (`variables`, `studies[].cor`).
    pub fn from_json(value: &Json) -> Result<StudySet, MetaError> {
        let vars: Vec<String> = value
            .get("variables")
            .and_then(|v| v.as_array())
            .ok_or_else(|| MetaError::new("the JSON studies file needs `variables`"))?
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| MetaError::new("`variables` must be names"))?;
        let p = vars.len();
        let list = value
            .get("studies")
            .and_then(|v| v.as_array())
            .ok_or_else(|| MetaError::new("the JSON studies file needs `studies`"))?;
        let mut studies = Vec::new();
        let mut mod_names: Vec<String> = Vec::new();
        for (k, s) in list.iter().enumerate() {
            let id = match s.get("study") {
                Some(Json::String(t)) => t.clone(),
                Some(Json::Number(_, t)) => t.clone(),
                _ => (k + 1).to_string(),
            };
            let n = s
                .get("n")
                .and_then(|v| v.as_f64())
                .ok_or_else(|| MetaError::new(format!("study {id}: no sample size `n`")))?;
            let raw = correlation_matrix(&id, s, p)?;
            let present = (0..p).map(|j| raw[j][j].is_some()).collect();
            let moderators = moderators(s, &mut mod_names);
            studies.push(Study {
                id,
                n,
                raw,
                present,
                moderators,
            });
        }
        for s in &mut studies {
            for m in &mod_names {
                s.moderators.entry(m.clone()).or_insert(None);
            }
        }
        Ok(StudySet {
            variables: vars,
            studies,
            moderator_names: mod_names,
        })
    }
}
