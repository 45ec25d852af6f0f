//! A visit-detector container file written by [`ContainerWriter`] is read
//! back by apache-avro's `Reader` with the values we wrote, and by our own
//! reader.

mod common;

use alertsim_core::alert::container::{BLOCK_BYTES, read_container, visit_detector_container};
use alertsim_core::alert::records::{Alert, AvroRecord};
use alertsim_core::alert::reference::reference_alert;

fn batch() -> Vec<Alert> {
    let mut alerts = Vec::new();
    for i in 0..5i64 {
        let mut alert = reference_alert();
        alert.dia_source_id += i;
        alert.dia_source.dia_source_id += i;
        if i % 2 == 1 {
            // Small alerts share blocks; large ones get their own.
            alert.prv_dia_sources = None;
            alert.cutout_science = None;
        }
        alerts.push(alert);
    }
    alerts
}

#[test]
fn apache_avro_reads_our_container_back() {
    let alerts = batch();
    let (name, file) = visit_detector_container(2025061200123, 42, &alerts);
    assert_eq!(name, "2025061200123_42.avro");
    assert!(file.len() > 3 * BLOCK_BYTES);

    let reader = apache_avro::Reader::new(file.as_slice()).expect("apache-avro reads the header");
    let values: Vec<_> = reader
        .map(|v| v.expect("apache-avro reads every alert"))
        .collect();
    assert_eq!(values.len(), alerts.len());
    for (value, alert) in values.iter().zip(&alerts) {
        assert_eq!(value, &alert.to_avro_value());
    }
    assert_eq!(read_container(&file), Ok(alerts));
}

#[test]
fn same_batch_gives_the_same_bytes() {
    let alerts = batch();
    assert_eq!(
        visit_detector_container(7, 3, &alerts),
        visit_detector_container(7, 3, &alerts)
    );
}

/// The official 11.0 sample container (alert_packet's `fakeAlert.avro`), when
/// present, is read by our reader to the same values apache-avro reads.
#[test]
fn our_reader_reads_the_official_sample_like_apache_avro() {
    let candidates = [
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/reference/alert-schemas/11_0/sample_data/fakeAlert.avro"),
        std::path::PathBuf::from(
            "/work/shared/reference/alert-schemas/11_0/sample_data/fakeAlert.avro",
        ),
    ];
    let Some(file) = candidates
        .iter()
        .find_map(|p| std::fs::read(p).ok())
        .or_else(|| common::skip_unless_ci("the official sample fakeAlert.avro"))
    else {
        return;
    };
    let ours = read_container(&file).expect("our reader reads the official sample");
    let theirs: Vec<_> = apache_avro::Reader::new(file.as_slice())
        .expect("apache-avro reads the header")
        .map(|v| v.expect("apache-avro reads the alert"))
        .collect();
    assert!(!ours.is_empty());
    assert_eq!(ours.len(), theirs.len());
    for (alert, value) in ours.iter().zip(&theirs) {
        assert_eq!(&alert.to_avro_value(), value);
    }
}
