//! The options of a fit, typed, with lavaan's names and values.
//!
//! Every option value is read as lavaan reads it (`lav_options_set`): case-insensitive and
//! with lavaan's aliases (`missing = "FIML"`, `"direct"` and `"ml"` are one value). A value
//! lavaan knows but crosslag does not implement is an [`OptionError::Unsupported`] that names
//! it; a value lavaan does not know is [`OptionError::Unknown`] with the accepted spellings.
//! Serialization writes lavaan's canonical spelling, so a saved analysis reads back.
//!
//! The options fall into three concerns, one struct each:
//! - [`ModelOptions`]: what the model *is* (entry point, mean structure, fixed.x, group.equal,
//!   bounds …): the input of [`crate::specify`];
//! - [`EstimationOptions`]: how it is estimated and how SEs are computed (estimator, missing,
//!   information, optimiser settings);
//! - [`OutputOptions`]: what the result carries besides lavaan's standard output.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

pub use crate::error::OptionError;

/// Declares an option enum: its lavaan option name, canonical spellings, aliases and
/// values lavaan accepts that crosslag does not implement. Generates `FromStr` (lavaan's
/// case-insensitive reading), `Display`/`as_lavaan` (the canonical spelling) and serde.
macro_rules! lavaan_option {
    (
        $(#[$meta:meta])*
        $name:ident, $option:literal,
        { $( $(#[$vmeta:meta])* $variant:ident = $canon:literal $(| $alias:literal)* ),+ $(,)? }
        unsupported [ $( $unsup:literal ),* ]
        $( default $def:ident )?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// lavaan's option name.
            pub const OPTION: &'static str = $option;
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// lavaan's canonical spelling of the value.
            pub fn as_lavaan(self) -> &'static str {
                match self {
                    $( $name::$variant => $canon ),+
                }
            }
        }

        $(
            impl Default for $name {
                fn default() -> Self {
                    $name::$def
                }
            }
        )?

        impl FromStr for $name {
            type Err = OptionError;
            fn from_str(s: &str) -> Result<Self, OptionError> {
                let v = s.trim().to_ascii_lowercase();
                $(
                    if v == $canon.to_ascii_lowercase() $(|| v == $alias)* {
                        return Ok($name::$variant);
                    }
                )+
                $(
                    if v == $unsup {
                        return Err(OptionError::Unsupported { option: $option, value: s.trim().to_string() });
                    }
                )*
                Err(OptionError::Unknown {
                    option: $option,
                    value: s.trim().to_string(),
                    accepted: [$($canon),+].join(", "),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_lavaan())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_lavaan())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

lavaan_option! {
    /// lavaan's entry points, which differ only in the defaults they switch on.
    EntryPoint, "function", {
        Sem = "sem",
        Cfa = "cfa",
        /// `lavaan()`: nothing automatic.
        Growth = "growth",
        Lavaan = "lavaan",
    }
    unsupported []
    default Sem
}

lavaan_option! {
    /// Estimator (lavaan `estimator=`; lavaan reads it in upper case).
    /// `likelihood`: "normal" (the sample covariance divided by N, χ² = N·F) or "wishart"
    /// (divided by N − 1, χ² = (N − 1)·F, standard errors with N − G).
    Likelihood, "likelihood", {
        Normal = "normal" | "default",
        Wishart = "wishart",
    }
    unsupported []
    default Normal
}

lavaan_option! {
    /// `se` for the information-based standard errors: lavaan's default for the estimator
    /// (the sandwich with MLR and clusters), from the information alone (`"standard"`), or
    /// the Huber–White sandwich (`"robust.huber.white"`, also with ML: robust standard errors
    /// beside the normal-theory test). The bootstrap is a separate path.
    Se, "se", {
        Default = "default",
        Standard = "standard",
        RobustHuberWhite = "robust.huber.white" | "robust" | "robust.mlr" | "sandwich",
    }
    unsupported ["robust.sem", "robust.cluster", "first.order", "none", "external"]
    default Default
}

lavaan_option! {
    Estimator, "estimator", {
        Ml = "ML",
        /// ML estimates with Huber–White standard errors and the Yuan–Bentler scaled test.
        Mlr = "MLR",
    }
    unsupported ["mlm", "mlmv", "mlmvs", "mlf", "gls", "wls", "dwls", "uls", "wlsm", "wlsmv",
                 "ulsm", "ulsmv", "pml", "mml", "fml", "reml", "ntrls", "dls", "bayes"]
}

lavaan_option! {
    /// Treatment of missing values (lavaan `missing=`).
    Missing, "missing", {
        Listwise = "listwise" | "default" | "list.wise",
        /// Full-information ML ("ml", "fiml", "direct").
        Ml = "ml" | "fiml" | "direct",
    }
    unsupported ["ml.x", "fiml.x", "direct.x", "two.stage", "robust.two.stage", "pairwise",
                 "available.cases", "doubly.robust"]
}

lavaan_option! {
    /// Information matrix of the standard errors (lavaan `information=`).
    Information, "information", {
        Expected = "expected",
        Observed = "observed",
    }
    unsupported ["first.order", "h1"]
}

lavaan_option! {
    /// Automatic bounds on parameters (lavaan `bounds=`).
    Bounds, "bounds", {
        /// No bounds besides the user's `label > c` constraints (lavaan's default).
        None = "none" | "default",
        /// Every free variance (observed residual and latent) at least 0.
        PosVar = "pos.var" | "pos-var",
    }
    unsupported ["standard", "wide", "wide.zerovar", "lower", "upper"]
    default None
}

lavaan_option! {
    /// Parameter kinds that `group.equal` can hold equal across groups.
    GroupEqual, "group.equal", {
        Loadings = "loadings",
        Intercepts = "intercepts",
        Regressions = "regressions",
        Residuals = "residuals",
        ResidualCovariances = "residual.covariances",
        LvVariances = "lv.variances",
        LvCovariances = "lv.covariances",
        Means = "means",
    }
    unsupported ["thresholds", "composite.loadings"]
}

/// What the model is: lavaan's options that change the parameter table.
///
/// `None` means lavaan's default for the entry point and the data (`lav_options_set`);
/// [`ModelOptions::resolve`] turns the options into the switches the table is built with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelOptions {
    /// `function`: which entry point's defaults apply.
    pub entry: EntryPoint,
    /// `meanstructure`; `None`: lavaan's "default" (on with groups, sample means, FIML,
    /// clusters, `growth()`, intercepts in the syntax or in `group.equal`).
    pub meanstructure: Option<bool>,
    /// `int.ov.free`; `None`: the entry point's default.
    pub int_ov_free: Option<bool>,
    /// `int.lv.free`; `None`: the entry point's default.
    pub int_lv_free: Option<bool>,
    pub fixed_x: bool,
    pub std_lv: bool,
    /// `orthogonal`: no covariances among latent variables that lavaan adds itself.
    pub orthogonal: bool,
    /// `orthogonal.x`: no covariances among exogenous latent variables.
    pub orthogonal_x: bool,
    /// `orthogonal.y`: no covariances among endogenous latent variables.
    pub orthogonal_y: bool,
    /// `auto.var`, `auto.fix.first`, `auto.fix.single`, `auto.cov.lv.x`, `auto.cov.y`; `None`:
    /// the entry point's default.
    pub auto: AutoOptions,
    pub group_equal: Vec<GroupEqual>,
    /// `group.partial`: parameters (`lhs op rhs`) exempt from `group.equal`.
    pub group_partial: Vec<String>,
    pub bounds: Bounds,
    /// Parameters held at or above 0, by lavaan name (`RI_x~~RI_x`; spaces ignored; every
    /// group): e.g. the random-intercept variances of the χ̄² test's restricted fit.
    pub nonnegative: Vec<String>,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions {
            entry: EntryPoint::Sem,
            meanstructure: None,
            int_ov_free: None,
            int_lv_free: None,
            fixed_x: true,
            std_lv: false,
            orthogonal: false,
            orthogonal_x: false,
            orthogonal_y: false,
            auto: AutoOptions::default(),
            group_equal: Vec::new(),
            group_partial: Vec::new(),
            bounds: Bounds::None,
            nonnegative: Vec::new(),
        }
    }
}

/// lavaan's `auto.*` options as the user gave them (`None`: not given).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoOptions {
    pub var: Option<bool>,
    pub fix_first: Option<bool>,
    pub fix_single: Option<bool>,
    pub cov_lv_x: Option<bool>,
    pub cov_y: Option<bool>,
}

/// The switches a parameter table is built with (lavaan `lavaanify()`'s arguments), after
/// lavaan 0.6.14's defaulting rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSwitches {
    pub meanstructure: bool,
    pub int_ov_free: bool,
    pub int_lv_free: bool,
    pub auto_var: bool,
    pub auto_fix_first: bool,
    pub auto_fix_single: bool,
    pub auto_cov_lv_x: bool,
    pub auto_cov_y: bool,
    pub std_lv: bool,
    pub fixed_x: bool,
    pub orthogonal: bool,
    pub orthogonal_x: bool,
    pub orthogonal_y: bool,
}

/// What the data add to the defaulting rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DataFacts {
    pub ngroups: usize,
    pub sample_mean: bool,
    pub missing_ml: bool,
    pub clustered: bool,
}

impl ModelOptions {
    /// lavaan 0.6.14's rules (`sem()`/`cfa()`/`growth()` in xxx_lavaan.R, `lav_options_set`):
    /// - `sem()`, `cfa()` and `growth()` set `int.ov.free`, `int.lv.free` and every `auto.*`
    ///   themselves, overriding what the call passes (`growth()`: intercepts of the observed
    ///   variables fixed at 0, latent means free); `lavaan()` switches nothing on;
    /// - `std.lv = TRUE` switches `auto.fix.first` off;
    /// - the mean structure is on when asked for, when the call names groups and does not set
    ///   `meanstructure`, with sample means, FIML, clusters, `growth()`, and with intercepts
    ///   or means in `group.equal` (intercepts in the syntax switch it on in the table).
    ///
    /// Returns the switches and the options the entry point overrode (for a warning).
    pub fn resolve(&self, data: DataFacts) -> (TableSwitches, Vec<&'static str>) {
        let automatic = self.entry != EntryPoint::Lavaan;
        let growth = self.entry == EntryPoint::Growth;
        let mut overridden = Vec::new();
        let mut pick = |given: Option<bool>, name: &'static str, entry_value: bool| match given {
            Some(v) if automatic => {
                if v != entry_value {
                    overridden.push(name);
                }
                entry_value
            }
            Some(v) => v,
            None => automatic && entry_value,
        };
        let int_ov_free = pick(self.int_ov_free, "int.ov.free", !growth);
        let int_lv_free = pick(self.int_lv_free, "int.lv.free", growth);
        let auto_var = pick(self.auto.var, "auto.var", true);
        let auto_fix_first = pick(self.auto.fix_first, "auto.fix.first", true) && !self.std_lv;
        let auto_fix_single = pick(self.auto.fix_single, "auto.fix.single", true);
        let auto_cov_lv_x = pick(self.auto.cov_lv_x, "auto.cov.lv.x", true);
        let auto_cov_y = pick(self.auto.cov_y, "auto.cov.y", true);
        let meanstructure = data.sample_mean
            || data.missing_ml
            || data.clustered
            || growth
            || self
                .group_equal
                .iter()
                .any(|g| matches!(g, GroupEqual::Intercepts | GroupEqual::Means))
            || self.meanstructure.unwrap_or(data.ngroups > 1);
        let switches = TableSwitches {
            meanstructure,
            int_ov_free,
            int_lv_free,
            auto_var,
            auto_fix_first,
            auto_fix_single,
            auto_cov_lv_x,
            auto_cov_y,
            std_lv: self.std_lv,
            fixed_x: self.fixed_x,
            orthogonal: self.orthogonal,
            orthogonal_x: self.orthogonal_x,
            orthogonal_y: self.orthogonal_y,
        };
        (switches, overridden)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EstimationOptions {
    pub estimator: Estimator,
    pub missing: Missing,
    /// `None`: lavaan's default for the estimator and missing-data method.
    pub information: Option<Information>,
    pub likelihood: Likelihood,
    pub se: Se,
    #[serde(skip)]
    pub optim: OptimOptions,
}

impl Default for EstimationOptions {
    fn default() -> Self {
        EstimationOptions {
            estimator: Estimator::Ml,
            missing: Missing::Listwise,
            information: None,
            likelihood: Likelihood::Normal,
            se: Se::Default,
            optim: OptimOptions::default(),
        }
    }
}

impl EstimationOptions {
    /// The information matrix in use: lavaan's default is the observed information with
    /// `missing = "ml"` and with sandwich standard errors (MLR, clusters, `se =
    /// "robust.huber.white"`; `robust`), else the expected one.
    pub fn information_for(&self, robust: bool) -> Information {
        self.information
            .unwrap_or(if self.missing == Missing::Ml || robust {
                Information::Observed
            } else {
                Information::Expected
            })
    }
}

/// Settings of the optimiser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OptimOptions {
    pub max_iterations: u64,
    /// Stop when every |∂fx/∂φ_i| is below this.
    pub grad_tol: f64,
    pub newton_steps: usize,
}

impl Default for OptimOptions {
    fn default() -> Self {
        OptimOptions {
            max_iterations: 10_000,
            grad_tol: 1e-10,
            newton_steps: 50,
        }
    }
}

/// What the result carries besides lavaan's standard output.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutputOptions {
    /// The covariance matrix of the estimates.
    pub vcov: bool,
    /// Modification indices (lavaan `modindices()`; complete-data ML).
    pub modindices: bool,
}

/// All options of a fit; `Default` gives `sem()`'s defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FitOptions {
    pub model: ModelOptions,
    pub estimation: EstimationOptions,
    pub output: OutputOptions,
}

/// A list option (`group.equal = c("loadings", "intercepts")`) from a comma-separated string.
pub fn parse_list<T: FromStr<Err = OptionError>>(s: &str) -> Result<Vec<T>, OptionError> {
    s.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::parse)
        .collect()
}

/// A logical option as lavaan reads it (`TRUE`, `FALSE`, `T`, `F`, any case).
pub fn parse_logical(option: &'static str, s: &str) -> Result<bool, OptionError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "1" => Ok(true),
        "false" | "f" | "no" | "0" => Ok(false),
        _ => Err(OptionError::Unknown {
            option,
            value: s.trim().to_string(),
            accepted: "TRUE, FALSE".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_lavaan_reads_them() {
        for s in ["ML", "ml", "FIML", "fiml", "direct", " Ml "] {
            assert_eq!(s.parse::<Missing>(), Ok(Missing::Ml), "{s}");
        }
        assert_eq!("mlr".parse::<Estimator>(), Ok(Estimator::Mlr));
        assert_eq!("Mlr".parse::<Estimator>(), Ok(Estimator::Mlr));
        assert_eq!("pos.var".parse::<Bounds>(), Ok(Bounds::PosVar));
        assert_eq!(
            parse_list::<GroupEqual>("loadings, Residual.Covariances"),
            Ok(vec![GroupEqual::Loadings, GroupEqual::ResidualCovariances])
        );
        assert_eq!(parse_logical("std.lv", "T"), Ok(true));
    }

    #[test]
    fn unknown_and_unsupported_values_are_errors_that_name_the_option() {
        let e = "wlsmv".parse::<Estimator>().unwrap_err();
        assert!(matches!(e, OptionError::Unsupported { .. }));
        assert_eq!(
            e.to_string(),
            "estimator = \"wlsmv\" is not supported by crosslag yet"
        );
        let e = "lisst".parse::<Missing>().unwrap_err().to_string();
        assert!(
            e.starts_with("missing = \"lisst\" is not a value lavaan knows"),
            "{e}"
        );
        assert!(parse_logical("std.lv", "maybe").is_err());
    }

    #[test]
    fn options_round_trip_through_json() {
        let o = FitOptions {
            model: ModelOptions {
                group_equal: vec![GroupEqual::Loadings, GroupEqual::LvCovariances],
                bounds: Bounds::PosVar,
                ..ModelOptions::default()
            },
            estimation: EstimationOptions {
                missing: Missing::Ml,
                information: Some(Information::Observed),
                ..EstimationOptions::default()
            },
            output: OutputOptions::default(),
        };
        let json = serde_json::to_string(&o).unwrap();
        assert!(json.contains("\"lv.covariances\"") && json.contains("\"pos.var\""));
        let back: FitOptions = serde_json::from_str(&json).unwrap();
        assert_eq!(back, o);
    }
}
