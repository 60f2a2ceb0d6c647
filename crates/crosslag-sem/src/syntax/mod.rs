//! lavaan model syntax (placeholder, being written).
