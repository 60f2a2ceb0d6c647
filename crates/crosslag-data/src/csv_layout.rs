//! The layout of a CSV text, checked before the CSV parser reads it.
//!
//! The parser is lenient where a wrong answer would follow silently: a row with too few fields
//! becomes missing values, and a stray quote swallows the rows up to the next quote into one
//! cell (its error then quotes those rows). This pass finds such problems first and names the
//! line (and, for quotes, the column) in one line:
//!
//! * every record has as many fields as the header (a file whose header or rows hold `;` or
//!   tabs is said to look semicolon- or tab-delimited);
//! * a `"` opens a quoted field only at the start of a field; a quoted field ends with `"`
//!   followed by `,` or the end of the line (`""` inside it is a quote); a quote anywhere else,
//!   and a quoted field that never closes, are errors.
//!
//! Blank lines are skipped (the reader drops them). The pass does not recurse and reads each
//! byte once.

/// A problem with the layout: where (1-based line, and character column when it is about one
/// character) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LayoutError {
    pub line: usize,
    pub column: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            Some(c) => write!(f, "line {}, column {c}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// What one record looked like.
#[derive(Default)]
struct Record {
    fields: usize,
    first_line: usize,
    blank: bool,
    semicolons: usize,
    tabs: usize,
    /// The line where a quoted field that ran over a line break opened, if one did.
    multiline_quote: Option<usize>,
}

impl Record {
    fn start(line: usize) -> Record {
        Record {
            fields: 1,
            first_line: line,
            blank: true,
            ..Record::default()
        }
    }
}

/// Checks the layout of `text` (a whole CSV file, header first); `header` are the header's
/// field names, for messages.
pub(crate) fn check(text: &[u8], header: &[String]) -> Result<(), LayoutError> {
    let mut line = 1usize;
    let mut column = 0usize; // characters of the current line seen so far
    let mut rec = Record::start(1);
    let mut header_shape: Option<(usize, usize, usize)> = None; // fields, `;`, tabs
    let mut field_start = true; // only blanks so far in this field
    let mut after_close = false; // a quoted field closed and the field has not ended
    let mut quote: Option<(usize, usize)> = None; // open quoted field: where it opened
                                                  // a UTF-8 byte-order mark before the header is not part of the first field
    let mut i = if text.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    while i < text.len() {
        let b = text[i];
        i += 1;
        if b & 0xC0 != 0x80 {
            column += 1;
        }
        if let Some((open_line, _)) = quote {
            match b {
                b'"' if text.get(i) == Some(&b'"') => {
                    i += 1;
                    column += 1;
                }
                b'"' => {
                    quote = None;
                    after_close = true;
                }
                b'\n' => {
                    if rec.multiline_quote.is_none() {
                        rec.multiline_quote = Some(open_line);
                    }
                    line += 1;
                    column = 0;
                }
                _ => {}
            }
            continue;
        }
        match b {
            b'\n' => {
                finish(&rec, &mut header_shape, header)?;
                line += 1;
                column = 0;
                rec = Record::start(line);
                field_start = true;
                after_close = false;
            }
            b',' => {
                rec.fields += 1;
                rec.blank = false;
                field_start = true;
                after_close = false;
            }
            b'\r' if matches!(text.get(i), Some(b'\n') | None) => {}
            // blanks (also after a closing quote) are tolerated
            b' ' | b'\t' | b'\r' => {
                if b == b'\t' {
                    rec.tabs += 1;
                }
            }
            b'"' if field_start => {
                quote = Some((line, column));
                rec.blank = false;
                field_start = false;
            }
            b'"' => {
                return Err(LayoutError {
                    line,
                    column: Some(column),
                    message: if after_close {
                        "a quote right after a quoted field; inside quotes write a quote as \"\""
                            .into()
                    } else {
                        "a stray quote (\") inside a field; quote the whole field, or remove the quote".into()
                    },
                });
            }
            _ => {
                if after_close {
                    let opened = rec
                        .multiline_quote
                        .map(|l| format!("; the quoted field opened on line {l}"))
                        .unwrap_or_default();
                    return Err(LayoutError {
                        line,
                        column: Some(column),
                        message: format!(
                            "text after the closing quote of a quoted field (a stray quote?){opened}"
                        ),
                    });
                }
                if b == b';' {
                    rec.semicolons += 1;
                }
                rec.blank = false;
                field_start = false;
            }
        }
    }
    if let Some((open_line, open_column)) = quote {
        return Err(LayoutError {
            line: open_line,
            column: Some(open_column),
            message: format!(
                "this quote opens a field that is never closed (it swallows the rest of the file, {} more line(s)); remove the stray quote or close it",
                line - open_line
            ),
        });
    }
    finish(&rec, &mut header_shape, header)
}

fn finish(
    rec: &Record,
    header_shape: &mut Option<(usize, usize, usize)>,
    header: &[String],
) -> Result<(), LayoutError> {
    if rec.blank && rec.fields == 1 {
        return Ok(());
    }
    let Some((expected, header_semicolons, header_tabs)) = *header_shape else {
        *header_shape = Some((rec.fields, rec.semicolons, rec.tabs));
        return Ok(());
    };
    if rec.fields == expected {
        return Ok(());
    }
    let mut message = if rec.fields < expected {
        let missing = header
            .get(rec.fields)
            .map(|n| {
                format!(
                    "; column '{n}' (field {}) and later are missing",
                    rec.fields + 1
                )
            })
            .unwrap_or_default();
        format!(
            "{} field{}, but the header has {expected}{missing}",
            rec.fields,
            if rec.fields == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "{} fields, but the header has {expected}; a value holds an unquoted comma, or the header lacks a name",
            rec.fields
        )
    };
    if let Some(open) = rec.multiline_quote {
        message.push_str(&format!(
            " (a quoted field runs from line {open} over a line break: a stray quote?)"
        ));
    }
    if header_semicolons > 0 || rec.semicolons > 0 {
        message.push_str("; the file looks semicolon-delimited: crosslag reads comma-separated files (save it with commas as separators and points as decimal marks, e.g. write.csv rather than write.csv2)");
    } else if header_tabs > 0 || rec.tabs > 0 {
        message.push_str(
            "; the file looks tab-delimited: crosslag reads comma-separated files (save it with commas as separators)",
        );
    }
    Err(LayoutError {
        line: rec.first_line,
        column: None,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    fn err(text: &str) -> String {
        check(text.as_bytes(), &names(&["a", "b", "c"]))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn good_layouts() {
        for text in [
            "a,b,c\n1,2,3\n4,5,6\n",
            "a,b,c\r\n1,2,3\r\n\r\n4,5,6",
            "a,b,c\n\"1\",\"x,\"\"y\"\"\",3\n",
            "a,b,c\n1,\"two\nlines\",3\n",
            "a,b,c\n1, \"2\" ,3\n",
            "a,b,c\n\n   \n1,,\n",
            "\u{feff}\"a\",\"b\",\"c\"\n1,2,3\n",
        ] {
            check(text.as_bytes(), &names(&["a", "b", "c"]))
                .unwrap_or_else(|e| panic!("{text:?}: {e}"));
        }
    }

    #[test]
    fn field_counts() {
        assert_eq!(
            err("a,b,c\n1,2,3\n4,5\n"),
            "line 3: 2 fields, but the header has 3; column 'c' (field 3) and later are missing"
        );
        assert!(err("a,b,c\n1,2,3,4\n").starts_with("line 2: 4 fields, but the header has 3"));
        assert!(err("a;b;c\n1,5;2\n").contains("the file looks semicolon-delimited"));
        assert!(err("a\tb\tc\n1\t2,3\n4,5,6\n").contains("looks tab-delimited"));
    }

    #[test]
    fn stray_quotes() {
        assert_eq!(
            err("a,b,c\n1,2,3\n4,\"5,6\n7,8,9\n10,11,12\n"),
            "line 3, column 3: this quote opens a field that is never closed (it swallows the rest of the file, 3 more line(s)); remove the stray quote or close it"
        );
        assert!(err("a,b,c\n1,2\"x,3\n").starts_with("line 2, column 4: a stray quote"));
        assert!(err("a,b,c\n1,\"2\"x,3\n")
            .starts_with("line 2, column 6: text after the closing quote"));
        // a quote that swallows rows up to another stray quote: the count gives it away
        assert!(err("a,b,c\n1,\"2,3\n4,5\",6,7\n").contains("runs from line 2 over a line break"));
        assert!(err("a,b,c\n1,\"2,3\n4,5,6\n7,\"8,9\n")
            .ends_with("text after the closing quote of a quoted field (a stray quote?); the quoted field opened on line 2"));
    }
}
