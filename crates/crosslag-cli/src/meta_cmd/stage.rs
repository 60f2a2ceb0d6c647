//! The result of stage 1, random or fixed effects.

use crosslag_sem::meta::stage1::{FixedEffects, RandomEffects};
use crosslag_sem::meta::stage2::{group_from_stage1, GroupData};

pub(super) enum Stage1 {
    Random(Box<RandomEffects>),
    Fixed(Box<FixedEffects>),
}

impl Stage1 {
    pub(super) fn group(&self) -> GroupData {
        match self {
            Stage1::Random(r) => {
                group_from_stage1(&r.pooled_r.estimate, &r.pooled_r_acov, r.total_n)
            }
            Stage1::Fixed(f) => {
                group_from_stage1(&f.pooled_r.estimate, &f.pooled_r_acov, f.total_n)
            }
        }
    }
}
