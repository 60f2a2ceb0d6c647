//! `crosslag_sem::analyses::transact` on data: the χ̄² weights against an independent Monte Carlo
//! computation, the Curran reading/antisocial panel against the lavaan numbers of its README
//! (`tests/fixtures/lavaan/README.md`; data `datasets/curran_reading_antisocial.csv`), and the bundled teacher–child
//! panel against the population it was simulated from (`tests/fixtures/lavaan/population_A.json`).

use crosslag_sem::analyses::transact::{
    self, chibar, Conclusion, Models, Transact, TransactOptions,
};
use crosslag_sem::families::panel::{Constraint, Family};
use crosslag_sem::{Data, Missing};
use crosslag_tests::{close, datasets_dir, load_raw, reference_dir};
use ndarray::{Array1, Array2};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// χ̄² weights
// ---------------------------------------------------------------------------------------------

/// A small generator of its own (not the library's): 64-bit LCG (Knuth's MMIX constants),
/// polar Marsaglia normals.
struct Lcg(u64, Option<f64>);

impl Lcg {
    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        if let Some(z) = self.1.take() {
            return z;
        }
        loop {
            let (u, v) = (2.0 * self.uniform() - 1.0, 2.0 * self.uniform() - 1.0);
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let f = (-2.0 * s.ln() / s).sqrt();
                self.1 = Some(v * f);
                return u * f;
            }
        }
    }
}

fn invert(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    // Gauss–Jordan (small matrices)
    let n = a.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row = r.clone();
            row.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            row
        })
        .collect();
    for c in 0..n {
        let p = (c..n)
            .max_by(|&i, &j| m[i][c].abs().total_cmp(&m[j][c].abs()))
            .unwrap();
        m.swap(c, p);
        let d = m[c][c];
        for v in m[c].iter_mut() {
            *v /= d;
        }
        for i in 0..n {
            if i != c {
                let f = m[i][c];
                let row_c = m[c].clone();
                for (v, w) in m[i].iter_mut().zip(row_c) {
                    *v -= f * w;
                }
            }
        }
    }
    m.into_iter().map(|r| r[n..].to_vec()).collect()
}

fn cholesky(s: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let k = s.len();
    let mut l = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..=i {
            let v = s[i][j] - (0..j).map(|m| l[i][m] * l[j][m]).sum::<f64>();
            l[i][j] = if i == j { v.sqrt() } else { v / l[j][j] };
        }
    }
    l
}

/// Monte Carlo level probabilities by brute force: for each draw z ~ N(0, S), every face of
/// the orthant (a set F of positive components) is tried — θ_F solves Q_FF θ_F = (Q z)_F with
/// Q = S⁻¹, the rest 0 — and the feasible θ nearest to z in the S⁻¹ metric is the projection.
fn brute_force_weights(s: &[Vec<f64>], draws: usize, seed: u64) -> Vec<f64> {
    let k = s.len();
    let q = invert(s);
    let l = cholesky(s);
    let mut rng = Lcg(seed, None);
    let mut counts = vec![0usize; k + 1];
    for _ in 0..draws {
        let e: Vec<f64> = (0..k).map(|_| rng.normal()).collect();
        let z: Vec<f64> = (0..k)
            .map(|i| (0..=i).map(|m| l[i][m] * e[m]).sum())
            .collect();
        let qz: Vec<f64> = (0..k)
            .map(|i| (0..k).map(|j| q[i][j] * z[j]).sum())
            .collect();
        let mut best = (f64::INFINITY, 0);
        for mask in 0u32..(1 << k) {
            let f: Vec<usize> = (0..k).filter(|i| mask & (1 << i) != 0).collect();
            let mut theta = vec![0.0; k];
            if !f.is_empty() {
                let sub: Vec<Vec<f64>> = f
                    .iter()
                    .map(|&i| f.iter().map(|&j| q[i][j]).collect())
                    .collect();
                let inv = invert(&sub);
                for (a, &i) in f.iter().enumerate() {
                    theta[i] = (0..f.len()).map(|b| inv[a][b] * qz[f[b]]).sum();
                }
            }
            if theta.iter().any(|&t| t < 0.0) {
                continue;
            }
            let d: Vec<f64> = (0..k).map(|i| z[i] - theta[i]).collect();
            let dist: f64 = (0..k)
                .map(|i| (0..k).map(|j| d[i] * q[i][j] * d[j]).sum::<f64>())
                .sum();
            if dist < best.0 {
                best = (dist, f.len());
            }
        }
        counts[best.1] += 1;
    }
    counts.iter().map(|&c| c as f64 / draws as f64).collect()
}

fn assert_weights(what: &str, a: &[f64], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol, "{what}: {a:?} vs {b:?}");
    }
}

#[test]
fn chibar_weights_k2_closed_form_match_monte_carlo() {
    // a strongly correlated pair (as RI variance estimates often are) and the example of
    // ChiBarSq.DiffTest
    for s in [
        vec![vec![0.0041, -0.0023], vec![-0.0023, 0.0310]],
        vec![vec![1.232, -0.118], vec![-0.118, 0.539]],
        vec![vec![1.0, 0.8], vec![0.8, 1.0]],
    ] {
        let w = chibar::weights(&s, 1000, 1).unwrap();
        assert!(matches!(w.weights.len(), 3));
        assert!(matches!(w.method, chibar::WeightMethod::ClosedForm));
        let rho = s[0][1] / (s[0][0] * s[1][1]).sqrt();
        assert!((w.weights[0] - rho.acos() / (2.0 * std::f64::consts::PI)).abs() < 1e-14);
        let mc = brute_force_weights(&s, 200_000, 11);
        assert_weights("k = 2", &w.weights, &mc, 0.005);
    }
}

#[test]
fn chibar_weights_k3_monte_carlo() {
    let s = vec![
        vec![0.030, 0.012, -0.006],
        vec![0.012, 0.020, 0.004],
        vec![-0.006, 0.004, 0.050],
    ];
    let brute = brute_force_weights(&s, 200_000, 5);
    // the library's Monte Carlo (NNLS projections) and its closed form agree with it
    let mc = chibar::weights_monte_carlo(&s, 200_000, 99).unwrap();
    assert_weights("k = 3 NNLS Monte Carlo", &mc, &brute, 0.005);
    let exact = chibar::weights_closed_form(&s).unwrap().unwrap();
    assert_weights("k = 3 closed form", &exact, &brute, 0.005);
    // k = 4 (two groups) goes to Monte Carlo; with a block-diagonal S the weights are the
    // convolution of the two groups' k = 2 weights
    let s2a = vec![vec![1.0, 0.5], vec![0.5, 2.0]];
    let s2b = vec![vec![1.0, -0.3], vec![-0.3, 1.0]];
    let mut s4 = vec![vec![0.0; 4]; 4];
    for i in 0..2 {
        for j in 0..2 {
            s4[i][j] = s2a[i][j];
            s4[i + 2][j + 2] = s2b[i][j];
        }
    }
    let w4 = chibar::weights(&s4, 200_000, 3).unwrap();
    assert!(matches!(w4.method, chibar::WeightMethod::MonteCarlo { .. }));
    let (a, b) = (
        chibar::weights_closed_form(&s2a).unwrap().unwrap(),
        chibar::weights_closed_form(&s2b).unwrap().unwrap(),
    );
    let conv: Vec<f64> = (0..5)
        .map(|n| {
            (0..3)
                .filter(|&i| n >= i && n - i < 3)
                .map(|i| a[i] * b[n - i])
                .sum()
        })
        .collect();
    assert_weights("k = 4", &w4.weights, &conv, 0.005);
}

// ---------------------------------------------------------------------------------------------
// Curran reading / antisocial behaviour (FIML)
// ---------------------------------------------------------------------------------------------

fn curran_options() -> TransactOptions {
    let mut opts = TransactOptions::new("anti", "read", 4);
    opts.column_pattern = "{stem}{wave}".into();
    opts.missing = Missing::Ml;
    opts
}

fn curran(opts: &TransactOptions) -> Transact {
    let vars = transact::columns(opts).unwrap();
    let data = load_raw(
        &datasets_dir().join("curran_reading_antisocial.csv"),
        &vars,
        None,
        None,
    );
    transact::analyze(&data, opts).unwrap()
}

fn near(what: &str, got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol, "{what}: {got} vs README {want}");
}

#[test]
fn curran_riclpm_reproduces_the_readme() {
    let mut opts = curran_options();
    opts.constrain = vec![Constraint::Lagged];
    let t = curran(&opts);
    // RI-CLPM, lagged paths equal over time (README, lavaan 0.6-14 with FIML)
    let ri = t.model(Family::Riclpm).unwrap();
    near("RI-CLPM chisq", ri.fit.chisq, 83.78, 0.006);
    assert_eq!(ri.fit.df, 17.0);
    near("RI-CLPM CFI", ri.fit.cfi.unwrap(), 0.941, 6e-4);
    near("RI-CLPM RMSEA", ri.fit.rmsea.unwrap(), 0.098, 6e-4);
    near("RI-CLPM SRMR", ri.fit.srmr.unwrap(), 0.068, 6e-4);
    near("RI-CLPM logl", ri.fit.logl.unwrap(), -4265.24, 0.006);
    let g = &ri.groups[0];
    let eq = |what: &str, e: &transact::Effect, est: f64, se: f64| {
        near(&format!("{what} est"), e.estimate.est, est, 6e-4);
        near(&format!("{what} se"), e.estimate.se.unwrap(), se, 6e-4);
    };
    // x = anti, y = read
    assert!(g.x_to_y.constrained && g.y_to_x.constrained);
    assert_eq!(g.x_to_y.effects.len(), 3);
    for e in &g.autoregressive_y {
        eq("read → read", e, 0.806, 0.045);
    }
    for e in &g.x_to_y.effects {
        eq("anti → read", e, -0.028, 0.023);
    }
    for e in &g.autoregressive_x {
        eq("anti → anti", e, 0.342, 0.074);
    }
    for e in &g.y_to_x.effects {
        eq("read → anti", e, -0.023, 0.099);
    }
    let b = g.between.as_ref().unwrap();
    near("RI variance read", b.var_y.estimate.est, 0.250, 6e-4);
    near("RI variance anti", b.var_x.estimate.est, 1.239, 6e-4);
    near("RI covariance", b.cov.estimate.est, -0.200, 6e-4);
    let r = b.correlation.unwrap();
    assert!(
        (r - b.cov.estimate.est / (b.var_x.estimate.est * b.var_y.estimate.est).sqrt()).abs()
            < 1e-12
    );
    // the equality-constrained copies count once in the Wald test
    assert_eq!(g.x_to_y.wald.as_ref().unwrap().df, 1);
    let lrt = g.x_to_y.lrt.as_ref().unwrap();
    assert_eq!(lrt.df, Some(1.0));
    // with one parameter the Wald test is z²
    let z = g.x_to_y.effects[0].estimate.z.unwrap();
    assert!(close(
        g.x_to_y.wald.as_ref().unwrap().chisq,
        z * z,
        1e-9,
        1e-9
    ));

    // CLPM with paths equal over time (README): χ²(20) = 111.85
    let cl = t.model(Family::Clpm).unwrap();
    near("CLPM chisq", cl.fit.chisq, 111.85, 0.006);
    assert_eq!(cl.fit.df, 20.0);
    let c = &cl.groups[0];
    eq("CLPM read → read", &c.autoregressive_y[0], 0.847, 0.024);
    eq("CLPM anti → read", &c.x_to_y.effects[0], -0.038, 0.014);
    eq("CLPM anti → anti", &c.autoregressive_x[0], 0.593, 0.031);
    eq("CLPM read → anti", &c.y_to_x.effects[0], -0.082, 0.052);

    // the comparison: Δχ² = 111.85 − 83.78 on 3 df, χ̄² with k = 2, u = 1
    let cmp = t.comparison.as_ref().unwrap();
    let cb = cmp.chibar.as_ref().unwrap();
    assert_eq!((cb.k, cb.u, cb.df), (2, 1, 3));
    near("Δχ²", cb.statistic, 111.85 - 83.78, 0.012);
    assert!(
        cb.pvalue < cmp.naive.pvalue.unwrap(),
        "χ̄² is less conservative than χ²(3)"
    );
    assert!(cb.pvalue < 0.001);
    assert_eq!(cmp.preferred, Family::Riclpm);
    // the weights come from the RI-CLPM's covariance matrix of the RI variance estimates
    let se_read = b.var_y.estimate.se.unwrap();
    assert!(close(cb.sampling_cov[1][1].sqrt(), se_read, 1e-9, 1e-9));

    // verdict: within children, neither direction is significant
    let v = &t.verdict;
    assert_eq!(v.model, Family::Riclpm);
    assert_eq!(v.conclusion, Conclusion::NoLaggedEffects, "{}", v.summary);
    assert!(
        v.summary.contains("no evidence of lagged effects"),
        "{}",
        v.summary
    );
    assert!(
        v.details
            .iter()
            .any(|d| d.contains("random intercepts correlate")),
        "{:?}",
        v.details
    );
    println!("{}\n{}", v.summary, v.details.join("\n"));
}

#[test]
fn curran_free_riclpm_is_inadmissible_and_the_verdict_says_so() {
    // README: with the lagged paths free per interval the RI-CLPM's latent covariance
    // matrix is not positive definite
    let mut opts = curran_options();
    opts.models = Models::Riclpm;
    let t = curran(&opts);
    let ri = t.model(Family::Riclpm).unwrap();
    assert_eq!(ri.fit.df, 9.0);
    let v = &t.verdict;
    assert!(
        v.warnings
            .iter()
            .any(|w| w.contains("RI-CLPM") && w.contains("not positive definite")),
        "{:?}",
        v.warnings
    );
    assert!(
        v.warnings.iter().any(|w| w.contains("--constrain lagged")),
        "{:?}",
        v.warnings
    );
    assert!(v.summary.contains("caution"), "{}", v.summary);
    assert!(t.comparison.is_none());
    assert_eq!(ri.groups[0].x_to_y.effects.len(), 3);
    assert_eq!(ri.groups[0].x_to_y.wald.as_ref().unwrap().df, 3);
}

// ---------------------------------------------------------------------------------------------
// The bundled teacher–child panel against its population
// ---------------------------------------------------------------------------------------------

fn population() -> Value {
    let text = std::fs::read_to_string(reference_dir().join("population_A.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Entry [to][from] of a population matrix of lagged effects (rows outcomes at t, columns
/// predictors at t − 1).
fn b(pop: &Value, key: &str, to: &str, from: &str) -> f64 {
    let m = &pop[key];
    let idx = |names: &Value, n: &str| {
        names
            .as_array()
            .unwrap()
            .iter()
            .position(|v| v == n)
            .unwrap()
    };
    m["values"][idx(&m["rownames"], to)][idx(&m["colnames"], from)]
        .as_f64()
        .unwrap()
}

/// The population moments of a set of variables as summary-statistics data.
fn population_data(pop: &Value, key: &str, vars: &[String], n: usize) -> Data {
    let cov = &pop[key]["cov"];
    let mean = &pop[key]["mean"];
    let names: Vec<&str> = cov["rownames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let idx: Vec<usize> = vars
        .iter()
        .map(|v| names.iter().position(|n| n == v).unwrap())
        .collect();
    let p = vars.len();
    let c = Array2::from_shape_fn((p, p), |(i, j)| {
        cov["values"][idx[i]][idx[j]].as_f64().unwrap()
    });
    let m = Array1::from_shape_fn(p, |i| mean["values"][idx[i]].as_f64().unwrap());
    Data::Moments {
        names: vars.to_vec(),
        // covariance given with divisor N − 1: undo the (N−1)/N rescaling
        groups: vec![(c * (n as f64 / (n as f64 - 1.0)), Some(m), n)],
        group_labels: vec![],
    }
}

fn within_3se(what: &str, e: &transact::Effect, truth: f64) {
    let se = e.estimate.se.unwrap();
    assert!(
        (e.estimate.est - truth).abs() <= 3.0 * se,
        "{what}: estimate {} (SE {se}) vs population {truth}",
        e.estimate.est
    );
}

#[test]
fn teacher_child_panel_recovers_the_population() {
    let pop = population();
    let opts = TransactOptions::new("close", "lang", 4);
    let vars = transact::columns(&opts).unwrap();
    let csv =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets/panel_A_complete.csv");

    // per ses_low group the RI-CLPM is the population model: B_raw[ses] per interval
    let mut gopts = opts.clone();
    gopts.group = Some("ses_low".into());
    gopts.models = Models::Riclpm;
    let data = load_raw(&csv, &vars, Some("ses_low"), None);
    let t = transact::analyze(&data, &gopts).unwrap();
    let ri = t.model(Family::Riclpm).unwrap();
    assert_eq!(ri.groups.len(), 2);
    for g in &ri.groups {
        let key = format!("B_raw_group_ses{}", g.label);
        for e in &g.x_to_y.effects {
            within_3se(
                &format!("group {} close → lang", g.label),
                e,
                b(&pop, &key, "lang", "close"),
            );
        }
        for e in &g.y_to_x.effects {
            within_3se(
                &format!("group {} lang → close", g.label),
                e,
                b(&pop, &key, "close", "lang"),
            );
        }
        for e in &g.autoregressive_x {
            within_3se(
                &format!("group {} close → close", g.label),
                e,
                b(&pop, &key, "close", "close"),
            );
        }
        for e in &g.autoregressive_y {
            within_3se(
                &format!("group {} lang → lang", g.label),
                e,
                b(&pop, &key, "lang", "lang"),
            );
        }
    }
    assert_eq!(ri.group_tests.len(), 2);
    assert_eq!(
        ri.group_tests[0].df,
        Some(6.0),
        "cross-lagged effects, 2 directions × 3 intervals"
    );
    assert_eq!(ri.group_tests[1].df, Some(12.0), "all lagged effects");
    assert_eq!(t.verdict.groups.len(), 2);
    println!("{}\n{}", t.verdict.summary, t.verdict.details.join("\n"));

    // pooled: the single-group RI-CLPM against its population pseudo-true values (the same
    // model fitted to the exact pooled population moments; the estimates do not depend on the
    // N given with the moments, the tests do: with a very large N the verdict is the
    // population's)
    let data = load_raw(&csv, &vars, None, None);
    let t = transact::analyze(&data, &opts).unwrap();
    let truth = transact::analyze(
        &population_data(&pop, "population_moments_pooled", &vars, 1_000_000),
        &opts,
    )
    .unwrap();
    let (ri, ri0) = (
        t.model(Family::Riclpm).unwrap(),
        truth.model(Family::Riclpm).unwrap(),
    );
    let (g, g0) = (&ri.groups[0], &ri0.groups[0]);
    for (what, est, pop) in [
        ("close → lang", &g.x_to_y.effects, &g0.x_to_y.effects),
        ("lang → close", &g.y_to_x.effects, &g0.y_to_x.effects),
        ("close → close", &g.autoregressive_x, &g0.autoregressive_x),
        ("lang → lang", &g.autoregressive_y, &g0.autoregressive_y),
    ] {
        for (e, p) in est.iter().zip(pop.iter()) {
            within_3se(&format!("pooled {what}"), e, p.estimate.est);
        }
    }
    // the population has stable between-child differences and effects both ways
    for key in ["B_group_ses0", "B_group_ses1"] {
        assert!(b(&pop, key, "lang", "close") != 0.0 && b(&pop, key, "close", "lang") != 0.0);
    }
    let v = &t.verdict;
    println!("{}\n{}", v.summary, v.details.join("\n"));
    println!(
        "population: {}\n{}",
        truth.verdict.summary,
        truth.verdict.details.join("\n")
    );
    assert_eq!(truth.verdict.model, Family::Riclpm);
    assert_eq!(truth.verdict.conclusion, Conclusion::Transactional);
    assert_eq!(v.model, Family::Riclpm, "{:?}", v.details);
    assert_eq!(
        v.conclusion,
        Conclusion::Transactional,
        "{}\n{:?}",
        v.summary,
        v.details
    );
    assert!(v.warnings.is_empty(), "{:?}", v.warnings);
}

// ---------------------------------------------------------------------------------------------
// The χ̄² test holds its level
// ---------------------------------------------------------------------------------------------

/// The population of case01: lavaan's CLPM fitted to the teacher–child panel, as implied
/// moments. A CLPM is an RI-CLPM whose random intercepts have variance 0: H0 of the χ̄² test.
fn clpm_population() -> crosslag_sem::analyses::simulate::Population {
    let case: Value = serde_json::from_str(
        &std::fs::read_to_string(reference_dir().join("case01_clpm_ml.json")).unwrap(),
    )
    .unwrap();
    let imp = &case["implied"][0];
    let names: Vec<String> = imp["cov"]["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let p = names.len();
    let rows = imp["cov"]["matrix"].as_array().unwrap();
    let cov = Array2::from_shape_fn((p, p), |(i, j)| rows[i][j].as_f64().unwrap());
    let mean = Array1::from_iter(
        imp["mean"]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap()),
    );
    crosslag_sem::analyses::simulate::Population::from_moments(names, vec![(cov, mean)]).unwrap()
}

/// Rejection rates at α = .05 of the χ̄² test and of the naive χ²(Δdf) test over `reps` data
/// sets of `n` children drawn from the CLPM population; with `mlr`, non-normal scores
/// (skewness 1.5, excess kurtosis 4, Vale–Maurelli) analysed with MLR.
fn rejection_rates(reps: usize, n: usize, mlr: bool) -> (f64, f64, usize) {
    use crosslag_sem::analyses::simulate::{NonNormal, SimOptions, Simulator};
    let pop = clpm_population();
    let sim_opts = SimOptions {
        nonnormal: mlr.then(|| NonNormal {
            skewness: vec![1.5],
            kurtosis: vec![4.0],
        }),
        ..SimOptions::default()
    };
    let sim = Simulator::new(&pop, &sim_opts).unwrap();
    let mut opts = TransactOptions::new("close", "lang", 4);
    if mlr {
        opts.estimator = crosslag_sem::Estimator::Mlr;
    }
    let (mut chibar_rejects, mut naive_rejects, mut used) = (0, 0, 0);
    for r in 0..reps {
        let data = sim.draw_seeded(&[n], 9000 + r as u64).to_data(&[]);
        let Ok(t) = transact::analyze(&data, &opts) else {
            continue;
        };
        let Some(cmp) = &t.comparison else { continue };
        let (Some(cb), Some(np)) = (&cmp.chibar, cmp.naive.pvalue) else {
            continue;
        };
        used += 1;
        chibar_rejects += (cb.pvalue < 0.05) as usize;
        naive_rejects += (np < 0.05) as usize;
    }
    (
        chibar_rejects as f64 / used as f64,
        naive_rejects as f64 / used as f64,
        used,
    )
}

/// Under H0 (no stable between-child differences) the χ̄² test rejects at about its nominal
/// rate: 400 data sets of N = 500 from case01's CLPM (Monte Carlo SE of a rate of .05: .011).
/// Measured: 4.5% (with T from the unrestricted RI-CLPM, before the restricted refit, it was
/// 8.0%); the naive χ²(3) test on the unrestricted statistic rejected 5.8%. About seven
/// minutes (every data set fits the CLPM, the RI-CLPM, the restricted RI-CLPM and the
/// cross-lagged tests), so it is run on request: `cargo test --test transact -- --ignored`.
#[test]
#[ignore = "a seven-minute Monte Carlo study; run with --ignored"]
fn chibar_test_holds_its_level_under_the_clpm() {
    let (chibar, naive, used) = rejection_rates(400, 500, false);
    eprintln!("ML: χ̄² rejects {chibar:.3}, naive {naive:.3} ({used} data sets)");
    assert!(used >= 390, "{used}");
    assert!(
        (0.02..=0.085).contains(&chibar),
        "χ̄² rejection rate {chibar}"
    );
}

/// The same study with non-normal scores and MLR (T: the Satorra–Bentler 2001 scaled
/// difference, from the restricted fit where an RI variance estimate is negative). Measured:
/// 5.4% rejections (naive test 6.2%) over the 388 of 400 data sets with a test; in the other
/// 12 the scaling factor of the difference was negative (the known weakness of the 2001
/// formula), and no χ̄² test is reported. Nine minutes: run with `--ignored`.
#[test]
#[ignore = "a nine-minute Monte Carlo study; run with --ignored"]
fn chibar_test_holds_its_level_under_the_clpm_with_mlr() {
    let (chibar, naive, used) = rejection_rates(400, 500, true);
    eprintln!("MLR: χ̄² rejects {chibar:.3}, naive {naive:.3} ({used} data sets)");
    assert!(used >= 380, "{used}");
    assert!(
        (0.02..=0.085).contains(&chibar),
        "χ̄² rejection rate {chibar}"
    );
}
