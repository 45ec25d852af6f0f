//! Shell quoting for the command lines alertsim prints so that a user can
//! reproduce a run by pasting them.

/// Quotes an argument for a POSIX shell when it needs it.
pub fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn plain_arguments_stay_as_they_are_and_others_are_single_quoted() {
        assert_eq!(quote("scaler.max_replicas=300"), "scaler.max_replicas=300");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }
}
