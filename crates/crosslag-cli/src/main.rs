//! The `crosslag` binary: parses arguments, wires the data and estimation crates, prints.
//!
//! Every failure reaches the user as one line on stderr (`error: …`) and a non-zero exit
//! status; nothing here panics on bad input.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod bootstrap_cmd;
mod compare;
mod describe;
mod diagram;
mod fit;
mod merge_cmd;
mod meta_cmd;
mod options;
mod output;
mod power_cmd;
mod simulate_cmd;
mod syntax_cmd;
mod transact_cmd;

/// Cross-lagged panel analysis: lavaan-compatible SEM, panel model families, power.
#[derive(Parser, Debug)]
#[command(name = "crosslag", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Describe a data set: N, per-variable summaries, missing-data patterns, coverage, correlations.
    Describe(describe::DescribeArgs),
    /// Fit a model in lavaan syntax (ML; FIML, MLR, groups, clusters as lavaan).
    Fit(fit::FitArgs),
    /// Compare nested models: likelihood-ratio (χ² difference) test as lavaan's anova(), the Satorra–Bentler scaled difference for MLR, AIC/BIC.
    Compare(compare::CompareArgs),
    /// Write lavaan (or Mplus) syntax for a panel model family: CLPM, RI-CLPM, MI-RICLPM, STARTS, LCM-SR.
    Syntax(syntax_cmd::SyntaxArgs),
    /// Transactional effects of two constructs: CLPM and RI-CLPM, the χ̄² test of the random intercepts, cross-lagged effects both ways (Wald and likelihood-ratio tests), a verdict, a path diagram.
    Transact(transact_cmd::TransactArgs),
    /// Draw a data set (CSV) from a population model: normal or Vale–Maurelli non-normal scores, MCAR and MAR attrition, several groups.
    Simulate(simulate_cmd::SimulateArgs),
    /// Monte Carlo power analysis: bias, SE, coverage and power per parameter over a grid of sample sizes (sharding with --shard K/N).
    Power(power_cmd::PowerArgs),
    /// Merge the shard outputs of `crosslag power` or `crosslag bootstrap` into the output of a single run.
    Merge(merge_cmd::MergeArgs),
    /// Meta-analytic SEM (two-stage, as metaSEM): pool study correlation matrices (random or fixed effects), fit a path model to the pooled matrix, compare subgroups.
    Meta(meta_cmd::MetaArgs),
    /// Nonparametric bootstrap of a fitted model: percentile and BCa intervals (also for := parameters), Bollen–Stine p-value.
    Bootstrap(bootstrap_cmd::BootstrapArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let result = match cli.command {
        Command::Describe(args) => describe::run(&args),
        Command::Fit(args) => fit::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Syntax(args) => syntax_cmd::run(&args),
        Command::Transact(args) => transact_cmd::run(&args),
        Command::Simulate(args) => simulate_cmd::run(&args),
        Command::Power(args) => power_cmd::run(&args),
        Command::Merge(args) => merge_cmd::run(&args),
        Command::Bootstrap(args) => bootstrap_cmd::run(&args),
        Command::Meta(args) => meta_cmd::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

/// Help and version go to stdout as clap writes them; a mistake on the command line is one
/// line on stderr (clap's first line: the option, the value and what it takes) and exit
/// status 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let text = e.render().to_string();
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("error");
    eprintln!("{}", first.trim_end());
    ExitCode::from(2)
}
