//! lavaan syntax → the stage-2 path model: regressions (`~`) and covariances (`~~`) among the
//! stage-1 variables, labels (shared labels are one parameter), fixed values and `:=`
//! definitions. Variances follow the correlation structure: 1 for exogenous variables, and
//! 1 − explained variance (computed, not free) for endogenous ones.

use super::model::{ModelParam, PathModel, Row, RowKind, Spec};
use crate::meta::MetaError;
use crate::syntax::{self, Expr, RelOp, Statement, Term};

/// A variance statement `v ~~ v`: (variable, label, fixed value, its row).
type VarSpec = (usize, Option<String>, Option<f64>, usize);

/// The model as the statements are read.
struct Builder<'v> {
    variables: &'v [String],
    params: Vec<ModelParam>,
    a: Vec<(usize, usize, Spec)>,
    s: Vec<(usize, usize, Spec)>,
    rows: Vec<Row>,
    endo: Vec<bool>,
    var_specs: Vec<VarSpec>,
    defined: Vec<(String, Expr)>,
}

impl<'v> Builder<'v> {
    fn new(variables: &'v [String]) -> Builder<'v> {
        Builder {
            variables,
            params: Vec::new(),
            a: Vec::new(),
            s: Vec::new(),
            rows: Vec::new(),
            endo: vec![false; variables.len()],
            var_specs: Vec::new(),
            defined: Vec::new(),
        }
    }

    fn vidx(&self, v: &str) -> Result<usize, MetaError> {
        self.variables.iter().position(|x| x == v).ok_or_else(|| {
            MetaError::new(format!(
                "model syntax: `{v}` is not a variable of the studies ({})",
                self.variables.join(", ")
            ))
        })
    }

    /// The parameter of a free entry: the one already carrying `label`, or a new one (start
    /// value from `start()`, else 0.1 for a regression and 0 for a covariance).
    fn add_param(
        &mut self,
        label: Option<String>,
        lhs: &str,
        op: &str,
        rhs: &str,
        start: Option<f64>,
        is_path: bool,
    ) -> usize {
        if let Some(l) = &label {
            if let Some(i) = self.params.iter().position(|q| q.label.as_ref() == Some(l)) {
                return i;
            }
        }
        self.params.push(ModelParam {
            label,
            lhs: lhs.to_string(),
            op: op.to_string(),
            rhs: rhs.to_string(),
            start: start.unwrap_or(if is_path { 0.1 } else { 0.0 }),
            is_path,
        });
        self.params.len() - 1
    }

    /// A regression or covariance entry, fixed or free, and its row.
    fn entry(&mut self, lhs: &str, op: RelOp, t: &Term) -> Spec {
        let (fixed, label, start) = t.modifiers.for_group(0);
        let label = label.flatten();
        let op_s = op.as_str();
        let spec = match fixed.flatten() {
            Some(v) => Spec::Fixed(v),
            None => Spec::Free(self.add_param(
                label.clone(),
                lhs,
                op_s,
                &t.var,
                start,
                op == RelOp::Regression,
            )),
        };
        self.rows.push(Row {
            lhs: lhs.to_string(),
            op: op_s.into(),
            rhs: t.var.clone(),
            label: label.unwrap_or_default(),
            kind: match spec {
                Spec::Fixed(v) => RowKind::Fixed(v),
                Spec::Free(i) => RowKind::Param(i),
            },
        });
        spec
    }

    /// One term `l op t` of a relation.
    fn term(&mut self, l: &str, op: RelOp, t: &Term, line: usize) -> Result<(), MetaError> {
        let li = self.vidx(l)?;
        if t.var == "1" {
            return Err(MetaError::new(format!(
                "model syntax line {line}: intercepts (~ 1) have no place in a correlation structure"
            )));
        }
        let ri = self.vidx(&t.var)?;
        match op {
            RelOp::Regression => {
                if li == ri {
                    return Err(MetaError::new(format!(
                        "model syntax line {line}: `{l} ~ {l}`"
                    )));
                }
                self.endo[li] = true;
                let spec = self.entry(l, op, t);
                self.a.push((li, ri, spec));
            }
            RelOp::Covariance if li == ri => {
                let (fixed, label, _) = t.modifiers.for_group(0);
                self.var_specs
                    .push((li, label.flatten(), fixed.flatten(), self.rows.len()));
                self.rows.push(Row {
                    lhs: l.to_string(),
                    op: op.as_str().into(),
                    rhs: t.var.clone(),
                    label: String::new(),
                    kind: RowKind::UnitVar,
                });
            }
            RelOp::Covariance => {
                let spec = self.entry(l, op, t);
                self.s.push((li, ri, spec));
            }
            RelOp::Loading => unreachable!(),
        }
        Ok(())
    }

    fn statement(&mut self, st: &Statement) -> Result<(), MetaError> {
        match st {
            Statement::Relation { lhs, op, rhs, pos } => {
                if *op == RelOp::Loading {
                    return Err(MetaError::new(format!(
                        "model syntax line {}: latent variables (=~) are not supported in stage 2",
                        pos.line
                    )));
                }
                for l in lhs {
                    self.vidx(l)?;
                    for t in rhs {
                        self.term(l, *op, t, pos.line)?;
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
                self.rows.push(Row {
                    lhs: name.clone(),
                    op: ":=".into(),
                    rhs: expr.to_lavaan(),
                    label: name.clone(),
                    kind: RowKind::Defined(self.defined.len()),
                });
                self.defined.push((name.clone(), expr.clone()));
            }
        }
        Ok(())
    }

    /// The variance statements: an endogenous variable's becomes its computed error variance
    /// (a label names it; a fixed value is noted and ignored), an exogenous one's is 1. Every
    /// endogenous variable gets an error-variance row.
    fn variances(&mut self, endogenous: &[usize]) -> (Vec<Option<String>>, Vec<String>) {
        let mut notes = Vec::new();
        let mut psi_labels = vec![None; endogenous.len()];
        for (v, label, fixed, row) in std::mem::take(&mut self.var_specs) {
            if let Some(e) = endogenous.iter().position(|&j| j == v) {
                if fixed.is_some() {
                    notes.push(format!(
                        "the error variance of {} is not fixed but computed (1 − explained variance)",
                        self.variables[v]
                    ));
                }
                psi_labels[e] = label.clone();
                self.rows[row].kind = RowKind::ErrorVar(e);
                self.rows[row].label = label.unwrap_or_default();
            } else {
                match fixed {
                    Some(x) if (x - 1.0).abs() < 1e-12 => {}
                    _ => notes.push(format!(
                        "the variance of the exogenous {} is 1 in a correlation structure",
                        self.variables[v]
                    )),
                }
            }
        }
        // error variances the syntax did not mention still get a row
        for (e, &v) in endogenous.iter().enumerate() {
            if !self
                .rows
                .iter()
                .any(|r| matches!(r.kind, RowKind::ErrorVar(x) if x == e))
            {
                self.rows.push(Row {
                    lhs: self.variables[v].clone(),
                    op: "~~".into(),
                    rhs: self.variables[v].clone(),
                    label: String::new(),
                    kind: RowKind::ErrorVar(e),
                });
            }
        }
        (psi_labels, notes)
    }

    /// Defined parameters must use known labels, and the model needs a free parameter.
    fn check(&self, psi_labels: &[Option<String>]) -> Result<(), MetaError> {
        let known: Vec<String> = self
            .params
            .iter()
            .filter_map(|q| q.label.clone())
            .chain(psi_labels.iter().flatten().cloned())
            .chain(self.defined.iter().map(|(n, _)| n.clone()))
            .collect();
        for (name, expr) in &self.defined {
            for v in expr.variables() {
                if !known.contains(&v) {
                    return Err(MetaError::new(format!(
                        "model syntax: `{name} := ...` uses `{v}`, which is not a parameter label"
                    )));
                }
            }
        }
        if self.params.is_empty() {
            return Err(MetaError::new(
                "model syntax: the model has no free parameters",
            ));
        }
        Ok(())
    }
}

impl PathModel {
    /// Reads lavaan syntax over the given observed variables (the stage-1 variables).
    pub fn from_syntax(text: &str, variables: &[String]) -> Result<PathModel, MetaError> {
        let parsed =
            syntax::parse(text).map_err(|e| MetaError::new(format!("model syntax: {e}")))?;
        let mut b = Builder::new(variables);
        for st in &parsed.statements {
            b.statement(st)?;
        }
        let endogenous: Vec<usize> = (0..variables.len()).filter(|&j| b.endo[j]).collect();
        let (psi_labels, notes) = b.variances(&endogenous);
        b.check(&psi_labels)?;
        let model = PathModel {
            variables: variables.to_vec(),
            params: b.params,
            a: b.a,
            s: b.s,
            endogenous,
            psi_labels,
            defined: b.defined,
            rows: b.rows,
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
}
