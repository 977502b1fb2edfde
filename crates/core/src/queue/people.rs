//! Whose generations an operation counts or touches (issue #15, "People").
//!
//! On a team's database ([`QueueStore::shared_by_engines`]) the `⟳ N`
//! counter, the dropdown, the tray, the notifications and Telegram are the
//! user's own: the generations created under this queue's member name (one
//! person on two machines is one member). "Clear finished", cancelling a
//! batch, "mark all viewed" and the bulk actions touch only one's own unless
//! [`Scope::Everyone`] is chosen explicitly. On the folder's own SQLite queue
//! everything is one's own, and nothing changes.
//!
//! [`QueueStore::shared_by_engines`]: crate::store::QueueStore::shared_by_engines

use serde::{Deserialize, Serialize};

use super::{Queue, QueueError};
use crate::model::{Counters, Creator};

/// Which generations a bulk operation touches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Scope {
    /// Only the user's own (the default).
    #[default]
    Mine,
    /// Every member's: chosen explicitly ("Everyone's" in the window,
    /// `--everyone` in `genq`).
    Everyone,
}

impl Queue {
    /// The member whose generations are "one's own" here: this queue's member
    /// name on a team's database; `None` on the folder's own store, where
    /// every generation is one's own.
    pub fn own_member(&self) -> Option<&str> {
        if !self.store().shared_by_engines() {
            return None;
        }
        self.creator().member.as_deref()
    }

    /// Whether a generation created by `creator` is the user's own (see
    /// [`Queue::own_member`]; a generation that names nobody is nobody's, so
    /// on a team's database it is not one's own).
    pub fn is_own(&self, creator: &Creator) -> bool {
        match self.own_member() {
            None => true,
            Some(me) => creator.member.as_deref() == Some(me),
        }
    }

    /// The member a `scope` limits an operation to: `None` for everyone's.
    pub fn member_of(&self, scope: Scope) -> Option<&str> {
        match scope {
            Scope::Mine => self.own_member(),
            Scope::Everyone => None,
        }
    }

    /// The user's own counters (the `⟳ N` counter, the tray, "queue
    /// finished"): the member's on a team's database, the queue's otherwise.
    /// Both O(1). [`Queue::counters`] stays the whole queue's (what an
    /// engine drains).
    pub fn own_counters(&self) -> Result<Counters, QueueError> {
        Ok(match self.own_member() {
            Some(me) => self.store().member_counters(me)?,
            None => self.store().counters()?,
        })
    }

    /// The members who have a generation here, sorted (the History's
    /// filter for one member).
    pub fn members(&self) -> Result<Vec<String>, QueueError> {
        Ok(self.store().members()?)
    }

    /// [`QueueError::NotOwn`] unless `scope` allows acting on a generation
    /// created by `creator`.
    pub(crate) fn check_scope(&self, creator: &Creator, scope: Scope) -> Result<(), QueueError> {
        if scope == Scope::Everyone || self.is_own(creator) {
            return Ok(());
        }
        Err(QueueError::NotOwn {
            member: creator.member.clone().unwrap_or_default(),
        })
    }
}
