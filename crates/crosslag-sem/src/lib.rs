//! The structural equation modelling engine of crosslag.
//!
//! It reads as the estimation does: `syntax` (lavaan model syntax → statements),
//! `partable` (statements → lavaan parameter table), `ram` (parameter table → RAM matrices),
//! `observed` (sample moments), `implied` (Σ(θ), μ(θ)), `loss` (ML), `optimize` (argmin),
//! `inference` (information, standard errors), `fit` (fit measures), `standardize`.
//! It knows nothing of files or terminals.

pub mod fit;
pub mod stats;
pub mod syntax;
