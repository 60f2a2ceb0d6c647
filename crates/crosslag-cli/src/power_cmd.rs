//! `crosslag power`: Monte Carlo power analysis over a grid of sample sizes.
//!
//! ```text
//! crosslag power --population pop.lav --model riclpm.lav --function lavaan --meanstructure \
//!     --int-ov-free --n 200,500,1000 --reps 1000 --seed 1 --plot power.svg
//! crosslag power ... --shard 3/10 --output part3.json      # one slice (JSON with records)
//! crosslag merge part*.json --format table                 # = the single run
//! ```
//!
//! The JSON output holds the design, the reference values of the parameters, the summary and,
//! with `--keep-records` (always for a shard), every replication's estimates and SEs.

use crate::options::{EstimationArgs, ModelArgs};
use crate::output;
use crate::simulate_cmd::{self, PopulationArgs, Progress, SimArgs};
use clap::Args;
use crosslag_sem::analyses::power::{self, PowerDesign, PowerOutput, Shard};
use crosslag_sem::analyses::simulate::Population;
use crosslag_sem::{FitOptions, OutputOptions};
use std::fmt::Write as _;
use std::path::PathBuf;

pub use crate::options::Format;

#[derive(Args, Debug)]
pub struct PowerArgs {
    /// Population model in lavaan syntax (every parameter with a value, e.g. `0.4*x`).
    #[arg(long)]
    pub population: PathBuf,
    #[command(flatten)]
    pub population_opts: PopulationArgs,
    /// Analysis model in lavaan syntax.
    #[arg(long)]
    pub model: PathBuf,
    #[command(flatten)]
    pub analysis: ModelArgs,
    #[command(flatten)]
    pub estimation: EstimationArgs,
    /// Total sample sizes, comma separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub n: Vec<usize>,
    /// Relative group sizes of a multi-group population (comma separated, e.g. 0.7,0.3).
    #[arg(long, value_delimiter = ',')]
    pub groups: Vec<f64>,
    #[arg(long, default_value_t = 1000)]
    pub reps: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Significance level of the tests whose rejection rate is the power.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Confidence level of the intervals whose coverage is reported.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Target power (smallest N reaching it is reported).
    #[arg(long, default_value_t = 0.8)]
    pub target: f64,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Run only the K-th of N slices of the replications (JSON output with records, for `crosslag merge`).
    #[arg(long)]
    pub shard: Option<String>,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// How a power analysis (or a merged one) is reported: shared by `power` and `merge`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the power curves (power against N per parameter, with the target) to this SVG
    /// file (power analyses).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Parameters to show in the table and plot (names like `w_lang_2~w_close_1` or labels);
    /// default: all in the table, regressions and defined parameters in the plot.
    #[arg(long, value_delimiter = ',')]
    pub params: Vec<String>,
    /// Keep every replication's estimates in the JSON output.
    #[arg(long)]
    pub keep_records: bool,
    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub fn run(args: &PowerArgs) -> Result<(), String> {
    simulate_cmd::set_threads(args.threads)?;
    let population = simulate_cmd::read_text(&args.population, "population model")?;
    let model = simulate_cmd::read_text(&args.model, "analysis model")?;
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let ngroups = args.groups.len().max(1);
    let population_options = simulate_cmd::population_options(&args.population_opts, ngroups)?;
    // the simulation options need the population's variable names (waves by suffix)
    let pop = Population::from_syntax(&population, &population_options)
        .map_err(|e| format!("{}: {e}", args.population.display()))?;
    let simulation = simulate_cmd::sim_options(&args.sim, &pop.names)?;
    let analysis = FitOptions {
        model: args.analysis.options(ngroups > 1)?,
        estimation: args.estimation.options(),
        output: OutputOptions::default(),
    };
    if args.reps == 0 {
        return Err("--reps must be positive".into());
    }
    let design = PowerDesign {
        population,
        population_options,
        model,
        analysis,
        simulation,
        group_shares: args.groups.clone(),
        ns: args.n.clone(),
        reps: args.reps,
        seed: args.seed,
        alpha: args.alpha,
        level: args.level,
        target: args.target,
    };
    let prepared = power::PowerRun::new(&design).map_err(|e| e.to_string())?;
    let progress = Progress::new("power");
    let cb = |d: usize, t: usize| {
        if let Some(p) = &progress {
            p.update(d, t)
        }
    };
    let out = prepared.run(shard, Some(&cb));
    write_power(out, &args.report)
}

/// Write a power output (shared with `crosslag merge`): a shard is always JSON with records.
pub fn write_power(mut out: PowerOutput, report: &ReportArgs) -> Result<(), String> {
    let ReportArgs {
        format,
        plot,
        params,
        keep_records,
        output: path,
    } = report;
    let (plot, path) = (plot.as_ref(), path.as_deref());
    if let (Some(p), Some(summary)) = (plot, out.summary.as_ref()) {
        output::emit(&svg(&out, summary, params), Some(p))?;
    } else if plot.is_some() {
        return Err("--plot needs all replications (not a shard): plot the merged output".into());
    }
    if out.shard.is_some() {
        return output::emit(&to_json(&out)?, path);
    }
    if !*keep_records {
        out.records.clear();
    }
    let text = match format {
        Format::Json => to_json(&out)?,
        Format::Table => table(&out, params),
    };
    output::emit(&text, path)
}

fn to_json(out: &PowerOutput) -> Result<String, String> {
    serde_json::to_string_pretty(out)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| format!("could not write JSON: {e}"))
}

fn selected(
    name: &str,
    label: &str,
    op: &str,
    params: &[String],
    default: impl Fn(&str) -> bool,
) -> bool {
    if params.is_empty() {
        return default(op);
    }
    let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    params.iter().any(|p| {
        let p = strip(p);
        p == name || (!label.is_empty() && p == label)
    })
}

fn fmt(x: f64, w: usize, d: usize) -> String {
    if x.is_finite() {
        format!("{x:>w$.d$}")
    } else {
        format!("{:>w$}", "NA")
    }
}

/// A number with about four significant digits in a fixed width.
fn sig(x: f64, w: usize) -> String {
    if !x.is_finite() {
        return format!("{:>w$}", "NA");
    }
    let a = x.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        return format!("{x:>w$.3e}");
    }
    let d = if a == 0.0 {
        3
    } else {
        (3 - a.log10().floor() as i32).clamp(0, 6) as usize
    };
    format!("{x:>w$.d$}")
}

/// The summary as a table: per N the parameters' bias, SD, SE, coverage and power.
pub fn table(out: &PowerOutput, params: &[String]) -> String {
    let mut s = String::new();
    let d = &out.design;
    let Some(summary) = &out.summary else {
        return "no summary (a shard: merge the parts first)\n".into();
    };
    let _ = writeln!(
        s,
        "crosslag power: {} replications per N, seed {}, alpha {}, {}% intervals\n",
        d.reps,
        d.seed,
        d.alpha,
        100.0 * d.level
    );
    for ns in &summary.by_n {
        let _ = writeln!(
            s,
            "N = {}: converged {}/{} ({:.1}%), admissible {} ({:.1}%)",
            ns.n,
            ns.converged,
            ns.reps,
            100.0 * ns.share_converged,
            ns.admissible,
            100.0 * ns.share_admissible
        );
        let _ = writeln!(
            s,
            "  {:<28}{:>11}{:>11}{:>11}{:>9}{:>11}{:>11}{:>9}{:>9}{:>8}",
            "parameter",
            "true",
            "mean",
            "bias",
            "rel.bias",
            "emp.SD",
            "mean SE",
            "cover",
            "power",
            "±MCSE"
        );
        for (k, p) in ns.parameters.iter().enumerate() {
            let info = &out.parameters[k].info;
            if !selected(&p.name, &info.label, &info.op, params, |_| true) {
                continue;
            }
            let rel = p
                .rel_bias
                .map(|r| format!("{:>8.1}%", 100.0 * r))
                .unwrap_or_else(|| format!("{:>9}", ""));
            let _ = writeln!(
                s,
                "  {:<28}{}{}{}{}{}{}{}{}{}",
                p.name,
                sig(p.true_value, 11),
                sig(p.mean, 11),
                sig(p.bias, 11),
                rel,
                sig(p.emp_sd, 11),
                sig(p.mean_se, 11),
                fmt(p.coverage, 9, 3),
                fmt(p.power, 9, 3),
                fmt(p.mcse.power, 8, 3)
            );
        }
        s.push('\n');
    }
    let _ = writeln!(s, "Smallest N with power ≥ {}:", d.target);
    for (k, t) in summary.target_n.iter().enumerate() {
        let info = &out.parameters[k].info;
        if !selected(&t.name, &info.label, &info.op, params, |_| true) {
            continue;
        }
        let n =
            t.n.map(|n| n.to_string())
                .unwrap_or_else(|| format!("> {}", d.ns.iter().max().copied().unwrap_or(0)));
        let _ = writeln!(s, "  {:<28}{n:>10}", t.name);
    }
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The plot area of the power curves: the SVG's height, the margins, and the range of N.
struct Frame {
    h: f64,
    left: f64,
    top: f64,
    /// Width and height of the plot area.
    pw: f64,
    ph: f64,
    nmin: f64,
    nmax: f64,
}

impl Frame {
    /// The x coordinate of sample size `n` (the middle when there is one N).
    fn x(&self, n: f64) -> f64 {
        let span = if self.nmax > self.nmin {
            self.nmax - self.nmin
        } else {
            1.0
        };
        self.left
            + if self.nmax > self.nmin {
                (n - self.nmin) / span * self.pw
            } else {
                self.pw / 2.0
            }
    }

    /// The y coordinate of power `p`.
    fn y(&self, p: f64) -> f64 {
        self.top + (1.0 - p) * self.ph
    }
}

/// Power curves as a hand-written SVG: power against N per parameter, the target as a dashed line.
pub fn svg(out: &PowerOutput, summary: &power::PowerSummary, params: &[String]) -> String {
    let (w, h) = (760.0, 460.0);
    let (left, right, top, bottom) = (60.0, 250.0, 40.0, 50.0);
    let pw = w - left - right;
    let ph = h - top - bottom;
    let mut ns: Vec<(usize, usize)> = out
        .design
        .ns
        .iter()
        .copied()
        .enumerate()
        .map(|(i, n)| (n, i))
        .collect();
    ns.sort();
    let nmin = ns.first().map(|x| x.0).unwrap_or(0) as f64;
    let nmax = ns.last().map(|x| x.0).unwrap_or(1) as f64;
    let fr = Frame {
        h,
        left,
        top,
        pw,
        ph,
        nmin,
        nmax,
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="14">Power (p &lt; {}) by sample size, {} replications per N</text>"#,
        left + pw / 2.0,
        out.design.alpha,
        out.design.reps
    );
    svg_axes(&mut s, &fr, &ns, out);
    svg_curves(&mut s, &fr, &ns, out, summary, params);
    s.push_str("</svg>\n");
    s
}

/// The axes with their grid and labels, and the target power as a dashed line.
fn svg_axes(s: &mut String, fr: &Frame, ns: &[(usize, usize)], out: &PowerOutput) {
    let Frame {
        h,
        left,
        top,
        pw,
        ph,
        ..
    } = *fr;
    for k in 0..=5 {
        let p = k as f64 / 5.0;
        let _ = writeln!(
            s,
            r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e0e0e0"/><text x="{:.1}" y="{:.1}" text-anchor="end">{p:.1}</text>"##,
            left + pw,
            left - 6.0,
            fr.y(p) + 4.0,
            yy = fr.y(p)
        );
    }
    for &(n, _) in ns {
        let _ = writeln!(
            s,
            r##"<line x1="{xx:.1}" y1="{top}" x2="{xx:.1}" y2="{:.1}" stroke="#f0f0f0"/><text x="{xx:.1}" y="{:.1}" text-anchor="middle">{n}</text>"##,
            top + ph,
            top + ph + 16.0,
            xx = fr.x(n as f64)
        );
    }
    let _ = writeln!(
        s,
        r##"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>"##
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">N</text>"#,
        left + pw / 2.0,
        h - 10.0
    );
    let _ = writeln!(
        s,
        r#"<text x="16" y="{:.1}" text-anchor="middle" transform="rotate(-90 16 {:.1})">power</text>"#,
        top + ph / 2.0,
        top + ph / 2.0
    );
    // target
    let _ = writeln!(
        s,
        r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#000" stroke-dasharray="6,4"/><text x="{:.1}" y="{:.1}" text-anchor="end">target {}</text>"##,
        left + pw,
        left + pw - 4.0,
        fr.y(out.design.target) - 4.0,
        out.design.target,
        yy = fr.y(out.design.target)
    );
}

/// One curve with its points per selected parameter (regressions and `:=` parameters by
/// default), and the legend.
fn svg_curves(
    s: &mut String,
    fr: &Frame,
    ns: &[(usize, usize)],
    out: &PowerOutput,
    summary: &power::PowerSummary,
    params: &[String],
) {
    const PALETTE: [&str; 10] = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
        "#bcbd22", "#17becf",
    ];
    let Frame {
        h, left, top, pw, ..
    } = *fr;
    let mut shown = 0;
    for (k, par) in out.parameters.iter().enumerate() {
        let info = &par.info;
        if !selected(&info.name, &info.label, &info.op, params, |op| {
            op == "~" || op == ":="
        }) {
            continue;
        }
        let color = PALETTE[shown % PALETTE.len()];
        let dash = if (shown / PALETTE.len()) % 2 == 1 {
            r#" stroke-dasharray="3,2""#
        } else {
            ""
        };
        let pts: Vec<(f64, f64)> = ns
            .iter()
            .map(|&(n, i)| (fr.x(n as f64), fr.y(summary.by_n[i].parameters[k].power)))
            .filter(|(_, yy)| yy.is_finite())
            .collect();
        let path: Vec<String> = pts.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect();
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"{dash}/>"#,
            path.join(" ")
        );
        for (a, b) in &pts {
            let _ = writeln!(
                s,
                r#"<circle cx="{a:.1}" cy="{b:.1}" r="3" fill="{color}"/>"#
            );
        }
        let ly = top + 8.0 + 16.0 * shown as f64;
        if ly < h - 10.0 {
            let _ = writeln!(
                s,
                r#"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{color}" stroke-width="2"{dash}/><text x="{:.1}" y="{:.1}">{}</text>"#,
                left + pw + 12.0,
                left + pw + 32.0,
                left + pw + 38.0,
                ly + 4.0,
                esc(&info.name)
            );
        }
        shown += 1;
    }
}
