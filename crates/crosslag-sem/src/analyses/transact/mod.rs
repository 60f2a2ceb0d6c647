//! The transactional-effects analysis (`crosslag transact`): does x drive y, y drive x, both
//! (a transactional process), or neither?
//!
//! [`analyze`] builds the CLPM and the RI-CLPM of two constructs from panel declarations
//! ([`crate::families::panel`]; never hand-written syntax), fits both, and reports:
//!
//! 1. **Which model the data support**: the χ̄² test of the random-intercept variances
//!    ([`chibar`]; Stoel et al., 2006; Hamaker et al., 2015), with weights from the sampling
//!    covariance matrix of the RI variance estimates (the RI-CLPM's covariance matrix of the
//!    estimates), next to the naive χ² difference test. The RI-CLPM is preferred when the
//!    χ̄² test rejects the CLPM at α.
//! 2. **Per model, group and direction** (x → y, y → x): the cross-lagged effects per interval
//!    (one shared effect when lagged effects are constrained over time), unstandardized and
//!    standardized (std.all), with SE, z, p and a (1 − α) Wald interval; a joint Wald test
//!    that all effects of the direction are zero, `W = b̂ᵀ V̂⁻¹ b̂ ~ χ²(m)` with one element
//!    per *free parameter* (copies of a labelled, equality-constrained effect count once:
//!    rows are reduced to distinct labels, each taken at the first copy's index in the
//!    covariance matrix of the estimates); and a likelihood-ratio test against the model with
//!    those effects fixed at 0. The restricted model is the generated syntax with the terms
//!    edited ([`edit`]: parsed, the selected regression terms given the fixed value 0,
//!    written back), so it is nested by construction. With MLR the LRT is the
//!    Satorra–Bentler (2001) scaled difference ([`crate::analyses::compare`]).
//! 3. **A verdict** ([`Verdict`]) at α from the preferred model: *transactional* (both
//!    directions), *x drives y*, *y drives x*, or *no evidence of lagged effects*. A direction
//!    counts when its likelihood-ratio test rejects at α (the Wald test when the LRT is not
//!    available); a Wald test that disagrees is mentioned. The verdict carries the
//!    autoregressive effects, the correlation of the random intercepts (the stable
//!    between-person association), the fit indices, and every warning about the fits —
//!    inadmissible solutions (negative variances, non-positive-definite covariance matrices,
//!    common with three waves) among them.
//! 4. **Several groups** (`group`): everything per group, a joint test over groups, and two
//!    tests of group differences: cross-lagged effects equal across groups (the edited
//!    model, labels shared across groups on the cross-lagged terms only) and all lagged
//!    effects equal across groups (the panel declaration's `groups.lagged = labels`), each
//!    against the model with everything free per group.
//!
//! A time-invariant covariate enters both models as a predictor of the observed scores with
//! effects equal over time (the declaration's `observed_predictors`; Mulder & Hamaker, 2021,
//! extension 1), which keeps the CLPM nested in the RI-CLPM.
//!
//! Everything here is a pure function of the data and the options; the result types are
//! serde-serializable (the JSON of `crosslag transact --format json`).
//!
//! References: Hamaker, Kuiper & Grasman (2015), *Psychological Methods* 20, 102–116; Stoel,
//! Garre, Dolan & van den Wittenboer (2006), *Psychological Methods* 11, 439–455; Mulder &
//! Hamaker (2021), *Structural Equation Modeling* 28, 638–648.

pub mod chibar;
pub mod edit;
mod verdict;

#[cfg(test)]
mod tests;

use crate::analyses::compare;
use crate::error::SemError;
use crate::families::panel::{
    self, Constraint, Construct, Family, GroupLagged, MultiGroup, PanelDeclaration, PanelError,
    Waves,
};
use crate::linalg;
use crate::observe::Data;
use crate::report::{FitResult, ParameterRow};
use crate::specify::options::{Estimator, FitOptions, Missing};
use crate::stats;
use edit::{EditError, Path};
use ndarray::Array2;
use serde::Serialize;

pub use chibar::ChiBarTest;
pub use verdict::{Conclusion, GroupVerdict, Verdict};

/// Which models to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Models {
    /// CLPM and RI-CLPM, compared by the χ̄² test.
    Both,
    Riclpm,
    Clpm,
}

/// What to analyse and how.
#[derive(Debug, Clone)]
pub struct TransactOptions {
    /// First construct (name and column stem): the "x" of x → y.
    pub x: String,
    /// Second construct.
    pub y: String,
    pub waves: Waves,
    /// Column names: `{stem}` and `{wave}` are replaced (default `{stem}_{wave}`).
    pub column_pattern: String,
    pub models: Models,
    /// Parameters held equal over time (in both models).
    pub constrain: Vec<Constraint>,
    /// Time-invariant covariates (predictors of the observed scores, effects equal over time).
    pub covariates: Vec<String>,
    /// Grouping column (the data must carry the groups).
    pub group: Option<String>,
    pub estimator: Estimator,
    pub missing: Missing,
    /// Significance level of the tests and the verdict; intervals are (1 − α) intervals.
    pub alpha: f64,
    /// Monte Carlo draws and seed for χ̄² weights with more than three variances (several
    /// groups).
    pub chibar_draws: usize,
    pub seed: u64,
}

impl TransactOptions {
    /// Both models, no constraints, ML, listwise, α = 0.05.
    pub fn new(x: &str, y: &str, waves: usize) -> TransactOptions {
        TransactOptions {
            x: x.to_string(),
            y: y.to_string(),
            waves: Waves::Count(waves),
            column_pattern: panel::DEFAULT_COLUMN_PATTERN.to_string(),
            models: Models::Both,
            constrain: Vec::new(),
            covariates: Vec::new(),
            group: None,
            estimator: Estimator::Ml,
            missing: Missing::Listwise,
            alpha: 0.05,
            chibar_draws: chibar::DEFAULT_DRAWS,
            seed: chibar::DEFAULT_SEED,
        }
    }

    fn families(&self) -> Vec<Family> {
        match self.models {
            Models::Both => vec![Family::Clpm, Family::Riclpm],
            Models::Riclpm => vec![Family::Riclpm],
            Models::Clpm => vec![Family::Clpm],
        }
    }
}

/// Why the analysis cannot be run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransactError {
    #[error("{0}")]
    Options(String),
    #[error("{0}")]
    Panel(#[from] PanelError),
    #[error("{model}: {source}")]
    Fit { model: String, source: SemError },
    #[error("{0}")]
    Edit(#[from] EditError),
}

/// The panel declaration of one family (constructs x and y; `group_labels` in the data's
/// order, needed when labels differ between groups).
pub fn declaration(
    opts: &TransactOptions,
    family: Family,
    group_labels: &[String],
    lagged: GroupLagged,
) -> PanelDeclaration {
    let mut decl = PanelDeclaration::new(
        family,
        vec![Construct::new(&opts.x), Construct::new(&opts.y)],
        0,
    );
    decl.waves = opts.waves.clone();
    decl.column_pattern = opts.column_pattern.clone();
    // grand means are not parameters of the CLPM (its means are regression intercepts)
    decl.options.constrain = opts
        .constrain
        .iter()
        .copied()
        .filter(|c| !(family == Family::Clpm && *c == Constraint::Means))
        .collect();
    decl.options.observed_predictors = opts.covariates.clone();
    decl.options.groups = opts.group.as_ref().map(|g| MultiGroup {
        variable: g.clone(),
        labels: group_labels.to_vec(),
        lagged,
    });
    decl
}

/// The data columns the analysis needs: the repeated measures of x and y and the covariates
/// (not the group or cluster column).
pub fn columns(opts: &TransactOptions) -> Result<Vec<String>, TransactError> {
    let labels: Vec<String> = if opts.group.is_some() {
        vec!["1".into(), "2".into()]
    } else {
        Vec::new()
    };
    let model = panel::generate(&declaration(
        opts,
        Family::Riclpm,
        &labels,
        GroupLagged::Free,
    ))?;
    Ok(model.observed)
}

/// The column of construct `stem` at `wave`.
fn column(opts: &TransactOptions, stem: &str, wave: &str) -> String {
    opts.column_pattern
        .replace("{stem}", stem)
        .replace("{wave}", wave)
}

/// The variables of one construct in a model, per wave.
#[derive(Debug, Clone, Serialize)]
pub struct ConstructNodes {
    pub name: String,
    /// Observed columns, one per wave.
    pub observed: Vec<String>,
    /// The variables the lagged effects connect: the within components `w_x_t` (RI-CLPM) or
    /// the observed scores (CLPM).
    pub within: Vec<String>,
    /// The random intercept (RI-CLPM).
    pub intercept: Option<String>,
}

/// Where the variables of a model are (for reading the results and drawing the model).
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    pub waves: Vec<String>,
    pub x: ConstructNodes,
    pub y: ConstructNodes,
}

impl Layout {
    fn new(opts: &TransactOptions, family: Family) -> Layout {
        let waves = opts.waves.labels();
        let nodes = |name: &str| {
            let observed: Vec<String> = waves.iter().map(|w| column(opts, name, w)).collect();
            let (within, intercept) = match family {
                Family::Clpm => (observed.clone(), None),
                _ => (
                    waves.iter().map(|w| format!("w_{name}_{w}")).collect(),
                    Some(format!("RI_{name}")),
                ),
            };
            ConstructNodes {
                name: name.to_string(),
                observed,
                within,
                intercept,
            }
        };
        Layout {
            x: nodes(&opts.x),
            y: nodes(&opts.y),
            waves,
        }
    }

    /// The lagged paths (outcome at t, predictor at t − 1) from construct `from` to `to`.
    fn paths(&self, from: &ConstructNodes, to: &ConstructNodes) -> Vec<Path> {
        (1..self.waves.len())
            .map(|t| Path {
                lhs: to.within[t].clone(),
                rhs: from.within[t - 1].clone(),
            })
            .collect()
    }
}

/// An estimate with its inference.
#[derive(Debug, Clone, Serialize)]
pub struct Effect {
    pub lhs: String,
    pub op: String,
    pub rhs: String,
    /// Waves of the predictor and the outcome (lagged effects).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_wave: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_wave: Option<String>,
    pub label: String,
    pub free: bool,
    pub est: f64,
    pub se: Option<f64>,
    pub z: Option<f64>,
    pub pvalue: Option<f64>,
    /// (1 − α) Wald interval.
    pub ci_lower: Option<f64>,
    pub ci_upper: Option<f64>,
    /// lavaan's std.all (for a covariance: the correlation).
    pub std_all: Option<f64>,
}

fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

impl Effect {
    fn from_row(r: &ParameterRow, zq: f64) -> Effect {
        let se = finite(r.se).filter(|_| r.free > 0);
        Effect {
            lhs: r.lhs.clone(),
            op: r.op.clone(),
            rhs: r.rhs.clone(),
            from_wave: None,
            to_wave: None,
            label: r.label.clone(),
            free: r.free > 0,
            est: r.est,
            se,
            z: finite(r.z),
            pvalue: finite(r.pvalue),
            ci_lower: se.map(|s| r.est - zq * s),
            ci_upper: se.map(|s| r.est + zq * s),
            std_all: finite(r.std_all),
        }
    }
}

/// A joint Wald test that a set of free parameters is zero.
#[derive(Debug, Clone, Serialize)]
pub struct WaldTest {
    pub chisq: f64,
    pub df: usize,
    pub pvalue: f64,
    /// The distinct parameters tested (labels, or `lhs~rhs` with the group).
    pub parameters: Vec<String>,
}

/// A likelihood-ratio (χ² difference) test of a restricted model against a less restricted
/// one.
#[derive(Debug, Clone, Serialize)]
pub struct LrtTest {
    /// What the restricted model assumes.
    pub hypothesis: String,
    pub chisq: Option<f64>,
    pub df: Option<f64>,
    pub pvalue: Option<f64>,
    /// `standard` or `satorra.bentler.2001` (MLR).
    pub method: String,
    /// The restricted model's syntax.
    pub restricted_syntax: String,
    pub warnings: Vec<String>,
}

/// The cross-lagged effects of one direction, and the tests that they are all zero.
#[derive(Debug, Clone, Serialize)]
pub struct Direction {
    pub from: String,
    pub to: String,
    /// The effects share one label over time (`--constrain lagged`).
    pub constrained: bool,
    /// One effect per interval (equal estimates when constrained).
    pub effects: Vec<Effect>,
    pub wald: Option<WaldTest>,
    pub lrt: Option<LrtTest>,
    /// The decision at α: the LRT's when available, else the Wald test's.
    pub significant: bool,
    /// p-value the decision is based on.
    pub pvalue: Option<f64>,
    /// Sign of the estimates: `positive`, `negative` or `mixed`.
    pub sign: String,
}

/// A joint test over all groups (several groups).
#[derive(Debug, Clone, Serialize)]
pub struct JointTest {
    pub from: String,
    pub to: String,
    pub wald: Option<WaldTest>,
    pub lrt: Option<LrtTest>,
    pub significant: bool,
    pub pvalue: Option<f64>,
}

/// The random intercepts: variances, covariance and correlation (RI-CLPM).
#[derive(Debug, Clone, Serialize)]
pub struct Between {
    pub var_x: Effect,
    pub var_y: Effect,
    pub cov: Effect,
    /// The correlation of the random intercepts (NaN-free: `None` at a negative variance).
    pub correlation: Option<f64>,
}

/// Results of one group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    /// 1-based group.
    pub group: usize,
    pub label: String,
    pub nobs: usize,
    pub x_to_y: Direction,
    pub y_to_x: Direction,
    /// Autoregressive effects of x and of y per interval.
    pub autoregressive_x: Vec<Effect>,
    pub autoregressive_y: Vec<Effect>,
    pub between: Option<Between>,
}

/// Fit indices of a model (lavaan's `fitMeasures()` names in the JSON).
#[derive(Debug, Clone, Serialize)]
pub struct FitIndices {
    pub npar: usize,
    pub chisq: f64,
    pub df: f64,
    pub pvalue: Option<f64>,
    pub cfi: Option<f64>,
    pub tli: Option<f64>,
    pub rmsea: Option<f64>,
    #[serde(rename = "rmsea.ci.lower")]
    pub rmsea_ci_lower: Option<f64>,
    #[serde(rename = "rmsea.ci.upper")]
    pub rmsea_ci_upper: Option<f64>,
    pub srmr: Option<f64>,
    pub aic: Option<f64>,
    pub bic: Option<f64>,
    pub logl: Option<f64>,
    #[serde(rename = "chisq.scaled", skip_serializing_if = "Option::is_none")]
    pub chisq_scaled: Option<f64>,
    #[serde(rename = "pvalue.scaled", skip_serializing_if = "Option::is_none")]
    pub pvalue_scaled: Option<f64>,
    #[serde(rename = "cfi.robust", skip_serializing_if = "Option::is_none")]
    pub cfi_robust: Option<f64>,
    #[serde(rename = "tli.robust", skip_serializing_if = "Option::is_none")]
    pub tli_robust: Option<f64>,
    #[serde(rename = "rmsea.robust", skip_serializing_if = "Option::is_none")]
    pub rmsea_robust: Option<f64>,
}

impl FitIndices {
    fn of(res: &FitResult) -> FitIndices {
        let f = |k: &str| finite(res.fit.get(k));
        let scaled = res.scaled_test.is_some();
        let s = |k: &str| if scaled { f(k) } else { None };
        FitIndices {
            npar: res.npar,
            chisq: res.chisq,
            df: res.df,
            pvalue: f("pvalue"),
            cfi: f("cfi"),
            tli: f("tli"),
            rmsea: f("rmsea"),
            rmsea_ci_lower: f("rmsea.ci.lower"),
            rmsea_ci_upper: f("rmsea.ci.upper"),
            srmr: f("srmr"),
            aic: f("aic"),
            bic: f("bic"),
            logl: f("logl"),
            chisq_scaled: s("chisq.scaled"),
            pvalue_scaled: s("pvalue.scaled"),
            cfi_robust: s("cfi.robust"),
            tli_robust: s("tli.robust"),
            rmsea_robust: s("rmsea.robust"),
        }
    }
}

/// One fitted model.
#[derive(Debug, Clone, Serialize)]
pub struct ModelReport {
    pub family: Family,
    /// `CLPM`, `RI-CLPM`.
    pub name: String,
    /// The generated lavaan syntax.
    pub syntax: String,
    pub converged: bool,
    pub fit: FitIndices,
    pub groups: Vec<GroupReport>,
    /// Several groups: the joint tests over groups, x → y and y → x.
    pub overall: Vec<JointTest>,
    /// Several groups: tests that effects are equal across groups.
    pub group_tests: Vec<LrtTest>,
    /// The warnings of the fit (inadmissible solutions, convergence).
    pub warnings: Vec<String>,
    /// How the model was fitted, where it departs from the family's defaults.
    pub notes: Vec<String>,
    pub layout: Layout,
    /// Every row of `parameterEstimates()`.
    pub parameters: Vec<ParameterRow>,
}

/// The comparison of the CLPM with the RI-CLPM.
#[derive(Debug, Clone, Serialize)]
pub struct ModelComparison {
    /// The χ̄² test of the random-intercept variances (`None` when S is not positive
    /// definite or the difference statistic is not available; see `warnings`).
    pub chibar: Option<ChiBarTest>,
    /// The naive χ² difference test (reference χ²(Δdf); conservative).
    pub naive: LrtTest,
    /// The model the data support.
    pub preferred: Family,
    pub reason: String,
    pub warnings: Vec<String>,
}

/// The whole analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Transact {
    pub x: String,
    pub y: String,
    pub waves: Vec<String>,
    pub alpha: f64,
    pub estimator: Estimator,
    pub missing: Missing,
    pub constrain: Vec<Constraint>,
    pub covariates: Vec<String>,
    pub group: Option<String>,
    pub group_labels: Vec<String>,
    pub nobs: Vec<usize>,
    pub models: Vec<ModelReport>,
    pub comparison: Option<ModelComparison>,
    pub verdict: Verdict,
}

impl Transact {
    /// The report of a family, if it was fitted.
    pub fn model(&self, family: Family) -> Option<&ModelReport> {
        self.models.iter().find(|m| m.family == family)
    }
}

fn fit_model(
    syntax: &str,
    data: &Data,
    fo: &FitOptions,
    name: &str,
) -> Result<FitResult, TransactError> {
    crate::engine::fit(syntax, data, fo).map_err(|source| TransactError::Fit {
        model: name.to_string(),
        source,
    })
}

/// The parameter row `lhs op rhs` of group `g` (1-based).
fn row<'a>(
    res: &'a FitResult,
    lhs: &str,
    op: &str,
    rhs: &str,
    g: usize,
) -> Option<&'a ParameterRow> {
    res.parameters
        .iter()
        .find(|r| r.group == g && r.op == op && r.lhs == lhs && r.rhs == rhs)
}

/// The symmetric row `a ~~ b` (either order).
fn cov_row<'a>(res: &'a FitResult, a: &str, b: &str, g: usize) -> Option<&'a ParameterRow> {
    row(res, a, "~~", b, g).or_else(|| row(res, b, "~~", a, g))
}

/// The joint Wald test that the free parameters among `rows` are zero; copies of a label
/// count once.
fn wald(res: &FitResult, rows: &[&ParameterRow]) -> Option<WaldTest> {
    let vcov = res.vcov.as_ref()?;
    let mut keys: Vec<String> = Vec::new();
    let mut idx: Vec<usize> = Vec::new();
    let mut est: Vec<f64> = Vec::new();
    for r in rows.iter().filter(|r| r.free > 0) {
        let key = if r.label.is_empty() {
            let g = if res.ngroups > 1 {
                format!(" (group {})", r.group)
            } else {
                String::new()
            };
            format!("{}~{}{g}", r.lhs, r.rhs)
        } else {
            r.label.clone()
        };
        if keys.contains(&key) {
            continue;
        }
        keys.push(key);
        idx.push(r.free - 1);
        est.push(r.est);
    }
    if idx.is_empty() || idx.iter().any(|&i| i >= vcov.nrows()) {
        return None;
    }
    let m = idx.len();
    let v = Array2::from_shape_fn((m, m), |(a, b)| vcov[[idx[a], idx[b]]]);
    let (inv, _) = linalg::spd_inverse(v.view())?;
    let mut w = 0.0;
    for a in 0..m {
        for b in 0..m {
            w += est[a] * inv[[a, b]] * est[b];
        }
    }
    Some(WaldTest {
        chisq: w,
        df: m,
        pvalue: stats::pchisq_upper(w, m as f64),
        parameters: keys,
    })
}

/// The likelihood-ratio test of `restricted` against `full`.
fn lrt(
    hypothesis: String,
    full: &FitResult,
    restricted: &FitResult,
    restricted_syntax: String,
) -> LrtTest {
    let mut warnings = Vec::new();
    if !restricted.converged {
        warnings.push("the restricted model did not converge".to_string());
    }
    match compare::lrt(&[
        ("full".to_string(), full),
        ("restricted".to_string(), restricted),
    ]) {
        Ok(cmp) => {
            warnings.extend(cmp.warnings.iter().cloned());
            let r = &cmp.rows[1];
            LrtTest {
                hypothesis,
                chisq: r.chisq_diff,
                df: r.df_diff,
                pvalue: r.pvalue.filter(|_| restricted.converged),
                method: cmp.method.clone(),
                restricted_syntax,
                warnings,
            }
        }
        Err(e) => {
            warnings.push(e.to_string());
            LrtTest {
                hypothesis,
                chisq: None,
                df: None,
                pvalue: None,
                method: String::new(),
                restricted_syntax,
                warnings,
            }
        }
    }
}

/// Fits a restricted syntax and tests it against `full`; a fit that fails becomes a test
/// without a p-value.
fn restricted_lrt(
    hypothesis: String,
    full: &FitResult,
    syntax: Result<String, EditError>,
    data: &Data,
    fo: &FitOptions,
) -> Result<LrtTest, TransactError> {
    let syntax = syntax?;
    let mut fo = fo.clone();
    fo.output.vcov = false;
    Ok(match crate::engine::fit(&syntax, data, &fo) {
        Ok(res) => lrt(hypothesis, full, &res, syntax),
        Err(e) => LrtTest {
            hypothesis,
            chisq: None,
            df: None,
            pvalue: None,
            method: String::new(),
            restricted_syntax: syntax,
            warnings: vec![format!("the restricted model could not be fitted: {e}")],
        },
    })
}

fn sign_of(effects: &[Effect]) -> String {
    let pos = effects.iter().filter(|e| e.free && e.est > 0.0).count();
    let neg = effects.iter().filter(|e| e.free && e.est < 0.0).count();
    match (pos, neg) {
        (_, 0) => "positive",
        (0, _) => "negative",
        _ => "mixed",
    }
    .to_string()
}

/// Decision at α: the LRT's p-value when available, else the Wald test's.
fn decide(lrt: Option<&LrtTest>, wald: Option<&WaldTest>, alpha: f64) -> (bool, Option<f64>) {
    let p = lrt
        .and_then(|t| t.pvalue)
        .or_else(|| wald.map(|w| w.pvalue));
    (p.is_some_and(|p| p < alpha), p)
}

struct Fitted<'a> {
    opts: &'a TransactOptions,
    data: &'a Data,
    layout: Layout,
    syntax: String,
    /// Lines appended to the generated syntax (the CLPM's wave-1 covariance with fixed.x =
    /// FALSE), also appended to other models generated from a declaration.
    extra: String,
    fo: FitOptions,
    res: FitResult,
    group_labels: Vec<String>,
    zq: f64,
    notes: Vec<String>,
}

impl Fitted<'_> {
    fn lagged(&self, from: &ConstructNodes, to: &ConstructNodes, g: usize) -> Vec<Effect> {
        let w = &self.layout.waves;
        (1..w.len())
            .filter_map(|t| {
                let r = row(&self.res, &to.within[t], "~", &from.within[t - 1], g)?;
                let mut e = Effect::from_row(r, self.zq);
                e.from_wave = Some(w[t - 1].clone());
                e.to_wave = Some(w[t].clone());
                Some(e)
            })
            .collect()
    }

    fn rows_of(&self, paths: &[Path], group: Option<usize>) -> Vec<&ParameterRow> {
        self.res
            .parameters
            .iter()
            .filter(|r| r.op == "~" && group.is_none_or(|g| r.group == g))
            .filter(|r| paths.iter().any(|p| p.lhs == r.lhs && p.rhs == r.rhs))
            .collect()
    }

    fn direction(
        &self,
        from: &ConstructNodes,
        to: &ConstructNodes,
        g: usize,
    ) -> Result<Direction, TransactError> {
        let effects = self.lagged(from, to, g);
        let paths = self.layout.paths(from, to);
        let rows = self.rows_of(&paths, Some(g));
        let wald = wald(&self.res, &rows);
        let ngroups = self.res.ngroups;
        let in_group = if ngroups > 1 {
            format!(
                " in group {}",
                self.group_labels.get(g - 1).cloned().unwrap_or_default()
            )
        } else {
            String::new()
        };
        let lrt = restricted_lrt(
            format!(
                "no cross-lagged effects {} → {}{in_group}",
                from.name, to.name
            ),
            &self.res,
            edit::fix_at_zero(
                &self.syntax,
                &paths,
                (ngroups > 1).then_some(g - 1),
                ngroups,
            ),
            self.data,
            &self.fo,
        )?;
        let (significant, pvalue) = decide(Some(&lrt), wald.as_ref(), self.opts.alpha);
        let labels: Vec<&str> = effects.iter().map(|e| e.label.as_str()).collect();
        let constrained =
            effects.len() > 1 && !labels[0].is_empty() && labels.iter().all(|l| *l == labels[0]);
        Ok(Direction {
            from: from.name.clone(),
            to: to.name.clone(),
            constrained,
            sign: sign_of(&effects),
            effects,
            wald,
            lrt: Some(lrt),
            significant,
            pvalue,
        })
    }

    fn joint(
        &self,
        from: &ConstructNodes,
        to: &ConstructNodes,
    ) -> Result<JointTest, TransactError> {
        let paths = self.layout.paths(from, to);
        let rows = self.rows_of(&paths, None);
        let wald = wald(&self.res, &rows);
        let lrt = restricted_lrt(
            format!(
                "no cross-lagged effects {} → {} in any group",
                from.name, to.name
            ),
            &self.res,
            edit::fix_at_zero(&self.syntax, &paths, None, self.res.ngroups),
            self.data,
            &self.fo,
        )?;
        let (significant, pvalue) = decide(Some(&lrt), wald.as_ref(), self.opts.alpha);
        Ok(JointTest {
            from: from.name.clone(),
            to: to.name.clone(),
            wald,
            lrt: Some(lrt),
            significant,
            pvalue,
        })
    }

    fn between(&self, g: usize) -> Option<Between> {
        let (rx, ry) = (
            self.layout.x.intercept.as_ref()?,
            self.layout.y.intercept.as_ref()?,
        );
        let vx = cov_row(&self.res, rx, rx, g)?;
        let vy = cov_row(&self.res, ry, ry, g)?;
        let c = cov_row(&self.res, rx, ry, g)?;
        let correlation = (vx.est > 0.0 && vy.est > 0.0).then(|| c.est / (vx.est * vy.est).sqrt());
        Some(Between {
            var_x: Effect::from_row(vx, self.zq),
            var_y: Effect::from_row(vy, self.zq),
            cov: Effect::from_row(c, self.zq),
            correlation,
        })
    }

    fn group_report(&self, g: usize) -> Result<GroupReport, TransactError> {
        let (x, y) = (&self.layout.x, &self.layout.y);
        Ok(GroupReport {
            group: g,
            label: self.group_labels.get(g - 1).cloned().unwrap_or_default(),
            nobs: self.res.nobs.get(g - 1).copied().unwrap_or(0),
            x_to_y: self.direction(x, y, g)?,
            y_to_x: self.direction(y, x, g)?,
            autoregressive_x: self.lagged(x, x, g),
            autoregressive_y: self.lagged(y, y, g),
            between: self.between(g),
        })
    }

    /// Several groups: cross-lagged effects equal across groups (edited syntax), and all
    /// lagged effects equal across groups (the declaration's option).
    fn group_tests(&self, family: Family) -> Result<Vec<LrtTest>, TransactError> {
        let (x, y) = (&self.layout.x, &self.layout.y);
        let constrained = self.opts.constrain.contains(&Constraint::Lagged);
        let mut paths = Vec::new();
        let mut labels = Vec::new();
        for (from, to) in [(x, y), (y, x)] {
            for (t, p) in self.layout.paths(from, to).into_iter().enumerate() {
                labels.push(if constrained {
                    format!("eqg_cl_{}_to_{}", from.name, to.name)
                } else {
                    format!(
                        "eqg_cl_{}_to_{}_{}",
                        from.name,
                        to.name,
                        self.layout.waves[t + 1]
                    )
                });
                paths.push(p);
            }
        }
        let cross = restricted_lrt(
            "cross-lagged effects equal across groups".into(),
            &self.res,
            edit::equal_across_groups(&self.syntax, &paths, &labels),
            self.data,
            &self.fo,
        )?;
        let decl = declaration(self.opts, family, &self.group_labels, GroupLagged::Labels);
        let model = panel::generate(&decl)?;
        let lagged = restricted_lrt(
            "all lagged effects (autoregressive and cross-lagged) equal across groups".into(),
            &self.res,
            Ok(format!("{}{}", model.syntax, self.extra)),
            self.data,
            &self.fo,
        )?;
        Ok(vec![cross, lagged])
    }
}

/// Whether a wave-1 score of x or y is missing in the data.
fn wave1_missing(data: &Data, opts: &TransactOptions) -> bool {
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

fn group_labels_of(data: &Data) -> (usize, Vec<String>) {
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

fn check_options(opts: &TransactOptions, ngroups: usize) -> Result<(), TransactError> {
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

/// The χ̄² and the naive test of the CLPM against the RI-CLPM.
fn compare_models(clpm: &Fitted, riclpm: &Fitted, opts: &TransactOptions) -> ModelComparison {
    let res = &riclpm.res;
    let mut warnings = Vec::new();
    let naive = lrt(
        "no random intercepts (CLPM): RI variances and covariance 0".into(),
        res,
        &clpm.res,
        clpm.syntax.clone(),
    );
    warnings.extend(naive.warnings.iter().cloned());
    // S: sampling covariance of the RI variance estimates, all groups
    let (rx, ry) = (
        riclpm.layout.x.intercept.clone().unwrap_or_default(),
        riclpm.layout.y.intercept.clone().unwrap_or_default(),
    );
    let mut names = Vec::new();
    let mut idx = Vec::new();
    let mut negative = Vec::new();
    for g in 1..=res.ngroups {
        for ri in [&rx, &ry] {
            if let Some(r) = cov_row(res, ri, ri, g).filter(|r| r.free > 0) {
                let in_group = if res.ngroups > 1 {
                    format!(
                        " (group {})",
                        riclpm.group_labels.get(g - 1).cloned().unwrap_or_default()
                    )
                } else {
                    String::new()
                };
                names.push(format!("{ri} ~~ {ri}{in_group}"));
                idx.push(r.free - 1);
                if r.est < 0.0 {
                    negative.push(format!("{ri}{in_group} ({:.4})", r.est));
                }
            }
        }
    }
    // The χ̄² distribution is that of the likelihood ratio with the variances kept in their
    // parameter space (Stoel et al. 2006; Self & Liang 1987): where an unrestricted RI
    // variance estimate is negative, T comes from the RI-CLPM refitted with the RI variances
    // held at or above 0 (otherwise T would be the regular χ²(k + u) statistic, and the
    // mixture's p-value too small).
    let statistic = if negative.is_empty() {
        naive.chisq
    } else {
        let mut fo = riclpm.fo.clone();
        fo.model.nonnegative = vec![format!("{rx}~~{rx}"), format!("{ry}~~{ry}")];
        match fit_model(
            &riclpm.syntax,
            riclpm.data,
            &fo,
            "RI-CLPM (RI variances ≥ 0)",
        ) {
            Ok(bounded) => {
                let t = lrt(String::new(), &bounded, &clpm.res, clpm.syntax.clone()).chisq;
                warnings.push(format!(
                    "the unrestricted RI-CLPM estimate of the variance of {} is negative: for the χ̄² test the RI-CLPM was refitted with the random-intercept variances held at or above 0 (difference statistic {} instead of {})",
                    negative.join(", "),
                    t.map_or("NA".into(), |v| format!("{v:.3}")),
                    naive.chisq.map_or("NA".into(), |v| format!("{v:.3}"))
                ));
                t
            }
            Err(e) => {
                warnings.push(format!(
                    "the RI-CLPM with the random-intercept variances held at or above 0 could not be fitted ({e}); the χ̄² statistic comes from the unrestricted fit and overstates the evidence for random intercepts"
                ));
                naive.chisq
            }
        }
    };
    let u = res.ngroups; // one RI covariance per group
    let chibar = match (&res.vcov, statistic) {
        (Some(v), Some(t)) if !idx.is_empty() && idx.iter().all(|&i| i < v.nrows()) => {
            let s: Vec<Vec<f64>> = idx
                .iter()
                .map(|&a| idx.iter().map(|&b| v[[a, b]]).collect())
                .collect();
            match chibar::test(
                names,
                s,
                u,
                t.max(0.0),
                opts.alpha,
                opts.chibar_draws,
                opts.seed,
            ) {
                Ok(test) => Some(test),
                Err(e) => {
                    warnings.push(format!("χ̄² weights: {e}; the naive test is used instead"));
                    None
                }
            }
        }
        (None, _) => {
            warnings.push("the RI-CLPM has no covariance matrix of the estimates: the χ̄² test is not available".into());
            None
        }
        _ => {
            warnings
                .push("the χ² difference is not available: the χ̄² test is not available".into());
            None
        }
    };
    if let Some(c) = &chibar {
        if naive.df.is_some_and(|d| (d - c.df as f64).abs() > 0.5) {
            warnings.push(format!(
                "the models differ by {} degrees of freedom, not by the {} of the random-intercept (co)variances",
                naive.df.unwrap_or(f64::NAN),
                c.df
            ));
        }
    }
    let (p, how) = match (&chibar, naive.pvalue) {
        (Some(c), _) => (Some(c.pvalue), "χ̄² test"),
        (None, Some(p)) => (Some(p), "naive χ² difference test (conservative)"),
        (None, None) => (None, "no test"),
    };
    let (preferred, reason) = match p {
        Some(p) if p < opts.alpha => (
            Family::Riclpm,
            format!(
                "the {how} rejects the CLPM (p {}): there are stable between-person differences, so the RI-CLPM separates within-person from between-person effects",
                verdict::fmt_p(p)
            ),
        ),
        Some(p) => (
            Family::Clpm,
            format!(
                "the {how} does not reject the CLPM (p {}): no evidence of stable between-person differences, so the simpler CLPM suffices",
                verdict::fmt_p(p)
            ),
        ),
        None => (
            Family::Riclpm,
            "the models could not be compared; the RI-CLPM is kept because it does not confound within- and between-person effects".to_string(),
        ),
    };
    ModelComparison {
        chibar,
        naive,
        preferred,
        reason,
        warnings,
    }
}
