//! A power or bootstrap replication computes its standard errors by the same code as
//! `crosslag fit` (`infer::standard_errors`): refitted to the same data from the fit's
//! estimates, the lean refit reproduces every estimate and standard error of the fit — also
//! where lavaan 0.6.14's generalized inverse drops a direction of the information matrix
//! (case16a's LCM-SR) and where a bound is active (the free-path LCM-SR with
//! bounds = "pos.var", one variance held at 0).

use crosslag_sem::analyses::refit::Analysis;
use crosslag_sem::observe::moments::Moments;
use crosslag_sem::{Bounds, Data, FitOptions, FitResult};
use crosslag_tests::{load_case, load_raw, reference_dir};
use ndarray::Array2;

/// Fit `syntax` to `data`, refit it by the lean path from the fit's estimates, and compare
/// every reported parameter. Returns the largest relative SE difference.
fn refit_equals_fit(syntax: &str, data: &Data, opts: &FitOptions) -> (FitResult, f64) {
    let fit = crosslag_sem::fit(syntax, data, opts).expect("fit");
    assert!(fit.converged, "{:?}", fit.warnings);
    let analysis = Analysis::new(syntax, opts, 1).expect("analysis");
    let Data::Raw { names, values, .. } = data else {
        unreachable!()
    };
    let cols = analysis.columns(names).unwrap();
    let x = Array2::from_shape_fn((values.nrows(), cols.len()), |(i, j)| values[[i, cols[j]]]);
    let moments = vec![Moments::from_complete(x.view())];
    let find = |lhs: &str, op: &str, rhs: &str| {
        fit.parameters
            .iter()
            .find(|p| p.lhs == lhs && p.op.as_str() == op && p.rhs == rhs)
            .map(|p| p.estimate.est)
    };
    let base = vec![0.0; analysis.model.red.nphi];
    let phi0 = analysis.phi_from_rows(&base, |r| find(&r.lhs, r.op.as_str(), &r.rhs));
    let refit = analysis.refit(&moments, None, &phi0).expect("refit");
    assert!(refit.converged);
    let mut worst: f64 = 0.0;
    for (k, info) in analysis.params.iter().enumerate() {
        let row = fit
            .parameters
            .iter()
            .find(|p| p.lhs == info.lhs && p.op.as_str() == info.op && p.rhs == info.rhs)
            .expect("a row of the fit");
        let est = refit.est[k];
        assert!(
            (est - row.estimate.est).abs() <= 1e-6 * row.estimate.est.abs().max(1.0),
            "{}: estimate {est} vs fit {}",
            info.name,
            row.estimate.est
        );
        let (Some(a), Some(b)) = (refit.se[k], row.estimate.se) else {
            panic!(
                "{}: SE {:?} vs fit {:?}",
                info.name, refit.se[k], row.estimate.se
            );
        };
        let rel = (a - b).abs() / b.abs().max(1e-8);
        assert!(rel < 1e-6, "{}: SE {a} vs fit {b}", info.name);
        worst = worst.max(rel);
    }
    (fit, worst)
}

#[test]
fn dropped_direction_case16a() {
    let case = load_case("case16a_lcmsr");
    let (fit, worst) = refit_equals_fit(&case.syntax, &case.data, &case.options);
    // the fit drops a direction, as lavaan 0.6.14's MASS::ginv does, and says so
    assert!(
        fit.warnings
            .iter()
            .any(|w| w.contains("generalized inverse")),
        "{:?}",
        fit.warnings
    );
    // i_lang ~~ i_lang: 4.87 with the dropped direction, 853.6 with the exact inverse
    let se = fit
        .parameters
        .iter()
        .find(|p| p.lhs == "i_lang" && p.op.as_str() == "~~" && p.rhs == "i_lang")
        .and_then(|p| p.estimate.se)
        .unwrap();
    assert!(se < 10.0, "{se}");
    eprintln!("case16a: largest relative SE difference {worst:.2e}");
}

#[test]
fn active_bound_pos_var() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lavaan_bounds_case16a.json");
    let o: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let syntax = o["syntax"].as_str().unwrap();
    let vars = crosslag_sem::model_variables(syntax).unwrap();
    let data = load_raw(
        &reference_dir().join(o["data"].as_str().unwrap()),
        &vars,
        None,
        None,
    );
    let mut opts = FitOptions::default();
    opts.model.entry = crosslag_sem::EntryPoint::Lavaan;
    opts.model.bounds = Bounds::PosVar;
    let (fit, worst) = refit_equals_fit(syntax, &data, &opts);
    // s_close ~~ s_close sits on its bound (a box constraint, not an equality row), in the
    // lean refit as in the fit
    let row = fit
        .parameters
        .iter()
        .find(|p| p.lhs == "s_close" && p.op.as_str() == "~~" && p.rhs == "s_close")
        .unwrap();
    assert!(row.estimate.est.abs() < 1e-10, "{row:?}");
    assert!(row.estimate.se.is_some_and(|se| se > 0.0), "{row:?}");
    assert!(o["parameters"].is_array());
    eprintln!("pos.var: largest relative SE difference {worst:.2e}");
}
