//! Writes float32 image HDUs into a FITS byte stream of 2880-byte blocks.

use super::FitsError;
use super::card::{CARD_LEN, Card, Value, end_card};

/// Size of a FITS logical record: headers and data are padded to it.
pub const BLOCK_LEN: usize = 2880;

/// A two-dimensional float32 image with its own header keywords.
///
/// The mandatory keywords (`SIMPLE` or `XTENSION`, `BITPIX`, `NAXIS`,
/// `NAXISn`, `EXTEND`, `PCOUNT`, `GCOUNT`) are written by [`write_fits`];
/// `cards` holds everything after them (`EXTNAME`, `BUNIT`, WCS ...).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageHdu {
    /// Number of columns (`NAXIS1`).
    pub width: usize,
    /// Number of rows (`NAXIS2`).
    pub height: usize,
    /// Pixels in row-major order, first row first (`width * height` values).
    pub pixels: Vec<f32>,
    /// Header keywords after the mandatory ones.
    pub cards: Vec<Card>,
}

/// Writes the HDUs as one FITS file: the first is the primary HDU, the
/// others become `IMAGE` extensions. Every header and data unit is padded to
/// a multiple of 2880 bytes (headers with spaces, data with zeros).
pub fn write_fits(hdus: &[ImageHdu]) -> Result<Vec<u8>, FitsError> {
    if hdus.is_empty() {
        return Err(FitsError::NoHdu);
    }
    let capacity = hdus
        .iter()
        .map(|hdu| BLOCK_LEN + padded_len(hdu.pixels.len() * 4))
        .sum();
    let mut out = Vec::with_capacity(capacity);
    for (index, hdu) in hdus.iter().enumerate() {
        write_hdu(&mut out, hdu, index == 0, hdus.len() > 1)?;
    }
    Ok(out)
}

/// Rounds a byte count up to a whole number of 2880-byte blocks.
pub fn padded_len(len: usize) -> usize {
    len.div_ceil(BLOCK_LEN) * BLOCK_LEN
}

fn write_hdu(
    out: &mut Vec<u8>,
    hdu: &ImageHdu,
    primary: bool,
    has_extensions: bool,
) -> Result<(), FitsError> {
    let expected = hdu.width.checked_mul(hdu.height);
    if expected != Some(hdu.pixels.len()) || hdu.width == 0 || hdu.height == 0 {
        return Err(FitsError::PixelCount {
            width: hdu.width,
            height: hdu.height,
            pixels: hdu.pixels.len(),
        });
    }
    let mut cards = Vec::with_capacity(hdu.cards.len() + 8);
    if primary {
        cards.push(Card::with_comment(
            "SIMPLE",
            Value::Logical(true),
            "conforms to FITS standard",
        ));
    } else {
        cards.push(Card::text("XTENSION", "IMAGE", "image extension"));
    }
    cards.push(Card::integer("BITPIX", -32, "IEEE single precision float"));
    cards.push(Card::integer("NAXIS", 2, "number of array dimensions"));
    cards.push(Card::integer("NAXIS1", to_i64(hdu.width)?, "columns"));
    cards.push(Card::integer("NAXIS2", to_i64(hdu.height)?, "rows"));
    if primary {
        if has_extensions {
            cards.push(Card::with_comment(
                "EXTEND",
                Value::Logical(true),
                "extensions may follow",
            ));
        }
    } else {
        cards.push(Card::integer("PCOUNT", 0, "no parameters"));
        cards.push(Card::integer("GCOUNT", 1, "one group"));
    }
    cards.extend(hdu.cards.iter().cloned());

    let header_start = out.len();
    for card in &cards {
        out.extend_from_slice(&card.render()?);
    }
    out.extend_from_slice(&end_card());
    let header_len = out.len() - header_start;
    out.resize(header_start + padded_len(header_len), b' ');
    debug_assert_eq!(header_len % CARD_LEN, 0);

    let data_start = out.len();
    for pixel in &hdu.pixels {
        out.extend_from_slice(&pixel.to_be_bytes());
    }
    let data_len = out.len() - data_start;
    out.resize(data_start + padded_len(data_len), 0);
    Ok(())
}

fn to_i64(size: usize) -> Result<i64, FitsError> {
    i64::try_from(size).map_err(|_| FitsError::PixelCount {
        width: size,
        height: 0,
        pixels: 0,
    })
}
