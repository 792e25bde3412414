//! The byte-level half of [`super::for_each_item`]: walks a JSON document from a buffered
//! reader, finds where each value starts and ends (strings, escapes and nesting), and hands
//! over the bytes of one value at a time.
//!
//! Parsing an item from a slice is several times faster than serde_json's reader-based parser,
//! which pulls the input one byte at a time; this walker only tracks strings and depth, and
//! serde still validates every byte it hands over. A value larger than [`MAX_VALUE_BYTES`] is
//! an error, so a hostile export cannot make one item take all memory.

use std::io::{BufRead, ErrorKind};

/// The largest single value (an item, or a skipped member of the page) that is read.
pub const MAX_VALUE_BYTES: usize = 16 << 20;

/// Why the walk stopped.
#[derive(Debug)]
pub enum ScanError {
    Io(std::io::Error),
    /// The input ended inside the document.
    Truncated,
    /// A byte that cannot stand here.
    Unexpected {
        byte: u8,
        expected: &'static str,
    },
    /// A value over [`MAX_VALUE_BYTES`].
    TooLarge,
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScanError::Io(e) => write!(f, "read error: {e}"),
            ScanError::Truncated => f.write_str("the document ends early (truncated)"),
            ScanError::Unexpected { byte, expected } => {
                let shown = if byte.is_ascii_graphic() {
                    format!("`{}`", char::from(*byte))
                } else {
                    format!("byte 0x{byte:02x}")
                };
                write!(f, "{shown} where {expected} was expected")
            }
            ScanError::TooLarge => write!(
                f,
                "a value larger than {} MiB",
                MAX_VALUE_BYTES / (1024 * 1024)
            ),
        }
    }
}

/// A JSON document read from `R`, value by value.
pub struct Scanner<R> {
    input: R,
}

impl<R: BufRead> Scanner<R> {
    pub fn new(input: R) -> Self {
        Scanner { input }
    }

    fn buffer(&mut self) -> Result<&[u8], ScanError> {
        loop {
            match self.input.fill_buf() {
                Ok(_) => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(ScanError::Io(e)),
            }
        }
        // Filled: this returns the buffer without reading again.
        self.input.fill_buf().map_err(ScanError::Io)
    }

    /// The next byte that is not white space, without taking it; `None` at the end.
    pub fn peek(&mut self) -> Result<Option<u8>, ScanError> {
        loop {
            let buf = self.buffer()?;
            if buf.is_empty() {
                return Ok(None);
            }
            match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(i) => {
                    let byte = buf[i];
                    self.input.consume(i);
                    return Ok(Some(byte));
                }
                None => {
                    let n = buf.len();
                    self.input.consume(n);
                }
            }
        }
    }

    /// Take the next non-white byte, which must be one of `allowed`.
    pub fn expect(&mut self, allowed: &[u8], expected: &'static str) -> Result<u8, ScanError> {
        match self.peek()? {
            Some(byte) if allowed.contains(&byte) => {
                self.input.consume(1);
                Ok(byte)
            }
            Some(byte) => Err(ScanError::Unexpected { byte, expected }),
            None => Err(ScanError::Truncated),
        }
    }

    /// Append the bytes of the next value (after white space) to `out`.
    pub fn value(&mut self, out: &mut Vec<u8>) -> Result<(), ScanError> {
        let first = self.peek()?.ok_or(ScanError::Truncated)?;
        if matches!(first, b',' | b']' | b'}' | b':') {
            return Err(ScanError::Unexpected {
                byte: first,
                expected: "a value",
            });
        }
        let start = out.len();
        let mut walk = Walk::new(first);
        loop {
            let buf = self.buffer()?;
            if buf.is_empty() {
                // A scalar may end with the document; anything else is cut short.
                return if walk.is_scalar() && out.len() > start {
                    Ok(())
                } else {
                    Err(ScanError::Truncated)
                };
            }
            let (taken, done) = walk.feed(buf);
            out.extend_from_slice(&buf[..taken]);
            self.input.consume(taken);
            if out.len() - start > MAX_VALUE_BYTES {
                return Err(ScanError::TooLarge);
            }
            if done {
                return Ok(());
            }
        }
    }
}

/// Where the walk over one value is.
struct Walk {
    scalar: bool,
    depth: u32,
    in_string: bool,
    escaped: bool,
}

impl Walk {
    fn new(first: u8) -> Walk {
        Walk {
            scalar: !matches!(first, b'{' | b'[' | b'"'),
            depth: 0,
            in_string: false,
            escaped: false,
        }
    }

    fn is_scalar(&self) -> bool {
        self.scalar
    }

    /// Walk `buf`: how many of its bytes belong to the value, and whether the value ended.
    fn feed(&mut self, buf: &[u8]) -> (usize, bool) {
        if self.scalar {
            // Numbers, `true`, `false`, `null`: up to the next delimiter.
            return match buf
                .iter()
                .position(|b| matches!(b, b',' | b']' | b'}') || b.is_ascii_whitespace())
            {
                Some(i) => (i, true),
                None => (buf.len(), false),
            };
        }
        for (i, &b) in buf.iter().enumerate() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.depth == 0 {
                        // A string value on its own ends with its closing quote.
                        return (i + 1, true);
                    }
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return (i + 1, true);
                    }
                }
                _ => {}
            }
        }
        (buf.len(), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value of a list, read through a reader that hands over `chunk` bytes at a time.
    fn values(doc: &str, chunk: usize) -> Result<Vec<String>, String> {
        let reader = std::io::BufReader::with_capacity(chunk, doc.as_bytes());
        let mut s = Scanner::new(reader);
        let mut out = Vec::new();
        s.expect(b"[", "`[`").map_err(|e| e.to_string())?;
        loop {
            let mut buf = Vec::new();
            s.value(&mut buf).map_err(|e| e.to_string())?;
            out.push(String::from_utf8(buf).map_err(|e| e.to_string())?);
            if s.expect(b",]", "`,` or `]`").map_err(|e| e.to_string())? == b']' {
                return Ok(out);
            }
        }
    }

    #[test]
    fn values_end_where_json_says_whatever_the_read_size() {
        let doc =
            r#"[ {"a": "x]}\"{", "b": [1, {"c": null}]}, "s\\", 12.5e3 ,true, null, [[]], "}" ]"#;
        let expected = [
            r#"{"a": "x]}\"{", "b": [1, {"c": null}]}"#,
            r#""s\\""#,
            "12.5e3",
            "true",
            "null",
            "[[]]",
            r#""}""#,
        ];
        for chunk in [1, 2, 3, 7, 64, 4096] {
            assert_eq!(
                values(doc, chunk),
                Ok(expected.iter().map(|v| v.to_string()).collect()),
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn a_cut_document_is_truncated_not_a_short_list() {
        for doc in [r#"[{"a": 1"#, r#"[{"a": "x"#, r#"["abc"#, "[1,", "["] {
            let e = values(doc, 4).err().unwrap_or_default();
            assert!(e.contains("truncated"), "{doc}: {e}");
        }
    }

    #[test]
    fn a_value_past_the_cap_is_refused() {
        let doc = format!("[\"{}\"]", "x".repeat(MAX_VALUE_BYTES + 10));
        let e = values(&doc, 1 << 16).err().unwrap_or_default();
        assert!(e.contains("larger than 16 MiB"), "{e}");
    }
}
