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
    // No buffers: the constant part's sums are the totals minus the line part's suffix sums.
    let nf = n as f64;
    let tm = t[..n].iter().sum::<f64>() / nf;
    let ym = y[..n].iter().sum::<f64>() / nf;
    let (mut total1, mut total2) = (0.0, 0.0);
    for &v in &y[..n] {
        total1 += v - ym;
        total2 += (v - ym) * (v - ym);
    }
    // Floor on the residual variance (1 byte²/sample) so a perfect synthetic fit has finite BIC.
    let bic = |sse: f64, params: f64| nf * (sse.max(nf) / nf).ln() + params * nf.ln();
    // Every split has the same penalty, so the best split is the one with the least SSE: the
    // logarithms are only needed to compare it with the plain line (k = 0) at the end.
    let mut best_split = (0usize, f64::INFINITY);
    let mut line_only = f64::INFINITY;

    let (mut st, mut sy, mut stt, mut sty, mut syy, mut cnt) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for k in (0..n).rev() {
        let (tc, yc) = (t[k] - tm, y[k] - ym);
        st += tc;
        sy += yc;
        stt += tc * tc;
        sty += tc * yc;
        syy += yc * yc;
        cnt += 1.0;
        if cnt < 3.0 {
            continue;
        }
        let inv = 1.0 / cnt;
        let vt = stt - st * st * inv;
        let vy = syy - sy * sy * inv;
        let cty = sty - st * sy * inv;
        let line_sse = if vt > 0.0 {
            (vy - cty * cty / vt).max(0.0)
        } else {
            vy.max(0.0)
        };
        let kf = k as f64;
        let const_sse = if k > 0 {
            let (p1, p2) = (total1 - sy, total2 - syy);
            (p2 - p1 * p1 / kf).max(0.0)
        } else {
            0.0
        };
        let sse = (line_sse + const_sse).max(nf);
        if k == 0 {
            line_only = sse;
        } else if sse <= best_split.1 {
            // `<=` while walking down: the earliest of equally good change points wins.
            best_split = (k, sse);
        }
    }
    // A split costs two extra parameters (the level and the change point).
    if best_split.1.is_finite() && bic(best_split.1, 4.0) < bic(line_only, 2.0) {
        best_split.0
    } else {
        0
    }
}

/// Reused buffers for [`MannKendall::run`]: no allocation per update once they reach the
/// window size.
#[derive(Debug, Clone, Default)]
pub struct MkScratch {
    order: Vec<(f64, u32)>,
    rank: Vec<u32>,
    tree: Vec<u32>,
    count: Vec<u32>,
}

impl MkScratch {
    pub fn with_capacity(n: usize) -> Self {
        MkScratch {
            order: Vec::with_capacity(n),
            rank: Vec::with_capacity(n),
            tree: Vec::with_capacity(n + 1),
            count: Vec::with_capacity(n + 1),
        }
    }
}

/// Mann–Kendall S statistic of a suffix of a series, with its tie term.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MannKendall {
    pub s: i64,
    pub n: usize,
    /// Σ t(t-1)(2t+5) over groups of equal values.
    pub ties: f64,
}

impl MannKendall {
    /// S for the whole of `y` and for the suffix `y[split..]`, in one O(n log n) pass: walking
    /// from the end, a Fenwick tree over the ranks counts how many later values are above and
    /// below each one, so every suffix's S is known when the walk reaches its first sample.
    pub fn run(y: &[f64], split: usize, scratch: &mut MkScratch) -> (MannKendall, MannKendall) {
        let n = y.len();
        let s = scratch;
        s.order.clear();
        s.order
            .extend(y.iter().enumerate().map(|(i, &v)| (v, i as u32)));
        s.order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        s.rank.clear();
        s.rank.resize(n, 0);
        let mut r = 0u32;
        for i in 0..n {
            if i == 0 || s.order[i].0 != s.order[i - 1].0 {
                r += 1;
            }
            s.rank[s.order[i].1 as usize] = r;
        }
        let ranks = r as usize;
        s.tree.clear();
        s.tree.resize(ranks + 1, 0);
        s.count.clear();
        s.count.resize(ranks + 1, 0);
        let prefix = |tree: &[u32], mut i: usize| {
            let mut acc = 0u32;
            while i > 0 {
                acc += tree[i];
                i &= i - 1;
            }
            acc as i64
        };
        let tie = |c: f64| c * (c - 1.0) * (2.0 * c + 5.0);
        let (mut stat, mut ties) = (0i64, 0.0f64);
        let mut suffix = MannKendall::default();
        for i in (0..n).rev() {
            let r = s.rank[i] as usize;
            let inserted = (n - 1 - i) as i64;
            let less = prefix(&s.tree, r - 1);
            let leq = prefix(&s.tree, r);
            stat += (inserted - leq) - less;
            let c = s.count[r] as f64;
            ties += tie(c + 1.0) - tie(c);
            s.count[r] += 1;
            let mut j = r;
            while j <= ranks {
                s.tree[j] += 1;
                j += j & j.wrapping_neg();
            }
            if i == split {
                suffix = MannKendall {
                    s: stat,
                    n: n - i,
                    ties,
                };
            }
        }
        (MannKendall { s: stat, n, ties }, suffix)
    }

    /// z score (continuity corrected), with the variance inflated by `variance_factor` (≥ 1:
    /// the effective-sample-size correction for autocorrelated samples). 0 without information.
    pub fn z(&self, variance_factor: f64) -> f64 {
        if self.n < 3 {
            return 0.0;
        }
        let nf = self.n as f64;
        let var = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - self.ties) / 18.0 * variance_factor;
        if var <= 0.0 {
            return 0.0;
        }
        let s = self.s as f64;
        (s - s.signum()) / var.sqrt()
    }
}

/// Variance inflation n/n* of the Mann–Kendall statistic for serially correlated samples
/// (Hamed & Rao 1998): 1 + 2/(n(n-1)(n-2)) Σ_k (n-k)(n-k-1)(n-k-2) ρ_k, where ρ_k are the
/// autocorrelations of the residuals around the least-squares line (so the trend itself does
/// not count as correlation), summed over the initial run of positive lags (Geyer's truncation:
/// noise in the far lags would otherwise add up), at most [`MAX_LAG`] of them. At least 1.
///
/// Why: post-GC heaps of a wandering working set are a random walk: each sample is the last one
/// plus a step, so n samples carry far less than n samples' worth of evidence, and a plain
/// Mann–Kendall test finds "significant" rises in every long excursion. The residuals of a
/// leak (a line plus GC-to-GC noise) are nearly uncorrelated: ρ_1 ≤ 0 ends the sum at once.
pub fn autocorrelation_variance_factor(t: &[f64], y: &[f64], resid_buf: &mut Vec<f64>) -> f64 {
    let n = t.len().min(y.len());
    // Too few points to estimate an autocorrelation.
    if n < 8 {
        return 1.0;
    }
    let nf = n as f64;
    let tm = t[..n].iter().sum::<f64>() / nf;
    let ym = y[..n].iter().sum::<f64>() / nf;
    let (mut stt, mut sty) = (0.0, 0.0);
    for i in 0..n {
        stt += (t[i] - tm) * (t[i] - tm);
        sty += (t[i] - tm) * (y[i] - ym);
    }
    let b = if stt > 0.0 { sty / stt } else { 0.0 };
    resid_buf.clear();
    resid_buf.extend((0..n).map(|i| (y[i] - ym) - b * (t[i] - tm)));
    let e = &resid_buf[..];
    let c0: f64 = e.iter().map(|v| v * v).sum();
    if c0 <= 0.0 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..(n - 2).min(MAX_LAG + 1) {
        let ck: f64 = e[..n - k].iter().zip(&e[k..]).map(|(a, b)| a * b).sum();
        let rho = ck / c0;
        if rho <= 0.0 {
            break;
        }
        let m = (n - k) as f64;
        sum += m * (m - 1.0) * (m - 2.0) * rho;
    }
    (1.0 + 2.0 * sum / (nf * (nf - 1.0) * (nf - 2.0))).max(1.0)
}

/// Lags of the variance-of-differences line in [`drift_z`].
const DRIFT_LAGS: usize = 8;

/// Most lags the autocorrelation correction sums (bounds its cost at MAX_LAG·n).
pub const MAX_LAG: usize = 24;

/// Below this many points in the window the step variance q cannot be told from GC noise (its
/// estimate's standard error is over a quarter of V_1): [`drift_z`] does not judge, Mann–Kendall
/// with the autocorrelation correction stands alone. Once the window has them, a short episode
/// is judged too (q comes from the whole window): a 17-GC excursion of a walk can fake a trend.
pub const DRIFT_MIN_POINTS: usize = 32;

/// z score of `growth` (the fitted rise over the points, e.g. Theil–Sen slope × span) against
/// a local-level model with drift (ARIMA(0,1,1)): the heap is a level that takes random steps
/// (variance q per sample) plus GC-to-GC noise (variance r). Differences over L samples have
/// variance V_L = L·q + 2r (drift removed): q is the slope of V_L over L, r = (V_1 - q)/2.
/// The least-squares rise over n
/// points has variance ≈ 6/5·n·q (the steps accumulate) + 12·r/n (the noise averages out).
///
/// Why: Mann–Kendall only asks whether later samples tend to be higher, which a random walk's
/// excursion also answers "yes" to. A leak's rise grows like n; a random walk's like √n. White
/// GC noise gives q ≈ 0 and costs a leak nothing; a wandering working set gives q ≈ its step².
///
/// q and r are estimated on all of `y` (the whole window), the rise is over the episode's
/// `points`: the episode alone is exactly the stretch that looked smoothest, which would
/// understate a random walk's steps.
pub fn drift_z(y: &[f64], growth: f64, points: usize) -> f64 {
    let n = y.len();
    if n < DRIFT_MIN_POINTS || points < 2 {
        return f64::INFINITY;
    }
    let mean = (y[n - 1] - y[0]) / (n - 1) as f64;
    let v = |l: usize| {
        let mut acc = 0.0;
        for i in l..n {
            let d = y[i] - y[i - l] - mean * l as f64;
            acc += d * d;
        }
        acc / (n - l) as f64
    };
    // Least-squares line through (L, V_L) for L = 1..=DRIFT_LAGS: its slope is q, its value at
    // L = 0 is 2r. Several lags keep the estimate of q steady when it is 0 (white GC noise).
    let (mut sl, mut sv, mut sll, mut slv) = (0.0, 0.0, 0.0, 0.0);
    for l in 1..=DRIFT_LAGS {
        let (lf, vl) = (l as f64, v(l));
        sl += lf;
        sv += vl;
        sll += lf * lf;
        slv += lf * vl;
    }
    let k = DRIFT_LAGS as f64;
    let q = ((slv - sl * sv / k) / (sll - sl * sl / k)).max(0.0);
    let v1 = v(1);
    let r = ((v1 - q) / 2.0).max(0.0);
    let nf = points as f64;
    let var = 1.2 * nf * q + 12.0 * r / nf;
    if var <= 0.0 {
        return if growth > 0.0 { f64::INFINITY } else { 0.0 };
    }
    growth / var.sqrt()
}

/// Theil–Sen slope on at most `max_points` points of `(t, y)` (evenly spaced by index when
/// there are more), using `slopes` as scratch: O(max_points²), no allocation once `slopes` has
/// capacity for max_points² / 2 values.
pub fn theil_sen_slope_sub(t: &[f64], y: &[f64], max_points: usize, slopes: &mut Vec<f64>) -> f64 {
    let n = t.len().min(y.len());
    let q = n.min(max_points.max(2));
    let at = |i: usize| {
        if q == n || q < 2 {
            i
        } else {
            i * (n - 1) / (q - 1)
        }
    };
    slopes.clear();
    for a in 0..q {
        let ia = at(a);
        for b in (a + 1)..q {
            let ib = at(b);
            let dt = t[ib] - t[ia];
            if dt > 0.0 {
                slopes.push((y[ib] - y[ia]) / dt);
            }
        }
    }
    median_in_place(slopes).unwrap_or(0.0)
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
