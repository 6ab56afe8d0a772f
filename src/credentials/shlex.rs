//! POSIX word splitting as Python's `shlex.split(s)` does it (posix mode,
//! no comments, whitespace-split). botocore uses it twice: to split a
//! `credential_process` command line into argv (it never runs a shell), and
//! to split config section headers such as `[profile "my dev"]`.

/// Why a string could not be split (the messages Python's shlex raises).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SplitError {
    NoClosingQuotation,
    NoEscapedCharacter,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SplitError::NoClosingQuotation => "no closing quotation",
            SplitError::NoEscapedCharacter => "no escaped character after a trailing backslash",
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between words.
    Space,
    /// Inside an unquoted word.
    Word,
    /// Inside '...': everything literal.
    Single,
    /// Inside "...": backslash escapes only `"` and `\`.
    Double,
}

/// Splits `s` into words. Whitespace is space, tab, CR and LF (shlex's set).
pub(crate) fn split(s: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word exists once it has a character or a quote (so `''` is an empty word).
    let mut in_word = false;
    let mut state = State::Space;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match state {
            State::Space | State::Word => match c {
                ' ' | '\t' | '\r' | '\n' => {
                    if in_word {
                        words.push(std::mem::take(&mut word));
                        in_word = false;
                    }
                    state = State::Space;
                }
                '\'' => {
                    in_word = true;
                    state = State::Single;
                }
                '"' => {
                    in_word = true;
                    state = State::Double;
                }
                '\\' => {
                    let next = chars.next().ok_or(SplitError::NoEscapedCharacter)?;
                    word.push(next);
                    in_word = true;
                    state = State::Word;
                }
                _ => {
                    word.push(c);
                    in_word = true;
                    state = State::Word;
                }
            },
            State::Single => {
                if c == '\'' {
                    state = State::Word;
                } else {
                    word.push(c);
                }
            }
            State::Double => match c {
                '"' => state = State::Word,
                '\\' => {
                    let next = chars.next().ok_or(SplitError::NoEscapedCharacter)?;
                    if next != '"' && next != '\\' {
                        word.push('\\');
                    }
                    word.push(next);
                }
                _ => word.push(c),
            },
        }
    }
    match state {
        State::Single | State::Double => Err(SplitError::NoClosingQuotation),
        _ => {
            if in_word {
                words.push(word);
            }
            Ok(words)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Vec<String> {
        split(x).unwrap()
    }

    #[test]
    fn splits_like_python_shlex() {
        // Expected values checked against `python3 -c 'import shlex; print(shlex.split(...))'`.
        assert_eq!(s("  a  b\tc\n"), ["a", "b", "c"]);
        assert_eq!(
            s(r#"prog --name "my dev" 'x y'"#),
            ["prog", "--name", "my dev", "x y"]
        );
        assert_eq!(s(r#"a"b c"d"#), ["ab cd"]);
        assert_eq!(s("''"), [""]);
        assert_eq!(s(r#""a\"b" "c\d" 'e\f'"#), [r#"a"b"#, r"c\d", r"e\f"]);
        assert_eq!(s(r"a\ b \x"), ["a b", "x"]);
        assert_eq!(s("# not a comment"), ["#", "not", "a", "comment"]);
        assert!(s("").is_empty());
        assert_eq!(split("'open"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split("\"open"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split("trailing\\"), Err(SplitError::NoEscapedCharacter));
    }
}
