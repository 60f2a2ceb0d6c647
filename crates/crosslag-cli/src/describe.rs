//! `crosslag describe`: N, per-variable summaries, missing-data patterns, coverage and
//! pairwise correlations of a data file, as a table or as JSON.
use clap::{Args, ValueEnum};
use crosslag_data::{
    describe_with_labels, read_frame_with_labels, Description, LongSpec, ReadOptions, Summary,
};
use std::fmt::Write as _;

/// Output format of `describe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text tables.
    Table,
    /// The full description as JSON.
    Json,
}

#[derive(Args, Debug)]
pub struct DescribeArgs {
    /// Data file: .csv, .parquet/.pq, .dta (Stata), .sav (SPSS, if built with it).
    #[arg(long)]
    pub data: std::path::PathBuf,
    /// Variables to describe, comma separated (default: every numeric column).
    #[arg(long, value_delimiter = ',')]
    pub vars: Option<Vec<String>>,
    /// Grouping column: describe each group as well.
    #[arg(long)]
    pub group: Option<String>,
    /// Extra codes meaning "missing", comma separated, e.g. -99,-999 (NA and empty cells always are).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub missing_codes: Vec<String>,
    /// Long data: the id column (with --long-wave; each column v becomes v_<wave>).
    #[arg(long, requires = "long_wave")]
    pub long_id: Option<String>,
    /// Long data: the wave column (with --long-id).
    #[arg(long, requires = "long_id")]
    pub long_wave: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(args: &DescribeArgs) -> Result<(), String> {
    let out = render(args)?;
    print_quietly(&out)
}

/// Writes `text` to stdout; a closed pipe (`crosslag describe ... | head -1`) ends the output
/// quietly instead of panicking as `print!` does.
pub(crate) fn print_quietly(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write to stdout: {e}"))
        }
        _ => Ok(()),
    }
}

/// The whole output of `describe` as a string.
fn render(args: &DescribeArgs) -> Result<String, String> {
    let long = match (&args.long_id, &args.long_wave) {
        (Some(id), Some(wave)) => Some(LongSpec {
            id: id.clone(),
            wave: wave.clone(),
        }),
        _ => None,
    };
    let reshaped = long.is_some();
    let opts = ReadOptions {
        missing_codes: clean_list(&args.missing_codes),
        long,
    };
    let (df, labels) = read_frame_with_labels(&args.data, &opts).map_err(|e| e.to_string())?;
    let file = args
        .data
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| args.data.display().to_string());
    // After a reshape, rows are ids, not lines of the file.
    let source = if reshaped {
        format!("{file} (reshaped to wide)")
    } else {
        file.clone()
    };
    let vars = args.vars.as_ref().map(|v| clean_list(v));
    let d = describe_with_labels(
        &df,
        vars.as_deref(),
        args.group.as_deref(),
        &labels,
        &source,
    )
    .map_err(|e| e.to_string())?;
    match args.format {
        Format::Json => serde_json::to_string_pretty(&d)
            .map(|s| s + "\n")
            .map_err(|e| format!("cannot write JSON: {e}")),
        Format::Table => Ok(table(&d, &source)),
    }
}

fn clean_list(items: &[String]) -> Vec<String> {
    items
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn num(x: Option<f64>, decimals: usize) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "NA".to_string(),
    }
}

fn table(d: &Description, source: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Data: {source}\nN = {} rows, {} variables",
        d.n,
        d.variables.len()
    );
    if let Some(g) = &d.group {
        let _ = write!(s, "Groups by '{g}': {}", d.groups.len());
        if d.rows_without_group > 0 {
            let _ = write!(s, " ({} rows without a group value)", d.rows_without_group);
        }
        s.push('\n');
    }
    s.push('\n');
    summary(&mut s, &d.variables, &d.overall);
    if let Some(g) = &d.group {
        for group in &d.groups {
            let title = format!("Group {g} = {} (n = {})", group.label, group.summary.n);
            let _ = writeln!(s, "{title}\n{}\n", "=".repeat(title.chars().count()));
            summary(&mut s, &d.variables, &group.summary);
        }
    }
    s
}

fn summary(s: &mut String, names: &[String], sum: &Summary) {
    let w = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        s,
        "Variables (sd with divisor n-1; skew g1 = m3/m2^1.5, kurtosis g2 = m4/m2^2 - 3)"
    );
    let _ = writeln!(
        s,
        "{:<w$} {:>6} {:>7} {:>6} {:>10} {:>10} {:>10} {:>10} {:>7} {:>7}",
        "variable", "n", "missing", "%miss", "mean", "sd", "min", "max", "skew", "kurt"
    );
    for v in &sum.variables {
        let _ = writeln!(
            s,
            "{:<w$} {:>6} {:>7} {:>6.1} {:>10} {:>10} {:>10} {:>10} {:>7} {:>7}",
            v.name,
            v.n,
            v.missing,
            v.percent_missing,
            num(v.mean, 3),
            num(v.sd, 3),
            num(v.min, 3),
            num(v.max, 3),
            num(v.skewness, 3),
            num(v.kurtosis, 3),
        );
    }
    let _ = writeln!(s, "Complete cases: {} of {}\n", sum.complete_cases, sum.n);

    let _ = writeln!(s, "Missing-data patterns (1 = observed, 0 = missing)");
    let widths: Vec<usize> = names.iter().map(|n| n.chars().count().max(1)).collect();
    let _ = write!(s, "{:>6} {:>6} {:>9}", "count", "%", "n_missing");
    for n in names {
        let _ = write!(s, " {n}");
    }
    s.push('\n');
    for p in &sum.patterns {
        let _ = write!(s, "{:>6} {:>6.1} {:>9}", p.count, p.percent, p.n_missing);
        for (o, w) in p.observed.iter().zip(&widths) {
            let _ = write!(s, " {o:>w$}");
        }
        s.push('\n');
    }
    s.push('\n');

    matrix(
        s,
        "Coverage (proportion of rows with both variables observed)",
        names,
        |i, j| Some(sum.coverage[i][j]),
    );
    matrix(
        s,
        "Correlations (pairwise complete observations)",
        names,
        |i, j| sum.correlations[i][j],
    );
}

/// Lower triangle of a symmetric matrix, 3 decimals.
fn matrix(
    s: &mut String,
    title: &str,
    names: &[String],
    value: impl Fn(usize, usize) -> Option<f64>,
) {
    let w = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(s, "{title}");
    let _ = write!(s, "{:<w$}", "");
    for n in names {
        let _ = write!(s, " {n:>w$}");
    }
    s.push('\n');
    for (i, n) in names.iter().enumerate() {
        let _ = write!(s, "{n:<w$}");
        for j in 0..=i {
            let _ = write!(s, " {:>w$}", num(value(i, j), 3));
        }
        s.push('\n');
    }
    s.push('\n');
}
