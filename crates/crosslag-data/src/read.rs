//! Reading data files: CSV, Parquet, Stata .dta and (feature `spss`) SPSS .sav.

use crate::columns::{normalise, parse_number, ColData, MissingCodes};
use crate::error::DataError;
use crate::labels::ValueLabels;
use crate::reshape::long_to_wide;
use crate::table::{file_name, first_line, LongSpec, Table};
use polars::prelude::*;
use std::path::Path;

/// How to read a data file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Extra codes that mean "missing", e.g. `-99`. A code that is a number also matches the
    /// same number written differently ("-99.0") and numeric cells of Parquet/Stata/SPSS files.
    pub missing_codes: Vec<String>,
    /// Reshape long data (one row per id and wave) to wide (one row per id).
    pub long: Option<LongSpec>,
}

/// Read a data file into a data frame (see [`read_frame_with_labels`]).
pub fn read_frame(path: &Path, opts: &ReadOptions) -> Result<DataFrame, DataError> {
    read_frame_with_labels(path, opts).map(|(df, _)| df)
}

/// Read a data file, keeping Stata/SPSS value labels.
///
/// The format follows the extension (case-insensitive): `.csv`; `.parquet` or `.pq`; `.dta`
/// (Stata, all releases 102–119); `.sav`/`.zsav` (SPSS, only with the `spss` feature).
///
/// Missing values: CSV cells that are empty, `NA` or `NaN`; Stata missing values (`.`, `.a`…`.z`);
/// SPSS system-missing and user-missing values; Parquet nulls and NaN; and in every format each of
/// `opts.missing_codes`. Text columns whose present values are all numbers become numeric
/// (integers where every value is an integer). Then, with `opts.long`, long data are reshaped to
/// wide (see [`crate::reshape`]).
pub fn read_frame_with_labels(
    path: &Path,
    opts: &ReadOptions,
) -> Result<(DataFrame, ValueLabels), DataError> {
    let table = read_table(path, opts)?;
    let labels = table.labels.clone();
    Ok((table.into_frame()?, labels))
}

pub(crate) fn read_table(path: &Path, opts: &ReadOptions) -> Result<Table, DataError> {
    let file = file_name(path);
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(DataError::NotFound {
                path: path.display().to_string(),
            })
        }
        Err(e) => {
            return Err(DataError::Io {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
        }
        Ok(m) if m.is_dir() => {
            return Err(DataError::Io {
                path: path.display().to_string(),
                reason: "it is a directory, not a data file".into(),
            })
        }
        Ok(_) => {}
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let mut table = match ext.as_str() {
        "csv" => read_csv(path, &file)?,
        "parquet" | "pq" => read_parquet(path, &file)?,
        "dta" => {
            crate::guard::catch(|| crate::stata::read_dta(path, &file)).unwrap_or_else(|panic| {
                Err(DataError::Unreadable {
                    file: file.clone(),
                    format: "Stata",
                    reason: format!("damaged file ({panic})"),
                })
            })?
        }
        "sav" | "zsav" => read_sav(path, &file)?,
        _ => {
            return Err(DataError::UnsupportedExtension {
                file,
                extension: if ext.is_empty() {
                    "(none)".into()
                } else {
                    format!(".{ext}")
                },
            })
        }
    };
    check_distinct_names(&table)?;
    let codes = MissingCodes::new(&opts.missing_codes);
    let raw = std::mem::take(&mut table.cols);
    let mut cols = Vec::with_capacity(raw.len());
    for (k, c) in raw.into_iter().enumerate() {
        let overflow = first_overflow(&c, &codes);
        let c = normalise(c, &codes);
        if let (Some((i, value)), true) = (overflow, c.is_numeric()) {
            return Err(DataError::Overflow {
                file,
                place: table.place(i),
                column: table.names[k].clone(),
                value,
            });
        }
        cols.push(c);
    }
    table.cols = cols;
    if table.height() == 0 {
        return Err(DataError::NoRows { file });
    }
    if let Some(spec) = &opts.long {
        table = long_to_wide(table, spec)?;
    }
    Ok(table)
}

/// The first value of a column that is a number too large for a 64-bit float (text such as
/// `1e309`, which parses to infinity, or an infinite float): its row and its text.
fn first_overflow(col: &ColData, codes: &MissingCodes) -> Option<(usize, String)> {
    match col {
        ColData::Int(_) => None,
        ColData::Float(v) => v
            .iter()
            .position(|x| x.is_some_and(f64::is_infinite))
            .map(|i| (i, crate::columns::format_number(v[i].unwrap_or_default()))),
        ColData::Str(v) => v.iter().enumerate().find_map(|(i, s)| {
            let s = s.as_deref()?;
            let infinite =
                !codes.is_missing_text(s) && parse_number(s).is_some_and(f64::is_infinite);
            infinite.then(|| (i, s.trim().to_string()))
        }),
    }
}

fn check_distinct_names(table: &Table) -> Result<(), DataError> {
    let mut seen = std::collections::HashSet::new();
    for n in &table.names {
        if !seen.insert(n.as_str()) {
            return Err(DataError::DuplicateColumn {
                file: table.file.clone(),
                name: n.clone(),
            });
        }
    }
    Ok(())
}

fn io_error(path: &Path, e: std::io::Error) -> DataError {
    DataError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn not_csv(file: &str, reason: impl Into<String>) -> DataError {
    DataError::Unreadable {
        file: file.to_string(),
        format: "CSV",
        reason: reason.into(),
    }
}

fn read_csv(path: &Path, file: &str) -> Result<Table, DataError> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(not_csv(file, "the file is empty"));
    }
    let probe = &bytes[..bytes.len().min(64 * 1024)];
    if probe.contains(&0) {
        return Err(not_csv(
            file,
            "it contains binary data (NUL bytes); save the data as comma-separated text",
        ));
    }
    if let Err(e) = std::str::from_utf8(&bytes) {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        return Err(not_csv(
            file,
            format!("line {line} is not valid UTF-8 text; save the file with UTF-8 encoding"),
        ));
    }
    let header_line = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
    // polars renames repeated header names; catch them first.
    let header = String::from_utf8_lossy(header_line);
    let header_names = crate::matrix::split_fields(header.trim_end_matches('\r'));
    let mut seen = std::collections::HashSet::new();
    for name in &header_names {
        if !name.is_empty() && !seen.insert(name.clone()) {
            return Err(DataError::DuplicateColumn {
                file: file.to_string(),
                name: name.clone(),
            });
        }
    }
    // Rows with too few or too many fields, and stray quotes, before the lenient parser.
    crate::csv_layout::check(&bytes, &header_names).map_err(|e| not_csv(file, e.to_string()))?;
    let options = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0)) // every column as text; we convert ourselves
        .with_raise_if_empty(true);
    let df = crate::guard::catch(|| {
        options
            .into_reader_with_file_handle(std::io::Cursor::new(bytes.as_slice()))
            .finish()
    })
    .map_err(|panic| not_csv(file, format!("the CSV parser failed ({panic})")))?
    .map_err(|e| not_csv(file, first_line(&e)))?;
    if df.width() == 1 {
        for (sep, name) in [(';', "semicolons"), ('\t', "tabs")] {
            if header.contains(sep) {
                return Err(not_csv(
                    file,
                    format!("the header has one column separated by {name}; crosslag reads comma-separated files"),
                ));
            }
        }
    }
    let mut table = Table::from_frame(file, &df)?;
    // polars turns a blank line into a row of nulls: drop those rows, and remember on which
    // line of the file each remaining row starts (for messages).
    let records = data_records(&bytes);
    if records.len() == table.height() {
        let keep: Vec<usize> = (0..records.len()).filter(|&i| !records[i].1).collect();
        if keep.len() < records.len() {
            table.cols = table.cols.iter().map(|c| c.take(&keep)).collect();
        }
        table.lines = Some(keep.iter().map(|&i| records[i].0).collect());
    }
    Ok(table)
}

/// The data records of a CSV text (after the header): the line each starts on and whether it is
/// blank. Records end at line breaks outside double quotes; a final line break ends the last
/// record.
fn data_records(bytes: &[u8]) -> Vec<(usize, bool)> {
    let mut records = Vec::new();
    let mut line = 1;
    let mut start_line = 1;
    let mut blank = true;
    let mut quoted = false;
    let mut any = false;
    for &b in bytes {
        any = true;
        match b {
            b'"' => {
                quoted = !quoted;
                blank = false;
            }
            b'\n' => {
                line += 1;
                if !quoted {
                    records.push((start_line, blank));
                    start_line = line;
                    blank = true;
                    any = false;
                }
            }
            b' ' | b'\t' | b'\r' => {}
            _ => blank = false,
        }
    }
    if any {
        records.push((start_line, blank));
    }
    // Drop the header record.
    if !records.is_empty() {
        records.remove(0);
    }
    records
}

fn read_parquet(path: &Path, file: &str) -> Result<Table, DataError> {
    let unreadable = |reason: String| DataError::Unreadable {
        file: file.to_string(),
        format: "Parquet",
        reason,
    };
    let open = || std::fs::File::open(path).map_err(|e| io_error(path, e));
    let f = open()?;
    let result = crate::guard::catch(|| ParquetReader::new(f).finish())
        .map_err(|panic| unreadable(format!("damaged file ({panic})")))?;
    match result {
        Ok(df) => Table::from_frame(file, &df),
        Err(e) => {
            // A column of a type this build of polars cannot hold (e.g. dates) fails the whole
            // read: name that column, if it is one.
            let f = open()?;
            if let Ok(Ok(schema)) = crate::guard::catch(|| ParquetReader::new(f).schema()) {
                for (name, field) in schema.iter() {
                    let f = open()?;
                    let alone = crate::guard::catch(|| {
                        ParquetReader::new(f)
                            .with_columns(Some(vec![name.to_string()]))
                            .finish()
                    });
                    if matches!(alone, Ok(Err(_))) {
                        return Err(DataError::UnsupportedColumnType {
                            file: file.to_string(),
                            column: name.to_string(),
                            dtype: format!("{:?}", field.dtype),
                        });
                    }
                }
            }
            Err(unreadable(first_line(&e)))
        }
    }
}

#[cfg(feature = "spss")]
fn read_sav(path: &Path, file: &str) -> Result<Table, DataError> {
    crate::guard::catch(|| crate::spss::read_sav(path, file)).unwrap_or_else(|panic| {
        Err(DataError::Unreadable {
            file: file.to_string(),
            format: "SPSS",
            reason: format!("damaged file ({panic})"),
        })
    })
}

#[cfg(not(feature = "spss"))]
fn read_sav(_path: &Path, file: &str) -> Result<Table, DataError> {
    Err(DataError::SpssNotEnabled {
        file: file.to_string(),
    })
}
