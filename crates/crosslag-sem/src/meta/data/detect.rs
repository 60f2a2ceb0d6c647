//! Which layout a studies file has (JSON, long CSV, wide CSV).

use super::csv::{find_col, parse_csv};
use super::set::StudySet;
use crate::meta::json;
use crate::meta::MetaError;

/// The first character of a JSON document.
const JSON_OPEN: char = '{';

impl StudySet {
    /// Detects the layout from the text: JSON (starts with `{`), long CSV (has var1/var2
    /// columns) or wide CSV.
    pub fn from_text(text: &str, variables: Option<&[String]>) -> Result<StudySet, MetaError> {
        let t = text.trim_start_matches('\u{feff}').trim_start();
        let set = if t.starts_with(JSON_OPEN) {
            let v = json::parse(t)
                .map_err(|e| MetaError::new(format!("the studies file is not valid JSON: {e}")))?;
            StudySet::from_json(&v)?
        } else {
            let header = parse_csv(t.lines().next().unwrap_or(""));
            let header = header.first().cloned().unwrap_or_default();
            if find_col(&header, "var1").is_some() && find_col(&header, "var2").is_some() {
                StudySet::from_long_csv(t, variables)?
            } else {
                StudySet::from_wide_csv(t)?
            }
        };
        match variables {
            Some(v) if v != set.variables.as_slice() => set.reorder(v),
            _ => Ok(set),
        }
    }
}
