//! FITS cutout images: science, difference and template stamps.
//!
//! A pure-Rust writer (and a small reader for checks and summaries) of FITS
//! files made of float32 image HDUs in 2880-byte blocks. The stamps of an
//! alert are synthesised in [`stamp`]: calibrated flux in nJy in the primary
//! HDU, a `VARIANCE` and a `PSF` image extension, and a TAN WCS centred on
//! the source.

pub mod card;
pub mod date;
pub mod reader;
pub mod stamp;
pub mod writer;

pub use card::{Card, Value};
pub use reader::{HduHeader, read_hdus, read_image_f32};
pub use stamp::{CutoutKind, Cutouts, MAX_SIDE, MIN_SIDE, StampSpec, cutout_side, make_cutouts};
pub use writer::{BLOCK_LEN, ImageHdu, padded_len, write_fits};

/// What can go wrong writing or reading a FITS file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FitsError {
    /// A keyword that is not 1-8 characters of `A-Z 0-9 - _`.
    #[error("invalid FITS keyword {0:?}: expected 1-8 characters of A-Z, 0-9, '-' or '_'")]
    BadKeyword(String),
    /// Text that is not printable ASCII.
    #[error("keyword {keyword}: text must be printable ASCII")]
    BadText {
        /// The keyword holding the text.
        keyword: String,
    },
    /// A value too long for an 80-character card.
    #[error("keyword {keyword}: value does not fit in an 80-character card")]
    CardTooLong {
        /// The keyword.
        keyword: String,
    },
    /// NaN or infinity as a header value.
    #[error("keyword {keyword}: header values must be finite")]
    NonFiniteValue {
        /// The keyword.
        keyword: String,
    },
    /// Pixel buffer does not match the image size.
    #[error("image of {width}x{height} pixels given {pixels} values")]
    PixelCount {
        /// Declared width.
        width: usize,
        /// Declared height.
        height: usize,
        /// Values given.
        pixels: usize,
    },
    /// Nothing to write.
    #[error("a FITS file needs at least one HDU")]
    NoHdu,
    /// A stamp specification that cannot be drawn (zero side, bad PSF width).
    #[error("stamp needs a side of at least 1 pixel and a positive, finite PSF width")]
    BadStamp,
    /// The file length is not a positive multiple of 2880.
    #[error("FITS length {len} is not a positive multiple of 2880 bytes")]
    NotBlocked {
        /// Length found.
        len: usize,
    },
    /// The file ends inside a header or data unit.
    #[error("FITS file ends inside a header or data unit")]
    Truncated,
    /// A header card that cannot be parsed.
    #[error("unparseable FITS header card ending at byte {offset}")]
    BadCard {
        /// Byte offset just past the card.
        offset: usize,
    },
    /// A required keyword is absent.
    #[error("FITS header lacks the required keyword {0}")]
    MissingKeyword(&'static str),
    /// A valid FITS feature this reader does not handle.
    #[error("unsupported FITS feature: {0}")]
    Unsupported(&'static str),
}
