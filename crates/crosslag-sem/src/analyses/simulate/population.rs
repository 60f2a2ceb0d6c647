//! A population model: its syntax read with every parameter given a value, turned into the
//! population moments Σ_g, μ_g of every group by the estimation's RAM machinery.

use super::SimError;
use crate::error::SemError;
use crate::implied::Implied;
use crate::linalg;
use crate::specify::options::{DataFacts, EntryPoint, ModelOptions, TableSwitches};
use crate::specify::partable::{self, Op};
use crate::specify::ram::RamModel;
use crate::syntax;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// How a population model's syntax is read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PopulationOptions {
    /// Entry point whose defaults apply: `lavaan` (nothing automatic; the default), `sem` or
    /// `cfa`.
    pub entry: EntryPoint,
    /// `int.ov.free` (observed intercepts free; they then need values).
    pub int_ov_free: bool,
    /// Number of groups (per-group values with `c(v1, v2)*x`).
    pub ngroups: usize,
    /// Values of parameters that the syntax leaves free, by label or by `lhs op rhs` (spaces
    /// ignored, e.g. `w_lang_2~w_close_1`, `close_1~~close_1`, `close_1~1`); a name applies to
    /// every group.
    pub values: Vec<(String, f64)>,
}

impl Default for PopulationOptions {
    fn default() -> Self {
        PopulationOptions {
            entry: EntryPoint::Lavaan,
            int_ov_free: false,
            ngroups: 1,
            values: Vec::new(),
        }
    }
}

/// One parameter of a population model with its value.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PopulationValue {
    pub lhs: String,
    pub op: String,
    pub rhs: String,
    /// 1-based group.
    pub group: usize,
    pub value: f64,
}

/// Population moments of every group.
#[derive(Debug, Clone)]
pub struct Population {
    /// Observed variables (lavaan's order).
    pub names: Vec<String>,
    /// Σ_g.
    pub sigma: Vec<Array2<f64>>,
    /// μ_g.
    pub mu: Vec<Array1<f64>>,
    /// Every parameter's value (fixed and free rows).
    pub parameters: Vec<PopulationValue>,
}

fn strip(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

impl Population {
    /// Population moments from a model in lavaan syntax (see the module documentation).
    pub fn from_syntax(model: &str, opts: &PopulationOptions) -> Result<Population, SimError> {
        let syn = syntax::parse(model).map_err(SemError::from)?;
        let mopts = ModelOptions {
            entry: opts.entry,
            meanstructure: Some(true),
            int_ov_free: Some(opts.int_ov_free),
            fixed_x: false,
            ..ModelOptions::default()
        };
        let ngroups = opts.ngroups.max(1);
        let (mut switches, _) = mopts.resolve(DataFacts {
            ngroups,
            ..DataFacts::default()
        });
        // a population states its intercepts: those not given are 0 unless asked otherwise
        switches.int_ov_free = opts.int_ov_free;
        let pt = partable::build(&syn, &mopts, &switches, ngroups).or_else(|e| match e {
            // a model whose every parameter is fixed has "no parameters" for estimation
            partable::TableError::Empty => build_all_fixed(&syn, &mopts, &switches, ngroups),
            other => Err(SimError::Model(SemError::from(other))),
        })?;
        let lookup: Vec<(String, f64)> = opts.values.iter().map(|(k, v)| (strip(k), *v)).collect();
        for (k, _) in &lookup {
            let known = pt
                .rows
                .iter()
                .any(|r| (!r.label.is_empty() && r.label == *k) || strip(&r.name()) == *k);
            if !known {
                return Err(SimError::Invalid(format!(
                    "population value for '{k}': no parameter of the model has that label or name"
                )));
            }
        }
        let ram = RamModel::from_partable(&pt);
        let mut theta = vec![0.0; pt.nfree];
        let mut parameters = Vec::new();
        let mut missing = Vec::new();
        for (ri, r) in pt.rows.iter().enumerate() {
            if r.op == Op::Defined || ram.row_slots[ri].is_none() {
                continue;
            }
            let given = lookup
                .iter()
                .rev()
                .find(|(k, _)| (!r.label.is_empty() && r.label == *k) || strip(&r.name()) == *k)
                .map(|(_, v)| *v);
            // a given value, else the fixed value or start() value of the syntax
            let value = given.or(r.ustart);
            let Some(value) = value else {
                let g = if pt.ngroups > 1 {
                    format!(" (group {})", r.group + 1)
                } else {
                    String::new()
                };
                missing.push(format!("'{}'{g}", r.name()));
                continue;
            };
            if r.free > 0 {
                theta[r.free - 1] = value;
            }
            parameters.push(PopulationValue {
                lhs: r.lhs.clone(),
                op: r.op.as_str().to_string(),
                rhs: r.rhs.clone(),
                group: r.group + 1,
                value,
            });
        }
        if !missing.is_empty() {
            return Err(SimError::MissingValue(missing.join(", ")));
        }
        let mut mats = ram.fixed.clone();
        // fixed rows given a value by name or label
        for (ri, r) in pt.rows.iter().enumerate() {
            if r.free == 0 {
                if let Some((g, slot)) = ram.row_slots[ri] {
                    if let Some(v) = parameters.iter().find(|p| {
                        p.group == g + 1
                            && p.lhs == r.lhs
                            && p.op == r.op.as_str()
                            && p.rhs == r.rhs
                    }) {
                        mats[g].set(slot, v.value);
                    }
                }
            }
        }
        ram.fill(&theta, &mut mats);
        let p = pt.ov_names.len();
        let mut sigma = Vec::new();
        let mut mu = Vec::new();
        for (g, m) in mats.iter().enumerate() {
            let mut imp = Implied::new(p, ram.nvar());
            let which = if pt.ngroups > 1 {
                format!(" (group {})", g + 1)
            } else {
                String::new()
            };
            if !imp.compute(m) {
                return Err(SimError::Invalid(format!(
                    "population model{which}: I − A is singular (a cycle of paths with total effect 1)"
                )));
            }
            let mut l = imp.sigma.clone();
            if !linalg::cholesky_in_place(l.view_mut()) {
                return Err(SimError::NotPositiveDefinite(which));
            }
            sigma.push(imp.sigma.clone());
            mu.push(imp.mu.clone());
        }
        Ok(Population {
            names: pt.ov_names.clone(),
            sigma,
            mu,
            parameters,
        })
    }

    /// A population given directly by its moments (one entry per group).
    pub fn from_moments(
        names: Vec<String>,
        groups: Vec<(Array2<f64>, Array1<f64>)>,
    ) -> Result<Population, SimError> {
        let p = names.len();
        let mut sigma = Vec::new();
        let mut mu = Vec::new();
        for (g, (s, m)) in groups.into_iter().enumerate() {
            if s.dim() != (p, p) || m.len() != p {
                return Err(SimError::Invalid(format!(
                    "group {}: moments do not match {p} variables",
                    g + 1
                )));
            }
            let mut l = s.clone();
            if !linalg::cholesky_in_place(l.view_mut()) {
                return Err(SimError::NotPositiveDefinite(format!(" (group {})", g + 1)));
            }
            sigma.push(s);
            mu.push(m);
        }
        Ok(Population {
            names,
            sigma,
            mu,
            parameters: Vec::new(),
        })
    }

    pub fn ngroups(&self) -> usize {
        self.sigma.len()
    }

    /// The population value of a parameter (`op` as lavaan spells it, 1-based group).
    pub fn value(&self, lhs: &str, op: &str, rhs: &str, group: usize) -> Option<f64> {
        self.parameters
            .iter()
            .find(|p| {
                p.group == group
                    && p.op == op
                    && ((p.lhs == lhs && p.rhs == rhs)
                        || (op == "~~" && p.lhs == rhs && p.rhs == lhs))
            })
            .map(|p| p.value)
    }
}

/// The parameter table of a model without free parameters, which [`partable::build`] refuses
/// for estimation: built with a placeholder `:=` definition that is removed again.
fn build_all_fixed(
    syn: &syntax::ModelSyntax,
    mopts: &ModelOptions,
    switches: &TableSwitches,
    ngroups: usize,
) -> Result<partable::ParTable, SimError> {
    const PLACEHOLDER: &str = "crosslag_population_placeholder";
    let mut syn2 = syn.clone();
    let extra = syntax::parse(&format!("{PLACEHOLDER} := 1")).map_err(SemError::from)?;
    syn2.statements.extend(extra.statements);
    let mut pt = partable::build(&syn2, mopts, switches, ngroups).map_err(SemError::from)?;
    pt.definitions.retain(|d| d.name != PLACEHOLDER);
    pt.rows
        .retain(|r| !(r.op == Op::Defined && r.lhs == PLACEHOLDER));
    Ok(pt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyses::simulate::POP;

    #[test]
    fn population_moments_from_fixed_syntax() {
        let pop = Population::from_syntax(POP, &PopulationOptions::default()).unwrap();
        assert_eq!(pop.names, vec!["x1", "x2", "x3"]);
        let s = &pop.sigma[0];
        assert!((s[[0, 0]] - 1.0).abs() < 1e-12);
        assert!((s[[1, 0]] - 0.4).abs() < 1e-12);
        assert!((s[[2, 2]] - (1.44 * 0.5 + 0.6)).abs() < 1e-12);
        assert_eq!(pop.mu[0].to_vec(), vec![1.0, 2.0, 3.0]);
        assert_eq!(pop.value("f", "=~", "x2", 1), Some(0.8));
    }

    #[test]
    fn values_by_name_and_missing_values_reported() {
        let free = "f =~ 1*x1 + x2 + x3\nf ~~ f\nx1 ~~ x1\nx2 ~~ x2\nx3 ~~ x3";
        let err = Population::from_syntax(free, &PopulationOptions::default()).unwrap_err();
        assert!(
            matches!(err, SimError::MissingValue(ref m) if m.contains("f=~x2")),
            "{err}"
        );
        let opts = PopulationOptions {
            values: vec![
                ("f =~ x2".into(), 0.8),
                ("f=~x3".into(), 1.2),
                ("f~~f".into(), 0.5),
                ("x1~~x1".into(), 0.5),
                ("x2~~x2".into(), 0.4),
                ("x3~~x3".into(), 0.6),
            ],
            ..PopulationOptions::default()
        };
        let pop = Population::from_syntax(free, &opts).unwrap();
        assert!((pop.sigma[0][[2, 1]] - 0.8 * 1.2 * 0.5).abs() < 1e-12);
        let bad = PopulationOptions {
            values: vec![("nope".into(), 1.0)],
            ..opts
        };
        assert!(Population::from_syntax(free, &bad).is_err());
    }
}
