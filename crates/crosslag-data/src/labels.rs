//! Value labels (Stata and SPSS): names for the codes of a numeric column, e.g. 1 = "boy".

use std::collections::BTreeMap;

/// Value labels per column, as stored in a Stata or SPSS file.
///
/// The data frame keeps the numeric codes (so a labelled item can still be a model variable);
/// [`crate::select_with_labels`] and [`crate::describe_with_labels`] use these labels to name
/// groups. After a long→wide reshape the labels of column `v` apply to every `v_<wave>`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ValueLabels {
    columns: BTreeMap<String, Vec<(f64, String)>>,
}

impl ValueLabels {
    /// No labels.
    pub fn new() -> ValueLabels {
        ValueLabels::default()
    }

    /// Add (or replace) the label of `value` in `column`.
    pub fn insert(&mut self, column: &str, value: f64, label: &str) {
        let entries = self.columns.entry(column.to_string()).or_default();
        match entries.iter_mut().find(|(v, _)| *v == value) {
            Some(e) => e.1 = label.to_string(),
            None => entries.push((value, label.to_string())),
        }
    }

    /// The label of `value` in `column`, if there is one.
    pub fn get(&self, column: &str, value: f64) -> Option<&str> {
        self.columns
            .get(column)?
            .iter()
            .find(|(v, _)| *v == value)
            .map(|(_, l)| l.as_str())
    }

    /// All labels of a column, in the order they were stored.
    pub fn column(&self, column: &str) -> Option<&[(f64, String)]> {
        self.columns.get(column).map(Vec::as_slice)
    }

    /// Columns that have labels.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.columns.keys().map(String::as_str)
    }

    /// True when no column has labels.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Give column `to` the labels of column `from` (used by the long→wide reshape).
    pub(crate) fn copy_column(&mut self, from: &str, to: &str) {
        if let Some(entries) = self.columns.get(from).cloned() {
            self.columns.insert(to.to_string(), entries);
        }
    }

    /// Drop a column's labels.
    pub(crate) fn remove_column(&mut self, column: &str) {
        self.columns.remove(column);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_copy() {
        let mut l = ValueLabels::new();
        assert!(l.is_empty());
        l.insert("sex", 1.0, "boy");
        l.insert("sex", 0.0, "girl");
        l.insert("sex", 1.0, "male");
        assert_eq!(l.get("sex", 1.0), Some("male"));
        assert_eq!(l.get("sex", 2.0), None);
        assert_eq!(l.get("age", 1.0), None);
        l.copy_column("sex", "sex_1");
        assert_eq!(l.get("sex_1", 0.0), Some("girl"));
        l.remove_column("sex");
        assert_eq!(l.columns().collect::<Vec<_>>(), vec!["sex_1"]);
    }
}
