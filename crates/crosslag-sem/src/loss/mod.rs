//! Step 3 of a fit, **loss**: the discrepancy of one group as a function of its implied
//! moments behind one trait ([`discrepancy::Loss`]: value, gradient, information/Hessian)
//! with an ML and a FIML implementation; the multi-group objective, their weighted sum
//! `fx = ½ Σ_g (N_g/N) F_g(θ)`, as a function of the free parameters with its analytic
//! gradient ([`objective`]); the buffers of an evaluation ([`workspace`]); the ML discrepancy
//! of one group and the RAM chain rule ([`ml`]); the information matrices and the model
//! Jacobian Δ ([`information`]).

pub mod discrepancy;
pub mod information;
pub mod ml;
pub mod objective;
pub mod workspace;
