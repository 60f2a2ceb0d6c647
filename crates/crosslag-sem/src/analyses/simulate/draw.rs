//! Drawing rows from a population: the options (non-normal scores, attrition, MCAR), the
//! [`Simulator`] prepared once per population (Cholesky factors, Fleishman coefficients) and
//! the simulated data it returns.

use super::nonnormal::{fleishman, intermediate_correlation};
use super::population::Population;
use super::{rng_from_seed, SimError};
use crate::linalg;
use ndarray::{Array1, Array2};
use rand::rngs::ChaCha8Rng;
use rand::RngExt;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyses::simulate::{split_sizes, waves_by_suffix, PopulationOptions, POP};

    fn moments(d: &SimData) -> (Array1<f64>, Array2<f64>) {
        let m = crate::observe::moments::Moments::from_complete(d.values.view());
        (m.mean, m.cov)
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
