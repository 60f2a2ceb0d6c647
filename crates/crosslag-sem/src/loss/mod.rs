//! Step 3 of a fit, **loss**: the discrepancy functions — ML ([`ml`]) and FIML (by
//! missing-data pattern, [`crate::observe::missing::FimlWork`]) — as one objective of the free
//! parameters with its analytic gradient ([`objective`]; a multi-group objective is the
//! weighted sum over groups) and Hessian / expected information ([`information`]).

pub mod information;
pub mod ml;
pub mod objective;
