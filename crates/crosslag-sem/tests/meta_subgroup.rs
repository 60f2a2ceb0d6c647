//! Subgroup analysis of Roorda11 (SES > 50 vs SES <= 50, Jak & Cheung 2018) against metaSEM
//! 1.5.5: per-group random-effects stage 1 and stage 2 (diag.constraints = FALSE), and the
//! χ²-difference test of equal regression paths (b31, b32, b43 shared, p21 per group).
//! End to end: the stage-2 input is crosslag's own stage 1.

use crosslag_sem::meta::data::StudySet;
use crosslag_sem::meta::stage1::{random_effects, RemOptions, TauType};
use crosslag_sem::meta::stage2::{
    fit_stage2, group_from_stage1, PathModel, SeType, Sharing, Stage2Options,
};
use crosslag_sem::meta::subgroup::split;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../../tests/fixtures/meta/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn close(what: &str, a: f64, b: Option<f64>, tol: f64, floor: f64) -> f64 {
    let b = b.unwrap_or_else(|| panic!("{what}: no reference value"));
    let d = (a - b).abs() / b.abs().max(floor);
    assert!(
        d <= tol,
        "{what}: crosslag {a} vs metaSEM {b} (rel {d:.2e} > {tol:.0e})"
    );
    d
}

#[test]
fn roorda_ses_subgroups_match_metasem() {
    let path = format!(
        "{}/../../datasets/meta/roorda11_correlations_long.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let set = StudySet::from_text(&std::fs::read_to_string(path).unwrap(), None).unwrap();
    let fx = fixture("roorda11_subgroup_ses.json");
    let groups = split(&set, "SES > 50").unwrap();
    assert_eq!(groups[0].0, "SES > 50");
    assert_eq!(groups[1].0, "SES <= 50");
    let model =
        PathModel::from_syntax(fx["model_lavaan"].as_str().unwrap(), &set.variables).unwrap();
    let mut data = Vec::new();
    let mut free_chisq = 0.0;
    let mut worst: Vec<(String, f64)> = Vec::new();
    let mut note = |k: &str, d: f64| match worst.iter_mut().find(|(n, _)| n == k) {
        Some(e) => e.1 = e.1.max(d),
        None => worst.push((k.to_string(), d)),
    };
    for ((_, keep), key) in groups.iter().zip(["low", "high"]) {
        let sub = set.subset(keep);
        let g = &fx[key];
        assert_eq!(sub.studies.len() as f64, g["data"]["k"].as_f64().unwrap());
        let s1 = random_effects(
            &sub,
            RemOptions {
                tau: TauType::Diag,
                lb_ci: false,
            },
        )
        .unwrap();
        let r = &g["stage1"];
        for i in 0..6 {
            note(
                "stage1 r",
                close(
                    &format!("{key} r{i}"),
                    s1.pooled_r.estimate[i],
                    r["pooled_r"]["estimate"][i].as_f64(),
                    1e-5,
                    1.0,
                ),
            );
            note(
                "stage1 r se",
                close(
                    &format!("{key} r se{i}"),
                    s1.pooled_r.se[i].unwrap(),
                    r["pooled_r"]["se"][i].as_f64(),
                    1e-3,
                    0.01,
                ),
            );
            note(
                "stage1 tau2",
                close(
                    &format!("{key} tau2 {i}"),
                    s1.tau2.estimate[i],
                    r["tau2"]["estimate"][i].as_f64(),
                    1e-4,
                    1e-6,
                ),
            );
            for j in 0..6 {
                let theirs = r["pooled_r_acov"]["values"][i][j].as_f64();
                note(
                    "stage1 acov",
                    close(
                        &format!("{key} acov {i},{j}"),
                        s1.pooled_r_acov[i][j],
                        theirs,
                        2e-3,
                        1e-4,
                    ),
                );
            }
        }
        note(
            "Q",
            close(&format!("{key} Q"), s1.q.q, r["Q"]["Q"].as_f64(), 1e-8, 1.0),
        );
        note(
            "-2LL",
            close(
                &format!("{key} -2LL"),
                s1.minus2ll,
                r["minus2LL"].as_f64(),
                1e-7,
                1.0,
            ),
        );
        assert_eq!(
            s1.vcov_pseudo_inverse,
            !r["vcov_warnings"].is_null(),
            "{key}: pseudo-inverse"
        );
        let gd = group_from_stage1(&s1.pooled_r.estimate, &s1.pooled_r_acov, s1.total_n);
        let s2 = fit_stage2(
            &model,
            std::slice::from_ref(&gd),
            Stage2Options {
                se: SeType::Computed,
                lb_ci: true,
                sharing: Sharing::None,
            },
        )
        .unwrap();
        let p = &g["stage2"]["parameters"];
        for (k, name) in p["name"].as_array().unwrap().iter().enumerate() {
            let name = name.as_str().unwrap();
            let row = s2.parameters.iter().find(|r| r.label == name).unwrap();
            note(
                "stage2 est",
                close(
                    &format!("{key} {name}"),
                    row.est,
                    p["estimate"][k].as_f64(),
                    1e-4,
                    1.0,
                ),
            );
            note(
                "stage2 se",
                close(
                    &format!("{key} {name} se"),
                    row.se.unwrap(),
                    p["se"][k].as_f64(),
                    1e-3,
                    0.01,
                ),
            );
            note(
                "stage2 ci",
                close(
                    &format!("{key} {name} lo"),
                    row.ci_lower.unwrap(),
                    p["profile_exact_lbound"][k].as_f64(),
                    1e-3,
                    0.0,
                ),
            );
            note(
                "stage2 ci",
                close(
                    &format!("{key} {name} hi"),
                    row.ci_upper.unwrap(),
                    p["profile_exact_ubound"][k].as_f64(),
                    1e-3,
                    0.0,
                ),
            );
        }
        let f = &g["stage2"]["fit"];
        note(
            "stage2 chisq",
            close(
                &format!("{key} chisq"),
                s2.fit.chisq,
                f["chisq"].as_f64(),
                1e-4,
                1.0,
            ),
        );
        for (k, v) in [
            ("RMSEA", s2.fit.rmsea),
            ("SRMR", s2.fit.srmr),
            ("CFI", s2.fit.cfi),
            ("TLI", s2.fit.tli.unwrap()),
        ] {
            let d = (v - f[k].as_f64().unwrap()).abs();
            assert!(d < 1e-4, "{key} {k}: {v} vs {}", f[k]);
            note("stage2 indices (abs)", d);
        }
        free_chisq += s2.fit.chisq;
        data.push(gd);
    }
    let eq = &fx["equality_test"];
    note(
        "free chisq",
        close(
            "free chisq",
            free_chisq,
            eq["free_model"]["chisq"].as_f64(),
            1e-4,
            1.0,
        ),
    );
    let c = fit_stage2(
        &model,
        &data,
        Stage2Options {
            se: SeType::Computed,
            lb_ci: false,
            sharing: Sharing::Paths,
        },
    )
    .unwrap();
    let cm = &eq["constrained_model"];
    note(
        "constrained chisq",
        close(
            "constrained chisq",
            c.fit.chisq,
            cm["chisq"].as_f64(),
            1e-4,
            1.0,
        ),
    );
    assert_eq!(c.fit.df as f64, cm["df"].as_f64().unwrap());
    let p = &cm["parameters"];
    for (k, name) in p["name"].as_array().unwrap().iter().enumerate() {
        let name = name.as_str().unwrap();
        let (label, group) = match name.strip_suffix("_high") {
            Some(base) => (base, 2),
            None => (name, 1),
        };
        let row = c
            .parameters
            .iter()
            .find(|r| r.label == label && r.group == group)
            .unwrap();
        note(
            "constrained est",
            close(name, row.est, p["estimate"][k].as_f64(), 1e-4, 1.0),
        );
        note(
            "constrained se",
            close(
                &format!("{name} se"),
                row.se.unwrap(),
                p["se"][k].as_f64(),
                1e-3,
                0.01,
            ),
        );
    }
    let dchi = c.fit.chisq - free_chisq;
    note(
        "chisq diff",
        close("chisq diff", dchi, eq["chisq_diff"].as_f64(), 1e-4, 1.0),
    );
    assert_eq!((c.fit.df - 4) as f64, eq["df_diff"].as_f64().unwrap());
    let pval = crosslag_sem::stats::pchisq_upper(dchi, 3.0);
    note("p", (pval - eq["p"].as_f64().unwrap()).abs());
    assert!((pval - eq["p"].as_f64().unwrap()).abs() < 1e-4);
    for (k, d) in &worst {
        eprintln!("subgroups: {k}: largest relative difference {d:.2e}");
    }
}
