//! Replays the recorded public traces of the eval suite (copied into `__test__/data/eval-traces`,
//! so that a fresh clone has them) through the detector with its production defaults and checks
//! the pass criteria of the suite's README. Prints a table beside the classic memwatch rule
//! (5 consecutive post-GC increases → leak) for comparison. Only std: the manifest and the JSON lines are read by a tiny parser below.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::detector::{DetectorOptions, LeakDetector};
use crate::format::format_duration;
use crate::test_support::sim;

/// A JSON value, just enough for the manifest and the trace lines.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(map) => map.get(key),
            _ => None,
        }
    }
    fn num(&self, key: &str) -> Option<f64> {
        match self.get(key) {
            Some(Json::Num(n)) => Some(*n),
            _ => None,
        }
    }
    fn str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Json::Str(s)) => Some(s),
            _ => None,
        }
    }
    fn bool(&self, key: &str) -> Option<bool> {
        match self.get(key) {
            Some(Json::Bool(b)) => Some(*b),
            _ => None,
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn parse(text: &str) -> Result<Json, String> {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
        };
        let v = p.value()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!("trailing data at {}", p.i));
        }
        Ok(v)
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result<(), String> {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected '{}' at {}", c as char, self.i))
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut map = BTreeMap::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(map));
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    self.eat(b':')?;
                    map.insert(key, self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(map));
                        }
                        _ => return Err(format!("expected ',' or '}}' at {}", self.i)),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Arr(items));
                }
                loop {
                    items.push(self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(items));
                        }
                        _ => return Err(format!("expected ',' or ']' at {}", self.i)),
                    }
                }
            }
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b't') => self.word("true", Json::Bool(true)),
            Some(b'f') => self.word("false", Json::Bool(false)),
            Some(b'n') => self.word("null", Json::Null),
            Some(_) => self.number(),
            None => Err("unexpected end".into()),
        }
    }

    fn word(&mut self, w: &str, v: Json) -> Result<Json, String> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(format!("bad literal at {}", self.i))
        }
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        while self.i < self.s.len()
            && matches!(
                self.s[self.i],
                b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
            )
        {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?;
        text.parse()
            .map(Json::Num)
            .map_err(|_| format!("bad number '{text}' at {start}"))
    }

    fn string(&mut self) -> Result<String, String> {
        self.eat(b'"')?;
        let mut out = String::new();
        while let Some(&c) = self.s.get(self.i) {
            self.i += 1;
            match c {
                b'"' => return Ok(out),
                b'\\' => {
                    let e = *self.s.get(self.i).ok_or("bad escape")?;
                    self.i += 1;
                    match e {
                        b'n' => out.push('\n'),
                        b't' => out.push('\t'),
                        b'r' => out.push('\r'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'u' => {
                            let hex = self.s.get(self.i..self.i + 4).ok_or("bad \\u escape")?;
                            let hex = std::str::from_utf8(hex).map_err(|e| e.to_string())?;
                            let code = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                            self.i += 4;
                        }
                        other => out.push(other as char),
                    }
                }
                _ => {
                    // Copy a whole UTF-8 sequence.
                    let start = self.i - 1;
                    let mut end = self.i;
                    while end < self.s.len() && (self.s[end] & 0xC0) == 0x80 {
                        end += 1;
                    }
                    out.push_str(
                        std::str::from_utf8(&self.s[start..end]).map_err(|e| e.to_string())?,
                    );
                    self.i = end;
                }
            }
        }
        Err("unterminated string".into())
    }
}

struct Entry {
    file: String,
    expect_leak: bool,
    leak_start_ms: f64,
    max_detect_ms: f64,
    must_not_fire_after_ms: Option<f64>,
}

fn traces_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../__test__/data/eval-traces")
}

fn load_manifest(dir: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("read manifest.json");
    let json = Parser::parse(&text).expect("parse manifest.json");
    let Some(Json::Arr(items)) = json.get("traces") else {
        panic!("manifest has no traces array")
    };
    items
        .iter()
        .map(|e| Entry {
            file: e.str("file").expect("entry.file").to_string(),
            expect_leak: e.bool("expectLeak").expect("entry.expectLeak"),
            leak_start_ms: e.num("leakStartMs").unwrap_or(0.0),
            max_detect_ms: e.num("maxDetectMs").unwrap_or(f64::INFINITY),
            must_not_fire_after_ms: e.num("mustNotFireAfterMs"),
        })
        .collect()
}

fn load_trace(path: &Path) -> Vec<(f64, f64)> {
    let text = std::fs::read_to_string(path).expect("read trace");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v = Parser::parse(l).expect("parse trace line");
            (v.num("t").expect("t"), v.num("used").expect("used"))
        })
        .collect()
}

/// Times (ms) at which our detector fired.
fn replay_ours(samples: &[(f64, f64)], options: &DetectorOptions) -> Vec<f64> {
    sim::replay_with(options.clone(), samples)
        .into_iter()
        .map(|(i, _)| samples[i].0)
        .collect()
}

/// The classic memwatch rule: 5 consecutive increases of the post-GC heap → leak (then the
/// streak restarts).
fn replay_classic(samples: &[(f64, f64)]) -> Vec<f64> {
    let mut fires = Vec::new();
    let mut streak = 0;
    let mut prev: Option<f64> = None;
    for &(t, used) in samples {
        if prev.is_some_and(|p| used > p) {
            streak += 1;
        } else {
            streak = 0;
        }
        prev = Some(used);
        if streak >= 5 {
            fires.push(t);
            streak = 0;
        }
    }
    fires
}

fn passes(e: &Entry, fires: &[f64]) -> bool {
    if !e.expect_leak {
        return fires.is_empty();
    }
    let Some(&first) = fires.first() else {
        return false;
    };
    let late = e
        .must_not_fire_after_ms
        .is_some_and(|limit| fires.iter().any(|&t| t > limit));
    first >= e.leak_start_ms && first <= e.leak_start_ms + e.max_detect_ms && !late
}

fn describe(e: &Entry, fires: &[f64]) -> String {
    match fires.first() {
        None => "-".to_string(),
        Some(&first) => {
            let latency = first - e.leak_start_ms;
            let sign = if latency < 0.0 { "-" } else { "+" };
            format!("{sign}{}", format_duration(latency.abs()))
        }
    }
}

fn run_all(options: &DetectorOptions) -> Vec<(String, bool)> {
    let dir = traces_dir();
    let entries = load_manifest(&dir);
    println!(
        "{:<36} {:>6} {:>9} {:>8} {:>6} {:>5} | {:>9} {:>6} {:>5}",
        "trace", "expect", "first", "budget", "fires", "pass", "classic", "fires", "pass"
    );
    let mut results = Vec::new();
    for e in &entries {
        let samples = load_trace(&dir.join(&e.file));
        let ours = replay_ours(&samples, options);
        let classic = replay_classic(&samples);
        let ok = passes(e, &ours);
        let budget = if e.expect_leak {
            format_duration(e.max_detect_ms)
        } else {
            "-".into()
        };
        println!(
            "{:<36} {:>6} {:>9} {:>8} {:>6} {:>5} | {:>9} {:>6} {:>5}",
            e.file,
            e.expect_leak,
            describe(e, &ours),
            budget,
            ours.len(),
            if ok { "ok" } else { "FAIL" },
            describe(e, &classic),
            classic.len(),
            if passes(e, &classic) { "ok" } else { "FAIL" },
        );
        results.push((e.file.clone(), ok));
    }
    results
}

#[test]
fn every_recorded_trace_meets_its_pass_criteria_with_the_defaults() {
    let results = run_all(&DetectorOptions::default());
    assert!(
        !results.is_empty(),
        "no traces in {}",
        traces_dir().display()
    );
    let failed: Vec<&String> = results.iter().filter(|r| !r.1).map(|r| &r.0).collect();
    assert!(failed.is_empty(), "failed traces: {failed:?}");
}

#[test]
fn the_json_parser_reads_what_the_suite_writes() {
    let v = Parser::parse(r#"{"a": [1, -2.5e3, true, null], "b": "x\"y\u00e9", "c": {}}"#)
        .expect("parse");
    assert_eq!(
        v.get("a"),
        Some(&Json::Arr(vec![
            Json::Num(1.0),
            Json::Num(-2500.0),
            Json::Bool(true),
            Json::Null
        ]))
    );
    assert_eq!(v.str("b"), Some("x\"yé"));
    assert!(Parser::parse("{\"a\": }").is_err());
}

/// Tuning aid: per-trace details of every alert (`cargo test --test traces -- --ignored --nocapture`).
#[test]
#[ignore]
fn print_every_alert_per_trace() {
    let dir = traces_dir();
    if !dir.join("manifest.json").is_file() {
        return;
    }
    for e in load_manifest(&dir) {
        let samples = load_trace(&dir.join(&e.file));
        let mut d = LeakDetector::new(DetectorOptions::default()).expect("defaults");
        println!(
            "== {} (expectLeak {}, start {} ms)",
            e.file, e.expect_leak, e.leak_start_ms
        );
        for (i, &(t, used)) in samples.iter().enumerate() {
            if let Some(r) = d.update(t, used).expect("valid sample") {
                println!(
                    "  #{i} t={t} ep={} rep={} conf={:.4} {}",
                    r.episode, r.repeat, r.confidence, r.reason
                );
            } else if d.suspected() {
                println!("  #{i} t={t} suspected");
            }
        }
    }
}
