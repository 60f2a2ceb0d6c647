//! Equality constraints as a reparameterisation θ = g(φ).
//!
//! Every free row of the parameter table is one θ_k (lavaan 0.6.14 keeps each copy of an
//! equality-constrained parameter as its own free parameter and ties them with `==` rows).
//! Here the copies that share a label, and the parameters a `lhs == expr` constraint
//! determines, are expressed through the free vector φ of the optimiser:
//!
//! * a label shared by several rows → one φ element for all of them;
//! * `a == expr(φ)` where `a` labels a free parameter → `a` is computed from the others
//!   (e.g. STARTS' `var_art1 == var_innov / (1 − ar²)`).
//!
//! For estimation and inference only the Jacobian `J = ∂θ/∂φ` is needed: the gradient is
//! `Jᵀ ∂F/∂θ`, and the constrained covariance matrix of θ is `J (Jᵀ I J)⁻¹ Jᵀ / N`, which at
//! the solution equals lavaan's augmented-information result for equality constraints.
//! `npar = dim φ` equals lavaan's `npar` (free copies minus the rank of the constraints).

use crate::specify::partable::{Definition, ParTable, TableError};
use crate::syntax::{ConstraintOp, Expr};
use ndarray::Array2;
use std::collections::HashMap;

/// Where a θ element comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    Phi(usize),
    Dep(usize),
    /// A φ element held at a value (a bound that is active, see [`Reduction::pin`]).
    Pinned(f64),
}

/// A name usable in expressions.
#[derive(Debug, Clone)]
enum Name {
    Class(usize),
    Fixed(f64),
    Defined(Expr),
}

#[derive(Debug, Clone)]
struct Dependent {
    expr: Expr,
    vars: Vec<String>,
    partials: Vec<Expr>,
}

/// A bound `φ_i ≥ lower` or `φ_i ≤ upper` from a `label > c` / `label < c` constraint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    pub phi: usize,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// The map θ = g(φ).
#[derive(Debug, Clone)]
pub struct Reduction {
    /// Number of free parameters of the optimiser (lavaan's `npar`).
    pub nphi: usize,
    theta_source: Vec<Source>,
    class_source: Vec<Source>,
    deps: Vec<Dependent>,
    names: HashMap<String, Name>,
    /// θ index of the first copy of each φ element.
    pub phi_first_theta: Vec<usize>,
    /// Simple bounds from inequality constraints.
    pub bounds: Vec<Bound>,
    /// True when every constraint is a plain copy (θ is linear in φ with 0/1 Jacobian).
    pub linear: bool,
}

impl Reduction {
    /// Build the reparameterisation from the table's labels and `==` constraints.
    pub fn build(pt: &ParTable) -> Result<Reduction, TableError> {
        let (theta_class, label_class, names, nclass) = equality_classes(pt);
        let (dependent_expr, bounds_raw) = split_constraints(pt, &label_class, nclass)?;
        let (class_source, nphi, deps) = class_sources(dependent_expr, &label_class, &names)?;
        let linear = deps.is_empty();
        let theta_source: Vec<Source> = theta_class.iter().map(|&c| class_source[c]).collect();
        let mut phi_first_theta = vec![usize::MAX; nphi];
        for (k, s) in theta_source.iter().enumerate() {
            if let Source::Phi(i) = s {
                if phi_first_theta[*i] == usize::MAX {
                    phi_first_theta[*i] = k;
                }
            }
        }
        let bounds = simple_bounds(bounds_raw, &class_source);
        Ok(Reduction {
            nphi,
            theta_source,
            class_source,
            deps,
            names,
            phi_first_theta,
            bounds,
            linear,
        })
    }

    /// For a linear map, the φ element of θ_k (`None` for a computed parameter).
    pub fn phi_of_theta(&self, k: usize) -> Option<usize> {
        match self.theta_source[k] {
            Source::Phi(i) => Some(i),
            Source::Dep(_) | Source::Pinned(_) => None,
        }
    }

    pub fn ntheta(&self) -> usize {
        self.theta_source.len()
    }

    /// φ from a full θ (the first copy of each class).
    pub fn phi_from_theta(&self, theta: &[f64]) -> Vec<f64> {
        self.phi_first_theta.iter().map(|&k| theta[k]).collect()
    }

    /// Add the lower bound `φ_i ≥ lower` (keeping a tighter existing one).
    pub fn add_lower_bound(&mut self, phi: usize, lower: f64) {
        match self.bounds.iter_mut().find(|b| b.phi == phi) {
            Some(b) => b.lower = Some(b.lower.map_or(lower, |l| l.max(lower))),
            None => self.bounds.push(Bound {
                phi,
                lower: Some(lower),
                upper: None,
            }),
        }
    }

    /// The same map with some φ elements held at values (active bounds): the returned
    /// reduction's φ is the old one without them, in order; `kept[i]` is the old index of its
    /// i-th element.
    pub fn pin(&self, pinned: &[(usize, f64)]) -> (Reduction, Vec<usize>) {
        let value = |i: usize| pinned.iter().find(|(p, _)| *p == i).map(|(_, v)| *v);
        let mut new_index = vec![usize::MAX; self.nphi];
        let mut kept = Vec::new();
        for (i, slot) in new_index.iter_mut().enumerate() {
            if value(i).is_none() {
                *slot = kept.len();
                kept.push(i);
            }
        }
        let map = |s: Source| match s {
            Source::Phi(i) => match value(i) {
                Some(v) => Source::Pinned(v),
                None => Source::Phi(new_index[i]),
            },
            other => other,
        };
        let bounds = self
            .bounds
            .iter()
            .filter(|b| value(b.phi).is_none())
            .map(|b| Bound {
                phi: new_index[b.phi],
                ..*b
            })
            .collect();
        let red = Reduction {
            nphi: kept.len(),
            theta_source: self.theta_source.iter().map(|&s| map(s)).collect(),
            class_source: self.class_source.iter().map(|&s| map(s)).collect(),
            deps: self.deps.clone(),
            names: self.names.clone(),
            phi_first_theta: kept.iter().map(|&i| self.phi_first_theta[i]).collect(),
            bounds,
            linear: self.linear,
        };
        (red, kept)
    }

    fn value_of(&self, name: &str, phi: &[f64], depvals: &[f64]) -> Option<f64> {
        match self.names.get(name)? {
            Name::Class(c) => Some(match self.class_source[*c] {
                Source::Phi(i) => phi[i],
                Source::Dep(d) => *depvals.get(d)?,
                Source::Pinned(v) => v,
            }),
            Name::Fixed(v) => Some(*v),
            Name::Defined(e) => e.eval(&|n| self.value_of(n, phi, depvals)).ok(),
        }
    }

    fn dep_values(&self, phi: &[f64]) -> Vec<f64> {
        let mut vals = Vec::with_capacity(self.deps.len());
        for d in &self.deps {
            let v = d
                .expr
                .eval(&|n| self.value_of(n, phi, &vals))
                .unwrap_or(f64::NAN);
            vals.push(v);
        }
        vals
    }

    /// θ = g(φ).
    pub fn theta(&self, phi: &[f64], theta: &mut [f64]) {
        if self.deps.is_empty() {
            for (k, s) in self.theta_source.iter().enumerate() {
                match s {
                    Source::Phi(i) => theta[k] = phi[*i],
                    Source::Pinned(v) => theta[k] = *v,
                    Source::Dep(_) => {}
                }
            }
            return;
        }
        let vals = self.dep_values(phi);
        for (k, s) in self.theta_source.iter().enumerate() {
            theta[k] = match s {
                Source::Phi(i) => phi[*i],
                Source::Dep(d) => vals[*d],
                Source::Pinned(v) => *v,
            };
        }
    }

    /// Gradient of a name's value with respect to φ.
    fn grad_of(&self, name: &str, phi: &[f64], depvals: &[f64], depgrads: &[Vec<f64>]) -> Vec<f64> {
        let mut g = vec![0.0; self.nphi];
        match self.names.get(name) {
            Some(Name::Class(c)) => match self.class_source[*c] {
                Source::Phi(i) => g[i] = 1.0,
                Source::Dep(d) => g.clone_from(&depgrads[d]),
                Source::Pinned(_) => {}
            },
            Some(Name::Defined(e)) => {
                let (_, ge) = self.eval_grad_inner(e, phi, depvals, depgrads);
                g = ge;
            }
            _ => {}
        }
        g
    }

    fn eval_grad_inner(
        &self,
        e: &Expr,
        phi: &[f64],
        depvals: &[f64],
        depgrads: &[Vec<f64>],
    ) -> (f64, Vec<f64>) {
        let lookup = |n: &str| self.value_of(n, phi, depvals);
        let value = e.eval(&lookup).unwrap_or(f64::NAN);
        let mut grad = vec![0.0; self.nphi];
        for v in e.variables() {
            let d = e.partial(&v).eval(&lookup).unwrap_or(f64::NAN);
            if d != 0.0 {
                let gv = self.grad_of(&v, phi, depvals, depgrads);
                for (a, b) in grad.iter_mut().zip(gv) {
                    *a += d * b;
                }
            }
        }
        (value, grad)
    }

    fn dep_grads(&self, phi: &[f64], vals: &[f64]) -> Vec<Vec<f64>> {
        let mut grads: Vec<Vec<f64>> = Vec::with_capacity(self.deps.len());
        for d in &self.deps {
            let lookup = |n: &str| self.value_of(n, phi, vals);
            let mut g = vec![0.0; self.nphi];
            for (v, pe) in d.vars.iter().zip(&d.partials) {
                let dv = pe.eval(&lookup).unwrap_or(f64::NAN);
                let gv = self.grad_of(v, phi, vals, &grads);
                for (a, b) in g.iter_mut().zip(gv) {
                    *a += dv * b;
                }
            }
            grads.push(g);
        }
        grads
    }

    /// J = ∂θ/∂φ (ntheta × nphi).
    pub fn jacobian(&self, phi: &[f64]) -> Array2<f64> {
        let mut j = Array2::zeros((self.ntheta(), self.nphi));
        let vals = self.dep_values(phi);
        let grads = self.dep_grads(phi, &vals);
        for (k, s) in self.theta_source.iter().enumerate() {
            match s {
                Source::Phi(i) => j[[k, *i]] = 1.0,
                Source::Pinned(_) => {}
                Source::Dep(d) => {
                    for (i, v) in grads[*d].iter().enumerate() {
                        j[[k, i]] = *v;
                    }
                }
            }
        }
        j
    }

    /// Value and φ-gradient of a `:=` definition (for the delta method).
    pub fn definition_value(&self, def: &Definition, phi: &[f64]) -> (f64, Vec<f64>) {
        let vals = self.dep_values(phi);
        let grads = self.dep_grads(phi, &vals);
        self.eval_grad_inner(&def.expr, phi, &vals, &grads)
    }

    /// Contribution of the non-linear constraints to the Hessian in φ:
    /// Σ_k (∂f/∂θ_k) ∂²θ_k/∂φ∂φᵀ, by central differences of the Jacobian (exact for linear maps).
    pub fn curvature(&self, phi: &[f64], grad_theta: &[f64]) -> Array2<f64> {
        let n = self.nphi;
        let mut h = Array2::zeros((n, n));
        if self.linear {
            return h;
        }
        let mut x = phi.to_vec();
        for i in 0..n {
            let step = 1e-5 * phi[i].abs().max(1.0);
            x[i] = phi[i] + step;
            let jp = self.jacobian(&x);
            x[i] = phi[i] - step;
            let jm = self.jacobian(&x);
            x[i] = phi[i];
            for l in 0..n {
                let mut acc = 0.0;
                for k in 0..self.ntheta() {
                    acc += grad_theta[k] * (jp[[k, l]] - jm[[k, l]]) / (2.0 * step);
                }
                h[[i, l]] = acc;
            }
        }
        // symmetrise
        for i in 0..n {
            for l in 0..i {
                let v = 0.5 * (h[[i, l]] + h[[l, i]]);
                h[[i, l]] = v;
                h[[l, i]] = v;
            }
        }
        h
    }
}

/// The equality classes of θ: free rows with one label share a class (lavaan's simple
/// equality constraints); also every name an expression may use (labels of free and fixed
/// rows, `:=` definitions). Returns (class of each θ, class of each label, names, classes).
fn equality_classes(
    pt: &ParTable,
) -> (
    Vec<usize>,
    HashMap<String, usize>,
    HashMap<String, Name>,
    usize,
) {
    // classes of θ
    let mut theta_class = vec![usize::MAX; pt.nfree];
    let mut class_label: Vec<String> = Vec::new();
    let mut label_class: HashMap<String, usize> = HashMap::new();
    let mut names: HashMap<String, Name> = HashMap::new();
    for r in &pt.rows {
        if r.free == 0 {
            if !r.label.is_empty() && !names.contains_key(&r.label) {
                names.insert(r.label.clone(), Name::Fixed(r.ustart.unwrap_or(0.0)));
            }
            continue;
        }
        let c = if r.label.is_empty() {
            class_label.push(String::new());
            class_label.len() - 1
        } else if let Some(&c) = label_class.get(&r.label) {
            c
        } else {
            class_label.push(r.label.clone());
            let c = class_label.len() - 1;
            label_class.insert(r.label.clone(), c);
            names.insert(r.label.clone(), Name::Class(c));
            c
        };
        theta_class[r.free - 1] = c;
    }
    for d in &pt.definitions {
        names.insert(d.name.clone(), Name::Defined(d.expr.clone()));
    }
    let nclass = class_label.len();
    (theta_class, label_class, names, nclass)
}

/// The constraints as dependent classes (`a == expr`: class of `a` computed from `expr`) and
/// simple bounds (`label > number`, `label < number`).
#[allow(clippy::type_complexity)]
fn split_constraints(
    pt: &ParTable,
    label_class: &HashMap<String, usize>,
    nclass: usize,
) -> Result<(Vec<Option<Expr>>, Vec<(usize, ConstraintOp, f64)>), TableError> {
    let mut dependent_expr: Vec<Option<Expr>> = vec![None; nclass];
    let mut bounds_raw: Vec<(usize, ConstraintOp, f64)> = Vec::new();
    for c in &pt.constraints {
        match c.op {
            ConstraintOp::Eq => {
                let mut done = false;
                for (side, other) in [(&c.lhs, &c.rhs), (&c.rhs, &c.lhs)] {
                    if let Expr::Var(name) = side {
                        if let Some(&cl) = label_class.get(name) {
                            if dependent_expr[cl].is_none()
                                && !other.variables().iter().any(|v| v == name)
                            {
                                dependent_expr[cl] = Some(other.clone());
                                done = true;
                                break;
                            }
                        }
                    }
                }
                if !done {
                    return Err(TableError::Invalid {
                        line: c.line,
                        message: "an equality constraint needs a free parameter's label alone on one side (e.g. 'a == 2*b')".into(),
                    });
                }
            }
            ConstraintOp::Lt | ConstraintOp::Gt => {
                let (name, value, op) = match (&c.lhs, &c.rhs) {
                    (Expr::Var(n), e) if e.variables().is_empty() => {
                        (n.clone(), e.eval(&|_| None).ok(), c.op)
                    }
                    (e, Expr::Var(n)) if e.variables().is_empty() => {
                        let flipped = if c.op == ConstraintOp::Lt {
                            ConstraintOp::Gt
                        } else {
                            ConstraintOp::Lt
                        };
                        (n.clone(), e.eval(&|_| None).ok(), flipped)
                    }
                    _ => (String::new(), None, c.op),
                };
                match (label_class.get(&name), value) {
                    (Some(&cl), Some(v)) => bounds_raw.push((cl, op, v)),
                    _ => {
                        return Err(TableError::Invalid {
                            line: c.line,
                            message: "only inequality constraints of the form 'label > number' or 'label < number' are supported".into(),
                        })
                    }
                }
            }
        }
    }
    Ok((dependent_expr, bounds_raw))
}

/// Where each class's value comes from: a φ element (independent classes, numbered in
/// order; `a == b` between labels is a plain copy), or a dependent expression of other
/// names. Returns (source of each class, number of φ elements, dependents).
fn class_sources(
    dependent_expr: Vec<Option<Expr>>,
    label_class: &HashMap<String, usize>,
    names: &HashMap<String, Name>,
) -> Result<(Vec<Source>, usize, Vec<Dependent>), TableError> {
    let nclass = dependent_expr.len();
    // φ indices for independent classes, dependents in order
    let mut class_source = vec![Source::Phi(0); nclass];
    let mut nphi = 0;
    let mut deps = Vec::new();
    for cl in 0..nclass {
        if dependent_expr[cl].is_none() {
            class_source[cl] = Source::Phi(nphi);
            nphi += 1;
        }
    }
    // `a == b` between two labels is a plain copy: resolve such aliases first.
    let mut resolved: Vec<bool> = dependent_expr.iter().map(|d| d.is_none()).collect();
    loop {
        let mut changed = false;
        for cl in 0..nclass {
            if resolved[cl] {
                continue;
            }
            if let Some(Expr::Var(name)) = &dependent_expr[cl] {
                if let Some(&c2) = label_class.get(name) {
                    if resolved[c2] {
                        if let Source::Phi(_) = class_source[c2] {
                            class_source[cl] = class_source[c2];
                            resolved[cl] = true;
                            changed = true;
                        }
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    for cl in 0..nclass {
        if resolved[cl] {
            continue;
        }
        let e = dependent_expr[cl].as_ref().expect("dependent");
        let vars = e.variables();
        for v in &vars {
            if !names.contains_key(v) {
                return Err(TableError::Invalid {
                    line: 0,
                    message: format!("constraint uses '{v}', which is not a label of the model"),
                });
            }
        }
        let partials = vars.iter().map(|v| e.partial(v)).collect();
        class_source[cl] = Source::Dep(deps.len());
        deps.push(Dependent {
            expr: e.clone(),
            vars,
            partials,
        });
    }
    Ok((class_source, nphi, deps))
}

/// Simple bounds on φ elements from `label > number` / `label < number`.
fn simple_bounds(
    bounds_raw: Vec<(usize, ConstraintOp, f64)>,
    class_source: &[Source],
) -> Vec<Bound> {
    let mut bounds: Vec<Bound> = Vec::new();
    for (cl, op, v) in bounds_raw {
        if let Source::Phi(i) = class_source[cl] {
            let b = match bounds.iter_mut().find(|b| b.phi == i) {
                Some(b) => b,
                None => {
                    bounds.push(Bound {
                        phi: i,
                        lower: None,
                        upper: None,
                    });
                    bounds.last_mut().unwrap()
                }
            };
            if op == ConstraintOp::Gt {
                b.lower = Some(v);
            } else {
                b.upper = Some(v);
            }
        }
    }
    bounds
}
