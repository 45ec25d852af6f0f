//! Rust types for the version 11.0 alert and its records.
//!
//! Each record is declared once, as a table of `rust_field: RustType =
//! "avroName"` lines given to the [`avro_record!`](crate::avro_record) macro.
//! From that table the macro generates the struct (Avro names as serde/JSON
//! keys), its Avro schema, its binary encoder and decoder, a filler driven by a
//! [`FieldSource`], and a conversion to `apache_avro::types::Value` (used as
//! the reference in tests).
//! How each Rust type maps to Avro lives in the [`AvroField`] impls below:
//! `i64` long, `i32` int, `f32` float, `f64` double, `bool` boolean, `String`
//! string, `Vec<u8>` bytes, [`TimestampMicros`] long with logical type
//! timestamp-micros, `Option<T>` the union `["null", T]` with default null,
//! `Vec<R>` an array of records, and a record type a named record.

mod alert_record;
mod dia_forced_source;
mod dia_object;
mod dia_source;
mod mpc_orbits;
mod ss_source;

pub use alert_record::Alert;
pub use dia_forced_source::DiaForcedSource;
pub use dia_object::DiaObject;
pub use dia_source::DiaSource;
pub use mpc_orbits::MpcOrbits;
pub use ss_source::SsSource;

use super::codec::{DecodeError, MAX_INT_SIZE, MAX_LONG_SIZE, Reader, Sink};
use super::schema::NAMESPACE;
use apache_avro::types::Value;

/// A point in time as microseconds since 1970-01-01 UTC (Avro `long` with
/// logical type `timestamp-micros`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(transparent)]
pub struct TimestampMicros(pub i64);

/// Supplies field values to [`AvroRecord::fill`]: how generators and tests
/// build a record without naming each of its fields.
pub trait FieldSource {
    /// A `long` value for `record.field`.
    fn long(&mut self, record: &'static str, field: &'static str) -> i64;
    /// An `int` value.
    fn int(&mut self, record: &'static str, field: &'static str) -> i32;
    /// A `float` value.
    fn float(&mut self, record: &'static str, field: &'static str) -> f32;
    /// A `double` value.
    fn double(&mut self, record: &'static str, field: &'static str) -> f64;
    /// A `boolean` value.
    fn boolean(&mut self, record: &'static str, field: &'static str) -> bool;
    /// A `string` value.
    fn string(&mut self, record: &'static str, field: &'static str) -> String;
    /// A `bytes` value.
    fn bytes(&mut self, record: &'static str, field: &'static str) -> Vec<u8>;
    /// A timestamp in microseconds since the Unix epoch.
    fn timestamp_micros(&mut self, record: &'static str, field: &'static str) -> i64 {
        self.long(record, field)
    }
    /// Whether a nullable field holds a value (false: null).
    fn present(&mut self, record: &'static str, field: &'static str) -> bool;
    /// How many items an array field holds.
    fn array_len(&mut self, record: &'static str, field: &'static str) -> usize;
}

/// A Rust type that is the value of one Avro field.
pub trait AvroField: Sized {
    /// Whether the Avro type is the union `["null", T]` (default null).
    const NULLABLE: bool = false;
    /// The fewest bytes an encoded value can take.
    const MIN_ENCODED_SIZE: usize;
    /// The most bytes an encoded value takes, not counting variable-length
    /// content (string and bytes content, array items).
    const MAX_FIXED_SIZE: usize;
    /// The most bytes the variable-length content of this value takes.
    #[inline(always)]
    fn max_variable_size(&self) -> usize {
        0
    }
    /// Appends this type's Avro schema JSON; named records already in
    /// `defined` are written as a reference to their full name.
    fn write_schema(out: &mut String, defined: &mut Vec<&'static str>);
    /// Writes the Avro binary encoding.
    fn encode(&self, out: &mut Sink<'_>);
    /// Reads a value from Avro binary.
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError>;
    /// Builds a value from a [`FieldSource`].
    fn fill(source: &mut impl FieldSource, record: &'static str, field: &'static str) -> Self;
    /// The value as apache-avro's generic value.
    fn to_avro_value(&self) -> Value;
}

/// A named Avro record of the alert schema.
pub trait AvroRecord: Sized {
    /// The record's Avro name within [`NAMESPACE`], e.g. `diaSource`.
    const NAME: &'static str;
    /// The Avro field names, in schema order.
    const FIELD_NAMES: &'static [&'static str];
    /// The fewest bytes an encoded record can take.
    const MIN_ENCODED_SIZE: usize;
    /// The most bytes the record's fixed-size part takes.
    const MAX_FIXED_SIZE: usize;
    /// The most bytes the record's variable-length content takes.
    fn max_variable_size(&self) -> usize;
    /// An upper bound of the record's encoded size.
    fn max_encoded_size(&self) -> usize {
        Self::MAX_FIXED_SIZE + self.max_variable_size()
    }
    /// Appends the JSON array of the record's field schemas.
    fn write_fields_schema(out: &mut String, defined: &mut Vec<&'static str>);
    /// Writes the Avro binary encoding of the record.
    fn encode(&self, out: &mut Sink<'_>);
    /// Reads the record from Avro binary.
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError>;
    /// Builds the record field by field from a [`FieldSource`].
    fn fill(source: &mut impl FieldSource) -> Self;
    /// The record as apache-avro's generic value.
    fn to_avro_value(&self) -> Value;

    /// The record's full name, e.g. `lsst.v11_0.diaSource`.
    fn full_name() -> String {
        format!("{NAMESPACE}.{}", Self::NAME)
    }

    /// Appends the record's schema (a definition the first time, then a name).
    fn write_record_schema(out: &mut String, defined: &mut Vec<&'static str>) {
        if defined.contains(&Self::NAME) {
            out.push('"');
            out.push_str(&Self::full_name());
            out.push('"');
            return;
        }
        defined.push(Self::NAME);
        out.push_str(r#"{"type":"record","name":""#);
        out.push_str(Self::NAME);
        out.push_str(r#"","namespace":""#);
        out.push_str(NAMESPACE);
        out.push_str(r#"","fields":"#);
        Self::write_fields_schema(out, defined);
        out.push('}');
    }
}

/// Appends one field's schema JSON (`{"name":..,"type":..[,"default":null]}`).
#[doc(hidden)]
pub fn write_field_schema<T: AvroField>(
    out: &mut String,
    defined: &mut Vec<&'static str>,
    name: &str,
) {
    out.push_str(r#"{"name":""#);
    out.push_str(name);
    out.push_str(r#"","type":"#);
    T::write_schema(out, defined);
    if T::NULLABLE {
        out.push_str(r#","default":null"#);
    }
    out.push('}');
}

/// Declares one Avro record: the struct and all its Avro plumbing, from one
/// table of `rust_field: RustType = "avroName"` lines in schema order.
#[macro_export]
macro_rules! avro_record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident = $avro_name:literal {
            $( $field:ident : $ty:ty = $avro:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
        pub struct $name {
            $(
                #[serde(rename = $avro)]
                pub $field: $ty,
            )*
        }

        impl $crate::alert::records::AvroRecord for $name {
            const NAME: &'static str = $avro_name;
            const FIELD_NAMES: &'static [&'static str] = &[$($avro),*];
            const MIN_ENCODED_SIZE: usize =
                0 $(+ <$ty as $crate::alert::records::AvroField>::MIN_ENCODED_SIZE)*;
            const MAX_FIXED_SIZE: usize =
                0 $(+ <$ty as $crate::alert::records::AvroField>::MAX_FIXED_SIZE)*;

            #[inline]
            fn max_variable_size(&self) -> usize {
                0 $(+ $crate::alert::records::AvroField::max_variable_size(&self.$field))*
            }

            fn write_fields_schema(out: &mut String, defined: &mut Vec<&'static str>) {
                out.push('[');
                let mut _first = true;
                $(
                    if !_first {
                        out.push(',');
                    }
                    _first = false;
                    $crate::alert::records::write_field_schema::<$ty>(out, defined, $avro);
                )*
                out.push(']');
            }

            #[inline]
            fn encode(&self, out: &mut $crate::alert::codec::Sink<'_>) {
                // A local cursor lets the compiler keep it in registers.
                let mut sink = out.take();
                $( $crate::alert::records::AvroField::encode(&self.$field, &mut sink); )*
                *out = sink;
            }

            #[inline]
            fn decode(
                reader: &mut $crate::alert::codec::Reader<'_>,
            ) -> Result<Self, $crate::alert::codec::DecodeError> {
                // A local cursor lets the compiler keep it in registers.
                let mut local = reader.clone();
                let record = Self {
                    $( $field: <$ty as $crate::alert::records::AvroField>::decode(&mut local)?, )*
                };
                *reader = local;
                Ok(record)
            }

            fn fill(source: &mut impl $crate::alert::records::FieldSource) -> Self {
                Self {
                    $(
                        $field: <$ty as $crate::alert::records::AvroField>::fill(
                            source, $avro_name, $avro,
                        ),
                    )*
                }
            }

            fn to_avro_value(&self) -> apache_avro::types::Value {
                apache_avro::types::Value::Record(vec![
                    $(
                        (
                            $avro.to_owned(),
                            $crate::alert::records::AvroField::to_avro_value(&self.$field),
                        ),
                    )*
                ])
            }
        }
    };
}

macro_rules! primitive_field {
    ($ty:ty, $avro:literal, $min:expr, $max:expr, $get:ident, $src:ident, $value:ident) => {
        impl AvroField for $ty {
            const MIN_ENCODED_SIZE: usize = $min;
            const MAX_FIXED_SIZE: usize = $max;
            fn write_schema(out: &mut String, _defined: &mut Vec<&'static str>) {
                out.push_str(concat!('"', $avro, '"'));
            }
            #[inline(always)]
            fn encode(&self, out: &mut Sink<'_>) {
                out.$get(*self);
            }
            #[inline(always)]
            fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
                reader.$get()
            }
            fn fill(
                source: &mut impl FieldSource,
                record: &'static str,
                field: &'static str,
            ) -> Self {
                source.$src(record, field)
            }
            fn to_avro_value(&self) -> Value {
                Value::$value(*self)
            }
        }
    };
}

primitive_field!(i64, "long", 1, MAX_LONG_SIZE, long, long, Long);
primitive_field!(i32, "int", 1, MAX_INT_SIZE, int, int, Int);
primitive_field!(f32, "float", 4, 4, float, float, Float);
primitive_field!(f64, "double", 8, 8, double, double, Double);
primitive_field!(bool, "boolean", 1, 1, boolean, boolean, Boolean);

impl AvroField for TimestampMicros {
    const MIN_ENCODED_SIZE: usize = 1;
    const MAX_FIXED_SIZE: usize = MAX_LONG_SIZE;
    fn write_schema(out: &mut String, _defined: &mut Vec<&'static str>) {
        out.push_str(r#"{"type":"long","logicalType":"timestamp-micros"}"#);
    }
    #[inline(always)]
    fn encode(&self, out: &mut Sink<'_>) {
        out.long(self.0);
    }
    #[inline(always)]
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        reader.long().map(TimestampMicros)
    }
    fn fill(source: &mut impl FieldSource, record: &'static str, field: &'static str) -> Self {
        TimestampMicros(source.timestamp_micros(record, field))
    }
    fn to_avro_value(&self) -> Value {
        Value::TimestampMicros(self.0)
    }
}

impl AvroField for String {
    const MIN_ENCODED_SIZE: usize = 1;
    const MAX_FIXED_SIZE: usize = MAX_LONG_SIZE;
    #[inline(always)]
    fn max_variable_size(&self) -> usize {
        self.len()
    }
    fn write_schema(out: &mut String, _defined: &mut Vec<&'static str>) {
        out.push_str(r#""string""#);
    }
    #[inline(always)]
    fn encode(&self, out: &mut Sink<'_>) {
        out.string(self);
    }
    #[inline(always)]
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        reader.string()
    }
    fn fill(source: &mut impl FieldSource, record: &'static str, field: &'static str) -> Self {
        source.string(record, field)
    }
    fn to_avro_value(&self) -> Value {
        Value::String(self.clone())
    }
}

impl AvroField for Vec<u8> {
    const MIN_ENCODED_SIZE: usize = 1;
    const MAX_FIXED_SIZE: usize = MAX_LONG_SIZE;
    #[inline(always)]
    fn max_variable_size(&self) -> usize {
        self.len()
    }
    fn write_schema(out: &mut String, _defined: &mut Vec<&'static str>) {
        out.push_str(r#""bytes""#);
    }
    #[inline(always)]
    fn encode(&self, out: &mut Sink<'_>) {
        out.bytes(self);
    }
    #[inline(always)]
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        reader.bytes()
    }
    fn fill(source: &mut impl FieldSource, record: &'static str, field: &'static str) -> Self {
        source.bytes(record, field)
    }
    fn to_avro_value(&self) -> Value {
        Value::Bytes(self.clone())
    }
}

impl<T: AvroField> AvroField for Option<T> {
    const NULLABLE: bool = true;
    const MIN_ENCODED_SIZE: usize = 1;
    const MAX_FIXED_SIZE: usize = 1 + T::MAX_FIXED_SIZE;
    #[inline(always)]
    fn max_variable_size(&self) -> usize {
        self.as_ref().map_or(0, T::max_variable_size)
    }
    fn write_schema(out: &mut String, defined: &mut Vec<&'static str>) {
        out.push_str(r#"["null","#);
        T::write_schema(out, defined);
        out.push(']');
    }
    #[inline(always)]
    fn encode(&self, out: &mut Sink<'_>) {
        match self {
            None => out.union_branch(false),
            Some(value) => {
                out.union_branch(true);
                value.encode(out);
            }
        }
    }
    #[inline(always)]
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        if reader.union_branch()? {
            T::decode(reader).map(Some)
        } else {
            Ok(None)
        }
    }
    fn fill(source: &mut impl FieldSource, record: &'static str, field: &'static str) -> Self {
        if source.present(record, field) {
            Some(T::fill(source, record, field))
        } else {
            None
        }
    }
    fn to_avro_value(&self) -> Value {
        match self {
            None => Value::Union(0, Box::new(Value::Null)),
            Some(value) => Value::Union(1, Box::new(value.to_avro_value())),
        }
    }
}

impl<R: AvroRecord> AvroField for Vec<R> {
    const MIN_ENCODED_SIZE: usize = 1;
    /// One block count and the end marker.
    const MAX_FIXED_SIZE: usize = MAX_LONG_SIZE + 1;
    fn max_variable_size(&self) -> usize {
        self.iter().map(AvroRecord::max_encoded_size).sum()
    }
    fn write_schema(out: &mut String, defined: &mut Vec<&'static str>) {
        out.push_str(r#"{"type":"array","items":"#);
        R::write_record_schema(out, defined);
        out.push('}');
    }
    #[inline]
    fn encode(&self, out: &mut Sink<'_>) {
        out.record_array(self);
    }
    #[inline]
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        reader.record_array()
    }
    fn fill(source: &mut impl FieldSource, record: &'static str, field: &'static str) -> Self {
        let len = source.array_len(record, field);
        (0..len).map(|_| R::fill(source)).collect()
    }
    fn to_avro_value(&self) -> Value {
        Value::Array(self.iter().map(AvroRecord::to_avro_value).collect())
    }
}

/// Record types are fields too (a nested named record).
macro_rules! record_field {
    ($($ty:ty),*) => {$(
        impl AvroField for $ty {
            const MIN_ENCODED_SIZE: usize = <$ty as AvroRecord>::MIN_ENCODED_SIZE;
            const MAX_FIXED_SIZE: usize = <$ty as AvroRecord>::MAX_FIXED_SIZE;
            #[inline(always)]
            fn max_variable_size(&self) -> usize {
                AvroRecord::max_variable_size(self)
            }
            fn write_schema(out: &mut String, defined: &mut Vec<&'static str>) {
                <$ty as AvroRecord>::write_record_schema(out, defined);
            }
            #[inline(always)]
            fn encode(&self, out: &mut Sink<'_>) {
                AvroRecord::encode(self, out);
            }
            #[inline(always)]
            fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
                <$ty as AvroRecord>::decode(reader)
            }
            fn fill(
                source: &mut impl FieldSource,
                _record: &'static str,
                _field: &'static str,
            ) -> Self {
                <$ty as AvroRecord>::fill(source)
            }
            fn to_avro_value(&self) -> Value {
                AvroRecord::to_avro_value(self)
            }
        }
    )*};
}

record_field!(DiaSource, DiaForcedSource, DiaObject, SsSource, MpcOrbits);
