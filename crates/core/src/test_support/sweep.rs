//! Tuning aids, run by hand (`cargo test -p leakwatch-core --release -- --ignored --nocapture
//! NAME`): the false-alarm/latency sweep over random shapes, the alerts of one streamed shape,
//! and the cost of an update at the full window.

use crate::detector::{DetectorOptions, LeakDetector};
use crate::test_support::sim::*;

/// Tuning aid: false alarms over many random non-leaks and latency over random leaks.
#[test]
#[ignore]
fn tuning_sweep() {
    let (mut fp, mut missed, mut late) = (0, 0, 0);
    let n = 300u64;
    for seed in 0..n {
        let mut rng = Rng::new(seed + 1000);
        let base = (10.0 + 200.0 * rng.next()) * MB;
        let noise = (0.3 + 3.0 * rng.next()) * MB;
        let every = 1.0 + 30.0 * rng.next();
        let fill = 60.0 * rng.next() * MB;
        let tau = every * (1.0 + 6.0 * rng.next());
        let s = sim(every, every * 300.0, noise, seed, move |t| {
            base + fill * (1.0 - (-t / tau).exp())
        });
        if !replay(&s).is_empty() {
            fp += 1;
            println!(
                "FP seed {seed} base {:.0} noise {:.1} every {every:.1} fill {:.1} tau/every {:.1}",
                base / MB,
                noise / MB,
                fill / MB,
                tau / every
            );
        }
        let rate = (1.0 + 59.0 * rng.next()) * 4.0 / every; // MB/min, scaled with GC spacing
        let rate = rate.clamp(1.0, 60.0);
        let budget = (3.0 * (30.0 / rate).powf(0.558)).clamp(2.0, 25.0) * 60.0;
        let s = sim(every, budget * 2.0 + 120.0, noise, seed, move |t| {
            base + t / 60.0 * rate * MB
        });
        match first_fire_s(&s) {
            None => {
                missed += 1;
                println!(
                    "MISS seed {seed} rate {rate:.1} noise {:.1} every {every:.1} base {:.0}",
                    noise / MB,
                    base / MB
                )
            }
            Some(f) if f > budget + every && budget / every >= 20.0 => {
                late += 1;
                println!("LATE seed {seed} rate {rate:.1} noise {:.1} every {every:.1} base {:.0}: {f:.0}s > {budget:.0}s", noise / MB, base / MB)
            }
            _ => {}
        }
    }
    println!("false alarms {fp}/{n}, missed {missed}/{n}, late {late}/{n}");
}

#[test]
#[ignore]
fn debug_alerts() {
    let mut d = LeakDetector::new(DetectorOptions::default()).expect("defaults");
    let mut f = |t: f64, y: f64| {
        if let Some(r) = d.update(t, y).expect("valid") {
            println!(
                "t={:.0}s y={:.1} rule={} base={:.1} rep={} {}",
                t / 1000.0,
                y / MB,
                r.rule,
                r.baseline_bytes / MB,
                r.repeat,
                r.reason
            );
        }
    };
    if std::env::var("SHAPE").as_deref() == Ok("wander") {
        let step: f64 = std::env::var("STEP")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(2.0);
        let seed: u64 = std::env::var("SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3);
        wander(WEEK_GCS, step * MB, seed, &mut f);
    } else {
        cache_flush(WEEK_GCS, 60, MB, 60, &mut f);
    }
}

/// Cost per update at the full window, worst case (a leak: every statistic runs) and typical
/// (a flat noisy heap). Timing is for the bench; run with --ignored --nocapture.
#[test]
#[ignore]
fn print_update_cost() {
    type Shape = fn(usize, &mut Rng) -> f64;
    let cases: [(&str, Shape); 3] = [
        ("leak", |i, r| 50.0 * MB + i as f64 * 0.2 * MB + r.noise(MB)),
        ("flat", |_, r| 50.0 * MB + r.noise(MB)),
        ("wander", |i, r| {
            50.0 * MB + 30.0 * MB * (i as f64 / 300.0).sin() + r.noise(MB)
        }),
    ];
    for (name, shape) in cases {
        let mut d = LeakDetector::new(DetectorOptions::default()).expect("defaults");
        let mut rng = Rng::new(1);
        for i in 0..1024 {
            let _ = d.update(i as f64 * 2000.0, shape(i, &mut rng));
        }
        let n = 20_000;
        let start = std::time::Instant::now();
        for i in 1024..1024 + n {
            let _ = d.update(i as f64 * 2000.0, shape(i, &mut rng));
        }
        let us = start.elapsed().as_secs_f64() * 1e6 / n as f64;
        println!("{name}: {us:.1} µs per update");
    }
}
