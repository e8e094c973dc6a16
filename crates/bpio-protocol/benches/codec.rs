//! Parse and serialize cost per message, for the two loads that matter most: a client streaming
//! `OutputCmd`s (the server parses one per command, often at 60 Hz or more), and a `DeviceList`
//! of 10 devices (sent to every client on every device change). Issue 2.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::hint::black_box;

use bpio_protocol::v4::{self, ClientMessage, ServerMessage};
use bpio_protocol::{ClientId, parse_frame, serialize_frame};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn device_list(devices: u32) -> ServerMessage {
    let range = |min, max| v4::Range::new(min, max).unwrap();
    let devices = (0..devices)
        .map(|index| {
            let mut features = BTreeMap::new();
            for feature_index in 0..3 {
                features.insert(
                    feature_index,
                    v4::Feature {
                        feature_index,
                        feature_description: format!("Motor {feature_index}"),
                        output: Some(Box::new(v4::FeatureOutput {
                            vibrate: Some(v4::ValueRange { value: range(0, 20) }),
                            ..Default::default()
                        })),
                        input: None,
                    },
                );
            }
            features.insert(
                3,
                v4::Feature {
                    feature_index: 3,
                    feature_description: "Battery".into(),
                    output: None,
                    input: Some(Box::new(v4::FeatureInput {
                        battery: Some(v4::InputProperties {
                            value: vec![range(0, 100)],
                            command: vec![v4::InputCommandType::Read],
                        }),
                        ..Default::default()
                    })),
                },
            );
            let device = v4::Device {
                device_index: index,
                device_name: format!("Example Device {index}"),
                device_display_name: None,
                device_message_timing_gap: 75,
                device_features: features,
            };
            (index, device)
        })
        .collect::<BTreeMap<_, _>>();
    v4::DeviceList { id: 4, devices: devices.into() }.into()
}

fn output_cmd() -> ClientMessage {
    v4::OutputCmd {
        id: ClientId::new(10).unwrap(),
        device_index: 0,
        feature_index: 1,
        command: v4::OutputCommand::new(v4::OutputType::Vibrate, 12, 0),
    }
    .into()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("v4");
    group.throughput(Throughput::Elements(1));

    let cmd = [output_cmd()];
    let cmd_text = serialize_frame(&cmd);
    group.bench_function("parse OutputCmd", |b| {
        b.iter(|| parse_frame::<ClientMessage>(black_box(cmd_text.as_bytes())))
    });
    group.bench_function("serialize OutputCmd", |b| b.iter(|| serialize_frame(black_box(&cmd))));

    let list = [device_list(10)];
    let list_text = serialize_frame(&list);
    group.bench_function("parse DeviceList(10 devices)", |b| {
        b.iter(|| parse_frame::<ServerMessage>(black_box(list_text.as_bytes())))
    });
    group.bench_function("serialize DeviceList(10 devices)", |b| {
        b.iter(|| serialize_frame(black_box(&list)))
    });
    group.finish();

    // The benchmark doubles as a check: both inputs parse back to what was serialized.
    assert_eq!(parse_frame::<ClientMessage>(cmd_text.as_bytes()).pop().unwrap().unwrap(), cmd[0]);
    assert_eq!(parse_frame::<ServerMessage>(list_text.as_bytes()).pop().unwrap().unwrap(), list[0]);
}

criterion_group!(benches, bench);
criterion_main!(benches);
