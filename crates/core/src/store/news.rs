//! [`StoreNews`]: what a store shared with other engines tells of writes it
//! did not make itself, pushed as they commit (PostgreSQL's `LISTEN/NOTIFY`,
//! see `pg/listen.rs`). SQLite has none: the engine polls its
//! `data_version` instead ([`super::QueueStore::news`] is `None`).

use crate::model::{GenerationId, TokenId};

/// One piece of news from a shared store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreNews {
    /// Another engine committed a write of these generations and tokens
    /// (created, changed or deleted: read them to know which). `many`: more
    /// rows changed than a notification names (a bulk write): read what
    /// changed recently instead of the ids.
    Changed {
        generations: Vec<GenerationId>,
        tokens: Vec<TokenId>,
        many: bool,
    },
    /// The store lost its connection to the database and cannot make a new
    /// one. `reason`: [`super::StoreError::Unreachable`]'s message (the
    /// database named without its password).
    Unreachable { reason: String },
    /// The database answers again after [`StoreNews::Unreachable`]. What
    /// others wrote meanwhile was not told: read what changed since.
    Back,
    /// A newer Genqueue migrated the database past the schema this build
    /// knows: the store refuses every call from now on. `reason`:
    /// [`super::StoreError::TooNew`]'s message (both versions named).
    TooNew { reason: String },
}

impl StoreNews {
    /// Folds `other` into `self` when both tell of changes (a burst read
    /// once); returns `other` back when it is of another kind.
    pub fn merge(&mut self, other: StoreNews) -> Option<StoreNews> {
        match (self, other) {
            (
                StoreNews::Changed {
                    generations,
                    tokens,
                    many,
                },
                StoreNews::Changed {
                    generations: g,
                    tokens: t,
                    many: m,
                },
            ) => {
                for id in g {
                    if !generations.contains(&id) {
                        generations.push(id);
                    }
                }
                for id in t {
                    if !tokens.contains(&id) {
                        tokens.push(id);
                    }
                }
                *many |= m;
                None
            }
            (_, other) => Some(other),
        }
    }
}
