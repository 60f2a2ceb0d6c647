//! Loading and preparing panel data for crosslag.
//!
//! This crate reads data files and turns the columns a model uses into a numeric matrix.
//! It knows nothing of structural equation models.
//!
//! * [`read_frame`]: CSV, Parquet, Stata `.dta` and (feature `spss`) SPSS `.sav`, with missing
//!   codes and an optional long→wide reshape ([`reshape`]);
//! * [`select`]: model variables (plus group and cluster columns) → [`ModelData`];
//! * [`describe()`]: descriptive statistics, missing-data patterns, coverage, correlations;
//! * [`read_matrix_csv`]: summary-statistics input.
//!
//! Every failure is a [`DataError`] whose message is one line saying where and what.

mod columns;
mod csv_layout;
pub mod describe;
mod error;
mod guard;
mod labels;
mod matrix;
mod read;
pub mod reshape;
mod select;
#[cfg(feature = "spss")]
mod spss;
mod stata;
mod table;

pub use columns::format_number;
pub use describe::{
    describe, describe_with_labels, Description, GroupSummary, MissingPattern, Summary,
    VariableSummary,
};
pub use error::DataError;
pub use labels::ValueLabels;
pub use matrix::read_matrix_csv;
pub use polars::prelude::DataFrame;
pub use read::{read_frame, read_frame_with_labels, ReadOptions};
pub use select::{select, select_with_labels, ModelData, Selection};
pub use table::{column_names, LongSpec};
