//! Citations of documents: every `<name>.md` that a comment or a Markdown file mentions must be a
//! file of the repository, and a numbered citation (`docs/PROTOCOL.md 7.3`) must name a section
//! heading of that file. Team notes kept outside the repository can not be followed by someone
//! who clones it, so citing one fails here.
//!
//! The scanner is pure: `check` gets the text and a lookup from a mentioned name to the text of
//! the file it resolves to, so its rules are tested without a file system.

/// What kind of file is scanned: Rust sources are checked in their comments only, Markdown
/// outside fenced code blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Rust,
    Markdown,
}

/// Problems with the citations in `text`, each as "line N: …". `resolve` returns the text of the
/// file a mentioned name (as written, e.g. `docs/PROTOCOL.md` or `README.md`) resolves to, or
/// `None` when no such file is in the repository.
pub(crate) fn check(
    text: &str,
    kind: Kind,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    let scanned = match kind {
        Kind::Rust => comments(text),
        Kind::Markdown => prose(text),
    };
    let mut problems = Vec::new();
    for mention in mentions(&scanned, kind == Kind::Rust) {
        let Some(target) = resolve(&mention.name) else {
            problems.push(format!(
                "line {}: cites {}, which is not in the repository",
                mention.line, mention.name
            ));
            continue;
        };
        let headings = section_numbers(&target);
        for section in &mention.sections {
            if !headings.contains(section) {
                problems.push(format!(
                    "line {}: cites {} {section}, but it has no section {section}",
                    mention.line, mention.name
                ));
            }
        }
    }
    problems
}

#[derive(Debug, PartialEq, Eq)]
struct Mention {
    line: usize,
    name: String,
    sections: Vec<String>,
}

/// The comment text of a Rust source, line for line (code becomes an empty line, so line numbers
/// hold and a citation never joins across code).
fn comments(source: &str) -> String {
    source.lines().map(|line| comment_of(line).unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// The comment on one line of Rust, without its `//`, `///` or `//!` marker. A `//` inside a
/// string literal is told apart by the quotes before it, which is enough for this code base.
fn comment_of(line: &str) -> Option<&str> {
    let mut in_string = false;
    let mut escaped = false;
    for (at, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '/' if !in_string && line[at..].starts_with("//") => {
                let rest = &line[at + 2..];
                return Some(rest.strip_prefix(['/', '!']).unwrap_or(rest));
            }
            _ => {}
        }
    }
    None
}

/// Markdown without its fenced code blocks, line for line.
fn prose(text: &str) -> String {
    let mut in_fence = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            out.push("");
        } else {
            out.push(if in_fence { "" } else { line });
        }
    }
    out.join("\n")
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

/// Every `<name>.md` in `text` that is not part of a URL, with the section numbers that follow it.
/// With `wrap`, the numbers may continue on the next line, as wrapped comments do.
fn mentions(text: &str, wrap: bool) -> Vec<Mention> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find(".md") {
        let end = from + offset + ".md".len();
        from = end;
        if text[end..].chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let start = text[..end - 3]
            .char_indices()
            .rev()
            .find(|&(_, c)| !is_name_char(c))
            .map_or(0, |(at, c)| at + c.len_utf8());
        let name = &text[start..end];
        let word_start = text[..start].rfind(char::is_whitespace).map_or(0, |at| at + 1);
        let word_end = text[end..].find(char::is_whitespace).map_or(text.len(), |at| end + at);
        if name.len() <= ".md".len() {
            continue;
        }
        if text[word_start..word_end].contains("://") {
            continue;
        }
        let mut rest = &text[end..];
        // A Markdown link `[<name>.md](target) 7.3`: the section follows the link.
        if let Some(link) = rest.strip_prefix("](")
            && let Some(close) = link.find(')')
        {
            rest = &link[close + 1..];
        }
        let line = text[..start].matches('\n').count() + 1;
        found.push(Mention { line, name: name.to_owned(), sections: sections(rest, wrap) });
    }
    found
}

/// The section numbers at the start of `rest`: `7.3`, `§7.3`, `section 7.3`, `sections 2.1 and
/// 5.3`, `4, 5 and 11`, `3 to 6`.
fn sections(rest: &str, wrap: bool) -> Vec<String> {
    let mut rest = skip_space(rest.trim_start_matches(','), wrap);
    for prefix in ["§", "sections ", "section "] {
        if let Some(after) = rest.strip_prefix(prefix) {
            rest = skip_space(after, wrap);
            break;
        }
    }
    let mut numbers = Vec::new();
    while let Some((found, after)) = number(rest) {
        numbers.push(found.to_owned());
        rest = after;
        let Some(next) = [", and ", ", ", " and ", " to "]
            .iter()
            .find_map(|separator| rest.strip_prefix(separator))
            .filter(|next| number(skip_space(next, wrap)).is_some())
        else {
            break;
        };
        rest = skip_space(next, wrap);
    }
    numbers
}

/// Spaces, and with `wrap` at most one line break (a comment continuing on the next line).
fn skip_space(text: &str, wrap: bool) -> &str {
    let text = text.trim_start_matches([' ', '\t']);
    match text.strip_prefix('\n') {
        Some(next) if wrap => next.trim_start_matches([' ', '\t']),
        _ => text,
    }
}

/// A section number (`7`, `7.3`, `10.1.2`) at the start of `text`, and the text after it. A
/// trailing full stop is not part of it.
fn number(text: &str) -> Option<(&str, &str)> {
    let mut end = 0;
    let bytes = text.as_bytes();
    while end < bytes.len() {
        let digits = bytes[end..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            break;
        }
        end += digits;
        if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
            end += 1;
        } else {
            break;
        }
    }
    if end == 0 || bytes.get(end).is_some_and(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    Some((&text[..end], &text[end..]))
}

/// The numbers of a Markdown file's section headings: `## 7. Values` gives `7`, `### 7.3 Mapping`
/// gives `7.3`.
fn section_numbers(markdown: &str) -> Vec<String> {
    prose(markdown)
        .lines()
        .filter(|line| line.starts_with('#'))
        .filter_map(|line| number(line.trim_start_matches('#').trim_start()))
        .map(|(number, _)| number.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROTOCOL: &str = "# Protocol\n\n## 7. Values\n\n### 7.3 Mapping\n\n## 13. Decisions\n";

    fn resolve(name: &str) -> Option<String> {
        match name {
            "docs/PROTOCOL.md" | "PROTOCOL.md" => Some(PROTOCOL.to_owned()),
            "README.md" => Some("# bpio\n".to_owned()),
            _ => None,
        }
    }

    fn rust(source: &str) -> Vec<String> {
        check(source, Kind::Rust, &resolve)
    }

    #[test]
    fn a_citation_of_an_existing_section_passes() {
        assert!(rust("/// Mapped as docs/PROTOCOL.md 7.3 says.\nfn f() {}\n").is_empty());
        assert!(rust("//! See docs/PROTOCOL.md §7 and README.md.\n").is_empty());
        assert!(rust("// (docs/PROTOCOL.md sections 7.3 and 13, item D5)\n").is_empty());
        assert!(
            check("[PROTOCOL.md](PROTOCOL.md) 7.3 says.\n", Kind::Markdown, &resolve).is_empty()
        );
    }

    #[test]
    fn a_missing_file_fails() {
        assert_eq!(
            rust("let x = 1; // as DESIGN.md 2 says\n"),
            ["line 1: cites DESIGN.md, which is not in the repository"]
        );
        assert_eq!(
            check("Kept in `../shared/spec/VERSIONS.md`.\n", Kind::Markdown, &resolve),
            ["line 1: cites ../shared/spec/VERSIONS.md, which is not in the repository"]
        );
    }

    #[test]
    fn a_missing_section_fails() {
        assert_eq!(
            rust("/// Rounded (docs/PROTOCOL.md 7.4).\n"),
            ["line 1: cites docs/PROTOCOL.md 7.4, but it has no section 7.4"]
        );
        assert_eq!(
            rust("fn f() {}\n/// Both (docs/PROTOCOL.md\n/// 7.3 and 8).\n"),
            ["line 2: cites docs/PROTOCOL.md 8, but it has no section 8"]
        );
    }

    #[test]
    fn code_urls_and_fenced_blocks_are_not_citations() {
        assert!(rust("let path = \"DESIGN.md // 7\";\n").is_empty());
        assert!(rust("/// <https://example.org/docs/DESIGN.md>\n").is_empty());
        assert!(check("```\nDESIGN.md 3\n```\n", Kind::Markdown, &resolve).is_empty());
    }

    #[test]
    fn section_lists_are_read_whole() {
        let found = mentions("docs/PROTOCOL.md 4, 5 and 11, then 12. Also README.md.", false);
        assert_eq!(found[0].sections, ["4", "5", "11"]);
        assert!(found[1].sections.is_empty());
        assert_eq!(
            mentions("X.md 3 to 6, 10.3 and 10.5", false)[0].sections,
            ["3", "6", "10.3", "10.5"]
        );
        assert!(mentions("X.md 2nd", false)[0].sections.is_empty());
        assert!(mentions("X.md\n7.3", false)[0].sections.is_empty());
        assert_eq!(mentions("X.md\n7.3", true)[0].sections, ["7.3"]);
    }
}
