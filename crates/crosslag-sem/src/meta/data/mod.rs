//! Study-level correlation matrices: the input of a meta-analytic SEM.
//!
//! Three layouts are read (all from text; the caller reads the file):
//!
//! * **long CSV** ([`StudySet::from_long_csv`]): header `study,n,var1,var2,r` (any order, any
//!   case) and one row per reported correlation; further columns are study-level moderators
//!   (constant within a study). A row with `var1 == var2` states a variable's presence: `r` = 1
//!   (present) or empty/`NA` (absent: metaSEM's "missing diagonal"). A column
//!   `used_by_metaSEM` (as in `roorda11_correlations_long.csv`) marks with 0 the correlations of
//!   absent variables: a variable that appears only in rows marked 0 is absent in that study.
//!   Rows of a study must be contiguous or not; the first row of each study gives the study
//!   order. Variables are ordered so that `var1` comes before `var2` where the rows agree
//!   (ties by first appearance), which recovers the order in which the matrices were written.
//! * **wide CSV** ([`StudySet::from_wide_csv`]): one row per study with `study`, `n`, columns
//!   `r_<a>_<b>` and optional `has_<a>` flags (0 = the variable is absent); `label` is a
//!   study name; other columns are moderators.
//! * **JSON** ([`StudySet::from_json`]): `{"variables": [...], "studies": [{"study": .., "n": ..,
//!   "cor": [[..]], <moderators>}]}`, `null` = missing.
//!
//! metaSEM's missing-data rule: a variable is absent from a study iff its diagonal is missing;
//! all its correlations are then dropped from the analysis (they still enter the weighted mean
//! matrix behind the sampling covariances, as in metaSEM).
//!
//! Files: `set` (the types and what the analyses read from them), `csv` (records and
//! cells), one file per layout (`long`, `wide`, `json_layout`), `detect` (which layout a
//! text is) and `validate` (what a meta-analysis needs of the studies).

mod csv;
mod detect;
mod json_layout;
mod long;
mod set;
mod validate;
mod wide;

pub use csv::parse_csv;
pub use set::{n_pairs, vechs_pairs, ModValue, Study, StudySet};
