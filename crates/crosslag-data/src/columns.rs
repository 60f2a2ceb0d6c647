//! The three column kinds the crate works with internally, and conversion from and to polars.
//!
//! Every reader normalises its columns to one of: 64-bit integers, 64-bit floats, or text,
//! each with nulls for missing values. Text columns whose every present value is a number are
//! turned into numeric columns (CSV files are read as text first, so this is how CSV numbers
//! become numbers).

use crate::error::DataError;
use polars::prelude::*;

/// One column's values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ColData {
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Str(Vec<Option<String>>),
}

impl ColData {
    pub(crate) fn len(&self) -> usize {
        match self {
            ColData::Int(v) => v.len(),
            ColData::Float(v) => v.len(),
            ColData::Str(v) => v.len(),
        }
    }

    pub(crate) fn is_numeric(&self) -> bool {
        !matches!(self, ColData::Str(_))
    }

    /// The value of row `i` as a grouping key (None = missing): integers and integral floats
    /// print without ".0", text as it is.
    pub(crate) fn key(&self, i: usize) -> Option<Key> {
        match self {
            ColData::Int(v) => v[i].map(Key::Int),
            ColData::Float(v) => v[i].filter(|x| !x.is_nan()).map(Key::from_f64),
            ColData::Str(v) => v[i].clone().map(Key::Text),
        }
    }

    /// A column of `n` nulls of the same kind.
    pub(crate) fn nulls_like(&self, n: usize) -> ColData {
        match self {
            ColData::Int(_) => ColData::Int(vec![None; n]),
            ColData::Float(_) => ColData::Float(vec![None; n]),
            ColData::Str(_) => ColData::Str(vec![None; n]),
        }
    }

    /// Copy row `from` of `self` into row `to` of `target` (same kind).
    pub(crate) fn copy_into(&self, from: usize, target: &mut ColData, to: usize) {
        match (self, target) {
            (ColData::Int(s), ColData::Int(t)) => t[to] = s[from],
            (ColData::Float(s), ColData::Float(t)) => t[to] = s[from],
            (ColData::Str(s), ColData::Str(t)) => t[to].clone_from(&s[from]),
            _ => unreachable!("copy_into between columns of different kinds"),
        }
    }

    /// Rows `idx` of this column.
    pub(crate) fn take(&self, idx: &[usize]) -> ColData {
        match self {
            ColData::Int(v) => ColData::Int(idx.iter().map(|&i| v[i]).collect()),
            ColData::Float(v) => ColData::Float(idx.iter().map(|&i| v[i]).collect()),
            ColData::Str(v) => ColData::Str(idx.iter().map(|&i| v[i].clone()).collect()),
        }
    }
}

/// A grouping key: a column value that identifies a group, cluster, id or wave.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Key {
    Int(i64),
    /// A non-integral float, by its bits (NaN never gets here).
    Float(u64),
    Text(String),
}

impl Key {
    pub(crate) fn from_f64(x: f64) -> Key {
        if x.fract() == 0.0 && x.abs() < 9.0e15 {
            Key::Int(x as i64)
        } else {
            // normalise -0.0 to 0.0 is not needed: -0.0 has fract 0 and is caught above
            Key::Float(x.to_bits())
        }
    }

    /// The key as a number, if it is one.
    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Key::Int(i) => Some(*i as f64),
            Key::Float(b) => Some(f64::from_bits(*b)),
            Key::Text(s) => parse_number(s),
        }
    }

    /// How the key is printed: integers without ".0", other numbers in the shortest form that
    /// reads back exactly, text as it is.
    pub(crate) fn label(&self) -> String {
        match self {
            Key::Int(i) => i.to_string(),
            Key::Float(b) => format_number(f64::from_bits(*b)),
            Key::Text(s) => s.clone(),
        }
    }
}

/// Print a number: integral values without ".0", others in Rust's shortest round-trip form.
pub fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Parse a text value as a finite number (surrounding blanks allowed). "NaN" parses as NaN
/// (NumPy writes missing values so); infinities and anything else are not numbers.
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    if lower.contains("inf") {
        return None;
    }
    t.parse::<f64>().ok()
}

fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    t.parse::<i64>().ok()
}

/// Turn a polars column into one of the three kinds.
pub(crate) fn from_column(col: &Column, file: &str) -> Result<ColData, DataError> {
    let unsupported = || DataError::UnsupportedColumnType {
        file: file.to_string(),
        column: col.name().to_string(),
        dtype: format!("{}", col.dtype()),
    };
    let dtype = col.dtype().clone();
    match dtype {
        DataType::Int64 => Ok(ColData::Int(
            col.i64().map_err(|_| unsupported())?.iter().collect(),
        )),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::Boolean => {
            let c = col.cast(&DataType::Int64).map_err(|_| unsupported())?;
            Ok(ColData::Int(
                c.i64().map_err(|_| unsupported())?.iter().collect(),
            ))
        }
        DataType::Float64 => Ok(ColData::Float(
            col.f64()
                .map_err(|_| unsupported())?
                .iter()
                .map(|v| v.filter(|x| !x.is_nan()))
                .collect(),
        )),
        DataType::Float32 | DataType::UInt64 => {
            let c = col.cast(&DataType::Float64).map_err(|_| unsupported())?;
            Ok(ColData::Float(
                c.f64()
                    .map_err(|_| unsupported())?
                    .iter()
                    .map(|v| v.filter(|x| !x.is_nan()))
                    .collect(),
            ))
        }
        DataType::Null => Ok(ColData::Float(vec![None; col.len()])),
        DataType::String => Ok(ColData::Str(
            col.str()
                .map_err(|_| unsupported())?
                .iter()
                .map(|v| v.map(str::to_string))
                .collect(),
        )),
        _ => {
            // Dates, times, decimals, binary...: use their text form if polars has one.
            let c = col.cast(&DataType::String).map_err(|_| unsupported())?;
            Ok(ColData::Str(
                c.str()
                    .map_err(|_| unsupported())?
                    .iter()
                    .map(|v| v.map(str::to_string))
                    .collect(),
            ))
        }
    }
}

/// Build a polars column.
pub(crate) fn to_column(name: &str, data: ColData) -> Column {
    match data {
        ColData::Int(v) => Column::new(name.into(), v),
        ColData::Float(v) => Column::new(name.into(), v),
        ColData::Str(v) => Column::new(name.into(), v),
    }
}

/// Apply the missing-value conventions and numeric conversion to one column.
///
/// * text: "NA", empty/blank, "NaN" and every code in `codes` become missing; then, if every
///   remaining value is an integer, the column becomes an integer column, else if every value is
///   a number, a float column; otherwise it stays text.
/// * numbers: every value equal to a numeric code becomes missing.
pub(crate) fn normalise(data: ColData, codes: &MissingCodes) -> ColData {
    match data {
        ColData::Str(v) => {
            let v: Vec<Option<String>> = v
                .into_iter()
                .map(|o| o.filter(|s| !codes.is_missing_text(s)))
                .collect();
            if v.iter().flatten().all(|s| parse_int(s).is_some()) {
                return ColData::Int(v.iter().map(|o| o.as_deref().and_then(parse_int)).collect());
            }
            if v.iter().flatten().all(|s| parse_number(s).is_some()) {
                return ColData::Float(
                    v.iter()
                        .map(|o| o.as_deref().and_then(parse_number).filter(|x| !x.is_nan()))
                        .collect(),
                );
            }
            ColData::Str(v)
        }
        ColData::Int(v) => ColData::Int(
            v.into_iter()
                .map(|o| o.filter(|&x| !codes.is_missing_number(x as f64)))
                .collect(),
        ),
        ColData::Float(v) => ColData::Float(
            v.into_iter()
                .map(|o| o.filter(|&x| !x.is_nan() && !codes.is_missing_number(x)))
                .collect(),
        ),
    }
}

/// The missing-value codes in force: the fixed text codes plus the user's.
#[derive(Debug, Clone, Default)]
pub(crate) struct MissingCodes {
    text: Vec<String>,
    numbers: Vec<f64>,
}

impl MissingCodes {
    pub(crate) fn new(user: &[String]) -> MissingCodes {
        let mut text = vec!["NA".to_string()];
        let mut numbers = Vec::new();
        for c in user {
            let t = c.trim();
            if t.is_empty() {
                continue;
            }
            text.push(t.to_string());
            if let Some(x) = parse_number(t) {
                if !x.is_nan() {
                    numbers.push(x);
                }
            }
        }
        MissingCodes { text, numbers }
    }

    pub(crate) fn is_missing_text(&self, s: &str) -> bool {
        let t = s.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("nan") {
            return true;
        }
        if self.text.iter().any(|c| c == t) {
            return true;
        }
        match parse_number(t) {
            Some(x) => self.is_missing_number(x),
            None => false,
        }
    }

    pub(crate) fn is_missing_number(&self, x: f64) -> bool {
        self.numbers.contains(&x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_columns_become_numbers_when_they_can() {
        let codes = MissingCodes::new(&["-99".to_string()]);
        let c = normalise(
            ColData::Str(vec![
                Some("1".into()),
                Some(" 2 ".into()),
                Some("NA".into()),
                None,
            ]),
            &codes,
        );
        assert_eq!(c, ColData::Int(vec![Some(1), Some(2), None, None]));
        let c = normalise(
            ColData::Str(vec![
                Some("1.5".into()),
                Some("-99.0".into()),
                Some("2".into()),
            ]),
            &codes,
        );
        assert_eq!(c, ColData::Float(vec![Some(1.5), None, Some(2.0)]));
        let c = normalise(
            ColData::Str(vec![Some("1.5".into()), Some("x".into())]),
            &codes,
        );
        assert!(matches!(c, ColData::Str(_)));
        let c = normalise(ColData::Str(vec![Some("inf".into())]), &codes);
        assert!(matches!(c, ColData::Str(_)));
    }

    #[test]
    fn numeric_codes_apply_to_numeric_columns() {
        let codes = MissingCodes::new(&["-99".to_string(), "-999".to_string()]);
        let c = normalise(ColData::Int(vec![Some(-99), Some(3), Some(-999)]), &codes);
        assert_eq!(c, ColData::Int(vec![None, Some(3), None]));
        let c = normalise(
            ColData::Float(vec![Some(-99.0), Some(f64::NAN), Some(0.5)]),
            &codes,
        );
        assert_eq!(c, ColData::Float(vec![None, None, Some(0.5)]));
    }

    #[test]
    fn labels_print_integers_without_decimal_point() {
        assert_eq!(Key::from_f64(1.0).label(), "1");
        assert_eq!(Key::from_f64(2.5).label(), "2.5");
        assert_eq!(Key::Int(-3).label(), "-3");
        assert_eq!(Key::Text("Grant-White".into()).label(), "Grant-White");
        assert_eq!(format_number(0.1), "0.1");
    }
}
