//! Property and behaviour tests of the FITS cutout writer: block structure,
//! headers that parse back, pixel content and WCS keywords.

use alertsim_core::alert::fits::{
    BLOCK_LEN, Card, CutoutKind, FitsError, ImageHdu, StampSpec, Value, cutout_side, make_cutouts,
    read_hdus, read_image_f32, write_fits,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn spec(side: usize, ra: f64, dec: f64) -> StampSpec {
    let mut spec = StampSpec::new(side, ra, dec, 60_903.25);
    spec.band = Some("g".to_owned());
    spec
}

fn cutouts_for(spec: &StampSpec, seed: u64) -> [(CutoutKind, Vec<u8>); 3] {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let cutouts = make_cutouts(spec, &mut rng).expect("valid spec");
    [
        (CutoutKind::Science, cutouts.science),
        (CutoutKind::Difference, cutouts.difference),
        (CutoutKind::Template, cutouts.template),
    ]
}

#[test]
fn side_is_the_clamped_bounding_box() {
    assert_eq!(cutout_side(-5), 30);
    assert_eq!(cutout_side(0), 30);
    assert_eq!(cutout_side(29), 30);
    assert_eq!(cutout_side(64), 64);
    assert_eq!(cutout_side(102), 102);
    assert_eq!(cutout_side(5000), 102);
}

#[test]
fn stamps_have_image_variance_and_psf_hdus() {
    for (kind, bytes) in cutouts_for(&spec(40, 10.0, -30.0), 7) {
        let hdus = read_hdus(&bytes).expect("parses");
        assert_eq!(hdus.len(), 3, "{kind:?}");
        let names: Vec<_> = hdus.iter().map(|h| h.text("EXTNAME")).collect();
        assert_eq!(names, [Some("IMAGE"), Some("VARIANCE"), Some("PSF")]);
        assert_eq!(hdus[0].get("SIMPLE"), Some(&Value::Logical(true)));
        assert_eq!(hdus[0].get("EXTEND"), Some(&Value::Logical(true)));
        for ext in &hdus[1..] {
            assert_eq!(ext.text("XTENSION"), Some("IMAGE"));
            assert_eq!(ext.integer("PCOUNT"), Some(0));
            assert_eq!(ext.integer("GCOUNT"), Some(1));
        }
        assert_eq!(hdus[0].text("BUNIT"), Some("nJy"));
        assert_eq!(hdus[0].text("CTYPE1"), Some("RA---TAN"));
        assert_eq!(hdus[0].text("CTYPE2"), Some("DEC--TAN"));
        assert_eq!(hdus[0].real("CRVAL1"), Some(10.0));
        assert_eq!(hdus[0].real("CRVAL2"), Some(-30.0));
        assert_eq!(hdus[0].real("CRPIX1"), Some(20.5));
        let psf = read_image_f32(&bytes, &hdus[2]).expect("psf pixels");
        let psf_sum: f32 = psf.iter().sum();
        assert!((psf_sum - 1.0).abs() < 1e-3, "PSF sums to {psf_sum}");
        let variance = read_image_f32(&bytes, &hdus[1]).expect("variance pixels");
        assert!(variance.iter().all(|v| *v > 0.0));
    }
}

/// The transient shows in science and difference, not in the template; the
/// difference is science minus template pixel by pixel.
#[test]
fn transient_is_in_science_and_difference_only() {
    let mut stamp = spec(50, 150.0, 2.0);
    stamp.transient_flux_njy = 20_000.0;
    stamp.static_flux_njy = 0.0;
    let [(_, science), (_, difference), (_, template)] = cutouts_for(&stamp, 3);
    let pixels = |bytes: &[u8]| {
        let hdus = read_hdus(bytes).expect("parses");
        read_image_f32(bytes, &hdus[0]).expect("pixels")
    };
    let (sci, diff, tmpl) = (pixels(&science), pixels(&difference), pixels(&template));
    let sum = |p: &[f32]| p.iter().map(|v| f64::from(*v)).sum::<f64>();
    assert!(
        (sum(&sci) - 20_000.0).abs() < 5_000.0,
        "science {}",
        sum(&sci)
    );
    assert!(
        (sum(&diff) - 20_000.0).abs() < 5_000.0,
        "difference {}",
        sum(&diff)
    );
    assert!(sum(&tmpl).abs() < 5_000.0, "template {}", sum(&tmpl));
    for ((s, d), t) in sci.iter().zip(&diff).zip(&tmpl) {
        assert!((s - t - d).abs() <= 1e-3 * s.abs().max(1.0));
    }
    let centre = 25 * 50 + 25;
    assert!(sci[centre] > 10.0 * sci[0].abs().max(30.0));
}

#[test]
fn writer_rejects_inconsistent_images() {
    assert_eq!(write_fits(&[]), Err(FitsError::NoHdu));
    let bad = ImageHdu {
        width: 3,
        height: 3,
        pixels: vec![0.0; 8],
        cards: vec![],
    };
    assert!(matches!(
        write_fits(&[bad]),
        Err(FitsError::PixelCount { .. })
    ));
    let bad_card = ImageHdu {
        width: 1,
        height: 1,
        pixels: vec![1.0],
        cards: vec![Card::new("bad key", Value::Integer(1))],
    };
    assert!(write_fits(&[bad_card]).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_side_and_seed_gives_blocked_parseable_files(
        bbox in -10i32..300,
        seed in any::<u64>(),
        ra in 0.0f64..360.0,
        dec in -90.0f64..=90.0,
        flux in -1e6f64..1e6,
    ) {
        let side = cutout_side(bbox);
        let mut stamp = spec(side, ra, dec);
        stamp.transient_flux_njy = flux;
        for (_, bytes) in cutouts_for(&stamp, seed) {
            prop_assert_eq!(bytes.len() % BLOCK_LEN, 0);
            let hdus = read_hdus(&bytes).expect("headers parse back");
            prop_assert_eq!(hdus[0].axes().expect("axes"), vec![side, side]);
            prop_assert_eq!(hdus[1].axes().expect("axes"), vec![side, side]);
            prop_assert_eq!(hdus[0].integer("BITPIX"), Some(-32));
            prop_assert_eq!(hdus[0].real("CRVAL1"), Some(ra));
            prop_assert_eq!(hdus[0].real("CRVAL2"), Some(dec));
            let image = read_image_f32(&bytes, &hdus[0]).expect("pixels");
            prop_assert_eq!(image.len(), side * side);
            prop_assert!(image.iter().all(|v| v.is_finite()));
            // Data padding is zeros, header padding spaces.
            let last = hdus[2].data_offset + hdus[2].data_len;
            prop_assert!(bytes[last..].iter().all(|b| *b == 0));
        }
    }

    /// Header values of every kind read back exactly as written.
    #[test]
    fn header_values_round_trip(
        real in any::<f64>().prop_filter("finite", |v| v.is_finite()),
        integer in any::<i64>(),
        flag in any::<bool>(),
        text in "[ -~]{0,30}",
        comment in "[ -~]{0,80}",
    ) {
        let hdu = ImageHdu {
            width: 2,
            height: 1,
            pixels: vec![1.5, -2.0],
            cards: vec![
                Card::real("REALVAL", real, &comment),
                Card::integer("INTVAL", integer, &comment),
                Card::with_comment("FLAG", Value::Logical(flag), &comment),
                Card::text("TEXT", &text, &comment),
            ],
        };
        let bytes = write_fits(&[hdu]).expect("writes");
        prop_assert_eq!(bytes.len() % BLOCK_LEN, 0);
        let hdus = read_hdus(&bytes).expect("reads");
        prop_assert_eq!(hdus[0].real("REALVAL"), Some(real));
        prop_assert_eq!(hdus[0].integer("INTVAL"), Some(integer));
        prop_assert_eq!(hdus[0].get("FLAG"), Some(&Value::Logical(flag)));
        prop_assert_eq!(hdus[0].text("TEXT"), Some(text.trim_end()));
        prop_assert_eq!(read_image_f32(&bytes, &hdus[0]).expect("pixels"), vec![1.5, -2.0]);
    }

    /// The reader never panics, whatever the bytes (whole blocks or not).
    #[test]
    fn reader_survives_arbitrary_bytes(
        mut bytes in proptest::collection::vec(any::<u8>(), 0..6000),
        whole_blocks in any::<bool>(),
    ) {
        if whole_blocks {
            bytes.resize(bytes.len().div_ceil(BLOCK_LEN).max(1) * BLOCK_LEN, b' ');
            bytes[..30].copy_from_slice(b"SIMPLE  =                    T");
        }
        let _ = read_hdus(&bytes);
    }

    /// A corrupted valid file is either read or rejected, never a panic.
    #[test]
    fn reader_survives_corrupted_cutouts(position in 0usize..23_040, byte in any::<u8>()) {
        let [(_, mut bytes), _, _] = cutouts_for(&spec(30, 1.0, 1.0), 1);
        if let Some(b) = bytes.get_mut(position) {
            *b = byte;
        }
        if let Ok(hdus) = read_hdus(&bytes) {
            for hdu in &hdus {
                let _ = read_image_f32(&bytes, hdu);
            }
        }
    }
}
