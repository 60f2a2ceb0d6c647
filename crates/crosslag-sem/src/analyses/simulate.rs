//! Drawing data from a population model.
//!
//! A population is a model in lavaan syntax whose every parameter has a value: fixed values
//! written as modifiers (`0.45*w_close_1`, `close_1 ~ 4.15*1`), start values (`start(0.4)*x`),
//! or values given separately by label or by `lhs op rhs` name. The RAM machinery of the
//! estimation ([`crate::specify::partable`] → [`crate::specify::ram::RamModel`] → [`crate::implied::Implied`])
//! turns them into the population moments Σ_g, μ_g of every group, and rows are drawn as
//!
//! ```text
//!     x = μ + L z,     L Lᵀ = Σ (Cholesky),   z ~ N(0, I)
//! ```
//!
//! with, optionally:
//!
//! * **non-normal scores** (Vale & Maurelli 1983): per variable a target skewness γ₁ and excess
//!   kurtosis γ₂ give Fleishman's (1978) polynomial `y = −c + b z + c z² + d z³` of a standard
//!   normal `z`; the normal scores are drawn with the *intermediate* correlation matrix that
//!   makes the polynomials' correlations equal to those of Σ, so the population means and
//!   covariances are exactly μ and Σ while the margins have the requested skewness and kurtosis;
//! * **monotone attrition (MAR)**: with the columns grouped by wave, a case present at wave t
//!   drops out before wave t + 1 with probability `plogis(logit(h_t) + slope · z_t)`, where
//!   `z_t` is the (population-standardized) value of a driver column observed at wave t; all
//!   later waves are then missing;
//! * **MCAR**: afterwards every remaining cell of variable j is set missing with probability
//!   `mcar_j`;
//! * **several groups**, each with its own population moments and size.
//!
//! **Determinism.** Every draw uses a `ChaCha8Rng` seeded from a single `u64`. Replication
//! seeds are derived from a master seed with SplitMix64 ([`derive_seed`]), so a replication's
//! data depend only on (master seed, keys), never on the number of threads or on which other
//! replications run. Within a draw the order of random numbers is fixed: groups in order,
//! rows in order, variables in order for the normal scores; then attrition (one uniform per
//! case and wave transition while present); then MCAR (one uniform per cell of a variable
//! with a positive rate, row-major).

use crate::error::SemError;
use crate::implied::Implied;
use crate::linalg;
use crate::specify::options::{EntryPoint, ModelOptions};
use crate::specify::partable::{self, Op};
use crate::specify::ram::RamModel;
use crate::syntax;
use ndarray::{Array1, Array2};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

/// SplitMix64's output function (Steele, Lea & Flood 2014) applied to `x`.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of one replication: `s₀ = splitmix64(master)`, then for each key
/// `s ← splitmix64(rotl(s, 32) ⊕ splitmix64(key))` (the rotation makes the derivation
/// asymmetric: master 0 with key 1 differs from master 1 with key 0). Power analyses use the keys `[N, r]` (total sample
/// size, 0-based replication index), bootstraps `[r]`.
pub fn derive_seed(master: u64, keys: &[u64]) -> u64 {
    keys.iter().fold(splitmix64(master), |s, &k| {
        splitmix64(s.rotate_left(32) ^ splitmix64(k))
    })
}

/// The generator of a replication (`ChaCha8Rng::seed_from_u64`).
pub fn rng_from_seed(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Why a population or a simulation could not be set up.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SimError {
    #[error("{0}")]
    Model(#[from] SemError),
    #[error("population model: no value for {0}; write it as a fixed value (e.g. 0.3*x) or give it in the value list")]
    MissingValue(String),
    #[error("population model{0}: the implied covariance matrix is not positive definite")]
    NotPositiveDefinite(String),
    #[error("{0}")]
    Invalid(String),
}

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
            meanstructure: true,
            int_ov_free: Some(opts.int_ov_free),
            fixed_x: false,
            ..ModelOptions::default()
        };
        let ngroups = opts.ngroups.max(1);
        let pt = partable::build(&syn, &mopts, ngroups).or_else(|e| match e {
            // a model whose every parameter is fixed has "no parameters" for estimation
            partable::TableError::Empty => build_all_fixed(&syn, &mopts, ngroups),
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
    ngroups: usize,
) -> Result<partable::ParTable, SimError> {
    const PLACEHOLDER: &str = "crosslag_population_placeholder";
    let mut syn2 = syn.clone();
    let extra = syntax::parse(&format!("{PLACEHOLDER} := 1")).map_err(SemError::from)?;
    syn2.statements.extend(extra.statements);
    let mut pt = partable::build(&syn2, mopts, ngroups).map_err(SemError::from)?;
    pt.definitions.retain(|d| d.name != PLACEHOLDER);
    pt.rows
        .retain(|r| !(r.op == Op::Defined && r.lhs == PLACEHOLDER));
    Ok(pt)
}

/// Per-variable skewness and excess kurtosis of the non-normal draws (Vale–Maurelli).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NonNormal {
    /// One value for every variable, or one per variable (population order).
    pub skewness: Vec<f64>,
    /// Excess kurtosis (0 = normal), one value or one per variable.
    pub kurtosis: Vec<f64>,
}

/// Monotone attrition by wave (MAR), see the module documentation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Attrition {
    /// Columns of each wave, in wave order.
    pub waves: Vec<Vec<String>>,
    /// For each wave transition t → t + 1 (one fewer than waves), the column of wave t whose
    /// value drives dropout.
    pub drivers: Vec<String>,
    /// Dropout probability at each transition for a case at the driver's population mean: one
    /// value for every transition, or one per transition.
    pub hazard: Vec<f64>,
    /// Change of the log-odds of dropping out per population SD of the driver.
    pub slope: f64,
}

/// What to draw besides multivariate normal complete data.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SimOptions {
    /// MCAR missingness: one rate for every variable, or one per variable (population order);
    /// empty = none.
    pub mcar: Vec<f64>,
    pub attrition: Option<Attrition>,
    pub nonnormal: Option<NonNormal>,
}

/// Simulated data: rows × variables (NaN = missing), with a group per row.
#[derive(Debug, Clone)]
pub struct SimData {
    pub names: Vec<String>,
    pub values: Array2<f64>,
    /// 0-based group of each row (rows are ordered by group).
    pub group: Vec<usize>,
    /// Rows per group.
    pub sizes: Vec<usize>,
}

impl SimData {
    /// The data as the estimation's input (`group_labels` used with several groups).
    pub fn to_data(&self, group_labels: &[String]) -> crate::observe::Data {
        let multi = self.sizes.len() > 1;
        crate::observe::Data::Raw {
            names: self.names.clone(),
            values: self.values.clone(),
            group: multi.then(|| self.group.clone()),
            group_labels: if multi {
                (0..self.sizes.len())
                    .map(|g| {
                        group_labels
                            .get(g)
                            .cloned()
                            .unwrap_or_else(|| (g + 1).to_string())
                    })
                    .collect()
            } else {
                Vec::new()
            },
            cluster: None,
        }
    }

    /// CSV text: a header row, `NA` for missing values, numbers in the shortest form that reads
    /// back to the same double; with several groups a first column `group` holds the labels.
    pub fn to_csv(&self, group_labels: &[String]) -> String {
        let multi = self.sizes.len() > 1;
        let mut out = String::with_capacity(self.values.len() * 12);
        if multi {
            out.push_str("group,");
        }
        out.push_str(&self.names.join(","));
        out.push('\n');
        for (i, row) in self.values.rows().into_iter().enumerate() {
            if multi {
                let g = self.group[i];
                match group_labels.get(g) {
                    Some(l) => out.push_str(l),
                    None => out.push_str(&(g + 1).to_string()),
                }
                out.push(',');
            }
            for (j, v) in row.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                if v.is_finite() {
                    out.push_str(&v.to_string());
                } else {
                    out.push_str("NA");
                }
            }
            out.push('\n');
        }
        out
    }
}

/// Fleishman's polynomial coefficients `(b, c, d)` (`a = −c`) for skewness `g1` and excess
/// kurtosis `g2`: Newton's method on Fleishman's three moment equations.
pub fn fleishman(g1: f64, g2: f64) -> Result<[f64; 3], SimError> {
    if g1 == 0.0 && g2 == 0.0 {
        return Ok([1.0, 0.0, 0.0]);
    }
    let f = |x: [f64; 3]| -> [f64; 3] {
        let [b, c, d] = x;
        [
            b * b + 6.0 * b * d + 2.0 * c * c + 15.0 * d * d - 1.0,
            2.0 * c * (b * b + 24.0 * b * d + 105.0 * d * d + 2.0) - g1,
            24.0 * (b * d
                + c * c * (1.0 + b * b + 28.0 * b * d)
                + d * d * (12.0 + 48.0 * b * d + 141.0 * c * c + 225.0 * d * d))
                - g2,
        ]
    };
    let norm = |v: [f64; 3]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    // several starts: Newton's method on this system is sensitive to the start
    for start in [
        [1.0, 0.0, 0.0],
        [0.9, g1 / 6.0, 0.0],
        [0.8, 0.1 * g1.signum(), 0.05],
        [1.1, 0.0, -0.05],
    ] {
        let mut x = start;
        let mut fx = f(x);
        for _ in 0..200 {
            if norm(fx) < 1e-13 {
                break;
            }
            // numerical Jacobian (central differences)
            let mut jac = [[0.0; 3]; 3];
            for k in 0..3 {
                let h = 1e-7 * x[k].abs().max(1.0);
                let mut xp = x;
                let mut xm = x;
                xp[k] += h;
                xm[k] -= h;
                let (fp, fm) = (f(xp), f(xm));
                for i in 0..3 {
                    jac[i][k] = (fp[i] - fm[i]) / (2.0 * h);
                }
            }
            let Some(step) = solve3(jac, fx) else { break };
            let mut t = 1.0;
            let mut improved = false;
            for _ in 0..30 {
                let cand = [x[0] - t * step[0], x[1] - t * step[1], x[2] - t * step[2]];
                let fc = f(cand);
                if norm(fc) < norm(fx) {
                    x = cand;
                    fx = fc;
                    improved = true;
                    break;
                }
                t *= 0.5;
            }
            if !improved {
                break;
            }
        }
        if norm(fx) < 1e-10 && x[0] > 0.0 {
            return Ok(x);
        }
    }
    Err(SimError::Invalid(format!(
        "skewness {g1} with excess kurtosis {g2} cannot be reached by Fleishman's polynomial (the kurtosis must be well above 1.5·skewness² − 1.2)"
    )))
}

fn solve3(a: [[f64; 3]; 3], b: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(a);
    if !d.is_finite() || d.abs() < 1e-300 {
        return None;
    }
    let mut x = [0.0; 3];
    for (k, xk) in x.iter_mut().enumerate() {
        let mut m = a;
        for i in 0..3 {
            m[i][k] = b[i];
        }
        *xk = det(m) / d;
    }
    Some(x)
}

/// The correlation ρ of two standard normals whose Fleishman transforms have correlation `r`
/// (Vale & Maurelli's cubic, solved by bisection on [−1, 1]).
pub fn intermediate_correlation(r: f64, ci: [f64; 3], cj: [f64; 3]) -> Result<f64, SimError> {
    let [b1, c1, d1] = ci;
    let [b2, c2, d2] = cj;
    let k1 = b1 * b2 + 3.0 * b1 * d2 + 3.0 * d1 * b2 + 9.0 * d1 * d2;
    let k2 = 2.0 * c1 * c2;
    let k3 = 6.0 * d1 * d2;
    let g = |rho: f64| rho * (k1 + rho * (k2 + rho * k3)) - r;
    let (mut lo, mut hi) = (-1.0f64, 1.0f64);
    let (glo, ghi) = (g(lo), g(hi));
    if glo > 0.0 || ghi < 0.0 {
        return Err(SimError::Invalid(format!(
            "the correlation {r:.4} cannot be reached with the requested skewness and kurtosis (Vale–Maurelli)"
        )));
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if g(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-16 {
            break;
        }
    }
    Ok(0.5 * (lo + hi))
}

/// One group's sampler.
#[derive(Debug, Clone)]
struct GroupSampler {
    mu: Array1<f64>,
    /// Lower Cholesky factor of Σ (normal) or of the intermediate correlation matrix.
    factor: Array2<f64>,
    /// Standard deviations (non-normal draws).
    sd: Array1<f64>,
    /// Fleishman coefficients per variable (non-normal draws).
    fleishman: Option<Vec<[f64; 3]>>,
}

/// Prepared attrition: column indices, and the driver's population mean and SD per group.
#[derive(Debug, Clone)]
struct PreparedAttrition {
    waves: Vec<Vec<usize>>,
    drivers: Vec<usize>,
    logit_hazard: Vec<f64>,
    slope: f64,
}

/// Everything a draw needs, prepared once (Cholesky factors, Fleishman coefficients).
#[derive(Debug, Clone)]
pub struct Simulator {
    pub names: Vec<String>,
    groups: Vec<GroupSampler>,
    mcar: Vec<f64>,
    attrition: Option<PreparedAttrition>,
}

fn per_variable(v: &[f64], p: usize, what: &str) -> Result<Vec<f64>, SimError> {
    match v.len() {
        0 => Ok(vec![0.0; p]),
        1 => Ok(vec![v[0]; p]),
        n if n == p => Ok(v.to_vec()),
        n => Err(SimError::Invalid(format!(
            "{what}: {n} values given for {p} variables (give one, or one per variable)"
        ))),
    }
}

impl Simulator {
    pub fn new(pop: &Population, opts: &SimOptions) -> Result<Simulator, SimError> {
        let p = pop.names.len();
        let mcar = per_variable(&opts.mcar, p, "MCAR rates")?;
        if mcar.iter().any(|&m| !(0.0..1.0).contains(&m)) {
            return Err(SimError::Invalid("MCAR rates must be in [0, 1)".into()));
        }
        let col = |name: &str| -> Result<usize, SimError> {
            pop.names.iter().position(|n| n == name).ok_or_else(|| {
                SimError::Invalid(format!(
                    "attrition: '{name}' is not a variable of the population model"
                ))
            })
        };
        let attrition = match &opts.attrition {
            None => None,
            Some(a) => {
                if a.waves.len() < 2 {
                    return Err(SimError::Invalid(
                        "attrition needs at least two waves".into(),
                    ));
                }
                let waves = a
                    .waves
                    .iter()
                    .map(|w| w.iter().map(|n| col(n)).collect::<Result<Vec<_>, _>>())
                    .collect::<Result<Vec<_>, _>>()?;
                let nt = waves.len() - 1;
                if a.drivers.len() != nt {
                    return Err(SimError::Invalid(format!(
                        "attrition: {} waves need {nt} driver columns (one per transition), got {}",
                        waves.len(),
                        a.drivers.len()
                    )));
                }
                let drivers = a
                    .drivers
                    .iter()
                    .map(|n| col(n))
                    .collect::<Result<Vec<_>, _>>()?;
                for (t, &d) in drivers.iter().enumerate() {
                    if waves[t + 1..].iter().flatten().any(|&c| c == d) {
                        return Err(SimError::Invalid(format!(
                            "attrition: the driver '{}' of transition {} belongs to a later wave (it must be observed before dropout)",
                            pop.names[d],
                            t + 1
                        )));
                    }
                }
                let hazard = per_variable(&a.hazard, nt, "attrition hazards")?;
                if hazard.iter().any(|&h| !(h > 0.0 && h < 1.0)) {
                    return Err(SimError::Invalid(
                        "attrition hazards must be in (0, 1)".into(),
                    ));
                }
                Some(PreparedAttrition {
                    waves,
                    drivers,
                    logit_hazard: hazard.iter().map(|h| (h / (1.0 - h)).ln()).collect(),
                    slope: a.slope,
                })
            }
        };
        let nn = match &opts.nonnormal {
            None => None,
            Some(nn) => {
                let sk = per_variable(&nn.skewness, p, "skewness")?;
                let ku = per_variable(&nn.kurtosis, p, "kurtosis")?;
                let coef = sk
                    .iter()
                    .zip(&ku)
                    .map(|(&s, &k)| fleishman(s, k))
                    .collect::<Result<Vec<_>, _>>()?;
                Some(coef)
            }
        };
        let mut groups = Vec::new();
        for g in 0..pop.ngroups() {
            let sigma = &pop.sigma[g];
            let sd = Array1::from_shape_fn(p, |i| sigma[[i, i]].sqrt());
            let target = match &nn {
                None => sigma.clone(),
                Some(coef) => {
                    let mut r = Array2::eye(p);
                    for i in 0..p {
                        for j in 0..i {
                            let rij = sigma[[i, j]] / (sd[i] * sd[j]);
                            let rho = intermediate_correlation(rij, coef[i], coef[j])?;
                            r[[i, j]] = rho;
                            r[[j, i]] = rho;
                        }
                    }
                    r
                }
            };
            let mut factor = target;
            if !linalg::cholesky_in_place(factor.view_mut()) {
                return Err(SimError::Invalid(format!(
                    "group {}: the intermediate correlation matrix of the non-normal draws is not positive definite; reduce skewness or kurtosis",
                    g + 1
                )));
            }
            groups.push(GroupSampler {
                mu: pop.mu[g].clone(),
                factor,
                sd,
                fleishman: nn.clone(),
            });
        }
        Ok(Simulator {
            names: pop.names.clone(),
            groups,
            mcar,
            attrition,
        })
    }

    pub fn ngroups(&self) -> usize {
        self.groups.len()
    }

    /// Whether draws can have missing values.
    pub fn has_missing(&self) -> bool {
        self.attrition.is_some() || self.mcar.iter().any(|&m| m > 0.0)
    }

    /// Draw `sizes[g]` rows for every group.
    pub fn draw(&self, sizes: &[usize], rng: &mut ChaCha8Rng) -> SimData {
        let p = self.names.len();
        let n: usize = sizes.iter().sum();
        let mut values = Array2::zeros((n, p));
        let mut group = Vec::with_capacity(n);
        let mut z = vec![0.0; p];
        let mut row = 0;
        for (g, &ng) in sizes.iter().enumerate() {
            let gs = &self.groups[g.min(self.groups.len() - 1)];
            for _ in 0..ng {
                for zi in z.iter_mut() {
                    *zi = rng.sample(StandardNormal);
                }
                let mut out = values.row_mut(row);
                for i in 0..p {
                    let mut acc = 0.0;
                    for (k, zk) in z.iter().enumerate().take(i + 1) {
                        acc += gs.factor[[i, k]] * zk;
                    }
                    out[i] = match &gs.fleishman {
                        None => gs.mu[i] + acc,
                        Some(coef) => {
                            let [b, c, d] = coef[i];
                            gs.mu[i] + gs.sd[i] * (-c + acc * (b + acc * (c + acc * d)))
                        }
                    };
                }
                group.push(g);
                row += 1;
            }
        }
        if let Some(a) = &self.attrition {
            for r in 0..n {
                let gs = &self.groups[group[r].min(self.groups.len() - 1)];
                for t in 0..a.drivers.len() {
                    let d = a.drivers[t];
                    let zval = (values[[r, d]] - gs.mu[d]) / gs.sd[d];
                    let eta = a.logit_hazard[t] + a.slope * zval;
                    let h = 1.0 / (1.0 + (-eta).exp());
                    let u: f64 = rng.random();
                    if u < h {
                        for w in &a.waves[t + 1..] {
                            for &c in w {
                                values[[r, c]] = f64::NAN;
                            }
                        }
                        break;
                    }
                }
            }
        }
        if self.mcar.iter().any(|&m| m > 0.0) {
            for r in 0..n {
                for j in 0..p {
                    if self.mcar[j] > 0.0 {
                        let u: f64 = rng.random();
                        if u < self.mcar[j] {
                            values[[r, j]] = f64::NAN;
                        }
                    }
                }
            }
        }
        SimData {
            names: self.names.clone(),
            values,
            group,
            sizes: sizes.to_vec(),
        }
    }

    /// Draw with a generator seeded by `seed`.
    pub fn draw_seeded(&self, sizes: &[usize], seed: u64) -> SimData {
        self.draw(sizes, &mut rng_from_seed(seed))
    }
}

/// Split a total sample size over groups in proportion to `shares` (largest remainders; the
/// result sums to `n`). Empty shares = one group.
pub fn split_sizes(n: usize, shares: &[f64]) -> Vec<usize> {
    if shares.len() <= 1 {
        return vec![n];
    }
    let total: f64 = shares.iter().sum();
    let exact: Vec<f64> = shares.iter().map(|s| n as f64 * s / total).collect();
    let mut sizes: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut left = n - sizes.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &g in &order {
        if left == 0 {
            break;
        }
        sizes[g] += 1;
        left -= 1;
    }
    sizes
}

/// Group columns into waves by a trailing number (`close_1`, `lang_1` → wave 1; `x3` → 3), in
/// ascending wave order; columns without a trailing number are left out.
pub fn waves_by_suffix(names: &[String]) -> Vec<Vec<String>> {
    let mut waves: Vec<(u64, Vec<String>)> = Vec::new();
    for n in names {
        let digits: String = n.chars().rev().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            continue;
        }
        let t: u64 = digits
            .chars()
            .rev()
            .collect::<String>()
            .parse()
            .unwrap_or(0);
        match waves.iter_mut().find(|(w, _)| *w == t) {
            Some((_, v)) => v.push(n.clone()),
            None => waves.push((t, vec![n.clone()])),
        }
    }
    waves.sort_by_key(|(t, _)| *t);
    waves.into_iter().map(|(_, v)| v).collect()
}

/// The stem of a column name without its trailing wave number and separator (`lang_3` → `lang`).
pub fn name_stem(name: &str) -> &str {
    let t = name.trim_end_matches(|c: char| c.is_ascii_digit());
    t.trim_end_matches(['_', '.', '-'])
}

#[cfg(test)]
mod tests {
    use super::*;

    const POP: &str = "
        f =~ 1*x1 + 0.8*x2 + 1.2*x3
        f ~~ 0.5*f
        x1 ~~ 0.5*x1
        x2 ~~ 0.4*x2
        x3 ~~ 0.6*x3
        x1 ~ 1*1
        x2 ~ 2*1
        x3 ~ 3*1
    ";

    fn moments(d: &SimData) -> (Array1<f64>, Array2<f64>) {
        let m = crate::observe::moments::Moments::from_complete(d.values.view());
        (m.mean, m.cov)
    }

    #[test]
    fn seeds_are_derived_and_distinct() {
        assert_ne!(derive_seed(1, &[500, 0]), derive_seed(1, &[500, 1]));
        assert_ne!(derive_seed(1, &[500, 0]), derive_seed(2, &[500, 0]));
        assert_ne!(derive_seed(0, &[1]), derive_seed(1, &[0]));
        assert_eq!(derive_seed(7, &[3]), derive_seed(7, &[3]));
    }

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

    #[test]
    fn large_sample_reproduces_population_moments() {
        let pop = Population::from_syntax(POP, &PopulationOptions::default()).unwrap();
        let sim = Simulator::new(&pop, &SimOptions::default()).unwrap();
        let n = 200_000;
        let d = sim.draw_seeded(&[n], 42);
        let (m, c) = moments(&d);
        for i in 0..3 {
            // Monte Carlo SE of a mean: sqrt(σ²/n); of a covariance: sqrt((σ_ii σ_jj + σ_ij²)/n)
            let se_m = (pop.sigma[0][[i, i]] / n as f64).sqrt();
            assert!((m[i] - pop.mu[0][i]).abs() < 4.0 * se_m);
            for j in 0..3 {
                let s = &pop.sigma[0];
                let se = ((s[[i, i]] * s[[j, j]] + s[[i, j]].powi(2)) / n as f64).sqrt();
                assert!(
                    (c[[i, j]] - s[[i, j]]).abs() < 4.0 * se,
                    "{i},{j}: {} vs {}",
                    c[[i, j]],
                    s[[i, j]]
                );
            }
        }
        // identical seeds give identical data
        let d2 = sim.draw_seeded(&[100], 42);
        assert_eq!(d.values.row(0), d2.values.row(0));
    }

    #[test]
    fn fleishman_moments() {
        for (g1, g2) in [(1.0, 1.5), (-0.5, 0.5), (0.0, 3.0), (2.0, 7.0)] {
            let [b, c, d] = fleishman(g1, g2).unwrap();
            // moments of y = -c + b z + c z² + d z³ by Monte Carlo-free formulas: re-evaluate
            let var = b * b + 6.0 * b * d + 2.0 * c * c + 15.0 * d * d;
            assert!((var - 1.0).abs() < 1e-9);
            let skew = 2.0 * c * (b * b + 24.0 * b * d + 105.0 * d * d + 2.0);
            assert!((skew - g1).abs() < 1e-9);
        }
        assert!(fleishman(3.0, 0.0).is_err());
    }

    #[test]
    fn nonnormal_draws_keep_moments_and_reach_skewness() {
        let pop = Population::from_syntax(POP, &PopulationOptions::default()).unwrap();
        let opts = SimOptions {
            nonnormal: Some(NonNormal {
                skewness: vec![1.0],
                kurtosis: vec![2.0],
            }),
            ..SimOptions::default()
        };
        let sim = Simulator::new(&pop, &opts).unwrap();
        let n = 200_000;
        let d = sim.draw_seeded(&[n], 3);
        let (m, c) = moments(&d);
        for i in 0..3 {
            assert!((m[i] - pop.mu[0][i]).abs() < 0.02);
            for j in 0..3 {
                assert!((c[[i, j]] - pop.sigma[0][[i, j]]).abs() < 0.03, "{i},{j}");
            }
            let col = d.values.column(i);
            let sd = c[[i, i]].sqrt();
            let skew = col.iter().map(|x| ((x - m[i]) / sd).powi(3)).sum::<f64>() / n as f64;
            assert!((skew - 1.0).abs() < 0.1, "skewness {skew}");
        }
    }

    #[test]
    fn mcar_and_attrition() {
        let model = "
            y_1 ~~ 1*y_1
            y_2 ~ 0.5*y_1
            y_2 ~~ 0.75*y_2
            y_3 ~ 0.5*y_2
            y_3 ~~ 0.75*y_3
        ";
        let pop = Population::from_syntax(model, &PopulationOptions::default()).unwrap();
        let names = pop.names.clone();
        let waves = waves_by_suffix(&names);
        assert_eq!(waves.len(), 3);
        let opts = SimOptions {
            attrition: Some(Attrition {
                waves: waves.clone(),
                drivers: vec!["y_1".into(), "y_2".into()],
                hazard: vec![0.2],
                slope: -1.0,
            }),
            ..SimOptions::default()
        };
        let sim = Simulator::new(&pop, &opts).unwrap();
        let d = sim.draw_seeded(&[20_000], 9);
        let j2 = names.iter().position(|n| n == "y_2").unwrap();
        let j3 = names.iter().position(|n| n == "y_3").unwrap();
        let j1 = names.iter().position(|n| n == "y_1").unwrap();
        let miss2 = d.values.column(j2).iter().filter(|v| v.is_nan()).count() as f64 / 20_000.0;
        // P(drop at first transition) = E[plogis(logit(.2) - z)] ≈ 0.23
        assert!(miss2 > 0.18 && miss2 < 0.3, "{miss2}");
        // monotone: missing at wave 2 implies missing at wave 3
        assert!(d
            .values
            .rows()
            .into_iter()
            .all(|r| !r[j2].is_nan() || r[j3].is_nan()));
        // MAR: dropouts had lower wave-1 values (negative slope → low values stay)
        let mean_drop: f64 = {
            let v: Vec<f64> = d
                .values
                .rows()
                .into_iter()
                .filter(|r| r[j2].is_nan())
                .map(|r| r[j1])
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(mean_drop < -0.1, "{mean_drop}");
        let mcar = SimOptions {
            mcar: vec![0.1],
            ..SimOptions::default()
        };
        let sim = Simulator::new(&pop, &mcar).unwrap();
        let d = sim.draw_seeded(&[20_000], 9);
        let share = d.values.iter().filter(|v| v.is_nan()).count() as f64 / d.values.len() as f64;
        assert!((share - 0.1).abs() < 0.01, "{share}");
    }

    #[test]
    fn groups_and_sizes() {
        let model = "x ~~ c(1, 4)*x\nx ~ c(0, 10)*1";
        let pop = Population::from_syntax(
            model,
            &PopulationOptions {
                ngroups: 2,
                ..PopulationOptions::default()
            },
        )
        .unwrap();
        assert_eq!(pop.ngroups(), 2);
        let sim = Simulator::new(&pop, &SimOptions::default()).unwrap();
        let sizes = split_sizes(1000, &[0.7, 0.3]);
        assert_eq!(sizes, vec![700, 300]);
        let d = sim.draw_seeded(&sizes, 1);
        let m1: f64 = d.values.column(0).iter().skip(700).sum::<f64>() / 300.0;
        assert!((m1 - 10.0).abs() < 0.5);
        assert!(d
            .to_csv(&["a".into(), "b".into()])
            .starts_with("group,x\na,"));
        assert_eq!(split_sizes(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
    }
}
