//! The analytic gradient and the analytic observed information (Hessian) of the ML objective
//! against central finite differences, on several models, away from the optimum (where the
//! terms that vanish at a perfect fit are not zero).

use crosslag_sem::estimate::optimize::phi_information;
use crosslag_sem::loss::objective::Objective;
use crosslag_sem::observe::moments::Moments;
use crosslag_sem::specify::constraints::Reduction;
use crosslag_sem::specify::partable;
use crosslag_sem::specify::ram::RamModel;
use crosslag_sem::{estimate::start, syntax};
use crosslag_sem::{EntryPoint, ModelOptions};
use ndarray::{Array1, Array2};

/// A positive-definite covariance matrix with unequal scales, and means.
fn moments(p: usize, n: usize) -> Moments {
    let cov = Array2::from_shape_fn((p, p), |(i, j)| {
        let (si, sj) = (1.0 + i as f64, 1.0 + j as f64);
        let r = if i == j {
            1.0
        } else {
            0.45 / (1.0 + (i as f64 - j as f64).abs() * 0.3)
        };
        r * si.sqrt() * sj.sqrt()
    });
    let mean = Array1::from_shape_fn(p, |i| 2.0 + 0.5 * i as f64);
    Moments::new(n, cov, mean)
}

fn check(model: &str, entry: EntryPoint, meanstructure: bool) {
    let syn = syntax::parse(model).unwrap();
    let opts = ModelOptions {
        entry,
        meanstructure: Some(meanstructure),
        int_ov_free: Some(meanstructure),
        fixed_x: false,
        ..ModelOptions::default()
    };
    let (switches, _) = opts.resolve(Default::default());
    let pt = partable::build(&syn, &opts, &switches, 1).unwrap();
    let mom = vec![moments(pt.ov_names.len(), 500)];
    let red = Reduction::build(&pt).unwrap();
    let ram = RamModel::from_partable(&pt);
    let obj = Objective::new(&ram, &red, &mom);
    let theta0 = start::start_values(&pt, &mom, start::StartStyle::Scaled);
    // move away from the start so that every term of the derivatives is exercised
    let phi: Vec<f64> = red
        .phi_from_theta(&theta0)
        .iter()
        .enumerate()
        .map(|(i, v)| v * 1.05 + 0.02 * ((i % 3) as f64 - 1.0))
        .collect();
    let n = phi.len();
    let mut g = vec![0.0; n];
    let f = obj.value_and_gradient(&phi, &mut g);
    assert!(
        f.is_finite(),
        "{model}: objective not finite at the test point"
    );
    let h = phi_information(&obj, &phi, true).unwrap();
    for i in 0..n {
        let step = 1e-6 * phi[i].abs().max(1e-2);
        let (mut a, mut b) = (phi.clone(), phi.clone());
        a[i] += step;
        b[i] -= step;
        let fd = (obj.value(&a) - obj.value(&b)) / (2.0 * step);
        assert!(
            (fd - g[i]).abs() <= 1e-5 * g[i].abs().max(1e-2),
            "{model}: gradient {i}: analytic {} vs finite difference {fd}",
            g[i]
        );
        let (mut ga, mut gb) = (vec![0.0; n], vec![0.0; n]);
        obj.value_and_gradient(&a, &mut ga);
        obj.value_and_gradient(&b, &mut gb);
        for j in 0..n {
            let fd = (ga[j] - gb[j]) / (2.0 * step);
            assert!(
                (fd - h[[j, i]]).abs() <= 1e-5 * h[[j, i]].abs().max(1e-2),
                "{model}: Hessian ({j},{i}): analytic {} vs finite difference {fd}",
                h[[j, i]]
            );
        }
    }
}

#[test]
fn factor_model_with_regression() {
    check(
        "f =~ x1 + x2 + x3\ng =~ x4 + x5 + x6\ng ~ f\nx1 ~~ x4",
        EntryPoint::Sem,
        true,
    );
}

#[test]
fn path_model_without_means() {
    check(
        "y1 ~ x1 + x2\ny2 ~ y1 + x2\ny1 ~~ y2",
        EntryPoint::Sem,
        false,
    );
}

#[test]
fn riclpm_three_waves_with_labels() {
    let model = "RI_x =~ 1*x1 + 1*x2 + 1*x3\nRI_y =~ 1*y1 + 1*y2 + 1*y3\n\
        wx1 =~ 1*x1\nwx2 =~ 1*x2\nwx3 =~ 1*x3\nwy1 =~ 1*y1\nwy2 =~ 1*y2\nwy3 =~ 1*y3\n\
        wx2 ~ a*wx1 + b*wy1\nwy2 ~ c*wx1 + d*wy1\nwx3 ~ a*wx2 + b*wy2\nwy3 ~ c*wx2 + d*wy2\n\
        wx1 ~~ wy1\nwx2 ~~ wy2\nwx3 ~~ wy3\nRI_x ~~ RI_x\nRI_y ~~ RI_y\nRI_x ~~ RI_y\n\
        wx1 ~~ wx1\nwy1 ~~ wy1\nwx2 ~~ wx2\nwy2 ~~ wy2\nwx3 ~~ wx3\nwy3 ~~ wy3\n\
        x1 ~~ 0*x1\nx2 ~~ 0*x2\nx3 ~~ 0*x3\ny1 ~~ 0*y1\ny2 ~~ 0*y2\ny3 ~~ 0*y3";
    check(model, EntryPoint::Lavaan, true);
}

#[test]
fn nonlinear_constraint_starts() {
    let model = "T =~ 1*x1 + 1*x2 + 1*x3 + 1*x4\nT ~~ vt*T\n\
        A1 =~ 1*x1\nA2 =~ 1*x2\nA3 =~ 1*x3\nA4 =~ 1*x4\n\
        A2 ~ ar*A1\nA3 ~ ar*A2\nA4 ~ ar*A3\n\
        A1 ~~ v1*A1\nA2 ~~ vi*A2\nA3 ~~ vi*A3\nA4 ~~ vi*A4\nv1 == vi / (1 - ar^2)\n\
        x1 ~~ s*x1\nx2 ~~ s*x2\nx3 ~~ s*x3\nx4 ~~ s*x4";
    check(model, EntryPoint::Lavaan, true);
}
