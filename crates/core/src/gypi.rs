//! The V8 build flags of a Node build, read from its `config.gypi`, and the defines V8's build
//! derives from them. Used by build.rs (which includes this file) to compile the C++ shim with
//! the same V8 object layout as the Node that will load it, and by the addon to report the
//! flags it was built with (the loader refuses to load where the running Node's differ).
//!
//! `config.gypi` is a Python literal: a dict of dicts, lists, strings in single (Node ≤ 20) or
//! double quotes (Node 22+), integers, and `#` comments. JSON (`process.config`) parses too.

use std::collections::BTreeMap;

/// A parsed gypi value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    None,
    List(Vec<Value>),
    Dict(Vec<(String, Value)>),
}

impl Value {
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A gypi switch as 0 or 1: `1`, `'1'`, `'true'`, `True` are on; anything else is off.
    pub fn flag(&self) -> u32 {
        match self {
            Value::Int(n) => u32::from(*n != 0),
            Value::Float(x) => u32::from(*x != 0.0),
            Value::Bool(b) => u32::from(*b),
            Value::Str(s) => u32::from(matches!(s.trim(), "1" | "true" | "True")),
            _ => 0,
        }
    }
}

/// Nesting deeper than this is refused (config.gypi nests 4 levels).
const MAX_DEPTH: usize = 64;

/// Parses a whole gypi/JSON text.
pub fn parse(text: &str) -> Result<Value, String> {
    let mut p = Parser {
        text: text.as_bytes(),
        at: 0,
    };
    let value = p.value(0)?;
    p.skip_space();
    if p.at < p.text.len() {
        return Err(p.error("text after the value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        let line = self.text[..self.at.min(self.text.len())]
            .iter()
            .filter(|&&c| c == b'\n')
            .count()
            + 1;
        format!("{what} at line {line}")
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while let Some(c) = self.peek() {
            if c == b'#' {
                while !matches!(self.peek(), None | Some(b'\n')) {
                    self.at += 1;
                }
            } else if c.is_ascii_whitespace() {
                self.at += 1;
            } else {
                break;
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        self.skip_space();
        match self.peek() {
            Some(b'{') => self.dict(depth),
            Some(b'[') | Some(b'(') => self.list(depth),
            Some(b'\'') | Some(b'"') => {
                let mut s = self.string()?;
                // Python joins adjacent literals: 'a' 'b' is 'ab'.
                loop {
                    self.skip_space();
                    if !matches!(self.peek(), Some(b'\'') | Some(b'"')) {
                        break;
                    }
                    s.push_str(&self.string()?);
                }
                Ok(Value::Str(s))
            }
            Some(c) if c == b'-' || c == b'+' || c.is_ascii_digit() => self.number(),
            Some(c) if c.is_ascii_alphabetic() => {
                let word = self.word();
                match word.as_str() {
                    "True" | "true" => Ok(Value::Bool(true)),
                    "False" | "false" => Ok(Value::Bool(false)),
                    "None" | "null" => Ok(Value::None),
                    _ => Err(self.error(&format!("unknown word `{word}`"))),
                }
            }
            Some(_) => Err(self.error("unexpected character")),
            None => Err(self.error("unexpected end of text")),
        }
    }

    fn dict(&mut self, depth: usize) -> Result<Value, String> {
        self.at += 1; // '{'
        let mut entries = Vec::new();
        loop {
            self.skip_space();
            if self.peek() == Some(b'}') {
                self.at += 1;
                return Ok(Value::Dict(entries));
            }
            let key = match self.value(depth + 1)? {
                Value::Str(s) => s,
                Value::Int(n) => n.to_string(),
                _ => return Err(self.error("a dict key that is not a string")),
            };
            self.skip_space();
            if self.peek() != Some(b':') {
                return Err(self.error("`:` expected"));
            }
            self.at += 1;
            let value = self.value(depth + 1)?;
            entries.push((key, value));
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {}
                _ => return Err(self.error("`,` or `}` expected")),
            }
        }
    }

    fn list(&mut self, depth: usize) -> Result<Value, String> {
        let close = if self.peek() == Some(b'(') {
            b')'
        } else {
            b']'
        };
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            if self.peek() == Some(close) {
                self.at += 1;
                return Ok(Value::List(items));
            }
            items.push(self.value(depth + 1)?);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(c) if c == close => {}
                _ => return Err(self.error("`,` or the list's end expected")),
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let quote = self.text[self.at];
        self.at += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\n') => return Err(self.error("unterminated string")),
                Some(c) if c == quote => {
                    self.at += 1;
                    return String::from_utf8(out).map_err(|_| self.error("a string not UTF-8"));
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escaped = self
                        .peek()
                        .ok_or_else(|| self.error("unterminated string"))?;
                    self.at += 1;
                    match escaped {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        // \\, \', \" and anything else: the character itself.
                        other => out.push(other),
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.at += 1;
                }
            }
        }
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.at;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.'))
        {
            self.at += 1;
        }
        let token = std::str::from_utf8(&self.text[start..self.at]).unwrap_or("");
        if let Ok(n) = token.parse::<i64>() {
            return Ok(Value::Int(n));
        }
        token
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| self.error(&format!("bad number `{token}`")))
    }

    fn word(&mut self) -> String {
        let start = self.at;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_') {
            self.at += 1;
        }
        String::from_utf8_lossy(&self.text[start..self.at]).into_owned()
    }
}

/// The gypi variables that decide V8's public defines (common.gypi's list, which "must include
/// all things from the external_v8_defines list in v8/BUILD.gn"), Node 20 through 26. A
/// variable a config does not set is 0, as in common.gypi's defaults.
pub const V8_FLAGS: [&str; 13] = [
    "v8_enable_pointer_compression",
    "v8_enable_pointer_compression_shared_cage",
    "v8_enable_31bit_smis_on_64bit_arch",
    "v8_enable_sandbox",
    "v8_enable_external_code_space",
    "v8_enable_zone_compression",
    "v8_enable_map_packing",
    "v8_enable_conservative_stack_scanning",
    "v8_enable_direct_local",
    "v8_enable_v8_checks",
    "v8_enable_webassembly",
    "v8_use_perfetto",
    "tsan",
];

/// Each of `V8_FLAGS` as 0 or 1, from a parsed config.gypi (its top-level `variables`) or a
/// `process.config` (the same shape).
pub fn v8_flags(config: &Value) -> Result<BTreeMap<&'static str, u32>, String> {
    let variables = config
        .get("variables")
        .ok_or("no `variables` in the config")?;
    if !matches!(variables, Value::Dict(_)) {
        return Err("`variables` is not a dict".into());
    }
    Ok(V8_FLAGS
        .iter()
        .map(|&name| (name, variables.get(name).map_or(0, Value::flag)))
        .collect())
}

/// The defines V8's build sets for these flags (common.gypi's conditions). Defines a given V8
/// does not know are harmless: its headers never test them.
pub fn v8_defines(flags: &BTreeMap<&str, u32>) -> Vec<&'static str> {
    let on = |name: &str| flags.get(name).copied().unwrap_or(0) == 1;
    let compress = on("v8_enable_pointer_compression");
    let shared_cage = on("v8_enable_pointer_compression_shared_cage");
    let rules = [
        (on("v8_enable_v8_checks"), "V8_ENABLE_CHECKS"),
        (compress, "V8_COMPRESS_POINTERS"),
        (shared_cage, "V8_COMPRESS_POINTERS_IN_SHARED_CAGE"),
        // One name up to V8 11 (Node 20), the other from V8 12 (Node 22) on.
        (
            compress && !shared_cage,
            "V8_COMPRESS_POINTERS_IN_ISOLATE_CAGE",
        ),
        (
            compress && !shared_cage,
            "V8_COMPRESS_POINTERS_IN_MULTIPLE_CAGES",
        ),
        (
            compress || on("v8_enable_31bit_smis_on_64bit_arch"),
            "V8_31BIT_SMIS_ON_64BIT_ARCH",
        ),
        (on("v8_enable_zone_compression"), "V8_COMPRESS_ZONES"),
        (on("v8_enable_sandbox"), "V8_ENABLE_SANDBOX"),
        (
            on("v8_enable_external_code_space"),
            "V8_EXTERNAL_CODE_SPACE",
        ),
        (on("v8_use_perfetto"), "V8_USE_PERFETTO"),
        (on("v8_enable_map_packing"), "V8_MAP_PACKING"),
        (on("tsan"), "V8_IS_TSAN"),
        (
            on("v8_enable_conservative_stack_scanning"),
            "V8_ENABLE_CONSERVATIVE_STACK_SCANNING",
        ),
        (on("v8_enable_direct_local"), "V8_ENABLE_DIRECT_LOCAL"),
        // Node 26's headers test it (a static-roots constant under pointer compression); V8's
        // own build defines it, Node 24's common.gypi too.
        (on("v8_enable_webassembly"), "V8_ENABLE_WEBASSEMBLY"),
    ];
    rules
        .iter()
        .filter(|(when, _)| *when)
        .map(|&(_, define)| define)
        .collect()
}

/// `name=value,…`, as recorded in the binary (`LEAKWATCH_V8_FLAGS`).
pub fn encode(flags: &BTreeMap<&str, u32>) -> String {
    flags
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The inverse of `encode`; malformed entries are left out.
pub fn decode(text: &str) -> Vec<(String, u32)> {
    text.split(',')
        .filter_map(|entry| {
            let (name, value) = entry.split_once('=')?;
            Some((name.trim().to_string(), value.trim().parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODE20: &str = include_str!("../testdata/config-node20.gypi");
    const NODE22: &str = include_str!("../testdata/config-node22.gypi");
    const COMPRESSED: &str = include_str!("../testdata/config-pointer-compression.gypi");

    fn flags_of(text: &str) -> BTreeMap<&'static str, u32> {
        v8_flags(&parse(text).expect("parses")).expect("has variables")
    }

    #[test]
    fn reads_the_single_quoted_format_of_node_20() {
        let flags = flags_of(NODE20);
        assert_eq!(flags["v8_enable_pointer_compression"], 0);
        assert_eq!(flags["v8_enable_webassembly"], 1);
        assert_eq!(flags["v8_enable_sandbox"], 0);
        assert_eq!(flags["tsan"], 0, "absent: 0, as common.gypi's default");
        assert_eq!(v8_defines(&flags), vec!["V8_ENABLE_WEBASSEMBLY"]);
    }

    #[test]
    fn reads_the_double_quoted_format_of_node_22_and_later() {
        let flags = flags_of(NODE22);
        assert_eq!(flags["v8_enable_pointer_compression"], 0);
        assert_eq!(flags["v8_enable_webassembly"], 1);
        // `v8_enable_v8_checks: 1` under target_defaults → configurations → Release is not a
        // variable: only the top-level `variables` count.
        assert_eq!(flags["v8_enable_v8_checks"], 0);
    }

    #[test]
    fn pointer_compression_brings_its_whole_family_of_defines() {
        let flags = flags_of(COMPRESSED);
        assert_eq!(flags["v8_enable_pointer_compression"], 1);
        assert_eq!(flags["v8_enable_sandbox"], 1);
        let defines = v8_defines(&flags);
        for define in [
            "V8_COMPRESS_POINTERS",
            "V8_COMPRESS_POINTERS_IN_SHARED_CAGE",
            "V8_31BIT_SMIS_ON_64BIT_ARCH",
            "V8_ENABLE_SANDBOX",
            "V8_EXTERNAL_CODE_SPACE",
        ] {
            assert!(
                defines.contains(&define),
                "{define} missing from {defines:?}"
            );
        }
        assert!(!defines.contains(&"V8_COMPRESS_POINTERS_IN_MULTIPLE_CAGES"));
    }

    #[test]
    fn an_isolate_cage_and_31_bit_smis_on_their_own() {
        let mut flags: BTreeMap<&str, u32> = V8_FLAGS.iter().map(|&n| (n, 0)).collect();
        flags.insert("v8_enable_pointer_compression", 1);
        let defines = v8_defines(&flags);
        assert!(defines.contains(&"V8_COMPRESS_POINTERS_IN_ISOLATE_CAGE"));
        assert!(defines.contains(&"V8_COMPRESS_POINTERS_IN_MULTIPLE_CAGES"));
        assert!(!defines.contains(&"V8_COMPRESS_POINTERS_IN_SHARED_CAGE"));
        flags.insert("v8_enable_pointer_compression", 0);
        flags.insert("v8_enable_31bit_smis_on_64bit_arch", 1);
        assert_eq!(v8_defines(&flags), vec!["V8_31BIT_SMIS_ON_64BIT_ARCH"]);
    }

    #[test]
    fn switches_in_every_spelling() {
        let v =
            parse("{'a': 1, 'b': 'true', \"c\": \"1\", 'd': True, 'e': 0, 'f': 'false', 'g': ''}")
                .unwrap();
        let flag = |k: &str| v.get(k).unwrap().flag();
        assert_eq!([flag("a"), flag("b"), flag("c"), flag("d")], [1, 1, 1, 1]);
        assert_eq!([flag("e"), flag("f"), flag("g")], [0, 0, 0]);
    }

    #[test]
    fn python_and_json_details() {
        let v = parse(
            "# comment\n{ 'a': [1, -2, 3.5, 'x' 'y', None,], # trailing\n \"b\": {\"c\": null, \"d\": false}, 'e': 'it\\'s # not a comment' }",
        )
        .unwrap();
        assert_eq!(
            v.get("a"),
            Some(&Value::List(vec![
                Value::Int(1),
                Value::Int(-2),
                Value::Float(3.5),
                Value::Str("xy".into()),
                Value::None
            ]))
        );
        assert_eq!(
            v.get("b").and_then(|b| b.get("d")),
            Some(&Value::Bool(false))
        );
        assert_eq!(v.get("e"), Some(&Value::Str("it's # not a comment".into())));
    }

    #[test]
    fn malformed_text_is_an_error_with_a_line_not_a_panic() {
        for bad in [
            "",
            "{",
            "{'a' 1}",
            "{'a': }",
            "{'a': 'unterminated}",
            "{'a': [1, 2}",
            "{'a': nope}",
            "{} trailing",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
        let deep = "[".repeat(10_000);
        assert!(parse(&deep).unwrap_err().contains("too deep"));
        assert!(parse("{'a': {\n'b': }}").unwrap_err().contains("line 2"));
        assert!(v8_flags(&parse("{'target_defaults': {}}").unwrap()).is_err());
    }

    #[test]
    fn recorded_flags_round_trip() {
        let flags = flags_of(COMPRESSED);
        let decoded = decode(&encode(&flags));
        assert_eq!(decoded.len(), V8_FLAGS.len());
        for (name, value) in decoded {
            assert_eq!(flags[name.as_str()], value);
        }
        assert!(decode("x=1,broken,y=z,=").iter().all(|(n, _)| n == "x"));
    }
}
