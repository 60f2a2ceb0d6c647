//! Probability distributions (placeholder, being written).
