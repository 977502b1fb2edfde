//! The scenarios of issue 6, one file each (and 8, team events, and 9, team
//! claims, of issue #15).

pub mod drain;
pub mod idle;
pub mod polling;
pub mod python;
pub mod rate_limits;
pub mod store_scale;
pub mod team_claims;
pub mod team_events;
