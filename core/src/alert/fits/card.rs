//! FITS header cards: 80-character keyword records and their values.

use super::FitsError;

/// Length of one header card in bytes.
pub const CARD_LEN: usize = 80;

/// The value of a header card.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `T` or `F`.
    Logical(bool),
    /// An integer, right-justified in columns 11-30.
    Integer(i64),
    /// A finite real number.
    Real(f64),
    /// A character string (printable ASCII).
    Text(String),
    /// Commentary text (`COMMENT`, `HISTORY`): no value indicator.
    Commentary(String),
}

/// One keyword record of a FITS header.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// Keyword: up to 8 characters from `A-Z`, `0-9`, `-` and `_`.
    pub keyword: String,
    /// The value.
    pub value: Value,
    /// Optional comment after the value (truncated to fit the card).
    pub comment: String,
}

impl Card {
    /// A card with a value and no comment.
    pub fn new(keyword: &str, value: Value) -> Self {
        Self {
            keyword: keyword.to_owned(),
            value,
            comment: String::new(),
        }
    }

    /// A card with a value and a comment.
    pub fn with_comment(keyword: &str, value: Value, comment: &str) -> Self {
        Self {
            keyword: keyword.to_owned(),
            value,
            comment: comment.to_owned(),
        }
    }

    /// Shorthand for a text-valued card.
    pub fn text(keyword: &str, text: &str, comment: &str) -> Self {
        Self::with_comment(keyword, Value::Text(text.to_owned()), comment)
    }

    /// Shorthand for a real-valued card.
    pub fn real(keyword: &str, value: f64, comment: &str) -> Self {
        Self::with_comment(keyword, Value::Real(value), comment)
    }

    /// Shorthand for an integer-valued card.
    pub fn integer(keyword: &str, value: i64, comment: &str) -> Self {
        Self::with_comment(keyword, Value::Integer(value), comment)
    }

    /// Renders the card as exactly 80 ASCII bytes.
    pub fn render(&self) -> Result<[u8; CARD_LEN], FitsError> {
        check_keyword(&self.keyword)?;
        let mut line = format!("{:<8}", self.keyword);
        match &self.value {
            Value::Commentary(text) => {
                check_text(&self.keyword, text)?;
                line.push_str(text);
            }
            value => {
                line.push_str("= ");
                line.push_str(&format_value(&self.keyword, value)?);
                if !self.comment.is_empty() {
                    check_text(&self.keyword, &self.comment)?;
                    line.push_str(" / ");
                    line.push_str(&self.comment);
                }
            }
        }
        if line.len() > CARD_LEN {
            if matches!(self.value, Value::Commentary(_)) || self.comment.is_empty() {
                return Err(FitsError::CardTooLong {
                    keyword: self.keyword.clone(),
                });
            }
            // Only the comment overflows: cut it, the value stays intact.
            line.truncate(CARD_LEN);
        }
        let mut card = [b' '; CARD_LEN];
        card[..line.len()].copy_from_slice(line.as_bytes());
        Ok(card)
    }
}

/// The `END` card that closes a header.
pub fn end_card() -> [u8; CARD_LEN] {
    let mut card = [b' '; CARD_LEN];
    card[..3].copy_from_slice(b"END");
    card
}

fn check_keyword(keyword: &str) -> Result<(), FitsError> {
    let valid = !keyword.is_empty()
        && keyword.len() <= 8
        && keyword
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(FitsError::BadKeyword(keyword.to_owned()))
    }
}

fn check_text(keyword: &str, text: &str) -> Result<(), FitsError> {
    if text.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        Ok(())
    } else {
        Err(FitsError::BadText {
            keyword: keyword.to_owned(),
        })
    }
}

/// Formats the value field (columns 11 onwards, at least 20 characters).
fn format_value(keyword: &str, value: &Value) -> Result<String, FitsError> {
    Ok(match value {
        Value::Logical(flag) => format!("{:>20}", if *flag { "T" } else { "F" }),
        Value::Integer(number) => format!("{number:>20}"),
        Value::Real(number) => format!("{:>20}", format_real(keyword, *number)?),
        Value::Text(text) => {
            check_text(keyword, text)?;
            let quoted = format!("'{:<8}'", text.replace('\'', "''"));
            format!("{quoted:<20}")
        }
        Value::Commentary(text) => text.clone(),
    })
}

/// Formats a real number as the shortest text that reads back to the same
/// `f64`, always with a decimal point and an upper-case exponent (at most
/// 24 characters: right-justified to column 30 when it fits, free format
/// otherwise).
fn format_real(keyword: &str, number: f64) -> Result<String, FitsError> {
    if !number.is_finite() {
        return Err(FitsError::NonFiniteValue {
            keyword: keyword.to_owned(),
        });
    }
    let text = format!("{number:?}").to_ascii_uppercase();
    Ok(match text.split_once('E') {
        Some((mantissa, exponent)) if !mantissa.contains('.') => {
            format!("{mantissa}.0E{exponent}")
        }
        _ => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(card: &Card) -> String {
        String::from_utf8(card.render().unwrap().to_vec()).unwrap()
    }

    #[test]
    fn fixed_format_values_end_in_column_30() {
        let line = rendered(&Card::new("NAXIS", Value::Integer(2)));
        assert_eq!(&line[..10], "NAXIS   = ");
        assert_eq!(line.as_bytes()[29], b'2');
        let line = rendered(&Card::new("SIMPLE", Value::Logical(true)));
        assert_eq!(line.as_bytes()[29], b'T');
    }

    #[test]
    fn strings_are_quoted_and_padded_to_eight() {
        let line = rendered(&Card::text("XTENSION", "IMAGE", ""));
        assert_eq!(&line[10..20], "'IMAGE   '");
        let line = rendered(&Card::text("OBJECT", "it's", ""));
        assert!(line.contains("'it''s   '"));
    }

    #[test]
    fn reals_always_have_a_point_and_upper_case_exponent() {
        assert_eq!(format_real("K", 1e-5).unwrap(), "1.0E-5");
        assert_eq!(format_real("K", 1.5).unwrap(), "1.5");
        assert!(format_real("K", f64::NAN).is_err());
        let long = format_real("K", -1.234_567_890_123_456_7e-300).unwrap();
        assert_eq!(long.parse::<f64>().unwrap(), -1.234_567_890_123_456_7e-300);
        assert!(long.len() <= 24, "{long}");
    }

    #[test]
    fn bad_keywords_and_text_are_rejected() {
        assert!(Card::new("lower", Value::Integer(1)).render().is_err());
        assert!(Card::new("TOOLONGKEY", Value::Integer(1)).render().is_err());
        assert!(Card::text("UNIT", "nJy\n", "").render().is_err());
    }

    #[test]
    fn long_comments_are_cut_not_the_value() {
        let card = Card::real("CRVAL1", 123.456, &"x".repeat(100));
        let line = rendered(&card);
        assert_eq!(line.len(), 80);
        assert!(line.contains("123.456"));
    }
}
