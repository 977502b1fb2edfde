//! The scenarios of issue 6, one file each.

pub mod drain;
pub mod idle;
pub mod polling;
pub mod python;
pub mod rate_limits;
pub mod store_scale;
