//! Stage 2 of TSSEM: a path model in lavaan syntax fitted to pooled correlation matrices by
//! weighted least squares, F(θ) = (r − ρ(θ))' Acov⁻¹ (r − ρ(θ)) over the off-diagonal
//! correlations, ρ = (I − A)⁻¹ S (I − A)⁻ᵀ.
//!
//! Correlation structure (metaSEM's diagonal constraints): the implied matrix has a unit
//! diagonal. The variances of exogenous variables are 1; the error variances of endogenous
//! variables are not free parameters but 1 − explained variance (solved from the linear
//! system diag(ρ) = 1). Estimates, χ² and likelihood-based intervals are those of metaSEM
//! with either setting of `diag.constraints`; the standard errors differ between the two:
//!
//! * [`SeType::Constrained`] (metaSEM `diag.constraints = TRUE`): the error variances are
//!   parameters under the nonlinear constraints diag(ρ) = 1, and
//!   acov = 2 Z (Z'HZ)⁻¹ Z' with H the Hessian of F in all parameters and Z a basis of the
//!   null space of the constraint Jacobian (what OpenMx reports);
//! * [`SeType::Computed`] (`diag.constraints = FALSE`): acov = 2 H⁻¹ in the free
//!   parameters only; error variances and `:=` parameters by the delta method.
//!
//! The two agree when χ² = 0 (saturated models). Several groups (subgroup analysis) share
//! parameters by label or by [`Sharing`].

use super::mat::{cholesky, inverse, spd_inverse, symmetric_pinv, Mat};
use super::optim::{hessian, minimize, numeric_gradient, profile_bound, Objective};
use super::stage1::rmsea_ci;
use super::MetaError;
use crate::stats::{pchisq_upper, pnorm, qchisq};
use crate::syntax::{self, Expr, RelOp, Statement};
use serde::Serialize;

/// How a matrix entry is set.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Spec {
    Fixed(f64),
    /// index into the model's parameter list
    Free(usize),
}

/// One free parameter of the path model.
#[derive(Debug, Clone, Serialize)]
pub struct ModelParam {
    pub label: Option<String>,
    pub lhs: String,
    pub op: String,
    pub rhs: String,
    pub start: f64,
    /// a regression coefficient (for equality across subgroups)
    pub is_path: bool,
}

/// A row of the parameter table (in syntax order).
#[derive(Debug, Clone)]
enum RowKind {
    Param(usize),
    Fixed(f64),
    /// error variance of endogenous variable (index in `endogenous`)
    ErrorVar(usize),
    /// exogenous variance (always 1)
    UnitVar,
    Defined(usize),
}

#[derive(Debug, Clone)]
struct Row {
    lhs: String,
    op: String,
    rhs: String,
    label: String,
    kind: RowKind,
}

/// A path model over observed variables for a correlation structure.
#[derive(Debug, Clone)]
pub struct PathModel {
    pub variables: Vec<String>,
    pub params: Vec<ModelParam>,
    a: Vec<(usize, usize, Spec)>,
    s: Vec<(usize, usize, Spec)>,
    /// endogenous variables (indices), in variable order
    pub endogenous: Vec<usize>,
    /// labels given to error variances (`enga ~~ p33*enga`), per endogenous variable
    psi_labels: Vec<Option<String>>,
    defined: Vec<(String, Expr)>,
    rows: Vec<Row>,
    pub notes: Vec<String>,
}

impl PathModel {
    /// Reads lavaan syntax over the given observed variables (the stage-1 variables).
    pub fn from_syntax(text: &str, variables: &[String]) -> Result<PathModel, MetaError> {
        let parsed =
            syntax::parse(text).map_err(|e| MetaError::new(format!("model syntax: {e}")))?;
        let p = variables.len();
        let vidx = |v: &str| {
            variables.iter().position(|x| x == v).ok_or_else(|| {
                MetaError::new(format!(
                    "model syntax: `{v}` is not a variable of the studies ({})",
                    variables.join(", ")
                ))
            })
        };
        let mut params: Vec<ModelParam> = Vec::new();
        let mut a = Vec::new();
        let mut s: Vec<(usize, usize, Spec)> = Vec::new();
        let mut rows = Vec::new();
        let mut endo = vec![false; p];
        let mut var_specs: Vec<(usize, Option<String>, Option<f64>, usize)> = Vec::new();
        let mut defined = Vec::new();
        let mut notes = Vec::new();
        let add_param = |params: &mut Vec<ModelParam>,
                         label: Option<String>,
                         lhs: &str,
                         op: &str,
                         rhs: &str,
                         start: Option<f64>,
                         is_path: bool|
         -> usize {
            if let Some(l) = &label {
                if let Some(i) = params.iter().position(|q| q.label.as_ref() == Some(l)) {
                    return i;
                }
            }
            params.push(ModelParam {
                label,
                lhs: lhs.to_string(),
                op: op.to_string(),
                rhs: rhs.to_string(),
                start: start.unwrap_or(if is_path { 0.1 } else { 0.0 }),
                is_path,
            });
            params.len() - 1
        };
        for st in &parsed.statements {
            match st {
                Statement::Relation { lhs, op, rhs, pos } => {
                    if *op == RelOp::Loading {
                        return Err(MetaError::new(format!(
                            "model syntax line {}: latent variables (=~) are not supported in stage 2",
                            pos.line
                        )));
                    }
                    for l in lhs {
                        let li = vidx(l)?;
                        for t in rhs {
                            if t.var == "1" {
                                return Err(MetaError::new(format!(
                                    "model syntax line {}: intercepts (~ 1) have no place in a correlation structure",
                                    pos.line
                                )));
                            }
                            let ri = vidx(&t.var)?;
                            let (fixed, label, start) = t.modifiers.for_group(0);
                            let label = label.flatten();
                            let fixed = fixed.flatten();
                            let op_s = op.as_str();
                            match op {
                                RelOp::Regression => {
                                    if li == ri {
                                        return Err(MetaError::new(format!(
                                            "model syntax line {}: `{l} ~ {l}`",
                                            pos.line
                                        )));
                                    }
                                    endo[li] = true;
                                    let spec = match fixed {
                                        Some(v) => Spec::Fixed(v),
                                        None => Spec::Free(add_param(
                                            &mut params, label.clone(), l, op_s, &t.var, start, true,
                                        )),
                                    };
                                    a.push((li, ri, spec));
                                    rows.push(Row {
                                        lhs: l.clone(),
                                        op: op_s.into(),
                                        rhs: t.var.clone(),
                                        label: label.unwrap_or_default(),
                                        kind: match spec {
                                            Spec::Fixed(v) => RowKind::Fixed(v),
                                            Spec::Free(i) => RowKind::Param(i),
                                        },
                                    });
                                }
                                RelOp::Covariance => {
                                    if li == ri {
                                        var_specs.push((li, label, fixed, rows.len()));
                                        rows.push(Row {
                                            lhs: l.clone(),
                                            op: op_s.into(),
                                            rhs: t.var.clone(),
                                            label: String::new(),
                                            kind: RowKind::UnitVar,
                                        });
                                        continue;
                                    }
                                    let spec = match fixed {
                                        Some(v) => Spec::Fixed(v),
                                        None => Spec::Free(add_param(
                                            &mut params, label.clone(), l, op_s, &t.var, start, false,
                                        )),
                                    };
                                    s.push((li, ri, spec));
                                    rows.push(Row {
                                        lhs: l.clone(),
                                        op: op_s.into(),
                                        rhs: t.var.clone(),
                                        label: label.unwrap_or_default(),
                                        kind: match spec {
                                            Spec::Fixed(v) => RowKind::Fixed(v),
                                            Spec::Free(i) => RowKind::Param(i),
                                        },
                                    });
                                }
                                RelOp::Loading => unreachable!(),
                            }
                        }
                    }
                }
                Statement::Constraint { pos, .. } => {
                    return Err(MetaError::new(format!(
                        "model syntax line {}: constraints (==, <, >) are not supported in stage 2; use shared labels for equality",
                        pos.line
                    )))
                }
                Statement::Definition { name, expr, .. } => {
                    rows.push(Row {
                        lhs: name.clone(),
                        op: ":=".into(),
                        rhs: expr.to_lavaan(),
                        label: name.clone(),
                        kind: RowKind::Defined(defined.len()),
                    });
                    defined.push((name.clone(), expr.clone()));
                }
            }
        }
        let endogenous: Vec<usize> = (0..p).filter(|&j| endo[j]).collect();
        let mut psi_labels = vec![None; endogenous.len()];
        for (v, label, fixed, row) in var_specs {
            if let Some(e) = endogenous.iter().position(|&j| j == v) {
                if fixed.is_some() {
                    notes.push(format!(
                        "the error variance of {} is not fixed but computed (1 − explained variance)",
                        variables[v]
                    ));
                }
                psi_labels[e] = label.clone();
                rows[row].kind = RowKind::ErrorVar(e);
                rows[row].label = label.unwrap_or_default();
            } else {
                match fixed {
                    Some(x) if (x - 1.0).abs() < 1e-12 => {}
                    _ => notes.push(format!(
                        "the variance of the exogenous {} is 1 in a correlation structure",
                        variables[v]
                    )),
                }
            }
        }
        // error variances the syntax did not mention still get a row
        for (e, &v) in endogenous.iter().enumerate() {
            if !rows
                .iter()
                .any(|r| matches!(r.kind, RowKind::ErrorVar(x) if x == e))
            {
                rows.push(Row {
                    lhs: variables[v].clone(),
                    op: "~~".into(),
                    rhs: variables[v].clone(),
                    label: String::new(),
                    kind: RowKind::ErrorVar(e),
                });
            }
        }
        // defined parameters must use known labels
        let known: Vec<String> = params
            .iter()
            .filter_map(|q| q.label.clone())
            .chain(psi_labels.iter().flatten().cloned())
            .chain(defined.iter().map(|(n, _)| n.clone()))
            .collect();
        for (name, expr) in &defined {
            for v in expr.variables() {
                if !known.contains(&v) {
                    return Err(MetaError::new(format!(
                        "model syntax: `{name} := ...` uses `{v}`, which is not a parameter label"
                    )));
                }
            }
        }
        if params.is_empty() {
            return Err(MetaError::new(
                "model syntax: the model has no free parameters",
            ));
        }
        let model = PathModel {
            variables: variables.to_vec(),
            params,
            a,
            s,
            endogenous,
            psi_labels,
            defined,
            rows,
            notes,
        };
        // recursive or not, I − A must be invertible at the start values
        let start: Vec<f64> = model.params.iter().map(|q| q.start).collect();
        if model.implied(&start).is_none() {
            return Err(MetaError::new(
                "model syntax: the model-implied matrix cannot be computed at the start values",
            ));
        }
        Ok(model)
    }

    fn matrices(&self, theta: &[f64]) -> (Mat, Mat) {
        let p = self.variables.len();
        let mut a = Mat::zeros(p, p);
        for &(i, j, spec) in &self.a {
            a[(i, j)] = match spec {
                Spec::Fixed(v) => v,
                Spec::Free(k) => theta[k],
            };
        }
        let mut s = Mat::zeros(p, p);
        for j in 0..p {
            if !self.endogenous.contains(&j) {
                s[(j, j)] = 1.0;
            }
        }
        for &(i, j, spec) in &self.s {
            let v = match spec {
                Spec::Fixed(v) => v,
                Spec::Free(k) => theta[k],
            };
            s[(i, j)] = v;
            s[(j, i)] = v;
        }
        (a, s)
    }

    /// The error variances that give a unit diagonal, and the implied matrix.
    pub fn implied(&self, theta: &[f64]) -> Option<(Mat, Vec<f64>)> {
        let p = self.variables.len();
        let (a, s) = self.matrices(theta);
        let b = inverse(&Mat::identity(p).add(&a.scale(-1.0)))?;
        let c = b.matmul(&s).matmul(&b.transpose());
        let ne = self.endogenous.len();
        let mut m = Mat::zeros(ne, ne);
        let mut rhs = vec![0.0; ne];
        for (x, &i) in self.endogenous.iter().enumerate() {
            rhs[x] = 1.0 - c[(i, i)];
            for (y, &e) in self.endogenous.iter().enumerate() {
                m[(x, y)] = b[(i, e)] * b[(i, e)];
            }
        }
        let psi = if ne > 0 {
            inverse(&m)?.matvec(&rhs)
        } else {
            vec![]
        };
        let sigma = self.implied_with_psi_b(&b, &c, &psi);
        Some((sigma, psi))
    }

    fn implied_with_psi_b(&self, b: &Mat, c: &Mat, psi: &[f64]) -> Mat {
        let p = self.variables.len();
        let mut sigma = c.clone();
        for (x, &e) in self.endogenous.iter().enumerate() {
            for i in 0..p {
                for j in 0..p {
                    sigma[(i, j)] += psi[x] * b[(i, e)] * b[(j, e)];
                }
            }
        }
        sigma
    }

    /// The implied matrix with given error variances (diagonal not forced to 1).
    pub fn implied_with_psi(&self, theta: &[f64], psi: &[f64]) -> Option<Mat> {
        let p = self.variables.len();
        let (a, s) = self.matrices(theta);
        let b = inverse(&Mat::identity(p).add(&a.scale(-1.0)))?;
        let c = b.matmul(&s).matmul(&b.transpose());
        Some(self.implied_with_psi_b(&b, &c, psi))
    }

    /// Values of every label (free parameters, error variances, defined parameters).
    pub fn label_values(&self, theta: &[f64], psi: &[f64]) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = Vec::new();
        for (q, v) in self.params.iter().zip(theta) {
            if let Some(l) = &q.label {
                out.push((l.clone(), *v));
            }
        }
        for (l, v) in self.psi_labels.iter().zip(psi) {
            if let Some(l) = l {
                out.push((l.clone(), *v));
            }
        }
        for (name, expr) in &self.defined {
            let val = expr
                .eval(&|v: &str| out.iter().find(|(l, _)| l == v).map(|(_, x)| *x))
                .unwrap_or(f64::NAN);
            out.push((name.clone(), val));
        }
        out
    }

    fn defined_value(&self, d: usize, theta: &[f64], psi: &[f64]) -> f64 {
        let vals = self.label_values(theta, psi);
        let name = &self.defined[d].0;
        vals.iter()
            .find(|(l, _)| l == name)
            .map_or(f64::NAN, |(_, v)| *v)
    }
}

fn vechs(m: &Mat) -> Vec<f64> {
    super::data::vechs_pairs(m.rows)
        .iter()
        .map(|&(i, j)| m[(i, j)])
        .collect()
}

/// One group's data: pooled correlations (vechs), the weight matrix and N.
#[derive(Debug, Clone)]
pub struct GroupData {
    pub r: Vec<f64>,
    pub acov: Mat,
    pub n: f64,
}

/// How parameters are shared across groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// Each group has its own parameters (labels are per group).
    None,
    /// Regression coefficients are equal across groups; other parameters per group.
    Paths,
}

/// The WLS objective over one or several groups.
struct Wls<'a> {
    model: &'a PathModel,
    groups: Vec<(GroupData, Mat)>,
    /// per group: global index of each model parameter
    map: Vec<Vec<usize>>,
    dim: usize,
}

impl<'a> Wls<'a> {
    fn new(
        model: &'a PathModel,
        groups: &[GroupData],
        sharing: Sharing,
    ) -> Result<Wls<'a>, MetaError> {
        let mut map = Vec::new();
        let np = model.params.len();
        let mut shared_idx: Vec<Option<usize>> = vec![None; np];
        let mut dim = 0;
        for _ in groups {
            let mut m = Vec::with_capacity(np);
            for k in 0..np {
                let shared = sharing == Sharing::Paths && model.params[k].is_path;
                if shared {
                    if let Some(i) = shared_idx[k] {
                        m.push(i);
                        continue;
                    }
                    shared_idx[k] = Some(dim);
                }
                m.push(dim);
                dim += 1;
            }
            map.push(m);
        }
        let groups = groups
            .iter()
            .map(|g| {
                let w = spd_inverse(&g.acov)
                    .map(|x| x.0)
                    .ok_or_else(|| MetaError::new("the asymptotic covariance of the pooled correlations is not positive definite"))?;
                Ok((g.clone(), w))
            })
            .collect::<Result<_, MetaError>>()?;
        Ok(Wls {
            model,
            groups,
            map,
            dim,
        })
    }

    fn local(&self, g: usize, x: &[f64]) -> Vec<f64> {
        self.map[g].iter().map(|&i| x[i]).collect()
    }

    fn rho(&self, g: usize, x: &[f64]) -> Option<Vec<f64>> {
        self.model
            .implied(&self.local(g, x))
            .map(|(s, _)| vechs(&s))
    }

    fn group_value(&self, g: usize, x: &[f64]) -> f64 {
        let (data, w) = &self.groups[g];
        let Some(rho) = self.rho(g, x) else {
            return f64::INFINITY;
        };
        let e: Vec<f64> = data.r.iter().zip(&rho).map(|(a, b)| a - b).collect();
        let we = w.matvec(&e);
        e.iter().zip(&we).map(|(a, b)| a * b).sum()
    }
}

impl Objective for Wls<'_> {
    fn dim(&self) -> usize {
        self.dim
    }

    fn value(&self, x: &[f64]) -> f64 {
        (0..self.groups.len()).map(|g| self.group_value(g, x)).sum()
    }

    fn gradient(&self, x: &[f64]) -> Vec<f64> {
        let mut grad = vec![0.0; self.dim];
        for g in 0..self.groups.len() {
            let (data, w) = &self.groups[g];
            let Some(rho) = self.rho(g, x) else {
                return vec![f64::NAN; self.dim];
            };
            let e: Vec<f64> = data.r.iter().zip(&rho).map(|(a, b)| a - b).collect();
            let we = w.matvec(&e);
            // Jacobian of rho by central differences over the parameters this group uses
            let mut y = x.to_vec();
            for &i in &self.map[g] {
                let h = 1e-6 * x[i].abs().max(1e-2);
                y[i] = x[i] + h;
                let rp = self.rho(g, &y);
                y[i] = x[i] - h;
                let rm = self.rho(g, &y);
                y[i] = x[i];
                let (Some(rp), Some(rm)) = (rp, rm) else {
                    return vec![f64::NAN; self.dim];
                };
                let d: f64 = (0..rho.len())
                    .map(|k| (rp[k] - rm[k]) / (2.0 * h) * we[k])
                    .sum();
                grad[i] -= 2.0 * d;
            }
        }
        grad
    }
}

/// The WLS objective of one group with the error variances as free parameters
/// (θ, ψ): the Hessian of the `diag.constraints = TRUE` parametrisation.
struct WlsFull<'a> {
    model: &'a PathModel,
    data: GroupData,
    w: Mat,
}

impl WlsFull<'_> {
    fn split<'b>(&self, x: &'b [f64]) -> (&'b [f64], &'b [f64]) {
        x.split_at(self.model.params.len())
    }
}

impl Objective for WlsFull<'_> {
    fn dim(&self) -> usize {
        self.model.params.len() + self.model.endogenous.len()
    }

    fn value(&self, x: &[f64]) -> f64 {
        let (t, psi) = self.split(x);
        let Some(s) = self.model.implied_with_psi(t, psi) else {
            return f64::INFINITY;
        };
        let e: Vec<f64> = self
            .data
            .r
            .iter()
            .zip(vechs(&s))
            .map(|(a, b)| a - b)
            .collect();
        let we = self.w.matvec(&e);
        e.iter().zip(&we).map(|(a, b)| a * b).sum()
    }

    fn gradient(&self, x: &[f64]) -> Vec<f64> {
        numeric_gradient(&|y: &[f64]| self.value(y), x)
    }
}

/// A likelihood-based interval (lower, upper); `None` where not found.
type Bounds = (Option<f64>, Option<f64>);

/// Standard-error convention (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SeType {
    /// metaSEM `diag.constraints = TRUE`
    Constrained,
    /// metaSEM `diag.constraints = FALSE`
    Computed,
}

/// One row of the stage-2 parameter table.
#[derive(Debug, Clone, Serialize)]
pub struct ParamRow {
    pub lhs: String,
    pub op: String,
    pub rhs: String,
    pub group: usize,
    pub label: String,
    /// free, fixed, computed (error variance), defined
    pub kind: String,
    pub est: f64,
    pub se: Option<f64>,
    pub z: Option<f64>,
    pub pvalue: Option<f64>,
    pub wald_lower: Option<f64>,
    pub wald_upper: Option<f64>,
    /// likelihood-based interval
    pub ci_lower: Option<f64>,
    pub ci_upper: Option<f64>,
}

/// Fit of stage 2 (metaSEM's formulas).
#[derive(Debug, Clone, Serialize)]
pub struct Stage2Fit {
    pub ntotal: f64,
    pub chisq: f64,
    pub df: usize,
    pub pvalue: Option<f64>,
    pub n_constraints: usize,
    pub baseline_chisq: f64,
    pub baseline_df: usize,
    pub rmsea: f64,
    pub rmsea_ci_lower: f64,
    pub rmsea_ci_upper: f64,
    pub srmr: f64,
    pub tli: Option<f64>,
    pub cfi: f64,
    pub aic: f64,
    pub bic: f64,
}

/// The stage-2 result.
#[derive(Debug, Clone, Serialize)]
pub struct Stage2 {
    pub parameters: Vec<ParamRow>,
    pub fit: Stage2Fit,
    pub implied: Vec<Vec<Vec<f64>>>,
    pub vcov_labels: Vec<String>,
    pub vcov: Vec<Vec<f64>>,
    pub se_type: SeType,
    pub converged: bool,
    pub iterations: usize,
    pub warnings: Vec<String>,
    /// free parameter estimates (global vector)
    pub theta: Vec<f64>,
}

/// Options of stage 2.
#[derive(Debug, Clone, Copy)]
pub struct Stage2Options {
    pub se: SeType,
    pub lb_ci: bool,
    pub sharing: Sharing,
}

/// Fits the path model to one or several groups (subgroups share parameters by `sharing`).
pub fn fit_stage2(
    model: &PathModel,
    groups: &[GroupData],
    opts: Stage2Options,
) -> Result<Stage2, MetaError> {
    let q = model.variables.len() * (model.variables.len() - 1) / 2;
    for g in groups {
        if g.r.len() != q || g.acov.rows != q {
            return Err(MetaError::new(
                "stage 2: the pooled matrix does not match the model's variables",
            ));
        }
    }
    let wls = Wls::new(model, groups, opts.sharing)?;
    let mut x0 = vec![0.0; wls.dim];
    for (g, m) in wls.map.iter().enumerate() {
        let _ = g;
        for (k, &i) in m.iter().enumerate() {
            x0[i] = model.params[k].start;
        }
    }
    let lower = vec![f64::NEG_INFINITY; wls.dim];
    let mut best = minimize(&wls, &x0, &lower, 300);
    // a second start from zero guards against a poor start
    if !best.converged {
        let alt = minimize(&wls, &vec![0.0; wls.dim], &lower, 300);
        if alt.value < best.value {
            best = alt;
        }
    }
    let mut warnings: Vec<String> = model.notes.clone();
    if !best.converged {
        warnings.push(format!(
            "stage 2 did not converge (largest gradient {:.2e})",
            best.max_abs_gradient
        ));
    }
    let x = best.x.clone();
    let fmin = best.value;
    let h = hessian(&wls, &x);
    let (vcov_red, singular) = match spd_inverse(&h) {
        Some((inv, _)) => (inv.scale(2.0), false),
        None => (symmetric_pinv(&h).scale(2.0), true),
    };
    if singular {
        warnings.push("the Hessian of stage 2 is singular: the model may not be identified".into());
    }
    let ng = groups.len();
    let ne = model.endogenous.len();
    let np = model.params.len();
    // per group: local estimates, psi, full-parameter vcov (theta_local, psi)
    let mut locals = Vec::new();
    let mut full_vcov: Vec<Mat> = Vec::new();
    for g in 0..ng {
        let t = wls.local(g, &x);
        let (_, psi) = model.implied(&t).ok_or_else(|| {
            MetaError::new("stage 2: the implied matrix cannot be computed at the estimates")
        })?;
        // Jacobian of (theta_local, psi(theta_local)) w.r.t. the global x
        let mut jac = Mat::zeros(np + ne, wls.dim);
        for (k, &i) in wls.map[g].iter().enumerate() {
            jac[(k, i)] += 1.0;
        }
        let jpsi_local = {
            let mut m = Mat::zeros(ne, np);
            for k in 0..np {
                let f = |tt: &[f64]| {
                    model
                        .implied(tt)
                        .map(|(_, p)| p)
                        .unwrap_or(vec![f64::NAN; ne])
                };
                let hstep = 1e-6 * t[k].abs().max(1e-2);
                let mut tp = t.clone();
                tp[k] += hstep;
                let mut tm = t.clone();
                tm[k] -= hstep;
                let (fp, fm) = (f(&tp), f(&tm));
                for e in 0..ne {
                    m[(e, k)] = (fp[e] - fm[e]) / (2.0 * hstep);
                }
            }
            m
        };
        for e in 0..ne {
            for (k, &i) in wls.map[g].iter().enumerate() {
                jac[(np + e, i)] += jpsi_local[(e, k)];
            }
        }
        let v_full = match opts.se {
            SeType::Computed => jac.matmul(&vcov_red).matmul(&jac.transpose()),
            SeType::Constrained => {
                // Z spans the null space of the constraint Jacobian in (theta, psi) of this
                // group; for shared parameters across groups use the reduced form per group.
                if ng == 1 {
                    let full = WlsFull {
                        model,
                        data: groups[g].clone(),
                        w: wls.groups[g].1.clone(),
                    };
                    let mut xf = t.clone();
                    xf.extend_from_slice(&psi);
                    let hf = hessian(&full, &xf);
                    let z = jac; // (np+ne) × np: [I; dpsi/dtheta]
                    let zhz = z.transpose().matmul(&hf).matmul(&z);
                    let inv = match spd_inverse(&zhz) {
                        Some((i, _)) => i,
                        None => symmetric_pinv(&zhz),
                    };
                    z.matmul(&inv).matmul(&z.transpose()).scale(2.0)
                } else {
                    jac.matmul(&vcov_red).matmul(&jac.transpose())
                }
            }
        };
        locals.push((t, psi));
        full_vcov.push(v_full);
    }
    // the reduced vcov in the Constrained convention (for single group): read from v_full
    let vcov_global = if opts.se == SeType::Constrained && ng == 1 {
        full_vcov[0].select(&(0..np).collect::<Vec<_>>(), &(0..np).collect::<Vec<_>>())
    } else {
        vcov_red.clone()
    };
    let qcrit = qchisq(0.95, 1.0);
    let zc = 1.959963984540054;
    let mut rows_out = Vec::new();
    let mut seen_global: Vec<Option<Bounds>> = vec![None; wls.dim];
    for g in 0..ng {
        let (t, psi) = &locals[g];
        let vf = &full_vcov[g];
        for row in &model.rows {
            let (kind, est, se, ci): (&str, f64, Option<f64>, Option<Bounds>) = match &row.kind {
                RowKind::Param(k) => {
                    let v = vf[(*k, *k)];
                    let gi = wls.map[g][*k];
                    let ci = if opts.lb_ci {
                        if let Some(c) = seen_global[gi] {
                            Some(c)
                        } else {
                            let gf = |y: &[f64]| y[gi];
                            let ggf = |y: &[f64]| {
                                let mut v = vec![0.0; y.len()];
                                v[gi] = 1.0;
                                v
                            };
                            let c = lb_pair(&wls, &x, fmin, qcrit, &gf, &ggf, &h);
                            seen_global[gi] = Some(c);
                            Some(c)
                        }
                    } else {
                        None
                    };
                    ("free", t[*k], (v > 0.0).then(|| v.sqrt()), ci)
                }
                RowKind::Fixed(v) => ("fixed", *v, None, None),
                RowKind::UnitVar => ("fixed", 1.0, None, None),
                RowKind::ErrorVar(e) => {
                    let v = vf[(np + e, np + e)];
                    let ci = if opts.lb_ci {
                        let e = *e;
                        let gf = |y: &[f64]| {
                            model
                                .implied(&wls.local(g, y))
                                .map_or(f64::NAN, |(_, p)| p[e])
                        };
                        let ggf = |y: &[f64]| numeric_gradient(&gf, y);
                        Some(lb_pair(&wls, &x, fmin, qcrit, &gf, &ggf, &h))
                    } else {
                        None
                    };
                    ("computed", psi[*e], (v > 0.0).then(|| v.sqrt()), ci)
                }
                RowKind::Defined(d) => {
                    let d = *d;
                    let est = model.defined_value(d, t, psi);
                    // delta method on (theta_local, psi)
                    let f = |y: &[f64]| {
                        let (a, b) = y.split_at(np);
                        model.defined_value(d, a, b)
                    };
                    let mut y = t.clone();
                    y.extend_from_slice(psi);
                    let gr = numeric_gradient(&f, &y);
                    let mut v = 0.0;
                    for i in 0..np + ne {
                        for j in 0..np + ne {
                            v += gr[i] * vf[(i, j)] * gr[j];
                        }
                    }
                    let ci = if opts.lb_ci {
                        let gf = |yy: &[f64]| {
                            let tl = wls.local(g, yy);
                            match model.implied(&tl) {
                                Some((_, p)) => model.defined_value(d, &tl, &p),
                                None => f64::NAN,
                            }
                        };
                        let ggf = |yy: &[f64]| numeric_gradient(&gf, yy);
                        Some(lb_pair(&wls, &x, fmin, qcrit, &gf, &ggf, &h))
                    } else {
                        None
                    };
                    ("defined", est, (v > 0.0).then(|| v.sqrt()), ci)
                }
            };
            let z = se.map(|s| est / s);
            let (ci_lower, ci_upper) = match (kind, ci) {
                ("fixed", _) => (Some(est), Some(est)),
                (_, Some((l, u))) => (l, u),
                _ => (None, None),
            };
            rows_out.push(ParamRow {
                lhs: row.lhs.clone(),
                op: row.op.clone(),
                rhs: row.rhs.clone(),
                group: g + 1,
                label: row.label.clone(),
                kind: kind.into(),
                est,
                se: if kind == "fixed" { Some(0.0) } else { se },
                z,
                pvalue: z.map(|z| 2.0 * (1.0 - pnorm(z.abs()))),
                wald_lower: se.map(|s| est - zc * s),
                wald_upper: se.map(|s| est + zc * s),
                ci_lower,
                ci_upper,
            });
        }
    }
    // fit
    let n_total: f64 = groups.iter().map(|g| g.n).sum();
    let n_stat = q * ng;
    let df = n_stat.saturating_sub(wls.dim);
    let chisq = fmin;
    let mut chisq_b = 0.0;
    let mut srmr_sum = 0.0;
    let mut implied = Vec::new();
    for (g, (data, w)) in wls.groups.iter().enumerate() {
        let wr = w.matvec(&data.r);
        chisq_b += data.r.iter().zip(&wr).map(|(a, b)| a * b).sum::<f64>();
        let (sig, _) = model
            .implied(&locals[g].0)
            .unwrap_or((Mat::identity(1), vec![]));
        let rho = vechs(&sig);
        srmr_sum += (data
            .r
            .iter()
            .zip(&rho)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / q as f64)
            .sqrt();
        implied.push(sig.to_rows());
    }
    let df_b = n_stat;
    let dff = df as f64;
    let rmsea = if df > 0 {
        (((chisq - dff) / (n_total - 1.0)).max(0.0) / dff).sqrt()
    } else {
        0.0
    };
    let (rl, ru) = rmsea_ci(chisq, dff, n_total, 1.0);
    let cfi = {
        let num = (chisq - dff).max(0.0);
        let den = (chisq - dff).max(chisq_b - df_b as f64).max(0.0);
        if den > 0.0 {
            1.0 - num / den
        } else {
            1.0
        }
    };
    let tli =
        (df > 0).then(|| (chisq_b / df_b as f64 - chisq / dff) / (chisq_b / df_b as f64 - 1.0));
    let labels: Vec<String> = (0..wls.dim)
        .map(|i| {
            let (g, k) = wls
                .map
                .iter()
                .enumerate()
                .find_map(|(g, m)| m.iter().position(|&j| j == i).map(|k| (g, k)))
                .unwrap_or((0, 0));
            let p = &model.params[k];
            let base = p
                .label
                .clone()
                .unwrap_or(format!("{}{}{}", p.lhs, p.op, p.rhs));
            if ng > 1 && !(opts.sharing == Sharing::Paths && p.is_path) {
                format!("{base}.g{}", g + 1)
            } else {
                base
            }
        })
        .collect();
    Ok(Stage2 {
        parameters: rows_out,
        fit: Stage2Fit {
            ntotal: n_total,
            chisq,
            df,
            pvalue: (df > 0).then(|| pchisq_upper(chisq, dff)),
            n_constraints: ne * ng,
            baseline_chisq: chisq_b,
            baseline_df: df_b,
            rmsea,
            rmsea_ci_lower: rl,
            rmsea_ci_upper: ru,
            srmr: srmr_sum / ng as f64,
            tli,
            cfi,
            aic: chisq - 2.0 * dff,
            bic: chisq - n_total.ln() * dff,
        },
        implied,
        vcov_labels: labels,
        vcov: vcov_global.to_rows(),
        se_type: opts.se,
        converged: best.converged,
        iterations: best.iterations,
        warnings,
        theta: x,
    })
}

fn lb_pair(
    obj: &dyn Objective,
    x: &[f64],
    fmin: f64,
    qcrit: f64,
    g: &dyn Fn(&[f64]) -> f64,
    gg: &dyn Fn(&[f64]) -> Vec<f64>,
    h: &Mat,
) -> (Option<f64>, Option<f64>) {
    let lo = profile_bound(obj, x, fmin, qcrit, g, gg, h, false);
    let hi = profile_bound(obj, x, fmin, qcrit, g, gg, h, true);
    (
        lo.converged.then_some(lo.value),
        hi.converged.then_some(hi.value),
    )
}

/// Pooled data of one group from a stage-1 result.
pub fn group_from_stage1(pooled: &[f64], acov: &[Vec<f64>], n: f64) -> GroupData {
    GroupData {
        r: pooled.to_vec(),
        acov: Mat::from_rows(acov),
        n,
    }
}

#[allow(dead_code)]
fn is_pd(m: &Mat) -> bool {
    cholesky(m).is_some()
}
