//! Cost of the per-device output scheduler under the loads a server sees: many devices streaming
//! commands (10 000 devices at 100 Hz with a 20 ms gap, one simulated second), a burst of 1 000
//! commands to one device inside one gap, and the single operations (enqueue, dispatch decision).
//! Time is a manual clock, so the figures are the scheduler's own cost, not a timer wheel's.
//! Issue 6.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use bpio_server::{DeviceScheduler, Dispatch};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const MS: Duration = Duration::from_millis(1);

fn origin() -> Instant {
    #[allow(clippy::disallowed_methods)] // an offset origin, not a measurement
    Instant::now()
}

/// Runs `devices` devices for one simulated second, each receiving a new value every 10 ms with a
/// 20 ms gap, firing timers when due; returns the number of dispatches.
fn fleet(devices: usize) -> usize {
    let t0 = origin();
    let mut schedulers: Vec<DeviceScheduler<u32>> =
        (0..devices).map(|_| DeviceScheduler::new(20 * MS, None)).collect();
    let mut dispatches = 0;
    for tick in 0..100u32 {
        let now = t0 + 10 * MS * tick;
        for (feature, s) in (0..3u32).cycle().zip(schedulers.iter_mut()) {
            if s.poll_timeout().is_some_and(|d| d <= now) {
                s.handle_timeout(now);
            }
            s.handle_command(now, feature, tick);
            while let Some(dispatch) = s.poll_transmit() {
                dispatches += usize::from(matches!(dispatch, Dispatch::Commands(_)));
            }
        }
    }
    dispatches
}

/// `commands` commands inside one 100 ms gap, collected as they come as a driver does; returns
/// the number of dispatches.
fn burst(commands: u32) -> usize {
    let t0 = origin();
    let mut s = DeviceScheduler::new(100 * MS, None);
    let mut dispatches = 0;
    for value in 0..commands {
        s.handle_command(t0 + Duration::from_micros(u64::from(value)), value % 4, value);
        dispatches += std::iter::from_fn(|| s.poll_transmit()).count();
    }
    s.handle_timeout(t0 + 100 * MS);
    dispatches + std::iter::from_fn(|| s.poll_transmit()).count()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("scheduler");

    let t0 = origin();
    group.throughput(Throughput::Elements(1));
    for gap_ms in [0u64, 20, 100] {
        group.bench_with_input(
            BenchmarkId::new("enqueue", format!("gap {gap_ms} ms")),
            &gap_ms,
            |b, &gap_ms| {
                let mut s = DeviceScheduler::new(Duration::from_millis(gap_ms), None);
                let mut value = 0u32;
                b.iter(|| {
                    value = value.wrapping_add(1);
                    let result = s.handle_command(black_box(t0), value % 3, value);
                    while s.poll_transmit().is_some() {}
                    result
                });
            },
        );
    }
    group.bench_function("dispatch decision (poll_timeout + handle_timeout)", |b| {
        let mut s = DeviceScheduler::new(20 * MS, Some(Duration::from_secs(1)));
        s.handle_command(t0, 0, 1);
        s.handle_command(t0, 0, 2);
        b.iter(|| {
            let due = s.poll_timeout();
            s.handle_timeout(black_box(t0 + MS));
            due
        });
    });

    for devices in [1usize, 64, 10_000] {
        group.throughput(Throughput::Elements(devices as u64 * 100));
        group.bench_with_input(
            BenchmarkId::new("100 Hz for 1 s, 20 ms gap", devices),
            &devices,
            |b, &devices| {
                b.iter(|| fleet(black_box(devices)));
            },
        );
    }

    group.throughput(Throughput::Elements(1000));
    group.bench_function("burst of 1000 commands to one device", |b| {
        b.iter(|| burst(black_box(1000)))
    });
    group.finish();

    // The benchmark doubles as a check: at 100 Hz with a 20 ms gap a device gets one dispatch per
    // 20 ms (50 in a second), and a burst inside one gap gives 2 dispatches.
    assert_eq!(fleet(2), 100);
    assert_eq!(burst(1000), 2);
}

criterion_group!(benches, bench);
criterion_main!(benches);
