//! Criterion benchmark: one complete `crosslag_sem::fit` per iteration (estimates, standard
//! errors, fit measures with the independence baseline and the RMSEA interval, standardized
//! solution) on lavaan reference cases.
//!
//! Two groups time the same fits: `fit/<case>` in wall-clock time and `fit_cpu/<case>` in CPU
//! time of the benchmark thread (steadier when other work shares the cores).
//!
//! Run with `cargo bench --bench fit` (or `bench/run.sh`, which also times lavaan). The model
//! syntax and the options come from the reference JSON (`lavaan_syntax`, `lavaan_function`,
//! `options_passed`) in `tests/fixtures/lavaan` (override with `CROSSLAG_REFERENCE=DIR`); the CSV
//! is read and selected with crosslag-data once, outside the timed loop.
//!
//! To benchmark another case, add one line to [`CASES`]. A case whose fit returns
//! [`SemError::Unsupported`] (e.g. FIML before it lands) is skipped with a note on stderr,
//! so the list can name cases ahead of the engine.
//!
//! Every listed case is loaded and fitted once before the timings (a check that it runs);
//! `CROSSLAG_BENCH_CASES=case02_riclpm,...` restricts that to the named benchmark ids, e.g.
//! for profiling one case under valgrind:
//! `CROSSLAG_BENCH_CASES=case02_riclpm valgrind --tool=callgrind target/release/deps/fit-* --bench --profile-time 10`.

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crosslag_sem::{Data, EntryPoint, Estimator, FitOptions, GroupEqual, Missing, SemError};
use serde_json::Value;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

/// (benchmark id, reference case file stem).
const CASES: &[(&str, &str)] = &[
    // RI-CLPM, 8 observed variables, N = 1000: lavaan(meanstructure = TRUE, int.ov.free = TRUE).
    ("case02_riclpm", "case02_riclpm_ml"),
    // PoliticalDemocracy SEM, N = 75: sem() defaults.
    (
        "case14_political_democracy",
        "case14_political_democracy_sem",
    ),
    // FIML RI-CLPM on the MAR data: case02 + missing = "ml".
    ("case04a_riclpm_fiml", "case04a_riclpm_fiml_ml"),
    // Two-group RI-CLPM by ses_low: case02 + group = "ses_low".
    (
        "case07a_riclpm_multigroup",
        "case07a_riclpm_multigroup_configural",
    ),
];

fn reference_dir() -> PathBuf {
    crosslag_tests::reference_dir()
}

/// A prepared fit: everything `crosslag_sem::fit` takes.
struct Prepared {
    syntax: String,
    data: Data,
    options: FitOptions,
}

/// Read a reference case: lavaan's syntax and options, and the data through crosslag-data.
fn prepare(stem: &str) -> Prepared {
    let dir = reference_dir();
    let path = dir.join(format!("{stem}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: Value = serde_json::from_str(&text).expect("reference JSON");
    let syntax = json["lavaan_syntax"]
        .as_str()
        .expect("lavaan_syntax")
        .to_string();
    let mut options = FitOptions {
        entry: match json["lavaan_function"].as_str() {
            Some("lavaan") => EntryPoint::Lavaan,
            Some("cfa") => EntryPoint::Cfa,
            _ => EntryPoint::Sem,
        },
        ..FitOptions::default()
    };
    let mut group = None;
    let mut cluster = None;
    for (k, v) in json["options_passed"].as_object().into_iter().flatten() {
        match k.as_str() {
            "meanstructure" => options.meanstructure = v.as_bool().unwrap_or(false),
            "int.ov.free" => options.int_ov_free = v.as_bool(),
            "missing" => {
                options.missing = match v.as_str() {
                    Some("ml" | "fiml") => Missing::Ml,
                    _ => Missing::Listwise,
                }
            }
            "estimator" => {
                options.estimator = match v.as_str() {
                    Some("MLR") => Estimator::Mlr,
                    _ => Estimator::Ml,
                }
            }
            "group" => group = v.as_str().map(String::from),
            "cluster" => cluster = v.as_str().map(String::from),
            "group.equal" => {
                let kinds: Vec<&str> = match v {
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    Value::String(s) => vec![s.as_str()],
                    _ => vec![],
                };
                options.group_equal = kinds
                    .into_iter()
                    .map(|s| GroupEqual::parse(s).unwrap_or_else(|| panic!("group.equal {s}")))
                    .collect();
            }
            other => panic!("{stem}: option {other} is not mapped in benches/fit.rs"),
        }
    }
    let variables = crosslag_sem::model_variables(&syntax).expect("model variables");
    let file = json["data"].as_str().expect("data");
    let df = crosslag_data::read_frame(&dir.join(file), &Default::default()).expect("read data");
    let md = crosslag_data::select(
        &df,
        &crosslag_data::Selection {
            variables: &variables,
            group: group.as_deref(),
            cluster: cluster.as_deref(),
        },
        file,
    )
    .expect("select");
    let data = Data::Raw {
        names: md.names,
        values: md.values,
        group: md.group,
        group_labels: md.group_labels,
        cluster: md.cluster,
    };
    Prepared {
        syntax,
        data,
        options,
    }
}

/// The benchmarks of [`CASES`] in one criterion group (`fit`: wall-clock time, `fit_cpu`: CPU
/// time of the benchmark thread).
fn fits<M: Measurement>(c: &mut Criterion<M>, name: &str) {
    let mut group = c.benchmark_group(name);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(10));
    group.sample_size(30);
    let only: Option<Vec<String>> = std::env::var("CROSSLAG_BENCH_CASES")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    for &(id, stem) in CASES {
        if only.as_ref().is_some_and(|o| !o.iter().any(|x| x == id)) {
            continue;
        }
        let p = prepare(stem);
        match crosslag_sem::fit(&p.syntax, &p.data, &p.options) {
            Ok(r) if r.converged => {}
            Ok(_) => eprintln!("note: {id}: the fit did not converge; timing it anyway"),
            Err(SemError::Unsupported(what)) => {
                eprintln!("skipping {id}: {what} is not supported yet");
                continue;
            }
            Err(e) => panic!("{id}: {e}"),
        }
        group.bench_function(id, |b| {
            b.iter(|| {
                crosslag_sem::fit(
                    black_box(&p.syntax),
                    black_box(&p.data),
                    black_box(&p.options),
                )
            })
        });
    }
    group.finish();
}

fn fits_wall(c: &mut Criterion) {
    fits(c, "fit");
}

fn fits_cpu(c: &mut Criterion<ThreadCpuTime>) {
    fits(c, "fit_cpu");
}

/// CPU time of the calling thread (Linux: `/proc/thread-self/schedstat`, nanoseconds on the
/// CPU). On a shared machine this is steadier than wall-clock time: time spent waiting for a
/// core does not count. The fit is single-threaded.
struct ThreadCpuTime;

fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &NanosFormatter
    }
}

/// Nanoseconds shown as ns/µs/ms/s, like criterion's own time formatter.
struct NanosFormatter;

impl ValueFormatter for NanosFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if typical < 1e3 {
            (1.0, "ns")
        } else if typical < 1e6 {
            (1e-3, "µs")
        } else if typical < 1e9 {
            (1e-6, "ms")
        } else {
            (1e-9, "s")
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }
    fn scale_throughputs(&self, typical: f64, _t: &Throughput, values: &mut [f64]) -> &'static str {
        self.scale_values(typical, values)
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

criterion_group!(benches, fits_wall);
criterion_group! {
    name = cpu;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = fits_cpu
}
criterion_main!(benches, cpu);
