//! The CSV text of a studies file: records (RFC 4180 quotes) and cells read as R reads them.

use super::set::ModValue;

/// Parses a number as R would read it from a CSV (`NA`, empty → None).
pub(super) fn parse_num(s: &str) -> Result<Option<f64>, ()> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("na") || t.eq_ignore_ascii_case("nan") {
        return Ok(None);
    }
    t.parse::<f64>().map(Some).map_err(|_| ())
}

/// Splits CSV text into records (RFC 4180 quotes; `,` separator).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => {
                in_quotes = true;
                any = true;
            }
            ',' => {
                row.push(std::mem::take(&mut field));
                any = true;
            }
            '\r' => {}
            '\n' => {
                if any || !field.is_empty() {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                any = false;
            }
            _ => {
                field.push(c);
                any = true;
            }
        }
    }
    if any || !field.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// A moderator cell: `None` when empty or `NA`.
pub(super) fn mod_value(s: &str) -> Option<ModValue> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("na") {
        return None;
    }
    Some(ModValue {
        text: t.to_string(),
        number: t.parse::<f64>().ok(),
    })
}

/// The column named `name` (case-insensitive, surrounding spaces ignored).
pub(super) fn find_col(header: &[String], name: &str) -> Option<usize> {
    header
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case(name))
}
