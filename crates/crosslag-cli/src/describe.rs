//! `crosslag describe` (being written).
use clap::Args;

#[derive(Args, Debug)]
pub struct DescribeArgs {
    /// Data file (CSV, Parquet, Stata .dta).
    #[arg(long)]
    pub data: std::path::PathBuf,
}

pub fn run(_args: &DescribeArgs) -> Result<(), String> {
    Err("describe is not written yet".into())
}
