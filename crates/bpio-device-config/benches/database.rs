//! Device database costs that a server pays: loading the public v5 database (at start-up, or
//! when `--device-config-file` replaces the embedded one), loading the embedded database, and
//! matching one advertisement (paid for every BLE advertisement during a scan). Issue 3.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use bpio_device_config::{Advertisement, BaseDatabase, CompanyData, DeviceConfig};
use criterion::{Criterion, criterion_group, criterion_main};

const V5: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/device-config/buttplug-device-config-v5.json"
));

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.sample_size(20);
    group.bench_function("public_v5", |b| {
        b.iter(|| BaseDatabase::from_json(black_box(V5)).unwrap())
    });
    group.bench_function("public_v5_indexed", |b| {
        b.iter(|| DeviceConfig::new(BaseDatabase::from_json(black_box(V5)).unwrap()))
    });
    group.bench_function("embedded_indexed", |b| b.iter(|| DeviceConfig::embedded().unwrap()));
    group.finish();
    let db = BaseDatabase::from_json(V5).unwrap();
    assert_eq!((db.protocols().len(), db.configuration_count()), (149, 806));
}

fn matching(c: &mut Criterion) {
    let config = DeviceConfig::new(BaseDatabase::from_json(V5).unwrap());
    let mut group = c.benchmark_group("match");
    let exact = Advertisement::Btle { name: "J-Diego", manufacturer_data: &[], services: &[] };
    group.bench_function("exact_name", |b| {
        b.iter(|| config.find(black_box(&exact), "addr").map(|r| r.name()))
    });
    let wildcard = Advertisement::Btle { name: "LVS-Lush3", manufacturer_data: &[], services: &[] };
    group.bench_function("wildcard_name", |b| {
        b.iter(|| config.find(black_box(&wildcard), "addr").map(|r| r.name()))
    });
    let data = [CompanyData { company: 93, data: &[0, 0, 40, 1] }];
    let unknown =
        Advertisement::Btle { name: "Some Headphones", manufacturer_data: &data, services: &[] };
    group.bench_function("manufacturer_data", |b| {
        b.iter(|| config.find(black_box(&unknown), "addr").map(|r| r.name()))
    });
    group.finish();
    assert_eq!(config.find(&exact, "addr").unwrap().name(), "JoyHub Diego");
    assert_eq!(config.find(&unknown, "addr").unwrap().protocol, "satisfyer");
}

criterion_group!(benches, load, matching);
criterion_main!(benches);
