//! Human units for sizes and durations: the one Rust owner of them (leak reasons, episode ends,
//! and HeapDiff's memwatch-style `size` strings).
//! Sizes are binary, labelled B/KB/MB/GB/TB: 1 MB = 1024² bytes, as the eval suite and
//! memwatch count them.

/// Bytes in binary units labelled B/KB/MB/GB/TB (1 MB = 1024² bytes, as the eval suite and
/// memwatch do), one decimal: "48.2 MB", "-3.0 MB", "5.6 GB". Non-finite input gives "?".
pub fn format_bytes(bytes: f64) -> String {
    if !bytes.is_finite() {
        return "?".to_string();
    }
    let sign = if bytes < 0.0 { "-" } else { "" };
    let abs = bytes.abs();
    if abs < 1024.0 {
        return format!("{sign}{abs:.0} B");
    }
    let units = ["KB", "MB", "GB", "TB", "PB"];
    let mut value = abs / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{sign}{value:.1} {}", units[unit])
}

/// A time-to-limit estimate in words: "~40 s", "~6 min", "~3 h", "~12 d".
pub fn format_eta(ms: f64) -> String {
    if !ms.is_finite() {
        return "?".to_string();
    }
    let s = ms.max(0.0) / 1000.0;
    if s < 90.0 {
        format!("~{:.0} s", s)
    } else if s < 90.0 * 60.0 {
        format!("~{:.0} min", s / 60.0)
    } else if s < 48.0 * 3600.0 {
        format!("~{:.0} h", s / 3600.0)
    } else {
        format!("~{:.0} d", s / 86_400.0)
    }
}

/// Durations as "850ms", "45s", "3m12s", "1h02m", "2d03h". Non-finite input gives "?".
pub fn format_duration(ms: f64) -> String {
    if !ms.is_finite() {
        return "?".to_string();
    }
    let sign = if ms < 0.0 { "-" } else { "" };
    let ms = ms.abs();
    if ms < 1000.0 {
        return format!("{sign}{ms:.0}ms");
    }
    let secs = (ms / 1000.0).round() as u64;
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 {
        format!("{sign}{d}d{h:02}h")
    } else if h > 0 {
        format!("{sign}{h}h{m:02}m")
    } else if m > 0 {
        format!("{sign}{m}m{s:02}s")
    } else {
        format!("{sign}{s}s")
    }
}

/// A byte count for people, the way node-memwatch wrote it: `"420 bytes"`, `"-12.5 kb"`,
/// `"3.71 mb"` (two decimals at most, 1024-based, six significant digits).
pub fn memwatch_size(bytes: f64) -> String {
    const KB: f64 = 1024.0;
    const MB: f64 = 1024.0 * 1024.0;
    let scaled = |unit: f64| (bytes / (unit / 100.0)).round() / 100.0;
    if bytes.abs() > MB {
        format!("{} mb", significant(scaled(MB)))
    } else if bytes.abs() > KB {
        format!("{} kb", significant(scaled(KB)))
    } else {
        format!("{} bytes", bytes.round())
    }
}

/// Like C++'s default stream output: at most six significant digits, no trailing zeros.
fn significant(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let digits_before_point = value.abs().log10().floor() as i32 + 1;
    let decimals = (6 - digits_before_point).clamp(0, 2) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: f64 = 1024.0 * 1024.0;

    #[test]
    fn formats_bytes_and_durations_for_humans() {
        assert_eq!(format_bytes(512.0), "512 B");
        assert_eq!(format_bytes(48.2 * MB), "48.2 MB");
        assert_eq!(format_bytes(1536.0), "1.5 KB");
        assert_eq!(format_bytes(5e9), "4.7 GB");
        assert_eq!(format_bytes(-3.0 * MB), "-3.0 MB");
        assert_eq!(format_bytes(f64::NAN), "?");
        assert_eq!(format_duration(850.0), "850ms");
        assert_eq!(format_duration(45_000.0), "45s");
        assert_eq!(format_duration(192_000.0), "3m12s");
        assert_eq!(format_duration(3_720_000.0), "1h02m");
        assert_eq!(
            format_duration(2.0 * 86_400_000.0 + 3.0 * 3_600_000.0),
            "2d03h"
        );
        assert_eq!(format_duration(-45_000.0), "-45s");
    }

    #[test]
    fn formats_times_to_the_limit_in_words() {
        assert_eq!(format_eta(40_000.0), "~40 s");
        assert_eq!(format_eta(360_000.0), "~6 min");
        assert_eq!(format_eta(3.0 * 3_600_000.0), "~3 h");
        assert_eq!(format_eta(12.0 * 86_400_000.0), "~12 d");
        assert_eq!(format_eta(f64::INFINITY), "?");
    }

    #[test]
    fn sizes_read_like_memwatch() {
        assert_eq!(memwatch_size(420.0), "420 bytes");
        assert_eq!(memwatch_size(1024.0), "1024 bytes");
        assert_eq!(memwatch_size(-12.5 * 1024.0), "-12.5 kb");
        assert_eq!(memwatch_size(3.71 * 1024.0 * 1024.0), "3.71 mb");
        assert_eq!(memwatch_size(1.5 * 1024.0 * 1024.0), "1.5 mb");
        assert_eq!(memwatch_size(2048.0), "2 kb");
        assert_eq!(memwatch_size(0.0), "0 bytes");
        assert_eq!(memwatch_size(123_456.0 * 1024.0 * 1024.0), "123456 mb");
    }
}
