//! Reads FITS headers and float32 images back: used to summarise cutouts of
//! decoded alerts and by the tests. Never panics on malformed bytes.

use super::FitsError;
use super::card::{CARD_LEN, Value};
use super::writer::{BLOCK_LEN, padded_len};

/// One header-data unit as found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct HduHeader {
    /// Keyword/value pairs in file order (commentary and blank cards skipped).
    pub cards: Vec<(String, Value)>,
    /// Byte offset of the data unit.
    pub data_offset: usize,
    /// Length of the data unit before padding.
    pub data_len: usize,
}

impl HduHeader {
    /// The value of the first card with this keyword.
    pub fn get(&self, keyword: &str) -> Option<&Value> {
        self.cards
            .iter()
            .find(|(key, _)| key == keyword)
            .map(|(_, value)| value)
    }

    /// An integer-valued keyword.
    pub fn integer(&self, keyword: &str) -> Option<i64> {
        match self.get(keyword) {
            Some(Value::Integer(number)) => Some(*number),
            _ => None,
        }
    }

    /// A real-valued keyword (integers are accepted as reals).
    pub fn real(&self, keyword: &str) -> Option<f64> {
        match self.get(keyword) {
            Some(Value::Real(number)) => Some(*number),
            Some(Value::Integer(number)) => Some(*number as f64),
            _ => None,
        }
    }

    /// A string-valued keyword, trailing spaces removed.
    pub fn text(&self, keyword: &str) -> Option<&str> {
        match self.get(keyword) {
            Some(Value::Text(text)) => Some(text.as_str()),
            _ => None,
        }
    }

    /// The axis lengths `NAXIS1..NAXISn`.
    pub fn axes(&self) -> Result<Vec<usize>, FitsError> {
        let naxis = self
            .integer("NAXIS")
            .ok_or(FitsError::MissingKeyword("NAXIS"))?;
        (1..=naxis)
            .map(|axis| {
                self.integer(&format!("NAXIS{axis}"))
                    .and_then(|len| usize::try_from(len).ok())
                    .ok_or(FitsError::MissingKeyword("NAXISn"))
            })
            .collect()
    }
}

/// Parses every HDU header of a FITS file, checking the block structure.
pub fn read_hdus(bytes: &[u8]) -> Result<Vec<HduHeader>, FitsError> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(BLOCK_LEN) {
        return Err(FitsError::NotBlocked { len: bytes.len() });
    }
    let mut hdus = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let hdu = read_header(bytes, offset, hdus.is_empty())?;
        let end = hdu
            .data_offset
            .checked_add(padded_len(hdu.data_len))
            .filter(|end| *end <= bytes.len())
            .ok_or(FitsError::Truncated)?;
        offset = end;
        hdus.push(hdu);
    }
    Ok(hdus)
}

/// The pixels of a two-dimensional BITPIX -32 HDU, row-major.
pub fn read_image_f32(bytes: &[u8], hdu: &HduHeader) -> Result<Vec<f32>, FitsError> {
    if hdu.integer("BITPIX") != Some(-32) {
        return Err(FitsError::Unsupported("BITPIX other than -32"));
    }
    let data = bytes
        .get(hdu.data_offset..hdu.data_offset.saturating_add(hdu.data_len))
        .ok_or(FitsError::Truncated)?;
    Ok(data
        .chunks_exact(4)
        .map(|chunk| f32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
        .collect())
}

fn read_header(bytes: &[u8], start: usize, primary: bool) -> Result<HduHeader, FitsError> {
    let mut cards = Vec::new();
    let mut offset = start;
    loop {
        let card = bytes
            .get(offset..offset + CARD_LEN)
            .ok_or(FitsError::Truncated)?;
        offset += CARD_LEN;
        let keyword = std::str::from_utf8(&card[..8])
            .map_err(|_| FitsError::BadCard { offset })?
            .trim_end();
        if keyword == "END" {
            break;
        }
        if &card[8..10] == b"= " {
            cards.push((keyword.to_owned(), parse_value(&card[10..], offset)?));
        }
    }
    let first = cards.first().map(|(key, _)| key.as_str());
    let expected = if primary { "SIMPLE" } else { "XTENSION" };
    if first != Some(expected) {
        return Err(FitsError::MissingKeyword(expected));
    }
    let mut hdu = HduHeader {
        cards,
        data_offset: start + padded_len(offset - start),
        data_len: 0,
    };
    hdu.data_len = data_len(&hdu)?;
    Ok(hdu)
}

fn data_len(hdu: &HduHeader) -> Result<usize, FitsError> {
    let bitpix = hdu
        .integer("BITPIX")
        .ok_or(FitsError::MissingKeyword("BITPIX"))?;
    let bytes_per_value =
        usize::try_from(bitpix.unsigned_abs() / 8).map_err(|_| FitsError::Unsupported("BITPIX"))?;
    let axes = hdu.axes()?;
    if axes.is_empty() {
        return Ok(0);
    }
    let pcount = usize::try_from(hdu.integer("PCOUNT").unwrap_or(0))
        .map_err(|_| FitsError::Unsupported("negative PCOUNT"))?;
    let gcount = usize::try_from(hdu.integer("GCOUNT").unwrap_or(1))
        .map_err(|_| FitsError::Unsupported("negative GCOUNT"))?;
    axes.iter()
        .try_fold(1usize, |acc, len| acc.checked_mul(*len))
        .and_then(|values| values.checked_add(pcount))
        .and_then(|values| values.checked_mul(gcount))
        .and_then(|values| values.checked_mul(bytes_per_value))
        .ok_or(FitsError::Truncated)
}

fn parse_value(field: &[u8], offset: usize) -> Result<Value, FitsError> {
    let bad = || FitsError::BadCard { offset };
    let field = std::str::from_utf8(field).map_err(|_| bad())?;
    let trimmed = field.trim_start();
    if let Some(rest) = trimmed.strip_prefix('\'') {
        let mut text = String::new();
        let mut chars = rest.chars().peekable();
        loop {
            match chars.next() {
                Some('\'') if chars.peek() == Some(&'\'') => {
                    chars.next();
                    text.push('\'');
                }
                Some('\'') => break,
                Some(c) => text.push(c),
                None => return Err(bad()),
            }
        }
        return Ok(Value::Text(text.trim_end().to_owned()));
    }
    let token = trimmed.split('/').next().unwrap_or("").trim();
    match token {
        "T" => Ok(Value::Logical(true)),
        "F" => Ok(Value::Logical(false)),
        _ => token
            .parse::<i64>()
            .map(Value::Integer)
            .or_else(|_| token.replace('D', "E").parse::<f64>().map(Value::Real))
            .map_err(|_| bad()),
    }
}
