//! The `action` enums of neutral events.
//!
//! Providers add actions without notice (GitHub added `enqueued`,
//! `milestoned`, … years after `pull_request` shipped). An event whose
//! action we do not know yet must still be delivered, queued and replayed
//! intact, so every action enum keeps the provider's word in an explicit
//! `Unknown(String)` variant and serializes it back unchanged. A queued
//! `Unknown("x")` becomes the known variant once a later build learns `x`.

/// Declares an action enum: known variants with their wire names, plus
/// `Unknown(String)`, serialized as the bare string.
macro_rules! event_action {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// An action this build does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every known variant, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// The wire name (the provider's word for unknown actions).
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )*
                    $name::Unknown(other) => other.as_str(),
                }
            }

            /// Never fails: a word we do not know becomes `Unknown`.
            pub fn parse(value: &str) -> Self {
                match value {
                    $( $wire => $name::$variant, )*
                    other => $name::Unknown(other.to_owned()),
                }
            }

            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(s))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::parse(&raw))
            }
        }
    };
}

pub(crate) use event_action;
