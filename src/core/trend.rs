//! Robust trend statistics for the leak detector: Mann–Kendall, Theil–Sen, the normal CDF and a
//! change-point (onset) estimate. Pure functions over plain slices; `t` is in ms and should be
//! relative to the window start so that `slope * t` stays small and exact.
//!
//! Why these: post-GC heap samples are few (one per full GC), non-Gaussian (floating garbage,
//! bursts alive at GC time) and irregularly spaced. Mann–Kendall is a rank test, so one huge
//! sample moves it by at most n-1 pair signs; Theil–Sen (median of pairwise slopes) has a 29 %
//! breakdown point and handles uneven spacing natively. Both are O(n²); callers keep n ≤ ~256.

/// Mann–Kendall trend statistic as a z score (tie-corrected variance, continuity correction).
/// Positive = increasing. `y` must be in time order. Returns 0 when there is no information.
pub fn mann_kendall_z(y: &[f64]) -> f64 {
    let n = y.len();
    if n < 3 {
        return 0.0;
    }
    let mut s: i64 = 0;
    for i in 0..n {
        for j in (i + 1)..n {
            s += match y[j].partial_cmp(&y[i]) {
                Some(std::cmp::Ordering::Greater) => 1,
                Some(std::cmp::Ordering::Less) => -1,
                _ => 0,
            };
        }
    }
    // Ties (equal byte counts do occur after GC) shrink the variance.
    let mut sorted = y.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut tie_term = 0.0;
    let mut run = 1.0_f64;
    for w in sorted.windows(2) {
        if w[1] == w[0] {
            run += 1.0;
        } else {
            tie_term += run * (run - 1.0) * (2.0 * run + 5.0);
            run = 1.0;
        }
    }
    tie_term += run * (run - 1.0) * (2.0 * run + 5.0);
    let nf = n as f64;
    let var = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - tie_term) / 18.0;
    if var <= 0.0 {
        return 0.0;
    }
    let s = s as f64;
    let corrected = if s > 0.0 {
        s - 1.0
    } else if s < 0.0 {
        s + 1.0
    } else {
        0.0
    };
    corrected / var.sqrt()
}

/// Theil–Sen slope (units of y per unit of t): the median of all pairwise slopes. Pairs with
/// equal timestamps are skipped. Returns 0 when no pair exists.
pub fn theil_sen_slope(t: &[f64], y: &[f64]) -> f64 {
    let n = t.len().min(y.len());
    let mut slopes = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for i in 0..n {
        for j in (i + 1)..n {
            let dt = t[j] - t[i];
            if dt > 0.0 {
                slopes.push((y[j] - y[i]) / dt);
            }
        }
    }
    median_in_place(&mut slopes).unwrap_or(0.0)
}

/// The Theil–Sen line's value at `at`: intercept = median of `y - slope * t`.
pub fn theil_sen_level(t: &[f64], y: &[f64], slope: f64, at: f64) -> f64 {
    let mut resid: Vec<f64> = t.iter().zip(y).map(|(t, y)| y - slope * t).collect();
    median_in_place(&mut resid).map_or(0.0, |c| c + slope * at)
}

/// Median by selection (O(n)), averaging the two middle values for even lengths.
pub fn median_in_place(v: &mut [f64]) -> Option<f64> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    let mid = n / 2;
    let (lower, upper, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower_max = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((lower_max + upper) / 2.0)
}

/// Standard normal CDF Φ(z), via the complementary error function (|rel. error| < 1.2e-7).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// z such that Φ(z) = p, by bisection (called once per detector, so speed does not matter).
pub fn normal_quantile(p: f64) -> f64 {
    let (mut lo, mut hi) = (-40.0_f64, 40.0_f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if normal_cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Chebyshev approximation of erfc (Numerical Recipes `erfcc`).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// Where the current growth episode starts: the index `k` of a "flat, then linear" fit
/// (constant mean on `[0, k)`, least-squares line on `[k, n)`, not joined, so a one-time step is
/// "flat, then flat at a new level"), chosen by BIC so that a plain line (k = 0) wins unless the
/// split explains clearly more. Counting evidence from `k` (not from the window start) is what
/// keeps a short rise after a long flat stretch — a batch job — from borrowing the flat samples
/// as evidence. The line part keeps at least 3 samples.
pub fn onset(t: &[f64], y: &[f64]) -> usize {
    let n = t.len().min(y.len());
    if n < 6 {
        return 0;
    }
    // Center both axes: sums of squares of raw bytes (~1e19 for 4 GiB heaps) would lose precision.
    let tm = t[..n].iter().sum::<f64>() / n as f64;
    let ym = y[..n].iter().sum::<f64>() / n as f64;
    let tc: Vec<f64> = t[..n].iter().map(|v| v - tm).collect();
    let yc: Vec<f64> = y[..n].iter().map(|v| v - ym).collect();

    // Prefix sums for the constant part.
    let mut p1 = vec![0.0; n + 1];
    let mut p2 = vec![0.0; n + 1];
    for i in 0..n {
        p1[i + 1] = p1[i] + yc[i];
        p2[i + 1] = p2[i] + yc[i] * yc[i];
    }
    // Floor on the residual variance (1 byte²/sample) so a perfect synthetic fit has finite BIC.
    let bic = |sse: f64, params: f64| {
        let nf = n as f64;
        nf * (sse.max(nf) / nf).ln() + params * nf.ln()
    };

    let (mut st, mut sy, mut stt, mut sty, mut syy, mut cnt) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let mut best = (0usize, f64::INFINITY);
    let mut costs = vec![f64::INFINITY; n];
    for k in (0..n).rev() {
        st += tc[k];
        sy += yc[k];
        stt += tc[k] * tc[k];
        sty += tc[k] * yc[k];
        syy += yc[k] * yc[k];
        cnt += 1.0;
        if cnt < 3.0 {
            continue;
        }
        let vt = stt - st * st / cnt;
        let vy = syy - sy * sy / cnt;
        let cty = sty - st * sy / cnt;
        let line_sse = if vt > 0.0 {
            (vy - cty * cty / vt).max(0.0)
        } else {
            vy.max(0.0)
        };
        let kf = k as f64;
        let const_sse = if k > 0 {
            (p2[k] - p1[k] * p1[k] / kf).max(0.0)
        } else {
            0.0
        };
        // A split costs two extra parameters (the level and the change point).
        let params = if k == 0 { 2.0 } else { 4.0 };
        costs[k] = bic(line_sse + const_sse, params);
    }
    for (k, &c) in costs.iter().enumerate() {
        if c < best.1 {
            best = (k, c);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mann_kendall_sign_follows_the_trend() {
        let up: Vec<f64> = (0..20).map(|i| i as f64).collect();
        let down: Vec<f64> = up.iter().rev().copied().collect();
        assert!(mann_kendall_z(&up) > 5.0);
        assert!(mann_kendall_z(&down) < -5.0);
        assert_eq!(mann_kendall_z(&[3.0; 10]), 0.0);
    }

    #[test]
    fn theil_sen_ignores_an_outlier() {
        let t: Vec<f64> = (0..21).map(|i| i as f64).collect();
        let mut y: Vec<f64> = t.iter().map(|t| 2.0 * t + 5.0).collect();
        y[10] = 1e9;
        assert!((theil_sen_slope(&t, &y) - 2.0).abs() < 1e-9);
        assert!((theil_sen_level(&t, &y, 2.0, 20.0) - 45.0).abs() < 1e-9);
    }

    #[test]
    fn normal_cdf_and_quantile_round_trip() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_quantile(0.99) - 2.326_348).abs() < 1e-4);
        assert!((normal_quantile(0.95) - 1.644_854).abs() < 1e-4);
    }

    #[test]
    fn onset_finds_the_start_of_a_rise_after_a_flat_stretch() {
        let t: Vec<f64> = (0..30).map(|i| i as f64 * 1000.0).collect();
        let y: Vec<f64> = (0..30)
            .map(|i| {
                if i < 18 {
                    100.0
                } else {
                    100.0 + 50.0 * (i - 17) as f64
                }
            })
            .collect();
        let k = onset(&t, &y);
        assert!((17..=18).contains(&k), "k = {k}");
        let line: Vec<f64> = t.iter().map(|t| 3.0 * t).collect();
        assert_eq!(onset(&t, &line), 0);
    }
}
