//! The data of one file in the crate's internal form, and the small helpers every reader and
//! checker shares. Low in the module graph: it uses only `columns`, `labels` and `error`, so the
//! readers (`read`, `stata`, `spss`, `matrix`) and `reshape`, `select`, `describe` can all use it
//! without a loop (checked by `tools/check_module_cycles.py`).

use crate::columns::{from_column, to_column, ColData};
use crate::error::DataError;
use crate::labels::ValueLabels;
use polars::prelude::*;
use std::path::Path;

/// The columns that identify a row of long-format data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongSpec {
    /// The case identifier column.
    pub id: String,
    /// The wave (time point) column.
    pub wave: String,
}

/// The data of one file in the crate's internal form.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub file: String,
    pub names: Vec<String>,
    pub cols: Vec<ColData>,
    pub labels: ValueLabels,
    /// For CSV files: the line of the file where each row starts (header = line 1).
    pub lines: Option<Vec<usize>>,
}

impl Table {
    /// "line 7" (CSV) or "row 6" for 0-based row `i`.
    pub(crate) fn place(&self, i: usize) -> String {
        match self.lines.as_ref().and_then(|l| l.get(i)) {
            Some(line) => format!("line {line}"),
            None => format!("row {}", i + 1),
        }
    }

    pub(crate) fn height(&self) -> usize {
        self.cols.first().map_or(0, ColData::len)
    }

    pub(crate) fn from_frame(file: &str, df: &DataFrame) -> Result<Table, DataError> {
        let mut names = Vec::with_capacity(df.width());
        let mut cols = Vec::with_capacity(df.width());
        for c in df.columns() {
            names.push(c.name().to_string());
            cols.push(from_column(c, file)?);
        }
        Ok(Table {
            file: file.to_string(),
            names,
            cols,
            labels: ValueLabels::new(),
            lines: None,
        })
    }

    pub(crate) fn into_frame(self) -> Result<DataFrame, DataError> {
        let height = self.height();
        let file = self.file.clone();
        let columns: Vec<Column> = self
            .names
            .iter()
            .zip(self.cols)
            .map(|(n, c)| to_column(n, c))
            .collect();
        DataFrame::new(height, columns).map_err(|e| DataError::Unreadable {
            file,
            format: "data",
            reason: first_line(&e),
        })
    }
}

/// The file name of a path, for messages.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// First line of a polars error message (they can run over several lines).
pub(crate) fn first_line(e: &PolarsError) -> String {
    let s = e.to_string();
    s.lines().next().unwrap_or("").trim().to_string()
}

/// The column names of a data frame, in order.
pub fn column_names(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .into_iter()
        .map(|n| n.to_string())
        .collect()
}
