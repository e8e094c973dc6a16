//! Wire structs are JSON objects and nothing else.
//!
//! serde's derived struct deserializers also take a JSON array of the field values in order, so
//! `[{"Ping":[1]}]` would read as `Ping { Id: 1 }`; the spec allows only objects. Each wire struct
//! therefore derives with `#[serde(remote = "Self")]`, which turns the derived code into inherent
//! functions, and [`json_object!`] adds trait impls that accept only a JSON object and then hand
//! its entries to the derived code.

/// Implements `Serialize` and an object-only `Deserialize` for structs that derive both with
/// `#[serde(remote = "Self")]`.
macro_rules! json_object {
    ($($ty:ident $(<$param:ident>)?),* $(,)?) => {$(
        impl<'de $(, $param: serde::Deserialize<'de>)?> serde::Deserialize<'de> for $ty $(<$param>)? {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ObjectVisitor $(<$param>)? (std::marker::PhantomData<$ty $(<$param>)?>);
                impl<'de $(, $param: serde::Deserialize<'de>)?> serde::de::Visitor<'de> for ObjectVisitor $(<$param>)? {
                    type Value = $ty $(<$param>)?;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a JSON object (", stringify!($ty), ")"))
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                        // The inherent function that `remote = "Self"` generated.
                        <$ty $(<$param>)?>::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    }
                }
                deserializer.deserialize_map(ObjectVisitor(std::marker::PhantomData))
            }
        }

        impl $(<$param: serde::Serialize>)? serde::Serialize for $ty $(<$param>)? {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                <$ty $(<$param>)?>::serialize(self, serializer)
            }
        }
    )*};
}
pub(crate) use json_object;
