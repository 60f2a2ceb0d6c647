//! Analyses built on the fit pipeline: the transactional question ([`transact`]), Monte
//! Carlo simulation ([`simulate`]) and power ([`power`]), and the bootstrap ([`bootstrap`]).
//! Each specifies its model once and runs estimate + infer per replication.

pub mod bootstrap;
pub mod compare;
pub mod power;
pub mod refit;
pub mod simulate;
pub mod transact;
