//! The analysis: check the options, fit the models of the families, read them, compare
//! them and give the verdict.

use super::comparison::compare_models;
use super::fitted::Fitted;
use super::hypotheses::fit_model;
use super::options::{column, declaration, Models, TransactError, TransactOptions};
use super::report::{FitIndices, Layout, ModelReport, Transact};
use super::verdict;
use crate::families::panel::{self, Family, GroupLagged};
use crate::observe::Data;
use crate::specify::options::Missing;
use crate::stats;

/// Whether a wave-1 score of x or y is missing in the data.
pub(super) fn wave1_missing(data: &Data, opts: &TransactOptions) -> bool {
    let Data::Raw { names, values, .. } = data else {
        return false;
    };
    let Some(w1) = opts.waves.labels().into_iter().next() else {
        return false;
    };
    [&opts.x, &opts.y].iter().any(|stem| {
        let col = column(opts, stem, &w1);
        names
            .iter()
            .position(|n| *n == col)
            .is_some_and(|j| values.column(j).iter().any(|v| !v.is_finite()))
    })
}

pub(super) fn group_labels_of(data: &Data) -> (usize, Vec<String>) {
    match data {
        Data::Raw {
            group: Some(_),
            group_labels,
            ..
        } => (group_labels.len().max(1), group_labels.clone()),
        Data::Raw { .. } => (1, Vec::new()),
        Data::Moments {
            groups,
            group_labels,
            ..
        } => (groups.len(), group_labels.clone()),
    }
}

pub(super) fn check_options(opts: &TransactOptions, ngroups: usize) -> Result<(), TransactError> {
    let bad = |m: String| Err(TransactError::Options(m));
    if !(opts.alpha > 0.0 && opts.alpha < 1.0) {
        return bad(format!(
            "alpha must be between 0 and 1 (got {})",
            opts.alpha
        ));
    }
    if opts.x == opts.y {
        return bad(format!("x and y are the same construct ('{}')", opts.x));
    }
    if opts.waves.labels().len() < 3 && opts.models != Models::Clpm {
        return bad(format!(
            "the RI-CLPM needs at least 3 waves (got {}); use the CLPM only",
            opts.waves.labels().len()
        ));
    }
    if opts.group.is_some() && ngroups < 2 {
        return bad("a group column was named but the data have fewer than two groups".into());
    }
    if opts.group.is_none() && ngroups > 1 {
        return bad("the data have several groups: name the group column".into());
    }
    if opts.chibar_draws == 0 {
        return bad("the number of Monte Carlo draws must be positive".into());
    }
    Ok(())
}

/// Runs the analysis: fits, tests, comparison, verdict.
pub fn analyze(data: &Data, opts: &TransactOptions) -> Result<Transact, TransactError> {
    let (ngroups, group_labels) = group_labels_of(data);
    check_options(opts, ngroups)?;
    let zq = stats::qnorm(1.0 - opts.alpha / 2.0);
    let mut fitted: Vec<Fitted> = Vec::new();
    for family in opts.families() {
        let decl = declaration(opts, family, &group_labels, GroupLagged::Free);
        let model = panel::generate(&decl)?;
        let mut fo = model.fit_options.clone();
        fo.estimation.estimator = opts.estimator;
        fo.estimation.missing = opts.missing;
        fo.output.vcov = true;
        let mut notes = Vec::new();
        let mut extra = String::new();
        if family == Family::Clpm
            && opts.missing == Missing::Ml
            && opts.covariates.is_empty()
            && wave1_missing(data, opts)
        {
            // lavaan (and the engine) delete cases with a missing fixed.x covariate under
            // FIML, so the CLPM would be fitted to fewer cases than the RI-CLPM: the wave-1
            // scores are made ordinary variables. fixed.x = FALSE alone frees their moments
            // (partable.rs); the covariance is also written out so that the printed syntax,
            // run through lavaan's sem() with its default fixed.x = TRUE, is the same model
            // (a user-written covariance makes lavaan treat them as ordinary variables).
            fo.model.fixed_x = false;
            let w1 = opts.waves.labels()[0].clone();
            extra = format!(
                "\n# wave-1 covariance (fixed.x = FALSE: wave-1 scores have missing values)\n{} ~~ {}\n",
                column(opts, &opts.x, &w1),
                column(opts, &opts.y, &w1)
            );
            notes.push(
                "some wave-1 scores are missing: the CLPM is fitted with fixed.x = FALSE (wave-1 means, variances and covariance estimated) so that it keeps every case, as the RI-CLPM does".to_string(),
            );
        }
        let syntax = format!("{}{extra}", model.syntax);
        let res = fit_model(&syntax, data, &fo, family.title())?;
        fitted.push(Fitted {
            opts,
            data,
            layout: Layout::new(opts, family),
            syntax,
            extra,
            fo,
            res,
            group_labels: group_labels.clone(),
            zq,
            notes,
        });
    }
    let mut models = Vec::new();
    for f in &fitted {
        let family = if f.layout.x.intercept.is_some() {
            Family::Riclpm
        } else {
            Family::Clpm
        };
        let groups = (1..=f.res.ngroups)
            .map(|g| f.group_report(g))
            .collect::<Result<Vec<_>, _>>()?;
        let (overall, group_tests) = if f.res.ngroups > 1 {
            (
                vec![
                    f.joint(&f.layout.x, &f.layout.y)?,
                    f.joint(&f.layout.y, &f.layout.x)?,
                ],
                f.group_tests(family)?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        models.push(ModelReport {
            family,
            name: family.title().to_string(),
            syntax: f.syntax.clone(),
            converged: f.res.converged,
            fit: FitIndices::of(&f.res),
            groups,
            overall,
            group_tests,
            warnings: f.res.warnings.clone(),
            notes: f.notes.clone(),
            layout: f.layout.clone(),
            parameters: f.res.parameters.clone(),
        });
    }
    let comparison = match (
        fitted.iter().find(|f| f.layout.x.intercept.is_none()),
        fitted.iter().find(|f| f.layout.x.intercept.is_some()),
    ) {
        (Some(clpm), Some(riclpm)) => Some(compare_models(clpm, riclpm, opts)),
        _ => None,
    };
    let nobs = fitted
        .first()
        .map(|f| f.res.nobs.clone())
        .unwrap_or_default();
    let verdict = verdict::verdict(opts, &models, comparison.as_ref());
    Ok(Transact {
        x: opts.x.clone(),
        y: opts.y.clone(),
        waves: opts.waves.labels(),
        alpha: opts.alpha,
        estimator: opts.estimator,
        missing: opts.missing,
        constrain: opts.constrain.clone(),
        covariates: opts.covariates.clone(),
        group: opts.group.clone(),
        group_labels,
        nobs,
        models,
        comparison,
        verdict,
    })
}
