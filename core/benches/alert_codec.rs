//! Criterion benchmark of the direct Avro codec on the reference alert
//! (about 61 KB on the wire): wire-format encode and decode on one thread.
//!
//! `cargo bench -p alertsim-core --bench alert_codec`

use alertsim_core::alert::{reference::reference_alert, wire};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn reference_alert_codec(c: &mut Criterion) {
    let alert = reference_alert();
    let message = wire::alert_message(&alert);
    let mut group = c.benchmark_group("reference_alert");
    group.throughput(Throughput::Elements(1));

    let mut buf = Vec::with_capacity(message.len());
    group.bench_function("encode_wire", |b| {
        b.iter(|| {
            buf.clear();
            wire::encode_alert_message(black_box(&alert), &mut buf);
            black_box(buf.len())
        })
    });
    group.bench_function("decode_wire", |b| {
        b.iter(|| wire::decode_alert_message(black_box(&message)))
    });
    group.finish();

    let mut bytes = c.benchmark_group("reference_alert_bytes");
    bytes.throughput(Throughput::Bytes(message.len() as u64));
    bytes.bench_function("encode_wire", |b| {
        b.iter(|| {
            buf.clear();
            wire::encode_alert_message(black_box(&alert), &mut buf);
            black_box(buf.len())
        })
    });
    bytes.finish();
}

criterion_group!(benches, reference_alert_codec);
criterion_main!(benches);
