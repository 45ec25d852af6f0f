//! Decoding `XREADGROUP` and `XAUTOCLAIM` replies into [`Entry`] values.
//! Pure: takes a [`redis::Value`]. Accepts RESP2 and RESP3 shapes; field
//! text that is not UTF-8 is decoded lossily (the event decoder then
//! rejects it as invalid).

use redis::Value;

use super::machine::Entry;

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
    let id = text(id).ok_or_else(|| err(command, "entry id is not text"))?;
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
    Ok(Entry { id, fields: pairs })
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
pub fn auto_claim(value: &Value) -> Result<(String, Vec<Entry>), ReplyError> {
    const CMD: &str = "XAUTOCLAIM";
    let Value::Array(parts) = value else {
        return Err(err(CMD, "reply is not an array"));
    };
    let (cursor, list) = match parts.as_slice() {
        [cursor, list] | [cursor, list, _] => (cursor, list),
        _ => return Err(err(CMD, "reply is not [cursor, entries, deleted]")),
    };
    let cursor = text(cursor).ok_or_else(|| err(CMD, "cursor is not text"))?;
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
            vec![Entry {
                id: "5-1".into(),
                fields: vec![("detector".into(), "7".into())]
            }]
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
        assert_eq!(cursor, "0-0");
        assert_eq!(got.len(), 1);
        assert!(got.first().is_some_and(|e| e.fields.is_empty()));
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
