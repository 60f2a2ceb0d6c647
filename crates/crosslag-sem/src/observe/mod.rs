//! Step 2 of a fit, **observe**: data + the model's variables → sample data: moments per
//! group ([`moments`], divisor N), missing-data patterns ([`missing`]), the saturated model by
//! EM and its information ([`h1`]), clusters; [`prepare`] does it for a fit.

pub mod h1;
pub mod missing;
pub mod moments;
pub mod prepare;

use ndarray::{Array1, Array2};

/// The data of a fit: raw rows or summary statistics, per group.
#[derive(Debug, Clone)]
pub enum Data {
    /// Raw data: `values` is rows × `names` (NaN = missing); `group` gives a 0-based group
    /// per row; `cluster` a 0-based cluster per row.
    Raw {
        names: Vec<String>,
        values: Array2<f64>,
        group: Option<Vec<usize>>,
        group_labels: Vec<String>,
        cluster: Option<Vec<usize>>,
    },
    /// Summary statistics per group: covariance with divisor N − 1 (rescaled by (N−1)/N as
    /// lavaan does), optional means, N.
    Moments {
        names: Vec<String>,
        groups: Vec<(Array2<f64>, Option<Array1<f64>>, usize)>,
        group_labels: Vec<String>,
    },
}

impl Data {
    /// Number of groups.
    pub fn ngroups(&self) -> usize {
        match self {
            Data::Raw {
                group: Some(_),
                group_labels,
                ..
            } => group_labels.len().max(1),
            Data::Raw { .. } => 1,
            Data::Moments { groups, .. } => groups.len(),
        }
    }

    /// Whether a cluster variable is given (cluster-robust inference).
    pub fn clustered(&self) -> bool {
        matches!(
            self,
            Data::Raw {
                cluster: Some(_),
                ..
            }
        )
    }
}
