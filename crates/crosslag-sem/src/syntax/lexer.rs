//! Tokenizer for lavaan model syntax.
//!
//! ```text
//! comment    = ("#" | "!") { any character except newline }      (not inside quotes)
//! identifier = (letter | "_" | "." not followed by a digit) { letter | digit | "_" | "." }
//! number     = digits ["." [digits]] [exponent] | "." digits [exponent]
//! exponent   = ("e" | "E") ["+" | "-"] digits
//! string     = '"' { any character except '"' and newline } '"'   (or with single quotes)
//! relational = "=~" | "~~" | "~" | ":=" | "==" | "<" | ">"
//! punctuation= "+" | "-" | "*" | "/" | "^" | "(" | ")" | "," | "?" | ";" | newline
//! ```
//!
//! Problems (an unknown operator, a bad number, an unterminated string) do not stop the
//! tokenizer: they become [`Tok::Unknown`] / [`Tok::Invalid`] tokens that the parser reports
//! when it reaches the statement holding them, so errors come out in text order.
//! Every token carries its position in the original text.

use super::ast::{ConstraintOp, Pos, RelOp};

/// A relational (statement-defining) operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rel {
    Relation(RelOp),
    Define,
    Constraint(ConstraintOp),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    Number(f64),
    Str(String),
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LParen,
    RParen,
    Comma,
    Question,
    Rel(Rel),
    Semicolon,
    Newline,
    /// An operator lavaan does not have (or crosslag does not support); the message explains.
    Unknown(String),
    /// A malformed number or an unterminated string; the message explains.
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    /// The token's text as written.
    pub text: String,
    pub pos: Pos,
}

impl Token {
    /// `+ - * / ^ ? ,`: a line ending in one of these continues on the next line,
    /// and a line starting with one continues the previous statement.
    pub fn is_joiner(&self) -> bool {
        matches!(
            self.tok,
            Tok::Plus
                | Tok::Minus
                | Tok::Star
                | Tok::Slash
                | Tok::Caret
                | Tok::Question
                | Tok::Comma
        )
    }

    /// A relational operator, or an unknown one (which also marks the start of a statement).
    pub fn is_operator(&self) -> bool {
        matches!(self.tok, Tok::Rel(_) | Tok::Unknown(_))
    }
}

/// Splits `text` into tokens, dropping whitespace and comments.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    Lexer {
        chars: text.chars().collect(),
        i: 0,
        line: 1,
        column: 1,
        out: Vec::new(),
    }
    .run()
}

struct Lexer {
    chars: Vec<char>,
    i: usize,
    line: usize,
    column: usize,
    out: Vec<Token>,
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.'
}

impl Lexer {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn bump(&mut self) -> char {
        let c = self.chars[self.i];
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        c
    }

    fn take_while(&mut self, text: &mut String, f: impl Fn(char) -> bool) {
        while let Some(c) = self.peek(0) {
            if !f(c) {
                break;
            }
            text.push(self.bump());
        }
    }

    fn run(mut self) -> Vec<Token> {
        while let Some(c) = self.peek(0) {
            let pos = Pos {
                line: self.line,
                column: self.column,
            };
            if c == '\n' {
                self.bump();
                self.push(Tok::Newline, "\n".into(), pos);
            } else if c.is_whitespace() || c == '\u{feff}' {
                self.bump();
            } else if c == '#' || c == '!' {
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.bump();
                }
            } else if c == '"' || c == '\'' {
                self.string(pos);
            } else if c.is_ascii_digit()
                || (c == '.' && self.peek(1).is_some_and(|d| d.is_ascii_digit()))
            {
                self.number(pos);
            } else if is_ident_char(c) {
                let mut text = String::new();
                self.take_while(&mut text, is_ident_char);
                self.push(Tok::Ident(text.clone()), text, pos);
            } else {
                self.operator(pos);
            }
        }
        self.out
    }

    fn push(&mut self, tok: Tok, text: String, pos: Pos) {
        self.out.push(Token { tok, text, pos });
    }

    fn string(&mut self, pos: Pos) {
        let quote = self.bump();
        let mut body = String::new();
        self.take_while(&mut body, |c| c != quote && c != '\n');
        if self.peek(0) == Some(quote) {
            self.bump();
            let text = format!("{quote}{body}{quote}");
            self.push(Tok::Str(body), text, pos);
        } else {
            let text = format!("{quote}{body}");
            self.push(Tok::Invalid("unterminated string".into()), text, pos);
        }
    }

    fn number(&mut self, pos: Pos) {
        let mut text = String::new();
        self.take_while(&mut text, |c| c.is_ascii_digit());
        if self.peek(0) == Some('.') {
            text.push(self.bump());
            self.take_while(&mut text, |c| c.is_ascii_digit());
        }
        if matches!(self.peek(0), Some('e' | 'E')) {
            let sign = usize::from(matches!(self.peek(1), Some('+' | '-')));
            if self.peek(1 + sign).is_some_and(|c| c.is_ascii_digit()) {
                for _ in 0..=sign {
                    text.push(self.bump());
                }
                self.take_while(&mut text, |c| c.is_ascii_digit());
            }
        }
        // Anything name-like glued to the number (`1.2.3`, `2x`, `1e`) makes it malformed.
        let glued = self.peek(0).is_some_and(is_ident_char);
        self.take_while(&mut text, is_ident_char);
        let tok = match text.parse::<f64>() {
            Ok(v) if !glued && v.is_finite() => Tok::Number(v),
            Ok(_) if !glued => Tok::Invalid(format!(
                "number `{text}` is too large for a 64-bit float (it overflows to infinity)"
            )),
            _ => Tok::Invalid(format!("bad number `{text}`")),
        };
        self.push(tok, text, pos);
    }

    fn operator(&mut self, pos: Pos) {
        const OPS: [&str; 20] = [
            "~*~", "=~", "~~", ":=", "==", "<~", "<=", ">=", "~", "<", ">", "+", "-", "*", "/",
            "^", "(", ")", ",", "?",
        ];
        let rest = |k: usize| self.peek(k);
        let matched = OPS
            .iter()
            .find(|op| op.chars().enumerate().all(|(k, c)| rest(k) == Some(c)));
        let Some(op) = matched else {
            let c = self.bump();
            let tok = match c {
                '=' => Tok::Unknown("unknown operator `=` (did you mean `=~` or `==`?)".into()),
                ':' => Tok::Unknown(
                    "unknown operator `:` (did you mean `:=`? block headers such as `group:` and interaction terms are not supported)".into(),
                ),
                '|' => Tok::Unknown("operator `|` (thresholds) is not supported".into()),
                ';' => Tok::Semicolon,
                _ => Tok::Unknown(format!("unknown operator `{c}`")),
            };
            self.push(tok, c.to_string(), pos);
            return;
        };
        for _ in 0..op.chars().count() {
            self.bump();
        }
        let tok = match *op {
            "=~" => Tok::Rel(Rel::Relation(RelOp::Loading)),
            "~~" => Tok::Rel(Rel::Relation(RelOp::Covariance)),
            "~" => Tok::Rel(Rel::Relation(RelOp::Regression)),
            ":=" => Tok::Rel(Rel::Define),
            "==" => Tok::Rel(Rel::Constraint(ConstraintOp::Eq)),
            "<" => Tok::Rel(Rel::Constraint(ConstraintOp::Lt)),
            ">" => Tok::Rel(Rel::Constraint(ConstraintOp::Gt)),
            "~*~" => Tok::Unknown("operator `~*~` (scaling factors) is not supported".into()),
            "<~" => Tok::Unknown("operator `<~` (formative indicators) is not supported".into()),
            "+" => Tok::Plus,
            "-" => Tok::Minus,
            "*" => Tok::Star,
            "/" => Tok::Slash,
            "^" => Tok::Caret,
            "(" => Tok::LParen,
            ")" => Tok::RParen,
            "," => Tok::Comma,
            "?" => Tok::Question,
            other => Tok::Unknown(format!(
                "unknown operator `{other}` (lavaan has `<` and `>` for inequality constraints)"
            )),
        };
        self.push(tok, (*op).to_string(), pos);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        tokenize(text).into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn numbers() {
        assert_eq!(
            toks("1 .5 0.25 1e-3 2E+2 3."),
            vec![
                Tok::Number(1.0),
                Tok::Number(0.5),
                Tok::Number(0.25),
                Tok::Number(1e-3),
                Tok::Number(200.0),
                Tok::Number(3.0),
            ]
        );
        for bad in ["1.2.3", "2x", "1e", "1e+", "4_a"] {
            assert!(matches!(toks(bad)[0], Tok::Invalid(_)), "{bad}");
        }
    }

    #[test]
    fn identifiers_with_dots_and_underscores() {
        assert_eq!(
            toks("x.1 _a .b a_b.c"),
            vec![
                Tok::Ident("x.1".into()),
                Tok::Ident("_a".into()),
                Tok::Ident(".b".into()),
                Tok::Ident("a_b.c".into()),
            ]
        );
    }

    #[test]
    fn operators_longest_match() {
        use Rel::*;
        assert_eq!(
            toks("=~ ~~ ~ := == < >"),
            vec![
                Tok::Rel(Relation(RelOp::Loading)),
                Tok::Rel(Relation(RelOp::Covariance)),
                Tok::Rel(Relation(RelOp::Regression)),
                Tok::Rel(Define),
                Tok::Rel(Constraint(ConstraintOp::Eq)),
                Tok::Rel(Constraint(ConstraintOp::Lt)),
                Tok::Rel(Constraint(ConstraintOp::Gt)),
            ]
        );
        assert_eq!(toks("a~~b")[1], Tok::Rel(Relation(RelOp::Covariance)));
        assert_eq!(
            toks("a~1")[1..],
            [Tok::Rel(Relation(RelOp::Regression)), Tok::Number(1.0)]
        );
        assert!(matches!(toks("a = b")[1], Tok::Unknown(_)));
        assert!(matches!(toks("a <~ b")[1], Tok::Unknown(_)));
        assert!(matches!(toks("a <= b")[1], Tok::Unknown(_)));
    }

    #[test]
    fn comments_and_strings() {
        assert_eq!(
            toks("a # b ~ c\n! d\n'x#y' \"z!\""),
            vec![
                Tok::Ident("a".into()),
                Tok::Newline,
                Tok::Newline,
                Tok::Str("x#y".into()),
                Tok::Str("z!".into()),
            ]
        );
        assert!(matches!(toks("\"abc\nd")[0], Tok::Invalid(_)));
    }

    #[test]
    fn positions_are_one_based_characters() {
        let t = tokenize("  a ~ b\n\tcé =~ d");
        let pos: Vec<(usize, usize)> = t.iter().map(|t| (t.pos.line, t.pos.column)).collect();
        assert_eq!(
            pos,
            vec![(1, 3), (1, 5), (1, 7), (1, 8), (2, 2), (2, 5), (2, 8)]
        );
    }
}
