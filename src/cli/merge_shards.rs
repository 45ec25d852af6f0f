//! Which shards `alertsim merge` was given: each output directory's
//! `load-info.json` names its shard (`I/N`); the set must be every shard of
//! one split, each once, or the merged report would count a slice twice
//! or miss one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use alertsim_loadgen::load::{BadShard, Shard};

/// A shard set that cannot be merged, naming the directories.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardSetError {
    /// `load-info.json` is missing or has no readable `shard`.
    #[error(
        "{dir}: {reason} (expected load-info.json with \"shard\": \"I/N\", written by `alertsim load`)"
    )]
    Unreadable {
        /// The directory.
        dir: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Two directories hold the same shard.
    #[error("{first} and {second} are both shard {shard}: each shard must be given once")]
    Duplicate {
        /// The shard.
        shard: String,
        /// The first directory holding it.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// The directories come from splits into different numbers of shards.
    #[error(
        "{dir} is shard {shard}, but {first_dir} is one of {count}: expected shards of one split"
    )]
    MixedSplits {
        /// The directory.
        dir: PathBuf,
        /// Its shard.
        shard: String,
        /// The first directory.
        first_dir: PathBuf,
        /// The shard count of the first directory.
        count: u32,
    },
    /// Some shards of the split are not among the directories.
    #[error(
        "shards {missing} of {count} are missing: expected every shard 0/{count} to {last}/{count}"
    )]
    Incomplete {
        /// The missing shards, as `I/N`, comma-separated.
        missing: String,
        /// The split's shard count.
        count: u32,
        /// The last shard index.
        last: u32,
    },
}

/// The shard of the load output in `dir`.
pub fn read_shard(dir: &Path) -> Result<Shard, ShardSetError> {
    let unreadable = |reason: String| ShardSetError::Unreadable {
        dir: dir.to_owned(),
        reason,
    };
    let path = dir.join("load-info.json");
    let text =
        std::fs::read_to_string(&path).map_err(|e| unreadable(format!("load-info.json: {e}")))?;
    let info: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| unreadable(format!("load-info.json: {e}")))?;
    let shard = info
        .get("shard")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| unreadable("load-info.json has no \"shard\" string".to_owned()))?;
    shard
        .parse()
        .map_err(|e: BadShard| unreadable(format!("load-info.json: {e}")))
}

/// Checks that `shards` (directory, shard) are every shard of one split,
/// each once.
pub fn check_complete(shards: &[(PathBuf, Shard)]) -> Result<(), ShardSetError> {
    let Some((first_dir, first)) = shards.first() else {
        return Ok(());
    };
    let mut seen: BTreeMap<u32, &Path> = BTreeMap::new();
    for (dir, shard) in shards {
        if shard.count != first.count {
            return Err(ShardSetError::MixedSplits {
                dir: dir.clone(),
                shard: shard.to_string(),
                first_dir: first_dir.clone(),
                count: first.count,
            });
        }
        if let Some(other) = seen.insert(shard.index, dir) {
            return Err(ShardSetError::Duplicate {
                shard: shard.to_string(),
                first: other.to_owned(),
                second: dir.clone(),
            });
        }
    }
    let missing: Vec<String> = (0..first.count)
        .filter(|i| !seen.contains_key(i))
        .map(|i| format!("{i}/{}", first.count))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ShardSetError::Incomplete {
            missing: missing.join(", "),
            count: first.count,
            last: first.count - 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(shards: &[(&str, u32, u32)]) -> Vec<(PathBuf, Shard)> {
        shards
            .iter()
            .map(|&(dir, index, count)| (PathBuf::from(dir), Shard { index, count }))
            .collect()
    }

    #[test]
    fn every_shard_once_is_complete() {
        assert_eq!(
            check_complete(&set(&[("b", 1, 3), ("a", 0, 3), ("c", 2, 3)])),
            Ok(())
        );
        assert_eq!(check_complete(&set(&[("whole", 0, 1)])), Ok(()));
    }

    #[test]
    fn a_shard_given_twice_names_both_directories() {
        let err = check_complete(&set(&[("a", 0, 2), ("b", 1, 2), ("c", 1, 2)])).unwrap_err();
        assert!(
            matches!(&err, ShardSetError::Duplicate { shard, .. } if shard == "1/2"),
            "{err}"
        );
        assert!(err.to_string().contains('b') && err.to_string().contains('c'));
    }

    #[test]
    fn a_missing_shard_is_named() {
        let err = check_complete(&set(&[("a", 0, 3), ("c", 2, 3)])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shards 1/3 of 3 are missing: expected every shard 0/3 to 2/3"
        );
    }

    #[test]
    fn shards_of_different_splits_do_not_mix() {
        let err = check_complete(&set(&[("a", 0, 2), ("b", 1, 3)])).unwrap_err();
        assert!(
            matches!(err, ShardSetError::MixedSplits { count: 2, .. }),
            "{err}"
        );
    }
}
