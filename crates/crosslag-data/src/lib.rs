//! Loading and preparing panel data for crosslag.
//!
//! This crate reads data files and turns the columns a model uses into a numeric matrix.
//! It knows nothing of structural equation models.
