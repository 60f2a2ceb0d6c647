//! Panel model families written from a short declaration (CLPM, RI-CLPM, multiple-indicator
//! RI-CLPM, STARTS, LCM-SR): lavaan and Mplus syntax.

pub mod panel;
