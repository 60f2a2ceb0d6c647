//! Stata .dta files, read with the pure-Rust `dta` crate (all releases 102–119).
//!
//! Byte/int/long columns become integer columns, float/double columns float columns, str# and
//! strL columns text. Every Stata missing value (`.`, `.a` … `.z`) is missing. Value labels are
//! kept in [`ValueLabels`] (the data keep the numeric codes).

use crate::columns::ColData;
use crate::error::DataError;
use crate::labels::ValueLabels;
use crate::table::Table;
use dta::stata::dta::dta_reader::DtaReader;
use dta::stata::dta::long_string_ref::LongStringRef;
use dta::stata::dta::long_string_table::LongStringTable;
use dta::stata::dta::value::Value;
use dta::stata::dta::value_label_table::ValueLabelTable;
use dta::stata::dta::variable_type::VariableType;
use std::path::Path;

enum Builder {
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Str(Vec<Option<String>>),
    /// strL: references resolved after the long-string section has been read.
    Long(Vec<Option<LongStringRef>>),
}

pub(crate) fn read_dta(path: &Path, file: &str) -> Result<Table, DataError> {
    let bad = |e: dta::stata::dta::dta_error::DtaError| DataError::Unreadable {
        file: file.to_string(),
        format: "Stata",
        reason: e.to_string().lines().next().unwrap_or("").to_string(),
    };
    let mut characteristics = DtaReader::new()
        .from_path(path)
        .map_err(bad)?
        .read_header()
        .map_err(bad)?
        .read_schema()
        .map_err(bad)?;
    characteristics.skip_to_end().map_err(bad)?;
    let mut records = characteristics.into_record_reader().map_err(bad)?;
    let schema = records.schema().clone();
    let encoding = records.encoding();
    let mut builders: Vec<Builder> = schema
        .variables()
        .iter()
        .map(|v| match v.variable_type() {
            VariableType::Byte | VariableType::Int | VariableType::Long => Builder::Int(Vec::new()),
            VariableType::Float | VariableType::Double => Builder::Float(Vec::new()),
            VariableType::FixedString(_) => Builder::Str(Vec::new()),
            VariableType::LongString => Builder::Long(Vec::new()),
        })
        .collect();
    while let Some(record) = records.read_record().map_err(bad)? {
        for (b, value) in builders.iter_mut().zip(record.values()) {
            match (b, value) {
                (Builder::Int(v), Value::Byte(x)) => v.push(x.present().map(i64::from)),
                (Builder::Int(v), Value::Int(x)) => v.push(x.present().map(i64::from)),
                (Builder::Int(v), Value::Long(x)) => v.push(x.present().map(i64::from)),
                (Builder::Float(v), Value::Float(x)) => v.push(x.present().map(f64::from)),
                (Builder::Float(v), Value::Double(x)) => v.push(x.present()),
                (Builder::Str(v), Value::String(s)) => v.push(Some(s.to_string())),
                (Builder::Long(v), Value::LongStringRef(r)) => v.push(Some(*r)),
                (_, other) => {
                    return Err(DataError::Unreadable {
                        file: file.to_string(),
                        format: "Stata",
                        reason: format!(
                            "a value {other:?} does not match its column's declared type"
                        ),
                    })
                }
            }
        }
    }
    let mut long_strings = records.into_long_string_reader().map_err(bad)?;
    let mut table = LongStringTable::for_reading();
    long_strings.read_remaining_into(&mut table).map_err(bad)?;
    let mut value_label_reader = long_strings.into_value_label_reader().map_err(bad)?;
    let mut label_table = ValueLabelTable::new();
    value_label_reader
        .read_remaining_into(&mut label_table)
        .map_err(bad)?;

    let mut names = Vec::new();
    let mut cols = Vec::new();
    let mut labels = ValueLabels::new();
    for (var, b) in schema.variables().iter().zip(builders) {
        names.push(var.name().to_string());
        cols.push(match b {
            Builder::Int(v) => ColData::Int(v),
            Builder::Float(v) => ColData::Float(v),
            Builder::Str(v) => ColData::Str(v),
            Builder::Long(v) => ColData::Str(
                v.into_iter()
                    .map(|r| {
                        r.and_then(|r| table.get(&r))
                            .and_then(|s| s.data_str(encoding).map(|c| c.into_owned()))
                    })
                    .collect(),
            ),
        });
        if !var.value_label_name().is_empty() {
            if let Some(set) = label_table.get(var.value_label_name()) {
                for e in set.entries() {
                    labels.insert(var.name(), f64::from(e.value()), e.label());
                }
            }
        }
    }
    Ok(Table {
        file: file.to_string(),
        names,
        cols,
        labels,
        lines: None,
    })
}
