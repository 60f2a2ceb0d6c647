//! `bounds = "pos.var"` (crosslag `--bounds pos-var`) against lavaan 0.6.14, and simple
//! bounds from `label > c` constraints.
//!
//! The oracle (tests/data/lavaan_bounds_case16a.json, written by tests/data/lavaan_bounds.R)
//! is case16a's LCM-SR with its lagged paths free per interval: unbounded, three variances are
//! negative; with the bounds, lavaan stops where `s_close ~~ s_close` sits on 0, a local minimum
//! below which crosslag finds a lower one.

use crosslag_sem::{Bounds, FitOptions};
use crosslag_tests::*;
use serde_json::Value;

fn oracle() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lavaan_bounds_case16a.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("oracle")).expect("json")
}

fn fit_bounded(bounds: Bounds) -> (Value, crosslag_sem::FitResult) {
    let o = oracle();
    let vars: Vec<String> = ["close", "lang"]
        .iter()
        .flat_map(|s| (1..=4).map(move |t| format!("{s}_{t}")))
        .collect();
    let csv = reference_dir().join(o["data"].as_str().unwrap());
    let data = load_raw(&csv, &vars, None, None);
    let opts = FitOptions {
        model: crosslag_sem::ModelOptions {
            entry: crosslag_sem::EntryPoint::Lavaan,
            bounds,
            ..crosslag_sem::ModelOptions::default()
        },
        ..FitOptions::default()
    };
    let res = crosslag_sem::fit(o["syntax"].as_str().unwrap(), &data, &opts).expect("fit");
    (o, res)
}

#[test]
fn pos_var_matches_lavaan() {
    let (o, res) = fit_bounded(Bounds::PosVar);
    assert!(o["parameters"].is_array());
    assert!(res.converged, "{}", res.optimizer_reason);
    // every variance at or above its bound
    for p in res
        .parameters
        .iter()
        .filter(|p| p.op.as_str() == "~~" && p.lhs == p.rhs)
    {
        assert!(
            p.estimate.est >= 0.0,
            "{} ~~ {} = {}",
            p.lhs,
            p.rhs,
            p.estimate.est
        );
    }
    // lavaan's nlminb stops at the minimum its start leads to (fx 0.005823155…, with
    // `s_close ~~ s_close` on its bound); crosslag's starts find a lower one (three
    // variances on their bounds) and report lavaan's as the next local minimum: its χ² is
    // crosslag's plus the difference the warning gives.
    let fx_lavaan = o["fx"].as_f64().unwrap();
    assert!(
        res.fmin <= fx_lavaan + 1e-12,
        "fx {} vs lavaan {fx_lavaan}",
        res.fmin
    );
    let chisq_lavaan = o["chisq"].as_f64().unwrap();
    let warning = res
        .warnings
        .iter()
        .find(|w| w.contains("other local minima"))
        .expect("a warning about the other local minimum");
    let difference: f64 = warning
        .split("chi-square ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|t| t.parse().ok())
        .expect("the chi-square difference");
    assert!(
        (res.chisq + difference - chisq_lavaan).abs() < 1e-3,
        "{} + {difference} vs lavaan {chisq_lavaan}",
        res.chisq
    );
}

/// Without bounds the same model is inadmissible and says so.
#[test]
fn unbounded_is_inadmissible() {
    let (_, res) = fit_bounded(Bounds::None);
    assert!(res
        .parameters
        .iter()
        .any(|p| p.op.as_str() == "~~" && p.lhs == p.rhs && p.estimate.est < 0.0));
    assert!(res.warnings.iter().any(|w| w.contains("negative")));
}

/// A user bound `label > c`: the KKT conditions hold at the solution (the bounded parameter
/// on its bound, fx no lower than without it), and with a bound that is not active the
/// solution is the unbounded one.
#[test]
fn user_lower_bound() {
    let case = load_case("case02_riclpm_ml");
    let free = fit_case(&case);
    let target = free
        .parameters
        .iter()
        .find(|p| p.lhs == "RI_close" && p.op.as_str() == "~~" && p.rhs == "RI_close")
        .expect("RI variance")
        .estimate
        .est;
    let fx_free = free.chisq;
    let label = |s: &str, bound: f64| {
        s.replace("RI_close ~~ RI_close", "RI_close ~~ v_ri*RI_close")
            + &format!("\nv_ri > {bound}\n")
    };
    // inactive bound: same solution
    let loose = crosslag_sem::fit(
        &label(&case.syntax, target / 2.0),
        &case.data,
        &case.options,
    )
    .expect("fit");
    assert!(close(loose.chisq, fx_free, 1e-9, 1.0));
    // active bound: the estimate sits on it, chisq rises, SE 0 as in lavaan (active
    // inequality constraints enter lavaan's bordered information)
    let tight = crosslag_sem::fit(
        &label(&case.syntax, 2.0 * target),
        &case.data,
        &case.options,
    )
    .expect("fit");
    assert!(tight.converged, "{}", tight.optimizer_reason);
    let p = tight
        .parameters
        .iter()
        .find(|p| p.lhs == "RI_close" && p.op.as_str() == "~~" && p.rhs == "RI_close")
        .unwrap();
    assert_eq!(p.estimate.est, 2.0 * target);
    assert!(
        p.estimate.se.unwrap_or(1.0).abs() < 1e-8,
        "{:?}",
        p.estimate.se
    );
    assert!(tight.chisq > fx_free + 1e-3);
}
