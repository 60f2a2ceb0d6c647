//! What standard errors a fit may have: lavaan's `se =` (with `bootstrap =`, `boot.ci.type =`
//! and the Bollen–Stine test) checked against the estimator and the data. The rules:
//!
//! * `se = "robust.huber.white"` (sandwich) comes with the MLR estimator, whose standard
//!   errors are lavaan's robust.huber.white; with ML it is refused (lavaan would give sandwich
//!   SEs with the normal-theory test, which crosslag does not compute). `se = "standard"` with
//!   MLR keeps MLR's sandwich standard errors.
//! * The number of replications, the seed, the interval type and the Bollen–Stine test only
//!   apply to `se = "bootstrap"`.
//! * The bootstrap resamples raw data (rows, or clusters), not summary statistics, and needs
//!   at least 2 replications (lavaan's default is 1000, the seed 1, the interval percentile).
//! * The Bollen–Stine transformation needs complete data: not with `missing = "ml"`.

use crate::specify::options::{Missing, Se};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// lavaan's `se =`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeType {
    /// From the information matrix (`"standard"`).
    Standard,
    /// The sandwich (`"robust.huber.white"`; also `robust`, `robust.mlr`, `sandwich`).
    RobustHuberWhite,
    /// From refits to resampled data (`"bootstrap"`, `"boot"`).
    Bootstrap,
}

impl FromStr for SeType {
    type Err = ();
    /// lavaan's spellings, in any case: the bootstrap, or the information-based types as
    /// the estimation option [`Se`] reads them (one list of spellings).
    fn from_str(s: &str) -> Result<SeType, ()> {
        match s.trim().to_ascii_lowercase().as_str() {
            "bootstrap" | "boot" => Ok(SeType::Bootstrap),
            other => match other.parse::<Se>() {
                Ok(Se::Standard) => Ok(SeType::Standard),
                Ok(Se::RobustHuberWhite) => Ok(SeType::RobustHuberWhite),
                _ => Err(()),
            },
        }
    }
}

/// Interval type of bootstrap standard errors in a fit (lavaan's
/// `parameterEstimates(boot.ci.type = )`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BootCiType {
    /// Percentile interval (lavaan's default `"perc"`).
    Perc,
    /// Bias-corrected and accelerated interval (`"bca"`).
    Bca,
}

impl FromStr for BootCiType {
    type Err = ();
    /// `perc` (or `percentile`) and `bca`, in any case.
    fn from_str(s: &str) -> Result<BootCiType, ()> {
        match s.trim().to_ascii_lowercase().as_str() {
            "perc" | "percentile" => Ok(BootCiType::Perc),
            "bca" => Ok(BootCiType::Bca),
            _ => Err(()),
        }
    }
}

/// The standard errors asked for; `None` = not given (lavaan's default).
#[derive(Debug, Clone, PartialEq)]
pub struct SeRequest {
    pub se: SeType,
    /// `se` was given (otherwise lavaan's default for the estimator applies).
    pub explicit: bool,
    /// `bootstrap =`: the number of replications.
    pub replications: Option<usize>,
    pub seed: Option<u64>,
    pub ci: Option<BootCiType>,
    /// The Bollen–Stine bootstrap p-value of the χ² test.
    pub bollen_stine: bool,
}

/// An option that only applies to bootstrap standard errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootstrapOption {
    Replications,
    Seed,
    Ci,
    BollenStine,
}

/// Why a request for standard errors cannot be met.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SeRequestError {
    #[error("{0:?} applies to bootstrap standard errors only")]
    NotBootstrap(BootstrapOption),
    #[error("the bootstrap resamples raw data, not summary statistics")]
    BootstrapNeedsRawData,
    #[error("{0} bootstrap replications: at least 2 are needed")]
    TooFewReplications(usize),
    #[error("the Bollen–Stine test needs complete data, not missing = \"ml\"")]
    BollenStineNeedsCompleteData,
}

/// A bootstrap of the standard errors, with lavaan's defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapSe {
    pub replications: usize,
    pub seed: u64,
    pub ci: BootCiType,
    pub bollen_stine: bool,
}

/// How the standard errors will be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeMethod {
    /// From the information matrix: lavaan's default for the estimator (the sandwich with MLR
    /// or clusters), or the `se` asked for.
    Information(Se),
    Bootstrap(BootstrapSe),
}

/// Checks a request against the estimator, the missing-data method and whether the data are
/// raw rows (see the module documentation for the rules).
pub fn se_method(
    request: &SeRequest,
    missing: Missing,
    raw_data: bool,
) -> Result<SeMethod, SeRequestError> {
    if request.se != SeType::Bootstrap {
        let given = [
            (
                BootstrapOption::Replications,
                request.replications.is_some(),
            ),
            (BootstrapOption::Seed, request.seed.is_some()),
            (BootstrapOption::Ci, request.ci.is_some()),
            (BootstrapOption::BollenStine, request.bollen_stine),
        ];
        if let Some((option, _)) = given.iter().find(|(_, g)| *g) {
            return Err(SeRequestError::NotBootstrap(*option));
        }
        return Ok(SeMethod::Information(
            match (request.se, request.explicit) {
                (_, false) => Se::Default,
                (SeType::RobustHuberWhite, true) => Se::RobustHuberWhite,
                _ => Se::Standard,
            },
        ));
    }
    if !raw_data {
        return Err(SeRequestError::BootstrapNeedsRawData);
    }
    let replications = request.replications.unwrap_or(1000);
    if replications < 2 {
        return Err(SeRequestError::TooFewReplications(replications));
    }
    if request.bollen_stine && missing == Missing::Ml {
        return Err(SeRequestError::BollenStineNeedsCompleteData);
    }
    Ok(SeMethod::Bootstrap(BootstrapSe {
        replications,
        seed: request.seed.unwrap_or(1),
        ci: request.ci.unwrap_or(BootCiType::Perc),
        bollen_stine: request.bollen_stine,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(se: SeType) -> SeRequest {
        SeRequest {
            se,
            explicit: true,
            replications: None,
            seed: None,
            ci: None,
            bollen_stine: false,
        }
    }

    #[test]
    fn rules() {
        let listwise = Missing::Listwise;
        // lavaan: the sandwich with ML too (robust SEs beside the normal-theory test)
        assert_eq!(
            se_method(&request(SeType::RobustHuberWhite), listwise, true),
            Ok(SeMethod::Information(Se::RobustHuberWhite))
        );
        assert_eq!(
            se_method(&request(SeType::Standard), listwise, true),
            Ok(SeMethod::Information(Se::Standard))
        );
        let mut r = request(SeType::Standard);
        r.ci = Some(BootCiType::Bca);
        assert_eq!(
            se_method(&r, listwise, true),
            Err(SeRequestError::NotBootstrap(BootstrapOption::Ci))
        );
        let mut b = request(SeType::Bootstrap);
        assert_eq!(
            se_method(&b, listwise, false),
            Err(SeRequestError::BootstrapNeedsRawData)
        );
        assert_eq!(
            se_method(&b, listwise, true),
            Ok(SeMethod::Bootstrap(BootstrapSe {
                replications: 1000,
                seed: 1,
                ci: BootCiType::Perc,
                bollen_stine: false
            }))
        );
        b.replications = Some(1);
        assert_eq!(
            se_method(&b, listwise, true),
            Err(SeRequestError::TooFewReplications(1))
        );
        b.replications = Some(50);
        b.bollen_stine = true;
        assert_eq!(
            se_method(&b, Missing::Ml, true),
            Err(SeRequestError::BollenStineNeedsCompleteData)
        );
        assert_eq!("Robust".parse::<SeType>(), Ok(SeType::RobustHuberWhite));
        assert_eq!("percentile".parse::<BootCiType>(), Ok(BootCiType::Perc));
        assert!("basic".parse::<BootCiType>().is_err());
    }
}
