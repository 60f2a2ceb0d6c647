//! Shared helpers for the whole-program tests.
