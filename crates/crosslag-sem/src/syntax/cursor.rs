//! A cursor over one statement's tokens, shared by the statement, term and expression parsers.

use super::ast::{Pos, SyntaxError};
use super::lexer::{Tok, Token};

/// A position in one statement's tokens.
pub(crate) struct Cursor<'a> {
    toks: &'a [Token],
    i: usize,
    end: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor over `toks[start..end]`; tokens before `start` serve as context for errors.
    pub fn new(toks: &'a [Token], start: usize, end: usize) -> Self {
        Cursor {
            toks,
            i: start,
            end,
        }
    }

    pub fn peek(&self) -> Option<&'a Token> {
        self.peek_at(0)
    }

    pub fn peek_at(&self, k: usize) -> Option<&'a Token> {
        if self.i + k < self.end {
            self.toks.get(self.i + k)
        } else {
            None
        }
    }

    pub fn peek_is(&self, tok: &Tok) -> bool {
        self.peek().is_some_and(|t| &t.tok == tok)
    }

    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<&'a Token> {
        let t = self.peek()?;
        self.i += 1;
        Some(t)
    }

    /// Consumes the next token if it is `tok`.
    pub fn eat(&mut self, tok: &Tok) -> bool {
        let hit = self.peek_is(tok);
        if hit {
            self.i += 1;
        }
        hit
    }

    pub fn is_done(&self) -> bool {
        self.i >= self.end
    }

    pub fn index(&self) -> usize {
        self.i
    }

    /// The text of the tokens `from..` up to the current position, without spaces.
    pub fn text_since(&self, from: usize) -> String {
        self.toks[from..self.i]
            .iter()
            .map(|t| t.text.as_str())
            .collect()
    }

    /// An error "`what` after `<previous token>`" at the previous token, for input that
    /// ended too early.
    pub fn error_at_end(&self, what: &str) -> SyntaxError {
        match self.i.checked_sub(1).and_then(|k| self.toks.get(k)) {
            Some(prev) => SyntaxError::at(prev.pos, format!("{what} after `{}`", prev.text)),
            None => SyntaxError::at(Pos { line: 1, column: 1 }, what.to_string()),
        }
    }
}
