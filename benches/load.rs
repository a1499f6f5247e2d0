//! Loading contacts as the designer does: a CSV file read whole into columns of text.
//!
//! The file is written once to a temporary folder (so the page cache holds it, as it does for a
//! file a workshop just opened), then read with `read_contacts`. Throughput is the file's bytes.

mod common;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

#[allow(clippy::unwrap_used)]
fn load(c: &mut Criterion) {
    let model = common::lead_model();
    let dir = tempfile::tempdir().unwrap();
    let mut g = c.benchmark_group("load_csv");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    for &n in &common::SIZES {
        let csv = common::contacts_csv(&model, n, 7);
        let path = dir.path().join(format!("contacts-{n}.csv"));
        std::fs::write(&path, &csv).unwrap();
        g.throughput(Throughput::Bytes(csv.len() as u64));
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| black_box(scorewright::contacts::read_contacts(&path).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
