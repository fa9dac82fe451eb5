//! Just enough JSON writing for the report (the crate has no dependencies but the core).

/// Appends `s` as a JSON string literal.
pub fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // U+2028/2029 are valid JSON but break some JS embedders (the HTML report).
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as JSON writes it: finite, integers without a fraction.
pub fn number(out: &mut String, x: f64) {
    if !x.is_finite() {
        out.push_str("null");
    } else if x == x.trunc() && x.abs() < 9.007_199_254_740_992e15 {
        out.push_str(&format!("{}", x as i64));
    } else {
        out.push_str(&format!("{x}"));
    }
}

/// An object being written: `field` adds `"key":` (with the comma), the caller the value.
pub struct Object<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Object<'a> {
    pub fn new(out: &'a mut String) -> Object<'a> {
        out.push('{');
        Object { out, first: true }
    }

    pub fn field(&mut self, key: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        string(self.out, key);
        self.out.push(':');
        self.out
    }

    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        string(self.field(key), value);
        self
    }

    pub fn num(&mut self, key: &str, value: f64) -> &mut Self {
        number(self.field(key), value);
        self
    }

    pub fn end(self) {
        self.out.push('}');
    }
}

/// Writes `items` as a JSON array, each with `write`.
pub fn array<T>(out: &mut String, items: &[T], mut write: impl FnMut(&mut String, &T)) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(out, item);
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        let mut s = String::new();
        string(&mut s, "a\"b\\c\nd\u{1}\u{2028}é");
        assert_eq!(s, r#""a\"b\\c\nd\u0001\u2028é""#);
    }

    #[test]
    fn objects_numbers_and_arrays() {
        let mut s = String::new();
        let mut o = Object::new(&mut s);
        o.num("n", 3.0)
            .num("f", 1.5)
            .num("nan", f64::NAN)
            .str("s", "x");
        array(o.field("a"), &[1u8, 2], |out, x| number(out, *x as f64));
        o.field("z").push_str("null");
        o.end();
        assert_eq!(
            s,
            r#"{"n":3,"f":1.5,"nan":null,"s":"x","a":[1,2],"z":null}"#
        );
    }
}
