//! A small, deterministic JSON layout for the generated database files: anything that fits on
//! one line of 100 columns stays on one line, so ranges and short features read as one line each.

use std::fmt::Write as _;

use serde_json::Value;

const WIDTH: usize = 100;

/// `value` laid out; a top-level object keeps its first entry on the opening line, so that a
/// `"//"` note is the file's first line.
pub(crate) fn layout(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0, 0, true);
    out.push('\n');
    out
}

fn write_value(out: &mut String, value: &Value, indent: usize, column: usize, top: bool) {
    let inline = compact(value);
    if !top && column + inline.len() <= WIDTH {
        out.push_str(&inline);
        return;
    }
    let pad = " ".repeat(indent + 2);
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            for (position, (key, item)) in map.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                if !(top && position == 0) {
                    out.push('\n');
                    out.push_str(&pad);
                }
                let key = string(key);
                let _ = write!(out, "{key}: ");
                write_value(out, item, indent + 2, indent + 2 + key.len() + 2, false);
            }
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                out.push('\n');
                out.push_str(&pad);
                write_value(out, item, indent + 2, indent + 2, false);
            }
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            out.push(']');
        }
        _ => out.push_str(&inline),
    }
}

/// One-line form with a space after `,` and `:`.
fn compact(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(compact).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(key, item)| format!("{}: {}", string(key), compact(item)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::String(text) => string(text),
        other => other.to_string(),
    }
}

fn string(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::layout;

    #[test]
    fn short_values_stay_inline_and_parse_back() {
        let value = serde_json::json!({"//": "note", "a": [0, 20], "b": {"c": "x".repeat(120)}});
        let text = layout(&value);
        assert!(text.starts_with("{\"//\": \"note\",\n  \"a\": [0, 20],\n  \"b\": {\n    \"c\": "));
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), value);
    }
}
