//! A byte scanner over a stream of JSON: one large buffer refilled from the reader, the
//! tokens a heap snapshot needs (punctuation, keys, strings, flat integer arrays) and a cheap
//! skip of any value. No DOM, no whole-file string: memory is the buffer and one string.
//! Every error carries the byte offset where it was found.

use std::io::{ErrorKind, Read};

const BUFFER_BYTES: usize = 1 << 20;
/// Progress is reported after at least this many new bytes.
const PROGRESS_STEP: u64 = 4 << 20;
/// Numbers with more digits than this cannot be an index or a size (2^53 has 16).
const MAX_DIGITS: u64 = 16;

/// A failure to read a snapshot: what was wrong and the byte of the file where it was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub offset: u64,
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for ReadError {}

/// Where `Scanner::numbers` puts each number (with its offset, for the error message).
/// A trait rather than a closure so the hot loop inlines it.
pub(crate) trait NumberSink {
    /// `Err((offset, message))` stops the read with that error.
    fn number(&mut self, value: u64, offset: u64) -> Result<(), (u64, String)>;
}

pub(crate) struct Scanner<'p, R> {
    input: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    eof: bool,
    progress: &'p mut dyn FnMut(u64),
    reported: u64,
}

impl<'p, R: Read> Scanner<'p, R> {
    pub(crate) fn new(input: R, progress: &'p mut dyn FnMut(u64)) -> Self {
        Scanner {
            input,
            buf: vec![0; BUFFER_BYTES].into_boxed_slice(),
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
            progress,
            reported: 0,
        }
    }

    /// The stream offset of the next unread byte.
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub(crate) fn error<T>(&self, offset: u64, message: impl Into<String>) -> Result<T, ReadError> {
        Err(ReadError {
            offset,
            message: message.into(),
        })
    }

    /// Displayed as `byte N: unexpected end of file: the snapshot is truncated`.
    fn truncated<T>(&self) -> Result<T, ReadError> {
        self.error(
            self.offset(),
            "unexpected end of file: the snapshot is truncated",
        )
    }

    /// Makes `buf[pos..end]` non-empty unless the stream is over; `false` at the end.
    fn fill(&mut self) -> Result<bool, ReadError> {
        if self.pos < self.end {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        self.base += self.end as u64;
        self.pos = 0;
        self.end = 0;
        loop {
            match self.input.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end = n;
                    break;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return self.error(self.base, format!("cannot read the snapshot: {e}")),
            }
        }
        if self.base - self.reported >= PROGRESS_STEP {
            self.reported = self.base;
            (self.progress)(self.base);
        }
        Ok(true)
    }

    /// Reports the final count once the whole input is read.
    pub(crate) fn report_done(&mut self) {
        let done = self.offset();
        if done > self.reported {
            self.reported = done;
            (self.progress)(done);
        }
    }

    /// The next byte that is not JSON whitespace, left unread; `None` at the end.
    pub(crate) fn peek_token(&mut self) -> Result<Option<u8>, ReadError> {
        loop {
            if !self.fill()? {
                return Ok(None);
            }
            while self.pos < self.end {
                let b = self.buf[self.pos];
                if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                    return Ok(Some(b));
                }
                self.pos += 1;
            }
        }
    }

    /// The next non-whitespace byte, consumed; the end of the file is an error.
    pub(crate) fn next_token(&mut self) -> Result<u8, ReadError> {
        match self.peek_token()? {
            Some(b) => {
                self.pos += 1;
                Ok(b)
            }
            None => self.truncated(),
        }
    }

    pub(crate) fn expect(&mut self, want: u8, what: &str) -> Result<(), ReadError> {
        let at = self.peek_offset()?;
        let got = self.next_token()?;
        if got != want {
            return self.error(at, format!("expected {what}, found {}", describe(got)));
        }
        Ok(())
    }

    /// The offset of the next token (after whitespace).
    pub(crate) fn peek_offset(&mut self) -> Result<u64, ReadError> {
        self.peek_token()?;
        Ok(self.offset())
    }

    /// After a member or element: `true` for `,`, `false` for `close`.
    pub(crate) fn comma_or(&mut self, close: u8, what: &str) -> Result<bool, ReadError> {
        let at = self.peek_offset()?;
        match self.next_token()? {
            b',' => Ok(true),
            b if b == close => Ok(false),
            b => self.error(
                at,
                format!(
                    "expected ',' or '{}' in {what}, found {}",
                    close as char,
                    describe(b)
                ),
            ),
        }
    }

    /// Reads a JSON string (the opening quote next) into `out` as UTF-8: escapes decoded,
    /// surrogate pairs joined, lone surrogates and invalid UTF-8 as U+FFFD.
    pub(crate) fn string(
        &mut self,
        out: &mut String,
        scratch: &mut Vec<u8>,
    ) -> Result<(), ReadError> {
        self.expect(b'"', "a string")?;
        scratch.clear();
        let mut high: Option<u16> = None;
        loop {
            if !self.fill()? {
                return self.truncated();
            }
            // The run of plain bytes up to the next quote, backslash or control byte.
            let start = self.pos;
            let run = self.buf[start..self.end]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(self.end - start);
            if run > 0 {
                flush_high(&mut high, scratch);
                scratch.extend_from_slice(&self.buf[start..start + run]);
                self.pos += run;
                continue;
            }
            let at = self.offset();
            let b = self.buf[self.pos];
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let e = self.raw_byte()?;
                    if e == b'u' {
                        let unit = self.hex4(at)?;
                        match unit {
                            0xD800..=0xDBFF => {
                                flush_high(&mut high, scratch);
                                high = Some(unit);
                            }
                            0xDC00..=0xDFFF => match high.take() {
                                Some(h) => {
                                    let c = 0x10000
                                        + ((u32::from(h) - 0xD800) << 10)
                                        + (u32::from(unit) - 0xDC00);
                                    push_char(scratch, char::from_u32(c).unwrap_or('\u{FFFD}'));
                                }
                                None => push_char(scratch, '\u{FFFD}'),
                            },
                            _ => {
                                flush_high(&mut high, scratch);
                                push_char(
                                    scratch,
                                    char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'),
                                );
                            }
                        }
                        continue;
                    }
                    flush_high(&mut high, scratch);
                    let c = match e {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0C,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        _ => {
                            return self
                                .error(at, format!("invalid escape '\\{}' in a string", e as char))
                        }
                    };
                    scratch.push(c);
                }
                _ => {
                    return self.error(
                        at,
                        "a control character in a string (the snapshot is corrupt)",
                    )
                }
            }
        }
        flush_high(&mut high, scratch);
        out.clear();
        match std::str::from_utf8(scratch) {
            Ok(s) => out.push_str(s),
            Err(_) => out.push_str(&String::from_utf8_lossy(scratch)),
        }
        Ok(())
    }

    fn raw_byte(&mut self) -> Result<u8, ReadError> {
        if !self.fill()? {
            return self.truncated();
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(b)
    }

    fn hex4(&mut self, at: u64) -> Result<u16, ReadError> {
        let mut v = 0u16;
        for _ in 0..4 {
            let b = self.raw_byte()?;
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return self.error(at, "invalid \\u escape in a string"),
            };
            v = (v << 4) | u16::from(d);
        }
        Ok(v)
    }

    /// Skips one JSON value of any kind (nested arrays and objects included), checking only
    /// that brackets balance and strings end: the sections a snapshot reader does not need.
    pub(crate) fn skip_value(&mut self) -> Result<(), ReadError> {
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let mut started = false;
        loop {
            if !self.fill()? {
                return self.truncated();
            }
            while self.pos < self.end {
                // Only quotes, backslashes and brackets matter: run past everything else.
                if depth > 0 && !escaped {
                    let table = if in_string {
                        &STRING_STOPS
                    } else {
                        &VALUE_STOPS
                    };
                    let rest = &self.buf[self.pos..self.end];
                    match rest.iter().position(|&b| table[b as usize]) {
                        Some(run) => self.pos += run,
                        None => {
                            self.pos = self.end;
                            break;
                        }
                    }
                }
                let b = self.buf[self.pos];
                self.pos += 1;
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if depth == 0 {
                            return Ok(());
                        }
                    }
                    continue;
                }
                match b {
                    b'"' => {
                        in_string = true;
                        started = true;
                    }
                    b'[' | b'{' => {
                        depth += 1;
                        started = true;
                    }
                    b']' | b'}' => {
                        if depth == 0 && started {
                            // The end of the object or array holding a scalar.
                            self.pos -= 1;
                            return Ok(());
                        }
                        if depth == 0 {
                            let at = self.offset() - 1;
                            return self.error(at, format!("unexpected {}", describe(b)));
                        }
                        depth -= 1;
                        if depth == 0 {
                            return Ok(());
                        }
                    }
                    b' ' | b'\n' | b'\r' | b'\t' | b',' | b':' if depth > 0 || !started => {}
                    _ if depth > 0 => {}
                    // A scalar at the top: numbers, true, false, null end at a delimiter.
                    b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' => started = true,
                    _ => {
                        self.pos -= 1;
                        if started {
                            return Ok(());
                        }
                        let at = self.offset();
                        return self.error(at, format!("expected a value, found {}", describe(b)));
                    }
                }
            }
            if self.eof && started && depth == 0 && !in_string {
                return Ok(());
            }
        }
    }

    /// A non-negative integer (for `node_count` and the like).
    pub(crate) fn number(&mut self, what: &str) -> Result<u64, ReadError> {
        if self.peek_token()?.is_none() {
            return self.truncated();
        }
        let at = self.offset();
        let mut value = 0u64;
        let mut digits = 0u64;
        loop {
            if !self.fill()? {
                break;
            }
            let b = self.buf[self.pos];
            if !b.is_ascii_digit() {
                break;
            }
            value = value.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
            digits += 1;
            self.pos += 1;
        }
        if digits == 0 || digits > MAX_DIGITS {
            return self.error(at, format!("expected a number in {what}"));
        }
        Ok(value)
    }

    /// Reads a flat array of non-negative integers (the opening bracket next), calling
    /// `sink.number(value, offset)` for each in order. The hot loop of the reader: a fast path takes
    /// whole `digits [ws] ,` groups straight from the buffer; the byte-at-a-time state machine
    /// behind it handles what the fast path declines (a number cut by a refill, an error).
    pub(crate) fn numbers(
        &mut self,
        what: &str,
        sink: &mut impl NumberSink,
    ) -> Result<(), ReadError> {
        self.expect(b'[', &format!("'[' to open {what}"))?;
        let mut value = 0u64;
        let mut start = 0u64; // offset of the number being read
        let mut in_number = false;
        // After '[' or ',': a number is due (']' is allowed only right after '[').
        let mut need_value = true;
        let mut empty = true;
        loop {
            if !self.fill()? {
                return self.truncated();
            }
            let base = self.base;
            let buf = &self.buf[..self.end];
            let mut i = self.pos;
            while i < buf.len() {
                if need_value && !in_number {
                    match fast_number(buf, i) {
                        Fast::Next(v, at, next) => {
                            empty = false;
                            if let Err((offset, message)) = sink.number(v, base + at as u64) {
                                self.pos = next;
                                return self.error(offset, message);
                            }
                            i = next;
                            continue;
                        }
                        Fast::Last(v, at, next) => {
                            if let Err((offset, message)) = sink.number(v, base + at as u64) {
                                self.pos = next;
                                return self.error(offset, message);
                            }
                            self.pos = next;
                            return Ok(());
                        }
                        Fast::Declined => {}
                    }
                }
                let b = buf[i];
                let d = b.wrapping_sub(b'0');
                if d < 10 {
                    if !in_number {
                        if !need_value {
                            self.pos = i;
                            return self.error(
                                base + i as u64,
                                format!("expected ',' or ']' in {what}, found a number"),
                            );
                        }
                        in_number = true;
                        start = base + i as u64;
                        value = 0;
                    }
                    value = value.wrapping_mul(10).wrapping_add(u64::from(d));
                    i += 1;
                    continue;
                }
                if in_number {
                    in_number = false;
                    need_value = false;
                    empty = false;
                    if base + i as u64 - start > MAX_DIGITS {
                        self.pos = i;
                        return self.error(start, format!("a number too large in {what}"));
                    }
                    if let Err((offset, message)) = sink.number(value, start) {
                        self.pos = i;
                        return self.error(offset, message);
                    }
                }
                match b {
                    b',' if !need_value => need_value = true,
                    b']' if !need_value || empty => {
                        self.pos = i + 1;
                        return Ok(());
                    }
                    b' ' | b'\n' | b'\r' | b'\t' => {}
                    _ => {
                        self.pos = i;
                        return self.error(
                            base + i as u64,
                            format!("expected a number in {what}, found {}", describe(b)),
                        );
                    }
                }
                i += 1;
            }
            self.pos = i;
        }
    }
}

enum Fast {
    /// A number, where it starts, and the index after its comma.
    Next(u64, usize, usize),
    /// The array's last number, where it starts, and the index after the `]`.
    Last(u64, usize, usize),
    /// Not a whole well-formed `number ,` here: the slow path decides.
    Declined,
}

#[inline(always)]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// `[ws] digits [ws] (',' | ']')` entirely inside `buf[i..]`, or `Declined`.
#[inline(always)]
fn fast_number(buf: &[u8], mut i: usize) -> Fast {
    let len = buf.len();
    while i < len && is_space(buf[i]) {
        i += 1;
    }
    let at = i;
    let mut value = 0u64;
    if let Some(word) = buf.get(i..i + 8) {
        let (digits, v) = swar_digits(u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]));
        value = v;
        i += digits;
        if digits < 8 {
            return after_number(buf, at, i, value);
        }
    }
    while i < len {
        let d = buf[i].wrapping_sub(b'0');
        if d >= 10 {
            break;
        }
        value = value.wrapping_mul(10).wrapping_add(u64::from(d));
        i += 1;
    }
    after_number(buf, at, i, value)
}

/// The digits `buf[at..i]` read as `value`: the separator after them decides.
#[inline(always)]
fn after_number(buf: &[u8], at: usize, mut i: usize, value: u64) -> Fast {
    // None, or too many digits: the slow path says which error.
    if i == at || i - at > MAX_DIGITS as usize {
        return Fast::Declined;
    }
    while i < buf.len() && is_space(buf[i]) {
        i += 1;
    }
    match buf.get(i) {
        Some(b',') => Fast::Next(value, at, i + 1),
        Some(b']') => Fast::Last(value, at, i + 1),
        _ => Fast::Declined,
    }
}

/// How many of the 8 bytes in `word` (first byte lowest) are leading ASCII digits, and
/// their value: eight bytes at a time instead of one (SWAR). Bytes after the first
/// non-digit may be garbled by borrows and carries; they are shifted out unread.
#[inline(always)]
fn swar_digits(word: u64) -> (usize, u64) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let x = word.wrapping_sub(0x30 * ONES);
    // A byte's high bit: it underflowed (below '0') or is 10 or more (above '9').
    let non_digit = (x | x.wrapping_add(0x76 * ONES)) & (0x80 * ONES);
    let digits = (non_digit.trailing_zeros() / 8) as usize;
    if digits == 0 {
        return (0, 0);
    }
    // The digits to the top bytes (leading zeros below), then pairs, quads, eights.
    let mut v = x << (8 * (8 - digits));
    v = (v.wrapping_mul(10) + (v >> 8)) & 0x00FF_00FF_00FF_00FF;
    v = (v.wrapping_mul(100) + (v >> 16)) & 0x0000_FFFF_0000_FFFF;
    v = (v.wrapping_mul(10000) + (v >> 32)) & 0x0000_0000_FFFF_FFFF;
    (digits, v)
}

/// Bytes that end a run inside a skipped string, and outside strings inside a skipped value.
static STRING_STOPS: [bool; 256] = stops(b"\"\\");
static VALUE_STOPS: [bool; 256] = stops(b"\"[]{}");

const fn stops(bytes: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut tmp = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
}

/// A high surrogate not followed by a low one is a lone surrogate: U+FFFD.
fn flush_high(high: &mut Option<u16>, out: &mut Vec<u8>) {
    if high.take().is_some() {
        push_char(out, '\u{FFFD}');
    }
}

fn describe(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::swar_digits;

    fn word(s: &[u8]) -> u64 {
        let mut b = [b'x'; 8];
        b[..s.len()].copy_from_slice(s);
        u64::from_le_bytes(b)
    }

    #[test]
    fn swar_reads_leading_digits() {
        assert_eq!(swar_digits(word(b",1")), (0, 0));
        assert_eq!(swar_digits(word(b"7,")), (1, 7));
        assert_eq!(swar_digits(word(b"42\n,")), (2, 42));
        assert_eq!(swar_digits(word(b"0000123]")), (7, 123));
        assert_eq!(swar_digits(word(b"98765432")), (8, 98_765_432));
        assert_eq!(swar_digits(word(b"12345678")), (8, 12_345_678));
        assert_eq!(swar_digits(word(b"9/")), (1, 9)); // '/' is just below '0'
        assert_eq!(swar_digits(word(b"9:")), (1, 9)); // ':' just above '9'
        assert_eq!(swar_digits(word(b"5\xff")), (1, 5));
        assert_eq!(swar_digits(word(b"5\x00")), (1, 5));
        for n in [0u64, 1, 9, 10, 99, 100, 12_345, 1_000_000, 9_999_999] {
            let s = format!("{n},");
            assert_eq!(swar_digits(word(s.as_bytes())), (s.len() - 1, n), "{n}");
        }
    }
}
