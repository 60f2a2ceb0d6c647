//! The `crosslag` binary: parses arguments, wires the data and estimation crates, prints.
fn main() {}
