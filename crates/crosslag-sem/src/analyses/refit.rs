//! The lean refit shared by power analyses and bootstraps: the analysis model is specified
//! once ([`Model`]); per replication only the sample moments (or FIML data) are new, the
//! objective is minimised by Newton's method from a start near the optimum (the pseudo-true
//! values, or the full sample's estimates), bounds are enforced as in a fit, and the standard
//! errors come from [`infer::standard_errors`] — the same code as `crosslag fit`, so a
//! replication's standard errors equal a fit's to the same data, with lavaan's generalized
//! inverse and active bounds. No fit measures, standardized solutions or restarts.

use crate::analyses::simulate::SimData;
use crate::error::SemError;
use crate::estimate;
use crate::estimate::newton::newton;
use crate::estimate::optimize::{self, OptimOptions};
use crate::estimate::start::{self, StartStyle};
use crate::implied::admissible;
use crate::infer::{self, delta};
use crate::loss::objective::Objective;
use crate::loss::workspace::FimlData;
use crate::observe::h1;
use crate::observe::missing::GroupData;
use crate::observe::moments::{fixed_x_value, Moments};
use crate::specify::options::{Estimator, FitOptions, Information, Likelihood, Missing};
use crate::specify::partable;
use crate::specify::ram::RamModel;
use crate::specify::{DataSetting, Model};
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;

/// A reported parameter: a free parameter of the optimiser (one per equality class, named by
/// its first row) or a `:=` definition.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ParamInfo {
    /// `lhs op rhs` (with the group as `.gN` for groups after the first), or the defined name.
    pub name: String,
    pub lhs: String,
    pub op: String,
    pub rhs: String,
    /// 1-based group; 0 for `:=`.
    pub group: usize,
    pub label: String,
}

/// Where a reported parameter's value comes from.
#[derive(Debug, Clone, Copy)]
enum Source {
    Phi(usize),
    Def(usize),
}

/// One refit's result.
#[derive(Debug, Clone)]
pub struct Refit {
    pub phi: Vec<f64>,
    pub fx: f64,
    pub converged: bool,
    pub admissible: bool,
    pub iterations: u32,
    /// Per reported parameter ([`Analysis::params`]).
    pub est: Vec<f64>,
    pub se: Vec<Option<f64>>,
    /// `2 N fx` (the ML chi-square for complete data).
    pub chisq: f64,
}

/// An analysis model specified once for many refits.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub model: Model,
    pub params: Vec<ParamInfo>,
    sources: Vec<Source>,
    fiml: bool,
    information: Information,
}

impl Analysis {
    /// Specify a model for `ngroups` groups with the options of a fit (ML; listwise or FIML).
    pub fn new(model: &str, opts: &FitOptions, ngroups: usize) -> Result<Analysis, SemError> {
        if opts.estimation.estimator == Estimator::Mlr {
            return Err(SemError::Unsupported(
                "robust (MLR) standard errors in simulations and bootstraps (use ML: the estimates are the same)".into(),
            ));
        }
        if opts.estimation.likelihood == Likelihood::Wishart {
            return Err(SemError::Unsupported(
                "likelihood = \"wishart\" in simulations and bootstraps (use the normal likelihood)".into(),
            ));
        }
        let fiml = opts.estimation.missing == Missing::Ml;
        let setting = DataSetting {
            ngroups: ngroups.max(1),
            missing_ml: fiml,
            clustered: false,
            sample_mean: false,
        };
        let model = Model::new(model, &opts.model, setting)?;
        let (params, sources) = reported_parameters(&model);
        Ok(Analysis {
            model,
            params,
            sources,
            fiml,
            information: opts.estimation.information_for(false),
        })
    }

    /// Observed variables of the model (lavaan's order).
    pub fn ov_names(&self) -> &[String] {
        &self.model.pt.ov_names
    }

    pub fn ngroups(&self) -> usize {
        self.model.pt.ngroups
    }

    pub fn fiml(&self) -> bool {
        self.fiml
    }

    /// The position of every model variable among `names`.
    pub fn columns(&self, names: &[String]) -> Result<Vec<usize>, SemError> {
        self.model
            .pt
            .ov_names
            .iter()
            .map(|v| {
                names
                    .iter()
                    .position(|n| n == v)
                    .ok_or_else(|| SemError::UnknownVariable {
                        name: v.clone(),
                        hint: String::new(),
                    })
            })
            .collect()
    }

    /// The RAM model with the fixed.x moments of `moments`.
    pub fn ram_for(&self, moments: &[Moments]) -> Cow<'_, RamModel> {
        self.model
            .ram_for(|g, i, j| fixed_x_value(moments, g, i, j))
    }

    /// φ from θ-values per parameter-table row: `value(row)` gives the value of a free row
    /// (`None`: keep `fallback`'s).
    pub fn phi_from_rows(
        &self,
        fallback: &[f64],
        value: impl Fn(&partable::ParRow) -> Option<f64>,
    ) -> Vec<f64> {
        let mut theta = vec![0.0; self.model.red.ntheta()];
        self.model.red.theta(fallback, &mut theta);
        for r in self.model.pt.rows.iter().filter(|r| r.free > 0) {
            if let Some(v) = value(r) {
                theta[r.free - 1] = v;
            }
        }
        self.model.red.phi_from_theta(&theta)
    }

    /// lavaan-style starting values for `moments`.
    pub fn start_phi(&self, moments: &[Moments], style: StartStyle) -> Vec<f64> {
        self.model
            .red
            .phi_from_theta(&start::start_values(&self.model.pt, moments, style))
    }

    /// Complete-data moments of the model variables (listwise deletion) per group; `None`
    /// when a group has no more complete rows than variables or a singular covariance matrix.
    pub fn moments_of(&self, data: &SimData) -> Result<Option<Vec<Moments>>, SemError> {
        let cols = self.columns(&data.names)?;
        let mut out = Vec::with_capacity(data.sizes.len());
        let mut start_row = 0;
        for &ng in &data.sizes {
            let rows = start_row..start_row + ng;
            start_row += ng;
            match moments_of_rows(&data.values, rows, &cols) {
                Some(m) => out.push(m),
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }

    /// Refit to simulated data (listwise complete-data ML or FIML) from `phi0`.
    pub fn refit_data(&self, data: &SimData, phi0: &[f64]) -> Result<Option<Refit>, SemError> {
        if !self.fiml {
            return Ok(self
                .moments_of(data)?
                .and_then(|m| self.refit(&m, None, phi0)));
        }
        let cols = self.columns(&data.names)?;
        let mut groups = Vec::new();
        let mut start_row = 0;
        for &ng in &data.sizes {
            let keep: Vec<usize> = (start_row..start_row + ng)
                .filter(|&r| cols.iter().any(|&c| data.values[[r, c]].is_finite()))
                .collect();
            start_row += ng;
            let x = Array2::from_shape_fn((keep.len(), cols.len()), |(i, j)| {
                data.values[[keep[i], cols[j]]]
            });
            if (0..cols.len()).any(|j| !x.column(j).iter().any(|v| v.is_finite())) || keep.len() < 2
            {
                return Ok(None);
            }
            groups.push(GroupData::new(x, None));
        }
        Ok(self.refit_fiml(groups, phi0))
    }

    /// FIML refit of raw data by group (rows with at least one observed value).
    pub fn refit_fiml(&self, groups: Vec<GroupData>, phi0: &[f64]) -> Option<Refit> {
        let mut h1s = Vec::new();
        let mut moments = Vec::new();
        for gd in &groups {
            let h1 = h1::estimate_h1(gd, 1e-11)?;
            moments.push(Moments::new(gd.nobs(), h1.cov.clone(), h1.mean.clone()));
            h1s.push(h1.m2ll / gd.nobs() as f64);
        }
        let fd = Arc::new(FimlData { groups, h1: h1s });
        self.refit(&moments, Some(fd), phi0)
    }

    /// Minimise from `phi0` and compute standard errors: the lean path of power analyses and
    /// bootstraps. `fiml` gives the raw data of a FIML fit (then `moments` are the saturated
    /// estimates, used for fixed.x values only).
    pub fn refit(
        &self,
        moments: &[Moments],
        fiml: Option<Arc<FimlData>>,
        phi0: &[f64],
    ) -> Option<Refit> {
        if moments.iter().any(|m| m.logdet.is_none()) {
            return None;
        }
        let model = &self.model;
        let ram = self.ram_for(moments);
        let obj = match fiml {
            Some(fd) => Objective::fiml(&ram, &model.red, moments, fd),
            None => Objective::new(&ram, &model.red, moments),
        };
        let ntotal: usize = moments.iter().map(|m| m.nobs).sum();
        let (phi, fx, iterations, converged) = self.minimize(&obj, phi0);
        if !fx.is_finite() {
            return None;
        }
        let mut theta = vec![0.0; model.red.ntheta()];
        model.red.theta(&phi, &mut theta);
        let ws = obj.workspace_at(&theta)?;
        // standard errors: the same path as `crosslag fit`
        let inference = infer::standard_errors(
            model,
            &ram,
            &ws,
            &phi,
            &obj.weights,
            ntotal,
            self.information,
            None,
            &[],
        );
        let vcov = inference.vcov_theta.as_ref();
        let first = &model.red.phi_first_theta;
        let mut est = Vec::with_capacity(self.sources.len());
        let mut se = Vec::with_capacity(self.sources.len());
        for s in &self.sources {
            match *s {
                Source::Phi(i) => {
                    est.push(phi[i]);
                    se.push(
                        vcov.map(|v| v[[first[i], first[i]]])
                            .filter(|v| *v >= 0.0)
                            .map(f64::sqrt),
                    );
                }
                Source::Def(k) => {
                    let (value, grad) = model.red.definition_value(&model.pt.definitions[k], &phi);
                    est.push(value);
                    se.push(vcov.map(|v| delta::se(v, first, &grad)));
                }
            }
        }
        let admissible = admissible::is_admissible(&model.pt, &ram, &ws.mats, &ws.implied);
        Some(Refit {
            chisq: 2.0 * ntotal as f64 * fx,
            phi,
            fx,
            converged,
            admissible,
            iterations,
            est,
            se,
        })
    }

    /// Newton from `phi0` (the L-BFGS + Newton minimiser where it fails), with the bounds
    /// enforced as in [`estimate::estimate`]: (φ, fx, iterations, converged).
    fn minimize(&self, obj: &Objective, phi0: &[f64]) -> (Vec<f64>, f64, u32, bool) {
        let (mut phi, mut fx, mut iterations, mut converged) = newton(obj, phi0);
        if !converged {
            let opt = optimize::minimize(obj, phi0, &OptimOptions::default());
            iterations += opt.iterations as u32;
            if opt.fx.is_finite() && (opt.converged || opt.fx < fx || !fx.is_finite()) {
                phi = opt.phi;
                fx = opt.fx;
                converged = opt.converged;
            }
        }
        if !self.model.red.bounds.is_empty() && fx.is_finite() {
            let unbounded = optimize::OptimResult {
                phi,
                fx,
                iterations: iterations as u64,
                converged,
                reason: optimize::Termination::new(optimize::Stop::Unrecorded),
                max_abs_gradient: f64::NAN,
            };
            let r =
                estimate::enforce_bounds(&self.model.red, obj, unbounded, &OptimOptions::default());
            phi = r.phi;
            fx = r.fx;
            iterations = r.iterations as u32;
            converged = r.converged;
        }
        (phi, fx, iterations, converged)
    }
}

/// Moments (divisor N) of the complete rows of `rows` on `cols`.
pub fn moments_of_rows(
    values: &Array2<f64>,
    rows: std::ops::Range<usize>,
    cols: &[usize],
) -> Option<Moments> {
    let complete: Vec<usize> = rows
        .filter(|&r| cols.iter().all(|&c| values[[r, c]].is_finite()))
        .collect();
    crate::observe::moments::moments_of(values, &complete, cols)
}

/// The reported parameters: one per free parameter of the optimiser (named by its first row)
/// and one per `:=` definition.
fn reported_parameters(model: &Model) -> (Vec<ParamInfo>, Vec<Source>) {
    let pt = &model.pt;
    let mut params = Vec::new();
    let mut sources = Vec::new();
    for (i, &k) in model.red.phi_first_theta.iter().enumerate() {
        let r = pt.rows.iter().find(|r| r.free == k + 1).expect("free row");
        params.push(ParamInfo {
            name: if r.group > 0 {
                format!("{}.g{}", r.name(), r.group + 1)
            } else {
                r.name()
            },
            lhs: r.lhs.clone(),
            op: r.op.as_str().to_string(),
            rhs: r.rhs.clone(),
            group: r.group + 1,
            label: if r.user_label {
                r.label.clone()
            } else {
                String::new()
            },
        });
        sources.push(Source::Phi(i));
    }
    for (k, d) in pt.definitions.iter().enumerate() {
        params.push(ParamInfo {
            name: d.name.clone(),
            lhs: d.name.clone(),
            op: ":=".into(),
            rhs: d.expr.to_lavaan(),
            group: 0,
            label: d.name.clone(),
        });
        sources.push(Source::Def(k));
    }
    (params, sources)
}
