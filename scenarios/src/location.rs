//! From byte offsets and dotted key paths to 1-based lines and columns.

use toml::de::{DeTable, DeValue};

/// 1-based `(line, column)` of a byte offset; columns count characters.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// Byte offset of the key named by a dotted path (`night.visits`,
/// `consumers.2.name`), or of its deepest ancestor present in the text.
/// `None` when the text does not parse or holds none of the path.
pub fn key_offset(text: &str, path: &str) -> Option<usize> {
    let root = DeTable::parse(text).ok()?;
    let mut found = None;
    let mut current: Option<&DeValue<'_>> = None;
    let mut table = Some(root.get_ref());
    for segment in path.split('.') {
        if let Some(t) = table {
            let Some((key, value)) = t.iter().find(|(k, _)| k.get_ref().as_ref() == segment) else {
                break;
            };
            found = Some(key.span().start);
            current = Some(value.get_ref());
        } else if let Some(DeValue::Array(items)) = current {
            let Some(item) = segment.parse::<usize>().ok().and_then(|i| items.get(i)) else {
                break;
            };
            found = Some(item.span().start);
            current = Some(item.get_ref());
        } else {
            break;
        }
        table = match current {
            Some(DeValue::Table(t)) => Some(t),
            _ => None,
        };
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_from_one() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        let eq = text.find("= 2").unwrap_or(0);
        assert_eq!(line_column(text, eq), (2, 4));
        assert_eq!(line_column(text, 10_000), (3, 1));
    }

    #[test]
    fn finds_nested_keys_and_array_elements() {
        let text = "name = \"x\"\n[night]\nvisits = 3\n[[consumers]]\nname = \"a\"\n[[consumers]]\nname = \"b\"\n";
        let at = |p: &str| key_offset(text, p).map(|o| line_column(text, o));
        assert_eq!(at("night.visits"), Some((3, 1)));
        assert_eq!(at("consumers.1.name"), Some((7, 1)));
        assert_eq!(at("night.missing").map(|p| p.0), Some(2));
    }
}
