//! The one rule for free text in the contract and the API (names, labels, messages,
//! subjects): what a writer refuses, and what a forgiving reader takes out.

use crate::error::{FieldError, Problem};

/// Characters that change how text around them is displayed without being visible:
/// the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069)
/// and the direction marks. A public name containing them could disguise itself or
/// the text beside it, so they are refused like control characters. (Zero-width
/// joiners stay allowed: emoji sequences need them.)
pub fn is_invisible_formatting(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A character free text may not hold: a control character (a line feed only where the
/// text is `multiline`) or invisible formatting.
pub fn is_refused_char(c: char, multiline: bool) -> bool {
    (c.is_control() && !(multiline && c == '\n')) || is_invisible_formatting(c)
}

/// Given when `required`, at most `max` characters, no refused character
/// ([`is_refused_char`]). `None` when the text passes.
pub fn text_problem(value: &str, required: bool, max: u32, multiline: bool) -> Option<Problem> {
    if required && value.trim().is_empty() {
        Some(Problem::Required)
    } else if value.chars().count() > max as usize {
        Some(Problem::TooLong { max })
    } else if value.chars().any(|c| is_refused_char(c, multiline)) {
        Some(Problem::ControlCharacters)
    } else {
        None
    }
}

/// [`text_problem`] for a single-line text, pushed to `errors` under `field`.
pub fn check_text(errors: &mut Vec<FieldError>, field: &str, value: &str, required: bool, max: u32) {
    if let Some(problem) = text_problem(value, required, max, false) {
        errors.push(FieldError::new(field, problem));
    }
}

/// What a forgiving reader does with another server's text: refused characters taken
/// out (a control character becomes a space, so words stay apart), then cut to `max`
/// characters with an ellipsis.
pub fn tidy_text(text: &mut String, max: u32, multiline: bool) {
    if text.chars().any(|c| is_refused_char(c, multiline)) {
        *text = text
            .chars()
            .filter(|&c| !is_invisible_formatting(c))
            .map(|c| if is_refused_char(c, multiline) { ' ' } else { c })
            .collect();
    }
    if let Some((at, _)) = text.char_indices().nth(max as usize) {
        let keep = text[..at].char_indices().last().map_or(0, |(i, _)| i);
        text.truncate(keep);
        text.push('…');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refused_character_is_refused_and_tidied_away() {
        for c in ['\u{0}', '\u{7}', '\t', '\r', '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200F}', '\u{61C}'] {
            let s = format!("Anna{c}Jansen");
            assert_eq!(text_problem(&s, true, 50, false), Some(Problem::ControlCharacters), "{c:?}");
            let mut t = s.clone();
            tidy_text(&mut t, 50, false);
            assert!(text_problem(&t, true, 50, false).is_none(), "{c:?} tidied to {t:?}");
        }
        assert_eq!(text_problem("a\nb", true, 10, true), None);
        assert_eq!(text_problem("a\nb", true, 10, false), Some(Problem::ControlCharacters));
        // Emoji sequences keep their zero-width joiner.
        assert_eq!(text_problem("👩‍🌾 Anna", true, 10, false), None);
    }

    #[test]
    fn required_and_length() {
        assert_eq!(text_problem(" ", true, 10, false), Some(Problem::Required));
        assert_eq!(text_problem("", false, 10, false), None);
        assert_eq!(text_problem("abcdefghijk", true, 10, false), Some(Problem::TooLong { max: 10 }));
        let mut long = "abcdefghijk".to_owned();
        tidy_text(&mut long, 10, false);
        assert_eq!(long, "abcdefghi…");
    }
}
