//! Grouping tokens into statements (lavaan's line joining).
//!
//! Statements are separated by newlines and `;`. A newline does *not* end a statement when
//!
//! * the line so far leaves a parenthesis open,
//! * the line ends with an operator (`+ - * / ^ ? ,`, `(`, or a relational operator
//!   `=~ ~ ~~ := == < >`),
//! * the next line begins with such an operator, or
//! * the next line contains no relational operator at all (lavaan glues such lines to the
//!   previous statement).
//!
//! A `;` always ends a statement. Empty and comment-only lines are ignored.

use super::lexer::{Tok, Token};

/// Splits the token stream into one token list per statement (never empty).
pub(crate) fn split_statements(tokens: Vec<Token>) -> Vec<Vec<Token>> {
    let mut statements: Vec<Vec<Token>> = Vec::new();
    // Whether the next line may be glued to the last statement (false at the start and after `;`).
    let mut open = false;
    let mut line: Vec<Token> = Vec::new();
    for token in tokens {
        match token.tok {
            Tok::Newline => place(&mut statements, std::mem::take(&mut line), &mut open),
            Tok::Semicolon => {
                place(&mut statements, std::mem::take(&mut line), &mut open);
                open = false;
            }
            _ => line.push(token),
        }
    }
    place(&mut statements, line, &mut open);
    statements
}

fn place(statements: &mut Vec<Vec<Token>>, line: Vec<Token>, open: &mut bool) {
    let Some(first) = line.first() else {
        return;
    };
    let glue = *open
        && statements.last().is_some_and(|current| {
            paren_depth(current) > 0
                || current
                    .last()
                    .is_some_and(|t| t.is_joiner() || t.is_operator() || t.tok == Tok::LParen)
                || first.is_joiner()
                || first.is_operator()
                || first.tok == Tok::RParen
                || !line.iter().any(Token::is_operator)
        });
    match statements.last_mut() {
        Some(current) if glue => current.extend(line),
        _ => statements.push(line),
    }
    *open = true;
}

fn paren_depth(tokens: &[Token]) -> usize {
    tokens.iter().fold(0usize, |depth, t| match t.tok {
        Tok::LParen => depth + 1,
        Tok::RParen => depth.saturating_sub(1),
        _ => depth,
    })
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn texts(src: &str) -> Vec<String> {
        split_statements(tokenize(src))
            .iter()
            .map(|s| {
                s.iter()
                    .map(|t| t.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn newlines_and_semicolons_separate() {
        assert_eq!(
            texts("a ~ b\nc ~~ d; e =~ f;\n\n"),
            ["a ~ b", "c ~~ d", "e =~ f"]
        );
    }

    #[test]
    fn continuation_rules() {
        // trailing operator, leading operator, no operator on the line, open parenthesis
        assert_eq!(
            texts("f =~ x1 +\n x2\n + x3\n x4"),
            ["f =~ x1 + x2 + x3 x4"]
        );
        assert_eq!(
            texts("f =~\n x1\ny ~ c(a,\n b)*x"),
            ["f =~ x1", "y ~ c ( a , b ) * x"]
        );
        assert_eq!(texts("f\n =~ x1"), ["f =~ x1"]);
        assert_eq!(texts("a := b *\n  c ~ d"), ["a := b * c ~ d"]);
        // a line with an operator starts a new statement
        assert_eq!(texts("a ~ b\nc ~ d"), ["a ~ b", "c ~ d"]);
    }

    #[test]
    fn semicolon_is_a_hard_break() {
        assert_eq!(texts("a ~ b +; c"), ["a ~ b +", "c"]);
    }

    #[test]
    fn comments_do_not_break_continuation() {
        assert_eq!(
            texts("f =~ x1 + # first\n# whole comment line\n\n  x2"),
            ["f =~ x1 + x2"]
        );
    }
}
