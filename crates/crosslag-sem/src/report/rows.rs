//! The rows of lavaan's `parameterEstimates(fit, standardized = TRUE)`: estimates, standard
//! errors, z, p, Wald intervals, the standardized values of every row (lavaan
//! `lav_standardize_*`), and the `:=` rows with delta-method standard errors.

use super::{Estimate, ParameterRow};
use crate::infer::delta;
use crate::loss::workspace::Workspace;
use crate::measures::standardize::{self, Kind};
use crate::specify::partable::{Op, ParTable};
use crate::specify::ram::RamModel;
use crate::specify::Model;
use crate::stats;
use ndarray::{Array1, Array2};

/// Every row of the parameter table and every `:=` definition at φ̂ (θ̂ = the workspace's θ),
/// with standard errors from `vcov_theta` when there is one.
pub fn parameter_rows(
    model: &Model,
    ram: &RamModel,
    ws: &Workspace,
    phi: &[f64],
    vcov_theta: Option<&Array2<f64>>,
) -> Vec<ParameterRow> {
    let mut parameters = table_rows(model, ram, ws, vcov_theta);
    // defined parameters (delta method)
    let z975 = stats::qnorm(0.975);
    for d in &model.pt.definitions {
        let (est, grad_phi) = model.red.definition_value(d, phi);
        // Var = ∇ᵀ V_φ ∇, where V_φ is vcov_θ at the first copy of each φ element.
        let se = vcov_theta.map(|vt| delta::se(vt, &model.red.phi_first_theta, &grad_phi));
        parameters.push(ParameterRow {
            lhs: d.name.clone(),
            op: Op::Defined,
            rhs: d.expr.to_lavaan(),
            group: 0,
            label: d.name.clone(),
            free: 0,
            exo: false,
            estimate: Estimate::wald(est, se, z975),
            std_lv: None,
            std_all: None,
            std_nox: None,
        });
    }
    standardize_definitions(&model.pt, &mut parameters);
    parameters
}

/// The rows of the parameter table with their standard errors and standardized values.
fn table_rows(
    model: &Model,
    ram: &RamModel,
    ws: &Workspace,
    vcov_theta: Option<&Array2<f64>>,
) -> Vec<ParameterRow> {
    let p = model.pt.ov_names.len();
    let x_idx = &model.x_idx;
    let se_of = |k: usize| -> Option<f64> { vcov_theta.map(|v| v[[k, k]].max(0.0).sqrt()) };
    // SDs and residual variances per group for standardization
    let m_all = ram.nvar();
    let is_lv: Vec<bool> = (0..m_all).map(|v| v >= p).collect();
    let is_x: Vec<bool> = (0..m_all).map(|v| v < p && x_idx.contains(&v)).collect();
    let names = &ram.var_names;
    let index = |s: &str| names.iter().position(|v| v == s).unwrap_or(0);
    let z975 = stats::qnorm(0.975);
    let mut parameters: Vec<ParameterRow> = Vec::new();
    for (ri, r) in model.pt.rows.iter().enumerate() {
        let Some((g, slot)) = ram.row_slots[ri] else {
            continue;
        };
        let est = if r.free > 0 {
            ws.theta[r.free - 1]
        } else {
            ram.fixed[g].get(slot)
        };
        let e = &ws.implied[g].e;
        let sd = Array1::from_shape_fn(m_all, |v| e[[v, v]].sqrt());
        let s = &ws.mats[g].s;
        let std_lv = standardize::row_value(Kind::Lv, r, est, &sd, s, &is_lv, &is_x, &index);
        let std_all = standardize::row_value(Kind::All, r, est, &sd, s, &is_lv, &is_x, &index);
        let std_nox = standardize::row_value(Kind::NoX, r, est, &sd, s, &is_lv, &is_x, &index);
        let estimate = if r.free > 0 {
            Estimate::wald(est, se_of(r.free - 1), z975)
        } else {
            Estimate::fixed(est)
        };
        parameters.push(ParameterRow {
            lhs: r.lhs.clone(),
            op: r.op,
            rhs: r.rhs.clone(),
            group: g + 1,
            label: if r.user_label {
                r.label.clone()
            } else {
                String::new()
            },
            free: r.free,
            exo: r.exo,
            estimate,
            std_lv: Some(std_lv),
            std_all: Some(std_all),
            std_nox: Some(std_nox),
        });
    }
    parameters
}

/// std values of `:=` rows: the definition evaluated on standardized labelled parameters
/// (as lavaan does).
fn standardize_definitions(pt: &ParTable, params: &mut [ParameterRow]) {
    type Pick = fn(&ParameterRow) -> Option<f64>;
    let picks: [(usize, Pick); 3] = [(0, |r| r.std_lv), (1, |r| r.std_all), (2, |r| r.std_nox)];
    for d in &pt.definitions {
        let mut vals = [None; 3];
        for (slot, pick) in picks {
            let lookup = |name: &str| -> Option<f64> {
                params
                    .iter()
                    .find(|r| r.op != Op::Defined && r.label == name)
                    .and_then(pick)
                    .or_else(|| {
                        params
                            .iter()
                            .find(|r| r.op == Op::Defined && r.lhs == name)
                            .and_then(pick)
                    })
            };
            vals[slot] = d.expr.eval(&lookup).ok();
        }
        if let Some(row) = params
            .iter_mut()
            .find(|r| r.op == Op::Defined && r.lhs == d.name)
        {
            row.std_lv = vals[0];
            row.std_all = vals[1];
            row.std_nox = vals[2];
        }
    }
}
