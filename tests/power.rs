//! Monte Carlo power, simulation and bootstrap (issue 6): coverage and bias of a correctly
//! specified RI-CLPM, bit-identical shards and thread counts, population moments of large
//! simulated samples, and the bootstrap of case10's indirect effect.

use crosslag_sem::analyses::bootstrap::{self, BootstrapOptions};
use crosslag_sem::analyses::power::{self, PowerDesign, PowerOutput, Shard};
use crosslag_sem::analyses::simulate::{Population, PopulationOptions, SimOptions, Simulator};
use crosslag_tests::{fit_case, load_case, reference_dir};
use serde_json::Value;
use std::time::Instant;

/// The RI-CLPM of closeness and language written with the values of population_A.json
/// (the `ses_low = 0` within process in the observed metric: lagged effects `B_raw`,
/// innovation covariances `s_u s_v Psi`, wave-1 covariances `s_u s_v Sigma_stat`; random
/// intercept residual (co)variances `s_u s_v Phi`; wave means `mu`). Covariate and classroom
/// effects of the simulation that made the CSV files are left out, so the model is exactly
/// case02's RI-CLPM.
fn population_a_riclpm() -> String {
    let text = std::fs::read_to_string(reference_dir().join("population_A.json")).unwrap();
    let j: Value = serde_json::from_str(&text).unwrap();
    let cons = ["close", "confl", "engage", "lang"];
    let idx = |c: &str| cons.iter().position(|x| *x == c).unwrap();
    let (c, l) = (idx("close"), idx("lang"));
    let s = |i: usize| j["scale_s"]["values"][i].as_f64().unwrap();
    let m = |key: &str, a: usize, b: usize| j[key]["values"][a][b].as_f64().unwrap();
    let phi_var = |i: usize| j["RI_residual_var"]["values"][i].as_f64().unwrap();
    let mut out = String::new();
    out.push_str("RI_close =~ 1*close_1 + 1*close_2 + 1*close_3 + 1*close_4\n");
    out.push_str("RI_lang =~ 1*lang_1 + 1*lang_2 + 1*lang_3 + 1*lang_4\n");
    for t in 1..=4 {
        out.push_str(&format!(
            "w_close_{t} =~ 1*close_{t}\nw_lang_{t} =~ 1*lang_{t}\n"
        ));
        out.push_str(&format!(
            "close_{t} ~~ 0*close_{t}\nlang_{t} ~~ 0*lang_{t}\n"
        ));
        out.push_str(&format!(
            "close_{t} ~ {:?}*1\nlang_{t} ~ {:?}*1\n",
            m("wave_means_mu", c, t - 1),
            m("wave_means_mu", l, t - 1)
        ));
    }
    for t in 2..=4 {
        let u = t - 1;
        out.push_str(&format!(
            "w_close_{t} ~ {:?}*w_close_{u} + {:?}*w_lang_{u}\n",
            m("B_raw_group_ses0", c, c),
            m("B_raw_group_ses0", c, l)
        ));
        out.push_str(&format!(
            "w_lang_{t} ~ {:?}*w_close_{u} + {:?}*w_lang_{u}\n",
            m("B_raw_group_ses0", l, c),
            m("B_raw_group_ses0", l, l)
        ));
        out.push_str(&format!(
            "w_close_{t} ~~ {:?}*w_close_{t} + {:?}*w_lang_{t}\nw_lang_{t} ~~ {:?}*w_lang_{t}\n",
            m("Psi_group_ses0", c, c) * s(c) * s(c),
            m("Psi_group_ses0", c, l) * s(c) * s(l),
            m("Psi_group_ses0", l, l) * s(l) * s(l)
        ));
    }
    out.push_str(&format!(
        "w_close_1 ~~ {:?}*w_close_1 + {:?}*w_lang_1\nw_lang_1 ~~ {:?}*w_lang_1\n",
        m("Sigma_stat_group_ses0", c, c) * s(c) * s(c),
        m("Sigma_stat_group_ses0", c, l) * s(c) * s(l),
        m("Sigma_stat_group_ses0", l, l) * s(l) * s(l)
    ));
    out.push_str(&format!(
        "RI_close ~~ {:?}*RI_close + {:?}*RI_lang\nRI_lang ~~ {:?}*RI_lang\n",
        phi_var(c) * s(c) * s(c),
        m("RI_residual_cor", c, l) * (phi_var(c) * phi_var(l)).sqrt() * s(c) * s(l),
        phi_var(l) * s(l) * s(l)
    ));
    out
}

fn riclpm_design(ns: Vec<usize>, reps: usize, seed: u64) -> PowerDesign {
    let case02 = load_case("case02_riclpm_ml");
    let mut d = PowerDesign::new(&population_a_riclpm(), &case02.syntax, ns, reps, seed);
    d.analysis = case02.options.clone();
    d
}

fn cross_lagged(name: &str) -> bool {
    // w_close_t ~ w_lang_{t-1} and w_lang_t ~ w_close_{t-1}
    let Some((lhs, rhs)) = name.split_once('~') else {
        return false;
    };
    (lhs.starts_with("w_close") && rhs.starts_with("w_lang"))
        || (lhs.starts_with("w_lang") && rhs.starts_with("w_close"))
}

#[test]
fn riclpm_coverage_and_bias_over_1000_replications() {
    let design = riclpm_design(vec![500], 1000, 20240601);
    let run = power::PowerRun::new(&design).unwrap();
    // correctly specified: the pseudo-true values are the population values
    for p in &run.parameters {
        if let Some(v) = p.population {
            assert!(
                (p.true_value - v).abs() <= 1e-6 * v.abs().max(1.0),
                "{}: {} vs {v}",
                p.info.name,
                p.true_value
            );
        }
    }
    let t0 = Instant::now();
    let out = run.run(None, None);
    let secs = t0.elapsed().as_secs_f64();
    let s = &out.summary.as_ref().unwrap().by_n[0];
    eprintln!(
        "RI-CLPM N = 500, 1000 replications: {secs:.2} s; converged {}, admissible {}",
        s.converged, s.admissible
    );
    assert_eq!(s.reps, 1000);
    assert!(s.converged >= 995, "converged {}", s.converged);
    let mut checked = 0;
    for p in s.parameters.iter().filter(|p| cross_lagged(&p.name)) {
        eprintln!(
            "{:<22} true {:>9.5} bias {:>+9.5} ({:+.2}% ± {:.2}%) coverage {:.3} ± {:.3} power {:.3} sd {:.5} se {:.5}",
            p.name,
            p.true_value,
            p.bias,
            100.0 * p.rel_bias.unwrap(),
            100.0 * p.mcse.rel_bias.unwrap(),
            p.coverage,
            p.mcse.coverage,
            p.power,
            p.emp_sd,
            p.mean_se
        );
        assert!(
            (0.93..=0.97).contains(&p.coverage),
            "{} coverage {}",
            p.name,
            p.coverage
        );
        // The cross-lagged effects are small (standardized .08 and .10): with 1000 replications
        // the Monte Carlo SE of their relative bias is ≈ 2.7%, so "below 2%" can only be
        // checked up to Monte Carlo error: |bias| ≤ 2% of the effect + 2.5 MC SEs.
        let limit = 0.02 * p.true_value.abs() + 2.5 * p.mcse.bias;
        assert!(
            p.bias.abs() <= limit,
            "{} bias {} exceeds {limit}",
            p.name,
            p.bias
        );
        // SEs from the expected information match the sampling variability
        assert!(
            (p.mean_se / p.emp_sd - 1.0).abs() < 0.1,
            "{} se {} vs sd {}",
            p.name,
            p.mean_se,
            p.emp_sd
        );
        checked += 1;
    }
    assert_eq!(checked, 6);
    // the autoregressive effects (z ≈ 8) resolve a 2% bias: check it exactly
    for p in s.parameters.iter().filter(|p| p.op_is_autoregressive()) {
        eprintln!(
            "{:<22} true {:>9.5} bias {:>+9.5} ({:+.2}% ± {:.2}%) coverage {:.3}",
            p.name,
            p.true_value,
            p.bias,
            100.0 * p.rel_bias.unwrap(),
            100.0 * p.mcse.rel_bias.unwrap(),
            p.coverage
        );
        assert!(
            p.mcse.rel_bias.unwrap() < 0.006,
            "{}: Monte Carlo SE too large to resolve 2%",
            p.name
        );
        assert!(
            p.rel_bias.unwrap().abs() < 0.02,
            "{} relative bias {}",
            p.name,
            p.rel_bias.unwrap()
        );
        assert!(
            (0.93..=0.97).contains(&p.coverage),
            "{} coverage {}",
            p.name,
            p.coverage
        );
        checked += 1;
    }
    assert_eq!(checked, 12);
}

/// "Bias below 2% of the effect" for the cross-lagged effects themselves: with 1000
/// replications the Monte Carlo SE of their relative bias is 2–3% (z ≈ 1 effects), too large
/// to tell 2% from 0; with 20 000 replications (~30 s in the debug profile) it is 0.4–0.7%, and the bias
/// must be below 2% outright, and within 3 Monte Carlo SEs of 0. Coverage must be within
/// 0.94–0.96 (its Monte Carlo SE is 0.0015 here).
#[test]
fn riclpm_cross_lagged_bias_below_two_percent_over_20000_replications() {
    let design = riclpm_design(vec![500], 20_000, 777);
    let out = power::PowerRun::new(&design).unwrap().run(None, None);
    let s = &out.summary.as_ref().unwrap().by_n[0];
    assert!(s.converged >= 19_950, "converged {}", s.converged);
    let mut checked = 0;
    for p in s.parameters.iter().filter(|p| cross_lagged(&p.name)) {
        let (rel, mc) = (p.rel_bias.unwrap(), p.mcse.rel_bias.unwrap());
        eprintln!(
            "{:<22} relative bias {:+.3}% ± {:.3}% coverage {:.4} ± {:.4}",
            p.name,
            100.0 * rel,
            100.0 * mc,
            p.coverage,
            p.mcse.coverage
        );
        assert!(
            mc < 0.0075,
            "{}: Monte Carlo SE {mc} cannot resolve 2%",
            p.name
        );
        assert!(rel.abs() < 0.02, "{} relative bias {rel}", p.name);
        assert!(
            rel.abs() < 3.0 * mc,
            "{} relative bias {rel} ± {mc}",
            p.name
        );
        assert!(
            (0.94..=0.96).contains(&p.coverage),
            "{} coverage {}",
            p.name,
            p.coverage
        );
        checked += 1;
    }
    assert_eq!(checked, 6);
}

trait Autoregressive {
    fn op_is_autoregressive(&self) -> bool;
}

impl Autoregressive for power::ParamSummary {
    /// w_close_t ~ w_close_{t-1}, w_lang_t ~ w_lang_{t-1}
    fn op_is_autoregressive(&self) -> bool {
        let Some((lhs, rhs)) = self.name.split_once('~') else {
            return false;
        };
        !rhs.starts_with('~')
            && !rhs.is_empty()
            && lhs.starts_with('w')
            && lhs[..lhs.len() - 1] == rhs[..rhs.len() - 1]
    }
}

#[test]
fn shards_merge_bit_for_bit_and_threads_do_not_matter() {
    let design = riclpm_design(vec![200, 400], 24, 7);
    let run = power::PowerRun::new(&design).unwrap();
    let pool = |k: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(k)
            .build()
            .unwrap()
    };
    let one = pool(1).install(|| run.run(None, None));
    let two = pool(2).install(|| run.run(None, None));
    let json_one = serde_json::to_string_pretty(&one).unwrap();
    assert_eq!(json_one, serde_json::to_string_pretty(&two).unwrap());
    // 3 shards, written and read back as JSON, merged in a different order
    let parts: Vec<String> = (1..=3)
        .map(|k| {
            serde_json::to_string(
                &pool(2).install(|| run.run(Some(Shard { index: k, count: 3 }), None)),
            )
            .unwrap()
        })
        .collect();
    let back: Vec<PowerOutput> = [2, 0, 1]
        .iter()
        .map(|&i| serde_json::from_str(&parts[i]).unwrap())
        .collect();
    let merged = power::merge(back).unwrap();
    assert_eq!(serde_json::to_string_pretty(&merged).unwrap(), json_one);
    // the merge refuses parts of another design
    let other = power::PowerRun::new(&riclpm_design(vec![200, 400], 24, 8)).unwrap();
    let mut mixed: Vec<PowerOutput> = (1..=2)
        .map(|k| run.run(Some(Shard { index: k, count: 3 }), None))
        .collect();
    mixed.push(other.run(Some(Shard { index: 3, count: 3 }), None));
    assert!(power::merge(mixed).is_err());
}

#[test]
fn simulated_data_reproduce_population_moments() {
    let pop =
        Population::from_syntax(&population_a_riclpm(), &PopulationOptions::default()).unwrap();
    // the model's implied moments equal the exact population moments of population_A.json
    // (ses_low = 0 within process) only up to the left-out covariate and classroom effects; they
    // are checked against an independent computation here instead: Var(close_1) = RI + wave 1.
    let i = pop.names.iter().position(|n| n == "close_1").unwrap();
    assert!((pop.sigma[0][[i, i]] - (0.8 * 0.16 + 0.16)).abs() < 1e-12);
    let sim = Simulator::new(&pop, &SimOptions::default()).unwrap();
    let n = 100_000;
    let d = sim.draw_seeded(&[n], 99);
    let m = crosslag_sem::observe::moments::Moments::from_complete(d.values.view());
    let s = &pop.sigma[0];
    let p = pop.names.len();
    let mut worst = 0.0f64;
    for a in 0..p {
        let se = (s[[a, a]] / n as f64).sqrt();
        worst = worst.max((m.mean[a] - pop.mu[0][a]).abs() / se);
        for b in 0..p {
            // Var(s_ab) = (σ_aa σ_bb + σ_ab²)/n for normal data
            let se = ((s[[a, a]] * s[[b, b]] + s[[a, b]].powi(2)) / n as f64).sqrt();
            worst = worst.max((m.cov[[a, b]] - s[[a, b]]).abs() / se);
        }
    }
    eprintln!(
        "largest |sample − population| / MC SE over {} moments: {worst:.2}",
        p * (p + 3) / 2
    );
    assert!(
        worst < 4.0,
        "a sample moment is {worst:.1} Monte Carlo SEs from the population"
    );
}

#[test]
fn bootstrap_of_case10_indirect_effect() {
    let case = load_case("case10_mediation_indirect");
    let lavaan = fit_case(&case);
    let ind_delta = lavaan.parameters.iter().find(|p| p.lhs == "ind").unwrap();
    let opts = BootstrapOptions {
        reps: 1000,
        seed: 1,
        ..BootstrapOptions::default()
    };
    let t0 = Instant::now();
    let out =
        bootstrap::bootstrap(&case.syntax, &case.data, &case.options, &opts, None, None).unwrap();
    let secs = t0.elapsed().as_secs_f64();
    let s = out.summary.as_ref().unwrap();
    let ind = s.parameters.iter().find(|p| p.name == "ind").unwrap();
    let (lo, hi) = ind.percentile;
    let (blo, bhi) = ind.bca.unwrap();
    let bs = s.bollen_stine.as_ref().unwrap();
    eprintln!(
        "case10 bootstrap, 1000 replications + jackknife: {secs:.2} s; ind = {:.4}, delta SE {:.4}, boot SE {:.4}, percentile [{lo:.4}, {hi:.4}], BCa [{blo:.4}, {bhi:.4}]; Bollen–Stine p = {:.3} (χ² = {:.3}, naive p = 0.074)",
        ind.est,
        ind_delta.estimate.se.unwrap(),
        ind.boot_se,
        bs.pvalue,
        bs.chisq
    );
    assert_eq!(s.converged, 1000);
    assert!((ind.est - ind_delta.estimate.est).abs() < 1e-9);
    assert!(
        lo < ind.est && ind.est < hi,
        "percentile interval [{lo}, {hi}] misses {}",
        ind.est
    );
    assert!(blo < ind.est && ind.est < bhi);
    let ratio = ind.boot_se / ind_delta.estimate.se.unwrap();
    assert!(
        (ratio - 1.0).abs() < 0.15,
        "bootstrap SE / delta SE = {ratio}"
    );
    // chi-square 3.19 on 1 df: the Bollen–Stine p is of the same order as the naive p = .074
    assert!(
        bs.used >= 990 && bs.pvalue > 0.01 && bs.pvalue < 0.3,
        "{bs:?}"
    );
}
