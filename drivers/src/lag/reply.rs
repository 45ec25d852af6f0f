//! Decoding the raw Redis replies the lag metric needs (`INFO`,
//! `XINFO GROUPS`, `XPENDING` summary) into plain values. Pure: takes a
//! [`redis::Value`], touches no connection. Accepts RESP2 (flat key/value
//! arrays) and RESP3 (maps) shapes.

use redis::Value;

use alertsim_core::scaler::lag::{GroupInfo, LagError};

/// The text of a bulk, simple or verbatim string reply.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Okay => Some("OK".into()),
        _ => None,
    }
}

/// An unsigned integer reply (or a string holding one); `Ok(None)` for NULL.
pub fn optional_u64(value: &Value) -> Result<Option<u64>, String> {
    match value {
        Value::Nil => Ok(None),
        Value::Int(n) => u64::try_from(*n)
            .map(Some)
            .map_err(|_| format!("negative integer {n}")),
        other => text(other)
            .and_then(|t| t.parse().ok())
            .map(Some)
            .ok_or_else(|| format!("not an integer: {other:?}")),
    }
}

/// The key/value pairs of a RESP2 flat array or a RESP3 map.
fn pairs(value: &Value) -> Option<Vec<(&Value, &Value)>> {
    match value {
        Value::Map(entries) => Some(entries.iter().map(|(k, v)| (k, v)).collect()),
        Value::Array(items) if items.len() % 2 == 0 => Some(
            items
                .chunks_exact(2)
                .filter_map(|kv| match kv {
                    [k, v] => Some((k, v)),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

fn malformed(command: &'static str, detail: impl Into<String>) -> LagError {
    LagError::Malformed {
        command,
        detail: detail.into(),
    }
}

/// Decodes an `XINFO GROUPS` reply. Fields other than the six known ones
/// are ignored; `name` is required, the counters default to 0.
pub fn xinfo_groups(value: &Value) -> Result<Vec<GroupInfo>, LagError> {
    const CMD: &str = "XINFO GROUPS";
    let Value::Array(groups) = value else {
        return Err(malformed(CMD, format!("expected an array, got {value:?}")));
    };
    groups
        .iter()
        .map(|group| {
            let fields = pairs(group).ok_or_else(|| malformed(CMD, "group is not a map"))?;
            let mut info = GroupInfo {
                name: String::new(),
                consumers: 0,
                pending: 0,
                last_delivered_id: String::new(),
                entries_read: None,
                lag: None,
            };
            let mut named = false;
            for (key, val) in fields {
                let key = text(key).ok_or_else(|| malformed(CMD, "field name is not text"))?;
                let int = || optional_u64(val).map_err(|d| malformed(CMD, format!("{key}: {d}")));
                match key.as_str() {
                    "name" => {
                        info.name = text(val).ok_or_else(|| malformed(CMD, "name is not text"))?;
                        named = true;
                    }
                    "consumers" => info.consumers = int()?.unwrap_or(0),
                    "pending" => info.pending = int()?.unwrap_or(0),
                    "last-delivered-id" => info.last_delivered_id = text(val).unwrap_or_default(),
                    "entries-read" => info.entries_read = int()?,
                    "lag" => info.lag = int()?,
                    _ => {}
                }
            }
            if named {
                Ok(info)
            } else {
                Err(malformed(CMD, "group without a name"))
            }
        })
        .collect()
}

/// The count in an `XPENDING key group` summary reply
/// (`[count, smallest id, greatest id, consumers]`).
pub fn xpending_count(value: &Value) -> Result<u64, LagError> {
    const CMD: &str = "XPENDING";
    match value {
        Value::Array(items) => items
            .first()
            .ok_or_else(|| malformed(CMD, "empty reply"))
            .and_then(|first| optional_u64(first).map_err(|d| malformed(CMD, d)))
            .map(|count| count.unwrap_or(0)),
        other => Err(malformed(CMD, format!("expected an array, got {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn decodes_resp2_group_with_null_lag() -> Result<(), LagError> {
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("name"),
            bulk("g"),
            bulk("consumers"),
            Value::Int(2),
            bulk("pending"),
            Value::Int(3),
            bulk("last-delivered-id"),
            bulk("5-0"),
            bulk("entries-read"),
            Value::Nil,
            bulk("lag"),
            Value::Nil,
        ])]);
        let groups = xinfo_groups(&reply)?;
        assert_eq!(groups.len(), 1);
        let g = groups.first().cloned();
        assert_eq!(g.as_ref().map(|g| g.name.as_str()), Some("g"));
        assert_eq!(g.as_ref().map(|g| (g.consumers, g.pending)), Some((2, 3)));
        assert_eq!(g.as_ref().and_then(|g| g.lag), None);
        Ok(())
    }

    #[test]
    fn decodes_resp3_map() -> Result<(), LagError> {
        let reply = Value::Array(vec![Value::Map(vec![
            (bulk("name"), bulk("g")),
            (bulk("lag"), Value::Int(7)),
        ])]);
        let groups = xinfo_groups(&reply)?;
        assert_eq!(groups.first().and_then(|g| g.lag), Some(7));
        Ok(())
    }

    #[test]
    fn rejects_nameless_and_non_array() {
        let nameless = Value::Array(vec![Value::Array(vec![bulk("lag"), Value::Int(1)])]);
        assert!(xinfo_groups(&nameless).is_err());
        assert!(xinfo_groups(&Value::Int(3)).is_err());
        assert!(xinfo_groups(&Value::Array(vec![Value::Array(vec![bulk("name")])])).is_err());
        let negative = Value::Array(vec![Value::Array(vec![
            bulk("name"),
            bulk("g"),
            bulk("lag"),
            Value::Int(-4),
        ])]);
        assert!(xinfo_groups(&negative).is_err());
    }

    #[test]
    fn xpending_summary_count() {
        let reply = Value::Array(vec![
            Value::Int(5),
            bulk("1-0"),
            bulk("3-0"),
            Value::Array(vec![]),
        ]);
        assert_eq!(xpending_count(&reply).ok(), Some(5));
        assert!(xpending_count(&Value::Nil).is_err());
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Nil),
            any::<i64>().prop_map(Value::Int),
            "[a-z-]{0,12}".prop_map(|s| Value::BulkString(s.into_bytes())),
            Just(bulk("name")),
            Just(bulk("lag")),
        ];
        leaf.prop_recursive(3, 32, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                proptest::collection::vec((inner.clone(), inner), 0..4).prop_map(Value::Map),
            ]
        })
    }

    proptest! {
        #[test]
        fn decoders_never_panic(value in arb_value()) {
            let _ = xinfo_groups(&value);
            let _ = xpending_count(&value);
        }
    }
}
