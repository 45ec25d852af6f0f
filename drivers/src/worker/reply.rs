//! Decoding `XREADGROUP` and `XAUTOCLAIM` replies into [`Entry`] values.
//! Pure: takes a [`redis::Value`]. Accepts RESP2 and RESP3 shapes; field
//! text that is not UTF-8 is decoded lossily and the entry is marked
//! ([`Entry::utf8`] false): Rubin's worker fails to decode it before its
//! ack, and the core's machine does the same. Entry IDs and the claim cursor are parsed into
//! [`EntryId`]s here, once: an ID that is not `<ms>-<seq>` is a reply error.

use redis::Value;

use alertsim_core::worker::EntryId;
use alertsim_core::worker::machine::Entry;

/// A reply that does not have the shape of its command's reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unexpected {command} reply: {detail}")]
pub struct ReplyError {
    /// The command.
    pub command: &'static str,
    /// What was wrong.
    pub detail: String,
}

fn err(command: &'static str, detail: impl Into<String>) -> ReplyError {
    ReplyError {
        command,
        detail: detail.into(),
    }
}

/// False for a bulk string whose bytes are not UTF-8.
fn is_utf8(value: &Value) -> bool {
    match value {
        Value::BulkString(bytes) => std::str::from_utf8(bytes).is_ok(),
        _ => true,
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One `[id, [field, value, ...]]` entry; a NULL field list (an entry
/// deleted while pending) gives no fields.
fn entry(command: &'static str, value: &Value) -> Result<Entry, ReplyError> {
    let Value::Array(parts) = value else {
        return Err(err(command, "entry is not an array"));
    };
    let (id, fields) = match parts.as_slice() {
        [id, fields] => (id, fields),
        _ => return Err(err(command, "entry is not [id, fields]")),
    };
    let mut utf8 = is_utf8(id);
    let id = entry_id(command, "entry id", id)?;
    utf8 &= match fields {
        Value::Array(items) => items.iter().all(is_utf8),
        Value::Map(kvs) => kvs.iter().all(|(k, v)| is_utf8(k) && is_utf8(v)),
        _ => true,
    };
    let pairs = match fields {
        Value::Nil => Vec::new(),
        Value::Array(items) => {
            if items.len() % 2 != 0 {
                return Err(err(command, "odd number of field items"));
            }
            items
                .chunks_exact(2)
                .map(|kv| match kv {
                    [k, v] => text(k)
                        .zip(text(v))
                        .ok_or_else(|| err(command, "field is not text")),
                    _ => Err(err(command, "odd number of field items")),
                })
                .collect::<Result<_, _>>()?
        }
        Value::Map(kvs) => kvs
            .iter()
            .map(|(k, v)| {
                text(k)
                    .zip(text(v))
                    .ok_or_else(|| err(command, "field is not text"))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(err(command, "fields are not an array")),
    };
    Ok(Entry {
        id,
        fields: pairs,
        utf8,
    })
}

/// A stream entry ID (an entry's, or a scan cursor).
fn entry_id(command: &'static str, what: &str, value: &Value) -> Result<EntryId, ReplyError> {
    let text = text(value).ok_or_else(|| err(command, format!("{what} is not text")))?;
    text.parse()
        .map_err(|e: alertsim_core::worker::EntryIdError| err(command, format!("{what}: {e}")))
}

fn entries(command: &'static str, value: &Value) -> Result<Vec<Entry>, ReplyError> {
    match value {
        Value::Nil => Ok(Vec::new()),
        Value::Array(items) => items.iter().map(|e| entry(command, e)).collect(),
        _ => Err(err(command, "entry list is not an array")),
    }
}

/// The entries of an `XREADGROUP ... STREAMS <one stream> >` reply (NULL:
/// none).
pub fn read_group(value: &Value) -> Result<Vec<Entry>, ReplyError> {
    const CMD: &str = "XREADGROUP";
    match value {
        Value::Nil => Ok(Vec::new()),
        Value::Array(streams) => {
            let mut out = Vec::new();
            for stream in streams {
                match stream {
                    Value::Array(parts) => match parts.as_slice() {
                        [_name, list] => out.extend(entries(CMD, list)?),
                        _ => return Err(err(CMD, "stream is not [name, entries]")),
                    },
                    _ => return Err(err(CMD, "stream is not an array")),
                }
            }
            Ok(out)
        }
        Value::Map(streams) => {
            let mut out = Vec::new();
            for (_name, list) in streams {
                out.extend(entries(CMD, list)?);
            }
            Ok(out)
        }
        _ => Err(err(CMD, format!("unexpected {value:?}"))),
    }
}

/// An `XAUTOCLAIM` reply: the next cursor and the claimed entries (the
/// Redis 7 list of deleted IDs is ignored: Redis already dropped them from
/// the pending list).
pub fn auto_claim(value: &Value) -> Result<(EntryId, Vec<Entry>), ReplyError> {
    const CMD: &str = "XAUTOCLAIM";
    let Value::Array(parts) = value else {
        return Err(err(CMD, "reply is not an array"));
    };
    let (cursor, list) = match parts.as_slice() {
        [cursor, list] | [cursor, list, _] => (cursor, list),
        _ => return Err(err(CMD, "reply is not [cursor, entries, deleted]")),
    };
    let cursor = entry_id(CMD, "cursor", cursor)?;
    Ok((cursor, entries(CMD, list)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn read_group_resp2_and_nil() -> Result<(), ReplyError> {
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("s"),
            Value::Array(vec![Value::Array(vec![
                bulk("5-1"),
                Value::Array(vec![bulk("detector"), bulk("7")]),
            ])]),
        ])]);
        let got = read_group(&reply)?;
        assert_eq!(
            got,
            vec![Entry::new(
                EntryId::new(5, 1),
                vec![("detector".into(), "7".into())]
            )]
        );
        assert!(read_group(&Value::Nil)?.is_empty());
        Ok(())
    }

    #[test]
    fn auto_claim_with_deleted_list() -> Result<(), ReplyError> {
        let reply = Value::Array(vec![
            bulk("0-0"),
            Value::Array(vec![Value::Array(vec![bulk("1-0"), Value::Nil])]),
            Value::Array(vec![bulk("2-0")]),
        ]);
        let (cursor, got) = auto_claim(&reply)?;
        assert_eq!(cursor, EntryId::ZERO);
        assert_eq!(got.len(), 1);
        assert!(got.first().is_some_and(|e| e.fields.is_empty()));
        Ok(())
    }

    #[test]
    fn an_entry_with_bytes_that_are_not_utf8_is_marked() -> Result<(), ReplyError> {
        let reply = |value: Vec<u8>| {
            Value::Array(vec![Value::Array(vec![
                bulk("s"),
                Value::Array(vec![Value::Array(vec![
                    bulk("5-1"),
                    Value::Array(vec![bulk("detector"), Value::BulkString(value)]),
                ])]),
            ])])
        };
        let bad = read_group(&reply(vec![0x37, 0xff]))?;
        assert_eq!(bad.first().map(|e| e.utf8), Some(false));
        let good = read_group(&reply(b"7".to_vec()))?;
        assert_eq!(good.first().map(|e| e.utf8), Some(true));
        Ok(())
    }

    #[test]
    fn bad_shapes_are_errors() {
        assert!(read_group(&Value::Int(1)).is_err());
        assert!(auto_claim(&Value::Nil).is_err());
        let odd = Value::Array(vec![Value::Array(vec![
            bulk("s"),
            Value::Array(vec![Value::Array(vec![
                bulk("1-0"),
                Value::Array(vec![bulk("f")]),
            ])]),
        ])]);
        assert!(read_group(&odd).is_err());
        let bad_id = Value::Array(vec![Value::Array(vec![
            bulk("s"),
            Value::Array(vec![Value::Array(vec![bulk("12"), Value::Nil])]),
        ])]);
        let error = read_group(&bad_id).err().map(|e| e.to_string());
        assert!(
            error.as_deref().is_some_and(|e| e.contains("\"12\"")),
            "{error:?}"
        );
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Nil),
            any::<i64>().prop_map(Value::Int),
            "[a-z0-9-]{0,6}".prop_map(|s| Value::BulkString(s.into_bytes())),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec((inner.clone(), inner), 0..3).prop_map(Value::Map),
            ]
        })
    }

    proptest! {
        #[test]
        fn decoders_never_panic(value in arb_value()) {
            let _ = read_group(&value);
            let _ = auto_claim(&value);
        }
    }
}
