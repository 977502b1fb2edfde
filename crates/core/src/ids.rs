//! Typed ids: a generation's id and a token's id are both UUIDs, but one
//! cannot be passed where the other is meant. On the wire and in the store
//! they are the UUID's text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
        pub struct $name(pub Uuid);

        impl $name {
            /// The UUID inside.
            pub fn uuid(self) -> Uuid {
                self.0
            }
            /// The 32 hex digits without hyphens (short forms in the CLI).
            pub fn simple(self) -> uuid::fmt::Simple {
                self.0.simple()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map($name)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                $name(u)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

uuid_id!(
    /// Identifies a generation (UUID v7, so ids sort by creation time).
    GenerationId
);
uuid_id!(
    /// Identifies a token row; also the keyring account under which its secret lives.
    TokenId
);

uuid_id!(
    /// Identifies a batch: the generations made by one create of several
    /// (UUID v7, so batches sort by creation time).
    BatchId
);

impl BatchId {
    /// A new id, ordered after every earlier one (UUID v7).
    pub fn new() -> Self {
        BatchId(Uuid::now_v7())
    }
}

impl Default for BatchId {
    fn default() -> Self {
        Self::new()
    }
}

impl GenerationId {
    /// A new id, ordered after every earlier one (UUID v7).
    pub fn new() -> Self {
        GenerationId(Uuid::now_v7())
    }
    /// The creation time in the id (UUID v7), for a deleted cursor.
    pub fn get_timestamp(self) -> Option<uuid::Timestamp> {
        self.0.get_timestamp()
    }
}

impl Default for GenerationId {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenId {
    /// A new random id (UUID v4).
    pub fn new() -> Self {
        TokenId(Uuid::new_v4())
    }
}

impl Default for TokenId {
    fn default() -> Self {
        Self::new()
    }
}
