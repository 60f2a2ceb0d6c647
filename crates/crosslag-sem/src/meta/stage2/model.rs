//! The stage-2 path model over observed variables: its matrices A (regressions) and S
//! (covariances), and the implied correlation matrix with the error variances that give it a
//! unit diagonal, ρ = (I − A)⁻¹ S (I − A)⁻ᵀ.

use crate::meta::mat::{inverse, Mat};
use crate::syntax::Expr;
use serde::Serialize;

/// How a matrix entry is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Spec {
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
pub(super) enum RowKind {
    Param(usize),
    Fixed(f64),
    /// error variance of endogenous variable (index in `endogenous`)
    ErrorVar(usize),
    /// exogenous variance (always 1)
    UnitVar,
    Defined(usize),
}

#[derive(Debug, Clone)]
pub(super) struct Row {
    pub(super) lhs: String,
    pub(super) op: String,
    pub(super) rhs: String,
    pub(super) label: String,
    pub(super) kind: RowKind,
}

/// A path model over observed variables for a correlation structure.
#[derive(Debug, Clone)]
pub struct PathModel {
    pub variables: Vec<String>,
    pub params: Vec<ModelParam>,
    pub(super) a: Vec<(usize, usize, Spec)>,
    pub(super) s: Vec<(usize, usize, Spec)>,
    /// endogenous variables (indices), in variable order
    pub endogenous: Vec<usize>,
    /// labels given to error variances (`enga ~~ p33*enga`), per endogenous variable
    pub(super) psi_labels: Vec<Option<String>>,
    pub(super) defined: Vec<(String, Expr)>,
    pub(super) rows: Vec<Row>,
    pub notes: Vec<String>,
}

impl PathModel {
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

    pub(super) fn defined_value(&self, d: usize, theta: &[f64], psi: &[f64]) -> f64 {
        let vals = self.label_values(theta, psi);
        let name = &self.defined[d].0;
        vals.iter()
            .find(|(l, _)| l == name)
            .map_or(f64::NAN, |(_, v)| *v)
    }
}
