//! Rubin's deterministic schema ids (major*100 + minor). Where a running
//! publisher gets its id (this rule, a fixed id or a registry) is the
//! drivers' `SchemaIdSource`.

/// Rubin's deterministic schema id: major*100 + minor (11.0 -> 1100, 7.4 -> 704).
/// `None` when the minor version is 100 or more (the scheme cannot express it) or the id
/// overflows.
pub fn rubin_schema_id(major: u32, minor: u32) -> Option<u32> {
    if minor >= 100 {
        return None;
    }
    major.checked_mul(100)?.checked_add(minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rubin_ids_follow_major_times_100_plus_minor() {
        assert_eq!(rubin_schema_id(11, 0), Some(1100));
        assert_eq!(rubin_schema_id(10, 0), Some(1000));
        assert_eq!(rubin_schema_id(7, 4), Some(704));
        assert_eq!(rubin_schema_id(7, 100), None);
        assert_eq!(rubin_schema_id(u32::MAX, 0), None);
    }
}
