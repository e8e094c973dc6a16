//! The `message_set!` macro: builds the per-direction message enum of one spec version and its
//! [`MessageSet`](crate::MessageSet) implementation.

/// Declares `pub enum $set { Name(Name), ... }` for message types in scope, with `Serialize`,
/// `From<Name>` for every variant and a [`MessageSet`](crate::MessageSet) implementation.
///
/// Every message type must have a public `id` field (`ClientId` or `u32`); the variant and its
/// type share the message's wire name.
macro_rules! message_set {
    (
        $(#[$meta:meta])*
        pub enum $set:ident receiver $receiver:literal, min_id $min_id:literal, other $other:ident {
            $($(#[$vmeta:meta])* $name:ident),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
        pub enum $set {
            $($(#[$vmeta])* $name($name)),*
        }

        impl $crate::frame::MessageSet for $set {
            const NAMES: &'static [&'static str] = &[$(stringify!($name)),*];
            const OTHER_DIRECTION: &'static [&'static str] =
                <$other as $crate::frame::MessageSet>::NAMES;
            const RECEIVER: &'static str = $receiver;
            const MIN_ID: u32 = $min_id;

            fn parse_body(name: &str, body: &str) -> Option<Result<Self, serde_json::Error>> {
                match name {
                    $(stringify!($name) => Some(serde_json::from_str::<$name>(body).map(Self::$name)),)*
                    _ => None,
                }
            }

            fn id(&self) -> u32 {
                match self {
                    $(Self::$name(message) => message.id.into(),)*
                }
            }

            fn name(&self) -> &'static str {
                match self {
                    $(Self::$name(_) => stringify!($name),)*
                }
            }
        }

        $(
            impl From<$name> for $set {
                fn from(message: $name) -> Self {
                    Self::$name(message)
                }
            }
        )*
    };
}
pub(crate) use message_set;
