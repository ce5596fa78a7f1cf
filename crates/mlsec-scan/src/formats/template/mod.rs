//! Jinja templates: chat templates in text files (`chat_template.jinja`, YAML configs) and,
//! through [`analyze_into`], templates found inside JSON, GGUF metadata or any other reader.

mod analyze;
mod lex;

use crate::ctx::Ctx;
use mlsec_core::{Confidence, ProblemKind};

/// Largest text file claimed as a template, and largest template analysed.
pub(crate) const MAX_TEMPLATE_BYTES: usize = 64 << 20;

/// Text (valid UTF-8, no NUL or other control bytes besides tab, newline, carriage return and
/// form feed) that holds a Jinja statement or expression. Strict on purpose: this runs last
/// in detection and must not claim binary data.
pub(crate) fn sniff(data: &[u8]) -> bool {
    if data.len() > MAX_TEMPLATE_BYTES {
        return false;
    }
    if data
        .iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c) || b == 0x7f)
    {
        return false;
    }
    match std::str::from_utf8(data) {
        Ok(text) => looks_like_template(text),
        Err(_) => false,
    }
}

/// Whether `s` holds a Jinja block: `{% … %}` or `{{ … }}` (opening before closing).
pub(crate) fn looks_like_template(s: &str) -> bool {
    let pair = |open: &str, close: &str| s.find(open).is_some_and(|p| s[p + 2..].contains(close));
    pair("{%", "%}") || pair("{{", "}}")
}

/// Scans a text file as a template.
pub(crate) fn scan(ctx: &mut Ctx<'_>, data: &[u8]) {
    ctx.note_format("template");
    let data = match data.get(..MAX_TEMPLATE_BYTES) {
        Some(d) if d.len() < data.len() => {
            ctx.problem(
                ProblemKind::LimitExceeded,
                Some(MAX_TEMPLATE_BYTES as u64),
                format!("template text is larger than {MAX_TEMPLATE_BYTES} bytes; the rest is not analysed"),
            );
            d
        }
        _ => data,
    };
    let text = String::from_utf8_lossy(data);
    // Templates embedded in YAML or other quoted text keep their escapes (`\"`, `\n`) in the
    // file; analyse the unescaped text too so payloads behind escaped quotes are still parsed.
    let unescaped = text.contains('\\').then(|| unescape_quoted(&text));
    // A text file recognised only by its `{{`/`{%` markers may be Markdown or docs rather than
    // a template: if it is not valid Jinja no engine renders it, so a lexing gap there is not an
    // unchecked part (the dunder backstop still ran over all of it).
    analyze_with_variant(ctx, &text, 0, unescaped.as_deref(), false);
}

/// Analyses `text` as a Jinja template and reports findings at `base + offset` in the current
/// element. Callers that found the template inside a bigger element enter it as a member
/// first (`ctx.enter("tokenizer.chat_template", …)`).
pub(crate) fn analyze_into(ctx: &mut Ctx<'_>, text: &str, base: u64) {
    analyze_with_variant(ctx, text, base, None, true);
}

fn analyze_with_variant(
    ctx: &mut Ctx<'_>,
    text: &str,
    base: u64,
    variant: Option<&str>,
    lex_gaps_are_problems: bool,
) {
    let text = if text.len() > MAX_TEMPLATE_BYTES {
        let mut end = MAX_TEMPLATE_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        ctx.problem(
            ProblemKind::LimitExceeded,
            Some(base),
            format!("template is larger than {MAX_TEMPLATE_BYTES} bytes; the rest is not analysed"),
        );
        &text[..end]
    } else {
        text
    };
    let main = analyze::analyze(text);
    let alt = variant.map(analyze::analyze);
    let mut hits = main.hits.clone();
    if let Some(alt) = &alt {
        for h in &alt.hits {
            match hits
                .iter_mut()
                .find(|x| x.rule.code == h.rule.code && x.evidence == h.evidence)
            {
                Some(x) if h.severity > x.severity => *x = h.clone(),
                Some(_) => {}
                None => hits.push(h.clone()),
            }
        }
    }
    for h in hits {
        ctx.report_with(
            h.rule,
            h.severity,
            Confidence::High,
            Some(base + h.off as u64),
            h.message,
            Some(h.evidence),
        );
    }
    // A lexing problem in the text as written is only a gap if the unescaped variant (when
    // there is one) did not lex cleanly either.
    let clean_variant = alt.as_ref().is_some_and(|a| a.lex_issues.is_empty());
    if let Some(issue) = main.lex_issues.first()
        && !clean_variant
        && lex_gaps_are_problems
    {
        ctx.problem(
                ProblemKind::Malformed,
                Some(base + issue.off as u64),
                format!(
                    "template is not valid Jinja here ({}); code after this point was checked for dunder names only",
                    issue.msg
                ),
            );
    }
    if main.limit_hit || alt.as_ref().is_some_and(|a| a.limit_hit) {
        ctx.problem(
            ProblemKind::LimitExceeded,
            Some(base),
            "template nests or runs longer than the analysis limits; part of it was checked for dunder names only",
        );
    }
}

/// Undoes the escapes of a double-quoted YAML/JSON string: `\"`, `\'`, `\\`, `\n`, `\t`, `\r`.
fn unescape_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('"') => out.push('"'),
            Some('\'') => out.push('\''),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_claims_text_templates_only() {
        assert!(sniff(b"{% for m in messages %}{{ m.content }}{% endfor %}"));
        assert!(sniff(b"chat_template: \"{{ bos_token }}\"\n"));
        assert!(!sniff(b"plain text with { braces }"));
        assert!(!sniff(b"{{ x }}\x00\x01binary"));
        assert!(!sniff(b"\xff\xfe{{ x }}"));
        assert!(!sniff(b"}} before {{"));
    }

    #[test]
    fn unescape_handles_yaml_quotes() {
        assert_eq!(
            unescape_quoted(r#"{{ m[\"content\"] }}\n"#),
            "{{ m[\"content\"] }}\n"
        );
    }
}
