//! FITS cutout images: science, difference and template stamps.
