//! The one error type of the data crate.
//!
//! Every message is a single line that names the file, the place (line, row, column or
//! variable), what is wrong, and, where there is one, what to do about it.

/// Why data could not be read or prepared.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file does not exist.
    #[error("data file {path} not found; check the path and the working directory")]
    NotFound {
        /// The path as given.
        path: String,
    },

    /// The file exists but could not be opened or read (permissions, a directory, I/O error).
    #[error("cannot read {path}: {reason}")]
    Io {
        /// The path as given.
        path: String,
        /// The operating system's reason.
        reason: String,
    },

    /// The extension names no format this crate reads.
    #[error("{file}: unsupported file type '{extension}'; use .csv, .parquet/.pq, .dta or .sav")]
    UnsupportedExtension {
        /// File name.
        file: String,
        /// The extension found (with its dot), or "(none)".
        extension: String,
    },

    /// A `.sav` file was given but the crate was built without the `spss` feature.
    #[error("{file}: SPSS .sav files need crosslag built with the 'spss' feature (cargo install --path crates/crosslag-cli --features spss) or the data exported to CSV")]
    SpssNotEnabled {
        /// File name.
        file: String,
    },

    /// The file could not be parsed in its format (not a CSV, a damaged Parquet/Stata/SPSS file, ...).
    #[error("{file} is not a readable {format} file: {reason}")]
    Unreadable {
        /// File name.
        file: String,
        /// "CSV", "Parquet", "Stata", "SPSS".
        format: &'static str,
        /// What went wrong.
        reason: String,
    },

    /// The file has a header but no data rows (or no columns at all).
    #[error("{file} has no data rows; a header line followed by one line per case is needed")]
    NoRows {
        /// File name.
        file: String,
    },

    /// Two columns of the file have the same name.
    #[error("{file}: column name '{name}' appears twice; give every column a distinct name")]
    DuplicateColumn {
        /// File name.
        file: String,
        /// The repeated name.
        name: String,
    },

    /// A column has a type that cannot be used (e.g. dates or nested lists in Parquet).
    #[error("{file}: column '{column}' has type {dtype}, which crosslag cannot read; drop the column or convert it to numbers or text before saving")]
    UnsupportedColumnType {
        /// File name.
        file: String,
        /// Column name.
        column: String,
        /// The type found.
        dtype: String,
    },

    /// A selected model variable is not a column of the data.
    #[error("variable '{name}' is not in {file}{}", did_you_mean(.suggestions))]
    UnknownVariable {
        /// File name.
        file: String,
        /// The name asked for.
        name: String,
        /// Up to three column names close to it (edit distance).
        suggestions: Vec<String>,
    },

    /// A column given for a role (group, cluster, long-format id or wave) is not in the data.
    #[error("{role} column '{name}' is not in {file}{}", did_you_mean(.suggestions))]
    UnknownColumn {
        /// "group", "cluster", "id" or "wave".
        role: &'static str,
        /// File name.
        file: String,
        /// The name asked for.
        name: String,
        /// Up to three column names close to it.
        suggestions: Vec<String>,
    },

    /// The same variable was selected twice.
    #[error("variable '{name}' is selected twice; list each variable once")]
    DuplicateVariable {
        /// The repeated name.
        name: String,
    },

    /// No variables were selected.
    #[error("no variables selected from {file}; name at least one column")]
    NoVariables {
        /// File name.
        file: String,
    },

    /// A selected variable holds a value that is not a number.
    #[error("{file}, {place}, column '{variable}': value '{value}' is not a number; fix it, or declare it missing (e.g. --missing-codes {value})")]
    NonNumeric {
        /// File name.
        file: String,
        /// Column name.
        variable: String,
        /// "line 7" for CSV files (line of the file, header = line 1), otherwise "row 6" (1-based data row).
        place: String,
        /// The offending text.
        value: String,
    },

    /// A selected variable has no observed value at all.
    #[error("variable '{variable}' in {file} is missing in every row{within}; drop it from the model or check the missing-value codes")]
    AllMissing {
        /// File name.
        file: String,
        /// Column name.
        variable: String,
        /// "" or " of group 'x' of 'g'".
        within: String,
    },

    /// A selected variable has the same value in every row where it is observed.
    #[error("variable '{variable}' in {file} is constant ({value} in all {n} observed rows{within}); a variable without variance cannot be modelled, drop it")]
    Constant {
        /// File name.
        file: String,
        /// Column name.
        variable: String,
        /// "" or " of group 'x' of 'g'".
        within: String,
        /// The constant value.
        value: String,
        /// Number of observed rows.
        n: usize,
    },

    /// A group has fewer complete cases than there are selected variables.
    #[error("{file}: group '{group}' of '{group_column}' has {complete} complete cases for {needed} variables; at least {needed} are needed (merge small groups or select fewer variables)")]
    TooFewCases {
        /// File name.
        file: String,
        /// The grouping column.
        group_column: String,
        /// The group's label.
        group: String,
        /// Complete cases in the group.
        complete: usize,
        /// Number of selected variables.
        needed: usize,
    },

    /// Long-format data with two rows for the same (id, wave).
    #[error("{file}: id {id} has two rows for wave {wave} ({first} and {second}); each (id, wave) pair must appear once in long data")]
    DuplicateKey {
        /// File name.
        file: String,
        /// The id value.
        id: String,
        /// The wave value.
        wave: String,
        /// Place of the first row ("line 3" or "row 2").
        first: String,
        /// Place of the repeated row.
        second: String,
    },

    /// Long-format data with a missing id or wave value.
    #[error("{file}, {place}: the {role} column '{column}' is empty; every row of long data needs an id and a wave")]
    MissingKey {
        /// File name.
        file: String,
        /// "line 5" or "row 4".
        place: String,
        /// "id" or "wave".
        role: &'static str,
        /// Column name.
        column: String,
    },

    /// Long-format id and wave columns are the same column.
    #[error("{file}: the id and wave columns are both '{column}'; name two different columns")]
    SameIdWave {
        /// File name.
        file: String,
        /// Column name.
        column: String,
    },

    /// A matrix CSV (summary statistics) is malformed.
    /// A number too large for a 64-bit float (it would become infinity).
    #[error("{file}, {place}, column '{column}': value '{value}' is too large for a 64-bit number (it overflows to infinity); fix it, rescale the variable, or declare it missing")]
    Overflow {
        file: String,
        place: String,
        column: String,
        value: String,
    },

    /// A value so large that squares (variances, covariances) overflow.
    #[error("{file}, {place}, variable '{variable}': value {value} is too large in magnitude (beyond ±1e150, its square overflows variances); rescale the variable, e.g. divide it by a power of ten")]
    Extreme {
        file: String,
        place: String,
        variable: String,
        value: String,
    },

    #[error("{file}, {place}: {reason}")]
    Matrix {
        /// File name.
        file: String,
        /// "line 3, column 'x2'" or similar.
        place: String,
        /// What is wrong.
        reason: String,
    },
}

fn did_you_mean(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    }
}
