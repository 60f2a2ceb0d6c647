//! `crosslag simulate`: draw a data set from a population model.
//!
//! ```text
//! crosslag simulate --model pop.lav --n 500 --seed 1 --output data.csv
//! crosslag simulate --model pop.lav --n 500 --seed 1 --mcar 0.1 --attrition 0.1 --attrition-driver lang
//! crosslag simulate --model pop2.lav --groups 300,200 --group-labels low,high --seed 1
//! ```
//!
//! The seed of the draw is that of replication `--replication` (default 0) at the total
//! sample size in `crosslag power` with the same `--seed`, so a replication of a power
//! analysis can be reproduced and inspected. The output is CSV (`NA` = missing): crosslag-data
//! reads Parquet but has no Parquet writer.

use crate::output;
use clap::Args;
use crosslag_sem::analyses::simulate::{
    self, derive_seed, Attrition, NonNormal, Population, PopulationOptions, SimOptions, Simulator,
};
use crosslag_sem::EntryPoint;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// The population model and how to read it (shared by `simulate` and `power`).
#[derive(Args, Debug, Clone)]
pub struct PopulationArgs {
    /// Values of parameters that the population syntax leaves free: lines `name = value` or
    /// `name,value`, where name is a label or `lhs op rhs` (e.g. `w_lang_2 ~ w_close_1`).
    #[arg(long)]
    pub population_values: Option<PathBuf>,
    /// Entry point whose defaults apply to the population model.
    #[arg(long, value_name = "lavaan|sem|cfa", default_value = "lavaan", value_parser = crate::options::lavaan::<EntryPoint>)]
    pub population_function: EntryPoint,
    /// Observed intercepts of the population model are parameters (they then need values).
    #[arg(long)]
    pub population_int_ov_free: bool,
}

/// Missing data and non-normality of the draws (shared by `simulate` and `power`).
#[derive(Args, Debug, Clone)]
pub struct SimArgs {
    /// MCAR: probability that a cell is missing; one value, or one per variable (comma separated).
    #[arg(long, value_delimiter = ',')]
    pub mcar: Vec<f64>,
    /// Monotone MAR attrition: dropout probability at each wave transition for a case at the
    /// driver's mean; one value, or one per transition.
    #[arg(long, value_delimiter = ',')]
    pub attrition: Vec<f64>,
    /// Change of the log-odds of dropping out per SD of the driver at the previous wave.
    #[arg(long, default_value_t = -0.5, allow_hyphen_values = true)]
    pub attrition_slope: f64,
    /// Stem of the column that drives dropout (`lang` → lang_t at wave t); default: the first
    /// column of each wave.
    #[arg(long)]
    pub attrition_driver: Option<String>,
    /// Columns of each wave: `a_1,b_1;a_2,b_2;...` (default: by trailing number, `x_3` → wave 3).
    #[arg(long)]
    pub waves: Option<String>,
    /// Skewness of the draws (Vale–Maurelli); one value or one per variable.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub skew: Vec<f64>,
    /// Excess kurtosis of the draws (Vale–Maurelli); one value or one per variable.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub kurtosis: Vec<f64>,
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Population model in lavaan syntax (every parameter with a value, e.g. `0.4*x`).
    #[arg(long)]
    pub model: PathBuf,
    #[command(flatten)]
    pub population: PopulationArgs,
    /// Total sample size.
    #[arg(long, required_unless_present = "groups")]
    pub n: Option<usize>,
    /// Sizes of the groups of a multi-group population (comma separated; the population syntax
    /// gives per-group values with c(v1, v2)*x).
    #[arg(long, value_delimiter = ',', conflicts_with = "n")]
    pub groups: Vec<usize>,
    /// Labels of the groups (the `group` column; default 1, 2, ...).
    #[arg(long, value_delimiter = ',')]
    pub group_labels: Vec<String>,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Draw the data of this replication of `crosslag power` with the same seed and N.
    #[arg(long, default_value_t = 0)]
    pub replication: usize,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Write the CSV to this file (atomically) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Read a model file.
pub fn read_text(path: &Path, what: &str) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the {what}: {e}", path.display()))
}

/// Population options from the command line, for `ngroups` groups.
pub fn population_options(
    args: &PopulationArgs,
    ngroups: usize,
) -> Result<PopulationOptions, String> {
    let mut values = Vec::new();
    if let Some(p) = &args.population_values {
        let text = read_text(p, "population values")?;
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            // `name = value` or `name,value`; `=~` inside a name is not a separator
            let split = line.rfind(',').or_else(|| {
                line.char_indices()
                    .rev()
                    .find(|&(k, c)| {
                        c == '=' && !line[k..].starts_with("=~") && !line[..k].ends_with('=')
                    })
                    .map(|(k, _)| k)
            });
            let Some(k) = split else {
                return Err(format!("{}:{}: write `name = value`", p.display(), i + 1));
            };
            let (name, value) = (line[..k].trim(), line[k + 1..].trim());
            let v: f64 = value
                .parse()
                .map_err(|_| format!("{}:{}: '{value}' is not a number", p.display(), i + 1))?;
            values.push((name.to_string(), v));
        }
    }
    Ok(PopulationOptions {
        entry: args.population_function,
        int_ov_free: args.population_int_ov_free,
        ngroups,
        values,
    })
}

/// Simulation options from the command line (the waves default to trailing numbers).
pub fn sim_options(args: &SimArgs, names: &[String]) -> Result<SimOptions, String> {
    let attrition = if args.attrition.is_empty() {
        None
    } else {
        let waves: Vec<Vec<String>> = match &args.waves {
            Some(w) => w
                .split(';')
                .map(|g| {
                    g.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                })
                .filter(|g| !g.is_empty())
                .collect(),
            None => simulate::waves_by_suffix(names),
        };
        if waves.len() < 2 {
            return Err(
                "--attrition needs at least two waves (columns named x_1, x_2, ... or --waves)"
                    .into(),
            );
        }
        let drivers = waves[..waves.len() - 1]
            .iter()
            .enumerate()
            .map(|(t, w)| match &args.attrition_driver {
                None => Ok(w[0].clone()),
                Some(stem) => w
                    .iter()
                    .find(|c| simulate::name_stem(c) == stem)
                    .cloned()
                    .ok_or_else(|| {
                        format!(
                            "--attrition-driver {stem}: no column with that stem in wave {}",
                            t + 1
                        )
                    }),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Some(Attrition {
            waves,
            drivers,
            hazard: args.attrition.clone(),
            slope: args.attrition_slope,
        })
    };
    let nonnormal = (!args.skew.is_empty() || !args.kurtosis.is_empty()).then(|| NonNormal {
        skewness: if args.skew.is_empty() {
            vec![0.0]
        } else {
            args.skew.clone()
        },
        kurtosis: if args.kurtosis.is_empty() {
            vec![0.0]
        } else {
            args.kurtosis.clone()
        },
    });
    Ok(SimOptions {
        mcar: args.mcar.clone(),
        attrition,
        nonnormal,
    })
}

/// The number of groups a population model needs: from its `c(...)` modifiers is not known
/// before parsing, so it is what the command line says.
fn ngroups_of(groups: &[usize]) -> usize {
    groups.len().max(1)
}

pub fn run(args: &SimulateArgs) -> Result<(), String> {
    let text = read_text(&args.model, "population model")?;
    let name = args.model.display().to_string();
    let sizes: Vec<usize> = if args.groups.is_empty() {
        vec![args.n.ok_or("--n or --groups is required")?]
    } else {
        args.groups.clone()
    };
    if sizes.contains(&0) {
        return Err("sample sizes must be positive".into());
    }
    let popts = population_options(&args.population, ngroups_of(&args.groups))?;
    let pop = Population::from_syntax(&text, &popts).map_err(|e| format!("{name}: {e}"))?;
    let opts = sim_options(&args.sim, &pop.names)?;
    let sim = Simulator::new(&pop, &opts).map_err(|e| e.to_string())?;
    let total: usize = sizes.iter().sum();
    let seed = derive_seed(args.seed, &[total as u64, args.replication as u64]);
    let data = sim.draw_seeded(&sizes, seed);
    let labels: Vec<String> = (0..sizes.len())
        .map(|g| {
            args.group_labels
                .get(g)
                .cloned()
                .unwrap_or_else(|| (g + 1).to_string())
        })
        .collect();
    output::emit(&data.to_csv(&labels), args.output.as_deref())
}

/// A progress bar on stderr, only when stderr is a terminal (`None` otherwise).
pub struct Progress {
    label: String,
    start: Instant,
    last: AtomicUsize,
    lock: Mutex<()>,
}

impl Progress {
    pub fn new(label: &str) -> Option<Progress> {
        std::io::stderr().is_terminal().then(|| Progress {
            label: label.to_string(),
            start: Instant::now(),
            last: AtomicUsize::new(0),
            lock: Mutex::new(()),
        })
    }

    /// Update the bar (at most 200 redraws per run).
    pub fn update(&self, done: usize, total: usize) {
        let step = (total / 200).max(1);
        if done != total && !done.is_multiple_of(step) {
            return;
        }
        // the last update waits for the lock, so that the bar always ends with a newline
        let guard = if done == total {
            self.lock.lock().ok()
        } else {
            self.lock.try_lock().ok()
        };
        let Some(_guard) = guard else {
            return;
        };
        if done < self.last.load(Ordering::Relaxed) {
            return;
        }
        self.last.store(done, Ordering::Relaxed);
        let width = 30;
        let filled = width * done / total.max(1);
        let secs = self.start.elapsed().as_secs_f64();
        eprint!(
            "\r{} [{}{}] {done}/{total} {secs:.1}s",
            self.label,
            "#".repeat(filled),
            " ".repeat(width - filled)
        );
        if done == total {
            eprintln!();
        }
    }
}

/// Set the number of worker threads (0 = rayon's default: one per core).
pub fn set_threads(threads: usize) -> Result<(), String> {
    if threads > 0 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .map_err(|e| format!("--threads: {e}"))?;
    }
    Ok(())
}
