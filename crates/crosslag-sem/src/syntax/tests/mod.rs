//! Tests of the lavaan syntax parser.

mod errors;
mod expressions;
mod features;
mod hardening;
mod reference;
