//! Generated Job names for the local runtime, Kubernetes style.

/// The characters Kubernetes uses for `generateName` suffixes (no vowels,
/// no easily confused digits).
const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Length of the suffix, as in Kubernetes.
const SUFFIX_LEN: usize = 5;

/// The name for the `seq`-th Job created with `prefix`.
pub(super) fn generated(prefix: &str, seq: u64) -> String {
    format!("{prefix}{}", suffix(seq))
}

/// `seq` written in base 27 over [`ALPHABET`], at least five characters.
fn suffix(mut seq: u64) -> String {
    let base = ALPHABET.len() as u64;
    let mut digits = Vec::with_capacity(SUFFIX_LEN);
    while digits.len() < SUFFIX_LEN || seq > 0 {
        let digit = usize::try_from(seq % base).unwrap_or(0);
        digits.push(char::from(ALPHABET.get(digit).copied().unwrap_or(b'b')));
        seq /= base;
    }
    digits.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_distinct_and_five_long() {
        let all: std::collections::BTreeSet<String> = (0..2000).map(suffix).collect();
        assert_eq!(all.len(), 2000);
        assert!(all.iter().all(|s| s.len() == SUFFIX_LEN));
        assert_eq!(generated("w-", 1), "w-bbbbc");
    }
}
