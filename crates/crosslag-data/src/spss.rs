//! SPSS .sav/.zsav files, read with the pure-Rust `ambers` crate (feature `spss`).
//!
//! Numeric variables become float columns, string variables text; dates, times and durations
//! become their text form. System-missing values and the file's user-missing values (discrete
//! values and ranges) are missing. Value labels are kept in [`ValueLabels`].

use crate::columns::ColData;
use crate::error::DataError;
use crate::labels::ValueLabels;
use crate::table::Table;
use ambers::{MissingSpec, Value};
use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float64Type};
use std::path::Path;

pub(crate) fn read_sav(path: &Path, file: &str) -> Result<Table, DataError> {
    let bad = |reason: String| DataError::Unreadable {
        file: file.to_string(),
        format: "SPSS",
        reason: reason.lines().next().unwrap_or("").to_string(),
    };
    let f = std::fs::File::open(path).map_err(|e| DataError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let (batch, meta) =
        ambers::read_sav_from_reader(std::io::BufReader::new(f)).map_err(|e| bad(e.to_string()))?;
    let schema = batch.schema();
    let mut names = Vec::with_capacity(batch.num_columns());
    let mut cols = Vec::with_capacity(batch.num_columns());
    let mut labels = ValueLabels::new();
    for (field, array) in schema.fields().iter().zip(batch.columns()) {
        let name = field.name().to_string();
        let specs: &[MissingSpec] = meta
            .variable_missing_values
            .get(&name)
            .map_or(&[], Vec::as_slice);
        let user_missing_num = |x: f64| {
            specs.iter().any(|s| match s {
                MissingSpec::Value(v) => *v == x,
                MissingSpec::Range { lo, hi } => *lo <= x && x <= *hi,
                MissingSpec::StringValue(_) => false,
            })
        };
        let user_missing_str = |x: &str| {
            specs.iter().any(|s| match s {
                MissingSpec::StringValue(v) => v.trim_end() == x.trim_end(),
                _ => false,
            })
        };
        let data = match array.data_type() {
            DataType::Float64 => {
                let a = array.as_primitive::<Float64Type>();
                ColData::Float(
                    (0..a.len())
                        .map(|i| {
                            (a.is_valid(i))
                                .then(|| a.value(i))
                                .filter(|x| !x.is_nan() && !user_missing_num(*x))
                        })
                        .collect(),
                )
            }
            DataType::Utf8View => {
                let a = array.as_string_view();
                ColData::Str(
                    (0..a.len())
                        .map(|i| {
                            (a.is_valid(i))
                                .then(|| a.value(i).trim_end().to_string())
                                .filter(|s| !user_missing_str(s))
                        })
                        .collect(),
                )
            }
            DataType::Utf8 => {
                let a = array.as_string::<i32>();
                ColData::Str(
                    (0..a.len())
                        .map(|i| {
                            (a.is_valid(i))
                                .then(|| a.value(i).trim_end().to_string())
                                .filter(|s| !user_missing_str(s))
                        })
                        .collect(),
                )
            }
            _ => {
                let fmt = arrow::util::display::ArrayFormatter::try_new(
                    array.as_ref(),
                    &arrow::util::display::FormatOptions::default(),
                )
                .map_err(|e| bad(e.to_string()))?;
                ColData::Str(
                    (0..array.len())
                        .map(|i| array.is_valid(i).then(|| fmt.value(i).to_string()))
                        .collect(),
                )
            }
        };
        if let Some(vl) = meta.variable_value_labels.get(&name) {
            for (value, label) in vl {
                if let Value::Numeric(x) = value {
                    labels.insert(&name, *x, label);
                }
            }
        }
        names.push(name);
        cols.push(data);
    }
    Ok(Table {
        file: file.to_string(),
        names,
        cols,
        labels,
        lines: None,
    })
}
