//! Unit tests of the transact module's pieces (the whole analysis is tested on data in
//! `tests/transact.rs`).

use super::hypotheses::decide;
use super::report::Layout;
use super::*;
use crate::families::panel::{self, Constraint, Family, GroupLagged, Waves};
use crate::observe::Data;

#[test]
fn declarations_and_columns() {
    let mut opts = TransactOptions::new("anti", "read", 4);
    opts.column_pattern = "{stem}{wave}".into();
    opts.constrain = vec![Constraint::Lagged, Constraint::Means];
    opts.covariates = vec!["male".into()];
    let cols = columns(&opts).unwrap();
    for c in ["anti1", "anti4", "read1", "read4", "male"] {
        assert!(cols.contains(&c.to_string()), "{cols:?}");
    }
    // the means constraint is not passed to the CLPM (whose means are intercepts)
    let clpm = declaration(&opts, Family::Clpm, &[], GroupLagged::Free);
    assert_eq!(clpm.options.constrain, vec![Constraint::Lagged]);
    assert!(panel::generate(&clpm).is_ok());
    let ri = declaration(&opts, Family::Riclpm, &[], GroupLagged::Free);
    assert_eq!(ri.options.constrain.len(), 2);
    assert_eq!(ri.options.observed_predictors, vec!["male".to_string()]);
}

#[test]
fn layout_paths() {
    let opts = TransactOptions::new("close", "lang", 3);
    let ri = Layout::new(&opts, Family::Riclpm);
    let p = ri.paths(&ri.x, &ri.y);
    assert_eq!(p.len(), 2);
    assert_eq!(
        (p[0].lhs.as_str(), p[0].rhs.as_str()),
        ("w_lang_2", "w_close_1")
    );
    assert_eq!(ri.x.intercept.as_deref(), Some("RI_close"));
    let cl = Layout::new(&opts, Family::Clpm);
    let p = cl.paths(&cl.y, &cl.x);
    assert_eq!(
        (p[1].lhs.as_str(), p[1].rhs.as_str()),
        ("close_3", "lang_2")
    );
    assert!(cl.x.intercept.is_none());
    // the lagged paths of the generated syntax are exactly these
    let model =
        panel::generate(&declaration(&opts, Family::Riclpm, &[], GroupLagged::Free)).unwrap();
    let fixed = edit::fix_at_zero(&model.syntax, &ri.paths(&ri.x, &ri.y), None, 1).unwrap();
    assert!(fixed.contains("w_lang_2 ~ 0*w_close_1"), "{fixed}");
    assert!(fixed.contains("w_lang_3 ~ 0*w_close_2"), "{fixed}");
}

#[test]
fn options_are_checked() {
    let data = Data::Moments {
        names: vec![],
        groups: vec![],
        group_labels: vec![],
    };
    let mut opts = TransactOptions::new("close", "close", 4);
    assert!(matches!(
        analyze(&data, &opts),
        Err(TransactError::Options(_))
    ));
    opts.y = "lang".into();
    opts.alpha = 1.5;
    assert!(matches!(
        analyze(&data, &opts),
        Err(TransactError::Options(_))
    ));
    opts.alpha = 0.05;
    opts.waves = Waves::Count(2);
    assert!(matches!(
        analyze(&data, &opts),
        Err(TransactError::Options(_))
    ));
}

#[test]
fn decisions_and_words() {
    assert_eq!(verdict::fmt_p(0.0004), "< .001");
    assert_eq!(verdict::fmt_p(0.0234), "= .023");
    assert_eq!(verdict::fmt_std(Some(-0.061)), "−.06");
    assert_eq!(
        Conclusion::XDrivesY.label("close", "lang"),
        "close drives lang"
    );
    let w = WaldTest {
        chisq: 9.0,
        df: 1,
        pvalue: 0.0027,
        parameters: vec![],
    };
    assert_eq!(decide(None, Some(&w), 0.05), (true, Some(0.0027)));
    let l = LrtTest {
        hypothesis: String::new(),
        chisq: Some(1.0),
        df: Some(1.0),
        pvalue: Some(0.3),
        method: Some(crate::analyses::compare::LrtMethod::Standard),
        restricted_syntax: String::new(),
        warnings: vec![],
    };
    assert_eq!(decide(Some(&l), Some(&w), 0.05), (false, Some(0.3)));
}
