//! Format-preserving writes: the text of a model file after an edit, as a patch of the text
//! the team wrote.
//!
//! `preserve(original, new)` reads the original text into a tree of nodes with their byte
//! spans (the `saphyr-parser` events carry positions), compares the model the original holds
//! with the new one as YAML values, and turns each difference into a text edit at a span: a
//! scalar's text replaced, an item or a key inserted after its sibling in the sibling's style
//! (a flow map beside flow maps, the sibling's indentation and key order), an item or a key
//! deleted with its own lines and the comments directly above it. Everything outside the
//! edited spans stays byte for byte: comments, blank lines, quoting, folded notes, `65` that
//! the model holds as `65.0`.
//!
//! The invariant every write relies on: the text returned always reads back as the new
//! model. The patch is parsed again before it is returned; if it does not read back as the
//! new model (a change the patcher cannot express, such as an edit under a YAML anchor that
//! aliases elsewhere share), the whole model is written in the canonical layout instead, and
//! `Preserved::kept_layout` says so.

use super::types::Model;
use super::yaml::{parse_model, try_to_yaml};
use saphyr_parser::{Event, Parser, ScalarStyle};
use yaml_serde::{Mapping, Value};

/// The text to write for a model, and whether the original layout could be kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Preserved {
    pub text: String,
    /// False when the canonical layout was written instead of a patch (see the module docs).
    pub kept_layout: bool,
}

/// The text for `new`, written over `original` (the file's current text) with as few changes
/// as the model's changes need. With no original (a new file), or one that does not parse, the
/// canonical layout.
pub fn preserve(original: Option<&str>, new: &Model) -> Result<Preserved, std::io::Error> {
    let canonical = || {
        try_to_yaml(new).map(|text| Preserved {
            text,
            kept_layout: false,
        })
    };
    let Some(original) = original else {
        return canonical();
    };
    match patch(original, new) {
        Some(text) if parse_model(&text, "").ok().as_ref() == Some(new) => Ok(Preserved {
            text,
            kept_layout: true,
        }),
        _ => canonical(),
    }
}

/// The text to write for `model` over the file at `path`: its current text patched, or the
/// canonical layout when there is no file yet (or it cannot be read as text).
pub fn text_over(path: &std::path::Path, model: &Model) -> Result<String, std::io::Error> {
    let original = std::fs::read_to_string(path).ok();
    preserve(original.as_deref(), model).map(|p| p.text)
}

/// Whether the text holds a YAML comment (a `#` outside every scalar, at a line's start or
/// after a space), which the canonical layout would drop. Text that does not parse: false.
pub fn has_comments(text: &str) -> bool {
    fn spans(n: &Node, out: &mut Vec<(usize, usize)>) {
        match &n.body {
            Body::Scalar(_) | Body::Alias => out.push((n.start, n.end)),
            Body::Seq { items, .. } => items.iter().for_each(|i| spans(i, out)),
            Body::Map { entries, .. } => entries.iter().for_each(|(_, k, v)| {
                spans(k, out);
                spans(v, out);
            }),
        }
    }
    let Some(root) = Tree::parse(text) else {
        return false;
    };
    let mut inside = Vec::new();
    spans(&root, &mut inside);
    text.char_indices().any(|(i, c)| {
        c == '#'
            && (i == 0 || text[..i].ends_with([' ', '\t', '\n']))
            && !inside.iter().any(|(s, e)| *s <= i && i < *e)
    })
}

/// The patched text, or None when the original cannot be patched.
fn patch(original: &str, new: &Model) -> Option<String> {
    let (bom, body) = match original.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", original),
    };
    let old = parse_model(body, "").ok()?;
    if &old == new {
        return Some(original.to_string());
    }
    let old_v = yaml_serde::to_value(&old).ok()?;
    let new_v = yaml_serde::to_value(new).ok()?;
    let root = Tree::parse(body)?;
    let mut p = Patcher {
        text: body,
        nl: if body.contains("\r\n") { "\r\n" } else { "\n" },
        edits: Vec::new(),
    };
    p.node(&root, &old_v, &new_v)?;
    p.apply().map(|t| format!("{bom}{t}"))
}

// ---------------------------------------------------------------------------------------------
// The span tree

#[derive(Debug)]
struct Node {
    /// Byte offsets: from the anchor, tag or first character to after the last character
    /// (a block scalar: from its `|`/`>` header to the end of its last content line).
    start: usize,
    end: usize,
    /// Inside a flow collection (or one itself): plain text there may not hold `,[]{}`.
    in_flow: bool,
    body: Body,
}

#[derive(Debug)]
enum Body {
    Scalar(ScalarStyle),
    Alias,
    Seq {
        flow: bool,
        items: Vec<Node>,
    },
    Map {
        flow: bool,
        entries: Vec<(String, Node, Node)>,
    },
}

impl Node {
    fn flow(&self) -> bool {
        match &self.body {
            Body::Seq { flow, .. } | Body::Map { flow, .. } => *flow,
            Body::Scalar(_) | Body::Alias => self.in_flow,
        }
    }
}

enum Open {
    Seq(Node),
    Map(Node, Option<(String, Node)>),
}

struct Tree;

impl Tree {
    /// The root node of the first document, or None when the text does not parse.
    fn parse(text: &str) -> Option<Node> {
        // saphyr counts positions in characters; edits need bytes.
        let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        bytes.push(text.len());
        let at = |i: usize| bytes.get(i).copied();
        let mut stack: Vec<Open> = Vec::new();
        let mut root = None;
        for ev in Parser::new_from_str(text) {
            let (ev, span) = ev.ok()?;
            let (s, e) = (at(span.start.index())?, at(span.end.index())?);
            let in_flow = stack.iter().any(|o| match o {
                Open::Seq(n) | Open::Map(n, _) => n.flow(),
            });
            let done = match ev {
                Event::Scalar(_, style, _, _) => {
                    let (s, e) = match style {
                        ScalarStyle::Literal | ScalarStyle::Folded => {
                            block_scalar_span(text, s, e)?
                        }
                        _ => (s, e),
                    };
                    Some(Node {
                        start: s,
                        end: e,
                        in_flow,
                        body: Body::Scalar(style),
                    })
                }
                Event::Alias(_) => Some(Node {
                    start: s,
                    end: e,
                    in_flow,
                    body: Body::Alias,
                }),
                Event::SequenceStart(..) => {
                    let flow = text[s..e].contains('[');
                    stack.push(Open::Seq(Node {
                        start: s,
                        end: e,
                        in_flow: in_flow || flow,
                        body: Body::Seq {
                            flow,
                            items: Vec::new(),
                        },
                    }));
                    None
                }
                Event::MappingStart(..) => {
                    let flow = text[s..e].contains('{');
                    stack.push(Open::Map(
                        Node {
                            start: s,
                            end: e,
                            in_flow: in_flow || flow,
                            body: Body::Map {
                                flow,
                                entries: Vec::new(),
                            },
                        },
                        None,
                    ));
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let mut n = match stack.pop()? {
                        Open::Seq(n) | Open::Map(n, None) => n,
                        Open::Map(_, Some(_)) => return None,
                    };
                    n.end = if n.flow() {
                        e
                    } else {
                        let last = match &n.body {
                            Body::Seq { items, .. } => items.last().map(|i| i.end),
                            Body::Map { entries, .. } => entries.last().map(|(_, _, v)| v.end),
                            _ => None,
                        };
                        last.unwrap_or(n.end)
                    };
                    Some(n)
                }
                Event::DocumentEnd => break,
                _ => None,
            };
            let Some(node) = done else { continue };
            match stack.last_mut() {
                None => {
                    root = Some(node);
                }
                Some(Open::Seq(parent)) => {
                    if let Body::Seq { items, .. } = &mut parent.body {
                        items.push(node);
                    }
                }
                Some(Open::Map(parent, pending)) => match pending.take() {
                    None => {
                        let key = match node.body {
                            Body::Scalar(_) => scalar_value(&text[node.start..node.end])?,
                            _ => return None,
                        };
                        *pending = Some((key, node));
                    }
                    Some((key, key_node)) => {
                        if let Body::Map { entries, .. } = &mut parent.body {
                            entries.push((key, key_node, node));
                        }
                    }
                },
            }
        }
        root
    }
}

/// The value of a scalar key as the model reads it (quotes removed).
fn scalar_value(raw: &str) -> Option<String> {
    match yaml_serde::from_str::<Value>(raw).ok()? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A block scalar's span from its header (`>-`) to the end of its last content line.
fn block_scalar_span(text: &str, s: usize, e: usize) -> Option<(usize, usize)> {
    let header = text[..s].rfind(['|', '>'])?;
    let between = &text[header + 1..s];
    let head_ok = between
        .lines()
        .next()
        .map(|l| {
            let l = l.split(" #").next().unwrap_or("");
            l.trim()
                .chars()
                .all(|c| c.is_ascii_digit() || c == '+' || c == '-')
        })
        .unwrap_or(true);
    if !head_ok {
        return None;
    }
    let end = s + text[s..e].trim_end().len();
    Some((header, end.max(s)))
}

// ---------------------------------------------------------------------------------------------
// The patcher

struct Patcher<'a> {
    text: &'a str,
    nl: &'static str,
    /// (start, end, replacement): non-overlapping once sorted.
    edits: Vec<(usize, usize, String)>,
}

impl Patcher<'_> {
    fn apply(mut self) -> Option<String> {
        self.edits.sort_by_key(|(s, e, _)| (*s, *e));
        let mut out = String::with_capacity(self.text.len() + 256);
        let mut at = 0;
        for (s, e, r) in &self.edits {
            if *s < at {
                return None;
            }
            out.push_str(&self.text[at..*s]);
            out.push_str(r);
            at = *e;
        }
        out.push_str(&self.text[at..]);
        Some(out)
    }

    fn edit(&mut self, s: usize, e: usize, r: String) {
        self.edits.push((s, e, r));
    }

    /// The column of a byte offset (indentation is ASCII spaces).
    fn col(&self, at: usize) -> usize {
        at - line_start(self.text, at)
    }

    /// Patches `node`, which holds `old`, so that it holds `new`.
    fn node(&mut self, node: &Node, old: &Value, new: &Value) -> Option<()> {
        if old == new {
            return Some(());
        }
        match (&node.body, old, new) {
            (Body::Map { flow, entries }, Value::Mapping(o), Value::Mapping(n)) => {
                self.map(node, *flow, entries, o, n)
            }
            (Body::Seq { flow, items }, Value::Sequence(o), Value::Sequence(n))
                if items.len() == o.len() =>
            {
                self.seq(node, *flow, items, o, n)
            }
            _ => self.replace(node, new, Some(old)),
        }
    }

    fn map(
        &mut self,
        node: &Node,
        flow: bool,
        entries: &[(String, Node, Node)],
        old: &Mapping,
        new: &Mapping,
    ) -> Option<()> {
        let find = |k: &str| entries.iter().position(|(key, _, _)| key == k);
        if new.is_empty() {
            return self.replace(node, &Value::Mapping(Mapping::new()), None);
        }
        let mut gone = Vec::new();
        for (k, _) in old {
            // A key at its default may be written in the text or not.
            if !new.contains_key(k)
                && let Some(i) = find(k.as_str()?)
            {
                gone.push(i);
            }
        }
        if flow {
            let spans = entries.iter().map(|(_, k, v)| (k.start, v.end)).collect();
            self.delete_flow(spans, gone)?;
        } else {
            for i in gone {
                self.delete_entry(entries, i)?;
            }
        }
        // Where the next inserted key goes: after the last key of the new order seen in text.
        let mut after: Option<usize> = None;
        for (k, v) in new {
            let key = k.as_str()?;
            match (old.get(k), find(key)) {
                (Some(o), at) if o == v => after = at.or(after),
                (Some(o), Some(i)) => {
                    self.node(&entries[i].2, o, v)?;
                    after = Some(i);
                }
                (None, Some(i)) => {
                    // Written in the text at its default, now set to something else.
                    self.replace(&entries[i].2, v, None)?;
                    after = Some(i);
                }
                (_, None) => self.insert_entry(node, flow, entries, after, key, v)?,
            }
        }
        Some(())
    }

    fn seq(
        &mut self,
        node: &Node,
        flow: bool,
        items: &[Node],
        old: &[Value],
        new: &[Value],
    ) -> Option<()> {
        if new.is_empty() {
            return self.replace(node, &Value::Sequence(Vec::new()), None);
        }
        let pairs = align(old, new);
        // Walk both lists: matched pairs are patched, the gaps between them paired by position
        // (an edited item, such as a renamed touchpoint), the rest deleted or inserted.
        let mut oi = 0;
        let mut ni = 0;
        let mut last_kept: Option<usize> = None;
        let mut gone = Vec::new();
        let mut added = Vec::new();
        for &(po, pn) in pairs.iter().chain(std::iter::once(&(old.len(), new.len()))) {
            while oi < po && ni < pn {
                self.node(&items[oi], &old[oi], &new[ni])?;
                last_kept = Some(oi);
                oi += 1;
                ni += 1;
            }
            while oi < po {
                gone.push(oi);
                oi += 1;
            }
            while ni < pn {
                added.push((last_kept, ni));
                ni += 1;
            }
            if po < old.len() {
                self.node(&items[po], &old[po], &new[pn])?;
                last_kept = Some(po);
                oi = po + 1;
                ni = pn + 1;
            }
        }
        // An item that left one place and arrived at another unchanged (a touchpoint moved up
        // or down) takes its own text along, comments and all.
        let mut moved_from: Vec<usize> = Vec::new();
        for (after, ni) in added {
            let from = gone
                .iter()
                .copied()
                .find(|j| !moved_from.contains(j) && old[*j] == new[ni]);
            if let Some(j) = from {
                moved_from.push(j);
            }
            let moved = from.map(|j| &items[j]);
            self.insert_item(node, flow, (items, old), after, &new[ni], moved)?;
        }
        if flow {
            self.delete_flow(items.iter().map(|n| (n.start, n.end)).collect(), gone)
        } else {
            gone.into_iter()
                .try_for_each(|i| self.delete_item(items, i))
        }
    }

    /// Replaces a node's text with `new` written in the node's own style.
    fn replace(&mut self, node: &Node, new: &Value, was: Option<&Value>) -> Option<()> {
        let like = node;
        match (&node.body, new) {
            (
                Body::Scalar(style @ (ScalarStyle::Literal | ScalarStyle::Folded)),
                Value::String(s),
            ) if !node.in_flow => {
                // A folded note that now holds line breaks becomes a literal one; one that
                // neither can hold (leading spaces) is quoted.
                let indent = self.block_scalar_indent(node);
                let width = self.fold_width(node);
                let text = block_scalar(*style, s, indent, width, self.nl)
                    .or_else(|| block_scalar(ScalarStyle::Literal, s, indent, width, self.nl))
                    .unwrap_or_else(|| quoted(s));
                self.edit(node.start, node.end, text);
            }
            (Body::Scalar(style), v) if !is_collection(v) => {
                let text = scalar(v, *style, node.in_flow)?;
                self.edit(node.start, node.end, text);
            }
            _ if node.flow() || !is_collection(new) || is_empty_collection(new) => {
                self.edit(node.start, node.end, self.flow(new, Some(like), was));
            }
            (Body::Scalar(_), _) => {
                // A scalar that became a collection: on the lines under its key.
                let before = self.text[..node.start].trim_end_matches(' ');
                let colon = before.strip_suffix(':').map(str::len)?;
                let key_col = {
                    let l = &self.text[line_start(self.text, colon)..];
                    l.len() - l.trim_start_matches([' ', '-']).len()
                };
                let text = self.value_after_key(new, None, None, key_col);
                self.edit(colon + 1, node.end, text);
            }
            (Body::Seq { .. } | Body::Map { .. } | Body::Alias, _) => {
                // A block collection: the same place, the same column, written anew.
                let start = match &node.body {
                    Body::Seq { items, .. } => dash_of(self.text, items.first()?.start)?,
                    _ => node.start,
                };
                let col = self.col(start);
                if matches!(node.body, Body::Alias) && !starts_line(self.text, start) {
                    self.edit(node.start, node.end, self.flow(new, None, None));
                } else {
                    let text = self.block(new, Some(like), was, col);
                    self.edit(start, node.end, text);
                }
            }
        }
        Some(())
    }

    /// The width a folded scalar's lines are wrapped at: its longest line when it is folded
    /// over several, else `FOLD_WIDTH`.
    fn fold_width(&self, node: &Node) -> usize {
        let lines: Vec<usize> = self.text[node.start..node.end]
            .lines()
            .skip(1)
            .map(|l| l.trim_end().chars().count())
            .collect();
        match lines.iter().max() {
            Some(&w) if lines.len() > 1 => w,
            _ => FOLD_WIDTH,
        }
    }

    fn block_scalar_indent(&self, node: &Node) -> usize {
        let first = self.text[node.start..]
            .find('\n')
            .map(|i| node.start + i + 1)
            .unwrap_or(node.start);
        let line = &self.text[first..];
        line.len() - line.trim_start_matches(' ').len()
    }

    fn delete_item(&mut self, items: &[Node], i: usize) -> Option<()> {
        let item = &items[i];
        let dash = dash_of(self.text, item.start)?;
        if !starts_line(self.text, dash) {
            return None;
        }
        let (s, e) = self.own_lines(dash, item.end);
        self.edit(s, e, String::new());
        Some(())
    }

    fn delete_entry(&mut self, entries: &[(String, Node, Node)], i: usize) -> Option<()> {
        let (_, key, value) = &entries[i];
        if starts_line(self.text, key.start) {
            let (s, e) = self.own_lines(key.start, value.end);
            self.edit(s, e, String::new());
        } else {
            // The first key of a list item (`- id: x`): the next key moves up beside the dash.
            let next = entries.get(i + 1)?;
            self.edit(key.start, next.1.start, String::new());
        }
        Some(())
    }

    /// Deletes the items `gone` of a flow collection (spans of its items), each with one of
    /// the commas beside it: the one after it, or for a run at the end, the one before.
    fn delete_flow(&mut self, spans: Vec<(usize, usize)>, mut gone: Vec<usize>) -> Option<()> {
        gone.sort_unstable();
        gone.dedup();
        let n = spans.len();
        let mut tail = n;
        while tail > 0 && gone.contains(&(tail - 1)) {
            tail -= 1;
        }
        for &i in gone.iter().filter(|&&i| i < tail) {
            self.edit(spans[i].0, spans[i + 1].0, String::new());
        }
        if tail < n {
            let from = if tail > 0 {
                spans[tail - 1].1
            } else {
                spans[0].0
            };
            let to = self.item_end(spans[n - 1].1).max(from);
            self.edit(from, to, String::new());
        }
        Some(())
    }

    /// The lines from `start` to `end`, with the comment lines directly above (a node's own
    /// comments) and the line break after.
    fn own_lines(&self, start: usize, end: usize) -> (usize, usize) {
        let mut s = line_start(self.text, start);
        while s > 0 {
            let prev = line_start(self.text, s - 1);
            if self.text[prev..s].trim_start().starts_with('#') {
                s = prev;
            } else {
                break;
            }
        }
        (s, line_end(self.text, end))
    }

    fn insert_item(
        &mut self,
        node: &Node,
        flow: bool,
        (items, old): (&[Node], &[Value]),
        after: Option<usize>,
        value: &Value,
        moved: Option<&Node>,
    ) -> Option<()> {
        // The sibling it follows, or the first: its text and the value it holds.
        let at = after.unwrap_or(0);
        let (like, was) = (items.get(at), old.get(at));
        if flow {
            let text = match moved {
                Some(n) => self.text[n.start..n.end].to_string(),
                None => self.flow(value, like, was),
            };
            let spans = items.iter().map(|n| (n.start, n.end)).collect();
            return self.insert_flow(node, spans, after, text);
        }
        let first = items.first()?;
        let col = self.col(dash_of(self.text, first.start)?);
        let text = match moved {
            Some(n) => {
                let (s, e) = self.own_lines(dash_of(self.text, n.start)?, n.end);
                let own = &self.text[s..e];
                if own.ends_with('\n') {
                    own.to_string()
                } else {
                    format!("{own}{}", self.nl)
                }
            }
            None => {
                let body = self.block(value, like, was, col + 2);
                format!("{}- {body}{}", " ".repeat(col), self.nl)
            }
        };
        let at = match after {
            Some(i) => line_end(self.text, items[i].end),
            None => line_start(self.text, dash_of(self.text, first.start)?),
        };
        self.insert_at(at, text);
        Some(())
    }

    fn insert_entry(
        &mut self,
        node: &Node,
        flow: bool,
        entries: &[(String, Node, Node)],
        after: Option<usize>,
        key: &str,
        value: &Value,
    ) -> Option<()> {
        let k = key_text(key);
        if flow {
            let text = format!("{k}: {}", self.flow(value, None, None));
            let spans = entries.iter().map(|(_, k, v)| (k.start, v.end)).collect();
            return self.insert_flow(node, spans, after, text);
        }
        let first = entries.first().map(|(_, k, _)| k)?;
        let col = self.col(first.start);
        let text = format!(
            "{}{k}:{}{}",
            " ".repeat(col),
            self.value_after_key(value, None, None, col),
            self.nl
        );
        match after {
            Some(i) => {
                let at = line_end(self.text, entries[i].2.end);
                self.insert_at(at, text);
            }
            None if starts_line(self.text, first.start) => {
                self.insert_at(line_start(self.text, first.start), text);
            }
            None => {
                // Before the first key of a list item: the new key takes the dash's line.
                let own = format!(
                    "{k}:{}{}{}",
                    self.value_after_key(value, None, None, col),
                    self.nl,
                    " ".repeat(col)
                );
                self.insert_at(first.start, own);
            }
        }
        Some(())
    }

    fn insert_at(&mut self, at: usize, text: String) {
        if at == self.text.len() && !self.text.ends_with('\n') {
            self.edit(at, at, format!("{}{text}", self.nl));
        } else {
            self.edit(at, at, text);
        }
    }

    /// Where a flow item ends: a flow map's span runs on over the blanks after its `}`, which
    /// are the closing bracket's padding (`{ a: 1 }, { b: 2 } ]`) and stay where they are.
    fn item_end(&self, end: usize) -> usize {
        let mut to = end;
        while to > 0 && self.text.as_bytes()[to - 1] == b' ' {
            to -= 1;
        }
        to
    }

    fn insert_flow(
        &mut self,
        node: &Node,
        spans: Vec<(usize, usize)>,
        after: Option<usize>,
        text: String,
    ) -> Option<()> {
        match (after, spans.first()) {
            (Some(i), _) => {
                let at = self.item_end(spans[i].1);
                self.edit(at, at, format!(", {text}"))
            }
            (None, Some(first)) => self.edit(first.0, first.0, format!("{text}, ")),
            (None, None) => {
                // `[]` or `{}`: between the brackets.
                let open = node.start + self.text[node.start..node.end].find(['[', '{'])?;
                self.edit(open + 1, node.end.checked_sub(1)?, text);
            }
        }
        Some(())
    }

    // -----------------------------------------------------------------------------------------
    // Writing new values in the style of what is there

    /// A value in flow style on one line, padded like `like` (`{ a: 1 }` or `{a: 1}`).
    fn flow(&self, v: &Value, like: Option<&Node>, was: Option<&Value>) -> String {
        let padded = like
            .map(|n| {
                let t = &self.text[n.start..n.end];
                t.starts_with("{ ") || t.starts_with("[ ")
            })
            .unwrap_or(matches!(v, Value::Mapping(_)));
        flow_text(&omit_defaults(v, like, was), padded)
    }

    /// What follows `key:` for a value in a block map whose keys are at `col`.
    fn value_after_key(
        &self,
        v: &Value,
        like: Option<&Node>,
        was: Option<&Value>,
        col: usize,
    ) -> String {
        let nested = |off: usize| {
            let body = self.block(v, like, was, col + off);
            format!("{}{}{body}", self.nl, " ".repeat(col + off))
        };
        match like.map(|n| &n.body) {
            Some(Body::Scalar(style @ (ScalarStyle::Literal | ScalarStyle::Folded))) => {
                match v.as_str().and_then(|s| {
                    let width = like.map(|n| self.fold_width(n)).unwrap_or(FOLD_WIDTH);
                    block_scalar(*style, s, col + 2, width, self.nl)
                }) {
                    Some(b) => format!(" {b}"),
                    None => self.value_after_key(v, None, None, col),
                }
            }
            _ if !is_collection(v) || is_empty_collection(v) => {
                let style = match like.map(|n| &n.body) {
                    Some(Body::Scalar(s)) => *s,
                    _ => ScalarStyle::Plain,
                };
                let text = scalar(v, style, false).unwrap_or_else(|| flow_text(v, false));
                format!(" {text}")
            }
            Some(Body::Seq { flow: true, .. }) | Some(Body::Map { flow: true, .. }) => {
                format!(" {}", self.flow(v, like, was))
            }
            Some(Body::Seq { flow: false, items }) if matches!(v, Value::Sequence(_)) => {
                let dash = items.first().and_then(|i| dash_of(self.text, i.start));
                let at = dash.map(|d| self.col(d)).unwrap_or(col + 2);
                nested(at.saturating_sub(self.key_col_of(like)).min(8))
            }
            Some(Body::Map { flow: false, .. }) if matches!(v, Value::Mapping(_)) => nested(
                like.map(|n| self.col(n.start).saturating_sub(self.key_col_of(like)))
                    .filter(|o| *o > 0)
                    .unwrap_or(2),
            ),
            _ if simple(v) => format!(" {}", flow_text(v, matches!(v, Value::Mapping(_)))),
            _ => format!(
                "{}{}{}",
                self.nl,
                " ".repeat(col + 2),
                self.block(v, None, None, col + 2)
            ),
        }
    }

    /// The column of the key that holds `like` (its parent entry's key): the line's indent.
    fn key_col_of(&self, like: Option<&Node>) -> usize {
        like.map(|n| {
            let mut s = line_start(self.text, n.start);
            // The value starts on a later line than its key: the key's line is the one above.
            if s > 0 {
                s = line_start(self.text, s - 1);
            }
            let l = &self.text[s..];
            l.len() - l.trim_start_matches(' ').len()
        })
        .unwrap_or(0)
    }

    /// A value in block style whose first line starts at column `col` (already indented
    /// there); later lines are indented to `col`. Nested values follow `like`'s children.
    fn block(&self, v: &Value, like: Option<&Node>, was: Option<&Value>, col: usize) -> String {
        let pad = " ".repeat(col);
        match v {
            Value::Mapping(_) if !is_empty_collection(v) => {
                let like_entries = match like.map(|n| &n.body) {
                    Some(Body::Map {
                        entries,
                        flow: false,
                    }) => Some(entries),
                    Some(Body::Map { flow: true, .. }) => return self.flow(v, like, was),
                    _ => None,
                };
                let Value::Mapping(m) = omit_defaults(v, like, was) else {
                    return String::new();
                };
                let keys = order_like(
                    &m,
                    like_entries.map(|e| e.iter().map(|(k, _, _)| k.as_str()).collect()),
                );
                let lines: Vec<String> = keys
                    .into_iter()
                    .filter_map(|k| {
                        let key = k.as_str()?;
                        let child = like_entries
                            .and_then(|e| e.iter().find(|(kk, _, _)| kk == key))
                            .map(|(_, _, n)| n);
                        let child_was = was.and_then(|w| w.get(key));
                        let value = self.value_after_key(m.get(&k)?, child, child_was, col);
                        Some(format!("{}:{value}", key_text(key)))
                    })
                    .collect();
                lines.join(&format!("{}{pad}", self.nl))
            }
            Value::Sequence(s) if !s.is_empty() => {
                let items = match like.map(|n| &n.body) {
                    Some(Body::Seq { items, flow: false }) => Some(items),
                    Some(Body::Seq { flow: true, .. }) => return self.flow(v, like, was),
                    _ => None,
                };
                // Each item like the sibling's item at its place (or the first).
                let pick = |i: usize| {
                    if items.is_some_and(|it| i < it.len()) {
                        i
                    } else {
                        0
                    }
                };
                let item_like = |i: usize| items.and_then(|it| it.get(pick(i)));
                let item_was = |i: usize| match was {
                    Some(Value::Sequence(w)) => w.get(pick(i)),
                    _ => None,
                };
                s.iter()
                    .enumerate()
                    .map(|(i, item)| {
                        format!("- {}", self.block(item, item_like(i), item_was(i), col + 2))
                    })
                    .collect::<Vec<_>>()
                    .join(&format!("{}{pad}", self.nl))
            }
            _ => scalar(v, ScalarStyle::Plain, false).unwrap_or_else(|| flow_text(v, false)),
        }
    }
}

/// `v` without the keys its sibling leaves out at their default: a key the sibling's text
/// (`like`) does not write although its value (`was`) holds it, where `v` holds the same.
fn omit_defaults(v: &Value, like: Option<&Node>, was: Option<&Value>) -> Value {
    let (Value::Mapping(m), Some(Body::Map { entries, .. }), Some(Value::Mapping(w))) =
        (v, like.map(|n| &n.body), was)
    else {
        return v.clone();
    };
    let kept = m.iter().filter(|(k, x)| {
        let written = entries
            .iter()
            .any(|(key, _, _)| Some(key.as_str()) == k.as_str());
        written || w.get(*k) != Some(*x)
    });
    Value::Mapping(kept.map(|(k, x)| (k.clone(), x.clone())).collect())
}

/// Pairs of (old index, new index) of items that are the same item: matched by `id`, `name`,
/// `field` or (a composite's part) `journey` when they have one, else by equal value; the
/// longest such ordered matching.
fn align(old: &[Value], new: &[Value]) -> Vec<(usize, usize)> {
    let ident = |v: &Value| -> Value {
        if let Value::Mapping(m) = v {
            for k in ["id", "name", "field", "journey"] {
                if let Some(x) = m.get(k) {
                    return Value::Mapping(Mapping::from_iter([(Value::from(k), x.clone())]));
                }
            }
        }
        v.clone()
    };
    let a: Vec<Value> = old.iter().map(ident).collect();
    let b: Vec<Value> = new.iter().map(ident).collect();
    let mut pairs = lcs(old.len(), new.len(), |i, j| a[i] == b[j]);
    // Between two matched items, an item whose identity changed (a renamed touchpoint) is
    // still the same item when most of its keys are: pair those too.
    let mut extra = Vec::new();
    let mut prev = (0, 0);
    for &(po, pn) in pairs.iter().chain(std::iter::once(&(old.len(), new.len()))) {
        let (os, ns) = prev;
        for (i, j) in lcs(po - os, pn - ns, |i, j| alike(&old[os + i], &new[ns + j])) {
            extra.push((os + i, ns + j));
        }
        prev = (po + 1, pn + 1);
    }
    pairs.extend(extra);
    pairs.sort_unstable();
    pairs
}

/// Whether two list items are one item edited: maps sharing at least half of their entries.
fn alike(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Mapping(x), Value::Mapping(y)) => {
            let same = x.iter().filter(|(k, v)| y.get(*k) == Some(*v)).count();
            2 * same >= x.len().max(y.len())
        }
        _ => false,
    }
}

/// The longest ordered matching of `n` and `m` items under `eq`.
fn lcs(n: usize, m: usize, eq: impl Fn(usize, usize) -> bool) -> Vec<(usize, usize)> {
    // Models hold at most a few hundred items per list.
    let mut t = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if eq(i, j) {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if eq(i, j) {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if t[i + 1][j] >= t[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The keys of `m` in the order the sibling uses; keys it lacks stay after the key they
/// follow in `m`.
fn order_like(m: &Mapping, like: Option<Vec<&str>>) -> Vec<Value> {
    let keys: Vec<Value> = m.keys().cloned().collect();
    let Some(like) = like else { return keys };
    let mut rank = 0.0f64;
    let mut ranked: Vec<(f64, usize, Value)> = keys
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            match k.as_str().and_then(|s| like.iter().position(|l| *l == s)) {
                Some(p) => rank = p as f64,
                None => rank += 0.001,
            }
            (rank, i, k)
        })
        .collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    ranked.into_iter().map(|(_, _, k)| k).collect()
}

fn is_collection(v: &Value) -> bool {
    matches!(v, Value::Mapping(_) | Value::Sequence(_))
}

fn is_empty_collection(v: &Value) -> bool {
    match v {
        Value::Mapping(m) => m.is_empty(),
        Value::Sequence(s) => s.is_empty(),
        _ => false,
    }
}

/// Short enough and flat enough to sit on its key's line, as the project's files write them.
fn simple(v: &Value) -> bool {
    let flat = match v {
        Value::Sequence(s) => s.iter().all(|x| !is_collection(x)),
        Value::Mapping(m) => m.values().all(|x| !is_collection(x)),
        _ => true,
    };
    flat && flow_text(v, true).len() <= 72
}

/// A value in flow style.
fn flow_text(v: &Value, padded: bool) -> String {
    match v {
        Value::Mapping(m) if m.is_empty() => "{}".into(),
        Value::Sequence(s) if s.is_empty() => "[]".into(),
        Value::Mapping(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, x)| {
                    let key = k
                        .as_str()
                        .map(key_text)
                        .unwrap_or_else(|| flow_text(k, padded));
                    format!("{key}: {}", flow_text(x, padded))
                })
                .collect();
            if padded {
                format!("{{ {} }}", inner.join(", "))
            } else {
                format!("{{{}}}", inner.join(", "))
            }
        }
        Value::Sequence(s) => {
            let inner: Vec<String> = s.iter().map(|x| flow_text(x, padded)).collect();
            if padded && s.iter().any(is_collection) {
                format!("[ {} ]", inner.join(", "))
            } else {
                format!("[{}]", inner.join(", "))
            }
        }
        Value::Tagged(t) => flow_text(&t.value, padded),
        _ => scalar(v, ScalarStyle::Plain, true).unwrap_or_default(),
    }
}

/// A key as written: plain when it reads back as the same string, else double-quoted.
fn key_text(k: &str) -> String {
    scalar(&Value::String(k.into()), ScalarStyle::Plain, true).unwrap_or_else(|| quoted(k))
}

fn quoted(s: &str) -> String {
    // A JSON string is a valid YAML double-quoted scalar.
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{}\"", s.replace('"', "\\\"")))
}

/// A scalar in the style it had (`style`), when the value can be written so; numbers in their
/// shortest form (`65`, `12.5`).
fn scalar(v: &Value, style: ScalarStyle, in_flow: bool) -> Option<String> {
    Some(match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => {
                format!("{}", f as i64)
            }
            (None, Some(f)) if f.is_finite() => format!("{f}"),
            _ => n.to_string(),
        },
        Value::String(s) => match style {
            ScalarStyle::SingleQuoted if !s.contains('\n') => {
                format!("'{}'", s.replace('\'', "''"))
            }
            ScalarStyle::DoubleQuoted => quoted(s),
            _ if plain_ok(s, in_flow) => s.clone(),
            _ => quoted(s),
        },
        _ => return None,
    })
}

/// Whether `s` written plain reads back as the same string.
fn plain_ok(s: &str, in_flow: bool) -> bool {
    if s.is_empty()
        || s.trim() != s
        || s.contains(['\n', '\r', '\t'])
        || s.contains(" #")
        || s.contains(": ")
        || s.ends_with(':')
        || (in_flow && s.contains([',', '[', ']', '{', '}']))
    {
        return false;
    }
    // YAML 1.1 readers (other tools on the same file) take these for booleans or null.
    const WORDS: [&str; 11] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "=",
    ];
    if WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        return false;
    }
    matches!(yaml_serde::from_str::<Value>(s), Ok(Value::String(ref r)) if r == s)
}

/// The line width new folded text is wrapped at, when no sibling shows one.
const FOLD_WIDTH: usize = 100;

/// A block scalar (`|` or `>`) with its header, its content at `indent`; None when the text
/// cannot be written in that style (leading spaces, trailing blanks).
fn block_scalar(
    style: ScalarStyle,
    s: &str,
    indent: usize,
    width: usize,
    nl: &str,
) -> Option<String> {
    let body = s.strip_suffix('\n').unwrap_or(s);
    if body.is_empty()
        || body.ends_with('\n')
        || body.starts_with([' ', '\n'])
        || body.contains("\n ")
    {
        return None;
    }
    let chomp = if s.ends_with('\n') { "" } else { "-" };
    let pad = " ".repeat(indent.max(1));
    let lines: Vec<String> = match style {
        ScalarStyle::Literal => body.lines().map(str::to_string).collect(),
        _ => {
            if body.contains('\n') || body.contains("  ") || body.trim_end() != body {
                return None;
            }
            wrap(body, width.saturating_sub(indent).max(40))
        }
    };
    let ind = if matches!(style, ScalarStyle::Literal) {
        "|"
    } else {
        ">"
    };
    let content: Vec<String> = lines
        .iter()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect();
    Some(format!("{ind}{chomp}{nl}{}", content.join(nl)))
}

/// Words of a folded scalar on lines of at most `width` characters (a long word stays whole).
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in s.split(' ') {
        if !cur.is_empty() && cur.len() + 1 + w.len() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    lines.push(cur);
    lines
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0)
}

/// After the line break that ends the line holding `at` (or the end of the text).
fn line_end(text: &str, at: usize) -> usize {
    text[at..]
        .find('\n')
        .map(|i| at + i + 1)
        .unwrap_or(text.len())
}

fn starts_line(text: &str, at: usize) -> bool {
    text[line_start(text, at)..at].trim().is_empty()
}

/// The `-` of the block-sequence item whose content starts at `start`.
fn dash_of(text: &str, start: usize) -> Option<usize> {
    let before = text[..start].trim_end_matches([' ', '\t', '\r', '\n']);
    before.ends_with('-').then(|| before.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BandRule, Pillar, Rule, Weight};

    const TEXT: &str = "\
# The team's model.
name: Small   # kept
fields:
  - { id: visits, kind: number }
  - { id: webinar, kind: boolean }
journeys:
  - id: fit
    touchpoints:
      - id: web
        pillars: [time_and_effort]
        weight: 60
        note: >-
          Folded over
          two lines.
        signals:
          - { field: visits, weight: 100, rule: { scale: { from: 0, to: 10 } } }
      # The webinar's own comment.
      - id: webinar   # beside it
        pillars: [empathy]
        weight: 40
        signals:
          - { field: webinar, weight: 100, rule: flag }
tiers:
  journey: fit
  levels:
    - { name: hot, at_least: 70 }
    - { name: cold, at_least: 0 }
";

    fn saved(text: &str, edit: impl Fn(&mut Model)) -> String {
        let mut m = parse_model(text, "m").unwrap();
        edit(&mut m);
        let out = preserve(Some(text), &m).unwrap();
        assert!(out.kept_layout, "{}", out.text);
        assert_eq!(parse_model(&out.text, "m").unwrap(), m);
        out.text
    }

    #[test]
    fn a_weight_edit_replaces_only_the_number() {
        let out = saved(TEXT, |m| {
            m.journeys[0].touchpoints[0].weight = Weight(5_550)
        });
        assert_eq!(out, TEXT.replace("weight: 60", "weight: 55.5"));
        // A threshold held as 70.0 is written as the file writes numbers.
        let out = saved(TEXT, |m| {
            m.tiers.as_mut().unwrap().levels[0].at_least = 65.0
        });
        assert_eq!(out, TEXT.replace("at_least: 70", "at_least: 65"));
    }

    /// Issue 14: a composite's part weight, written in a flow map or a block, is one line.
    #[test]
    fn a_part_weight_edit_changes_one_line() {
        let text = format!(
            "{}  - id: lead\n    parts:\n      - {{ journey: fit, weight: 40 }}  # fit first\n      - journey: fit2\n        weight: 60\n",
            TEXT.replace("tiers:", "")
                .split("  journey: fit")
                .next()
                .unwrap_or_default()
        );
        let text = text.replace("journeys:\n  - id: fit", "journeys:\n  - id: fit2\n    touchpoints:\n      - { id: t, weight: 100, signals: [ { field: visits, weight: 100, rule: flag } ] }\n  - id: fit");
        let out = saved(&text, |m| {
            let lead = m.journeys.len() - 1;
            m.journeys[lead].parts[0].weight = Weight(2_500);
            m.journeys[lead].parts[1].weight = Weight(7_500);
        });
        let changed: Vec<(&str, &str)> = text
            .lines()
            .zip(out.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(
            changed,
            [
                (
                    "      - { journey: fit, weight: 40 }  # fit first",
                    "      - { journey: fit, weight: 25 }  # fit first"
                ),
                ("        weight: 60", "        weight: 75"),
            ],
            "{out}"
        );
        assert_eq!(text.lines().count(), out.lines().count());
    }

    /// Issue 14 (leftover): a `bands` rule's `missing` entry is edited in place, added as
    /// the list's last item in its siblings' flow style, and removed with nothing else
    /// changed, comments kept.
    #[test]
    fn a_bands_missing_entry_is_edited_added_and_removed_in_place() {
        let text = "name: m\nfields:\n  - { id: visits, kind: number }\njourneys:\n  - id: j\n    touchpoints:\n      - id: t\n        weight: 100  # all of it\n        signals:\n          - { field: visits, weight: 100, rule: { bands: [ { at_least: 1, value: 0.5 }, { missing: 0.4 } ] } }\n";
        let bands = |m: &mut Model| -> BandRule {
            match &m.journeys[0].touchpoints[0].signals[0].rule {
                Rule::Bands(b) => b.clone(),
                other => panic!("{other:?}"),
            }
        };
        let set = |m: &mut Model, b: BandRule| {
            m.journeys[0].touchpoints[0].signals[0].rule = Rule::Bands(b);
        };
        let out = saved(text, |m| {
            let mut b = bands(m);
            b.missing = Some(0.25);
            set(m, b);
        });
        assert_eq!(out, text.replace("{ missing: 0.4 }", "{ missing: 0.25 }"));
        let out = saved(text, |m| {
            let mut b = bands(m);
            b.missing = None;
            set(m, b);
        });
        assert_eq!(out, text.replace(", { missing: 0.4 }", ""));
        let without = text.replace(", { missing: 0.4 }", "");
        let out = saved(&without, |m| {
            let mut b = bands(m);
            b.missing = Some(0.4);
            set(m, b);
        });
        assert_eq!(out, text);
    }

    #[test]
    fn a_new_touchpoint_takes_its_siblings_style() {
        let out = saved(TEXT, |m| {
            let mut tp = m.journeys[0].touchpoints[1].clone();
            tp.id = "demo".into();
            m.journeys[0].touchpoints.push(tp);
        });
        let added = "      - id: demo\n        pillars: [empathy]\n        weight: 40\n        signals:\n          - { field: webinar, weight: 100, rule: flag }\n";
        assert_eq!(out, TEXT.replace("tiers:\n", &format!("{added}tiers:\n")));
    }

    #[test]
    fn a_deleted_touchpoint_takes_its_own_comments_only() {
        let out = saved(TEXT, |m| {
            m.journeys[0].touchpoints.remove(1);
        });
        let a = TEXT.find("      # The webinar").unwrap();
        let b = TEXT.find("tiers:").unwrap();
        assert_eq!(out, format!("{}{}", &TEXT[..a], &TEXT[b..]));
    }

    #[test]
    fn a_moved_touchpoint_takes_its_own_text_and_comments_along() {
        let out = saved(TEXT, |m| m.journeys[0].touchpoints.swap(0, 1));
        let web = TEXT.find("      - id: web").unwrap();
        let webinar = TEXT.find("      # The webinar").unwrap();
        let end = TEXT.find("tiers:").unwrap();
        let swapped = format!(
            "{}{}{}{}",
            &TEXT[..web],
            &TEXT[webinar..end],
            &TEXT[web..webinar],
            &TEXT[end..]
        );
        assert_eq!(out, swapped);
        // Items written as flow maps, too.
        let out = saved(TEXT, |m| m.fields.swap(0, 1));
        assert!(
            out.contains("  - { id: webinar, kind: boolean }\n  - { id: visits, kind: number }\n"),
            "{out}"
        );
    }

    #[test]
    fn a_folded_note_stays_folded_and_a_flow_list_stays_flow() {
        let out = saved(TEXT, |m| {
            let tp = &mut m.journeys[0].touchpoints[0];
            tp.note = Some("Folded again.".into());
            tp.pillars.push(Pillar::Empathy);
        });
        assert!(
            out.contains("        note: >-\n          Folded again.\n        signals:"),
            "{out}"
        );
        assert!(out.contains("pillars: [time_and_effort, empathy]"), "{out}");
        // Removing the last item of a flow list takes the comma before it.
        let out = saved(&out, |m| {
            m.journeys[0].touchpoints[0].pillars.pop();
        });
        assert!(out.contains("pillars: [time_and_effort]\n"), "{out}");
    }

    #[test]
    fn crlf_files_stay_crlf_and_a_bom_stays() {
        let text = format!("\u{feff}{}", TEXT.replace('\n', "\r\n"));
        let out = saved(&text, |m| {
            let mut tp = m.journeys[0].touchpoints[1].clone();
            tp.id = "demo".into();
            m.journeys[0].touchpoints.push(tp);
            m.journeys[0].touchpoints[0].weight = Weight(2_000);
        });
        assert!(out.starts_with('\u{feff}'));
        assert_eq!(out.matches('\n').count(), out.matches("\r\n").count());
        assert_eq!(out.lines().count(), TEXT.lines().count() + 5);
    }

    #[test]
    fn text_that_would_read_differently_is_quoted() {
        for name in ["yes", "12", "a: b", "x #y", "", "- z", "null"] {
            let out = saved(TEXT, |m| m.name = name.into());
            assert!(out.contains("name: \""), "{name}: {out}");
        }
        let out = saved(TEXT, |m| {
            m.journeys[0].touchpoints[0].id = "web, two".into()
        });
        assert!(out.contains("- id: web, two\n"), "{out}");
        let out = saved(TEXT, |m| {
            m.journeys[0].touchpoints[0].signals[0].field = "a, b".into();
        });
        assert!(out.contains("{ field: \"a, b\","), "{out}");
    }

    #[test]
    fn an_edit_under_a_shared_anchor_falls_back_to_the_canonical_layout() {
        // Both fields share one `missing` list; changing the first's alone cannot be a patch.
        let text = "name: A\nfields:\n  - { id: a, kind: category, missing: &na [N/A] }\n  - { id: b, kind: category, missing: *na }\njourneys:\n  - id: j\n    touchpoints:\n      - { id: t, weight: 100, signals: [ { field: a, weight: 100, rule: present } ] }\n";
        let mut m = parse_model(text, "m").unwrap();
        m.fields[0].missing.push("-".into());
        let out = preserve(Some(text), &m).unwrap();
        assert!(!out.kept_layout);
        assert_eq!(parse_model(&out.text, "m").unwrap(), m);
        // An edit elsewhere keeps the anchors as written.
        let mut m = parse_model(text, "m").unwrap();
        m.name = "B".into();
        let out = preserve(Some(text), &m).unwrap();
        assert!(out.kept_layout);
        assert_eq!(out.text, text.replace("name: A", "name: B"));
    }

    #[test]
    fn comments_are_told_from_hashes_in_text() {
        assert!(has_comments(TEXT));
        assert!(has_comments("# only this\nname: x\n"));
        assert!(!has_comments("name: \"Sales #1\"\nnote: a#b\nshow: [x]\n"));
        assert!(!has_comments(
            &try_to_yaml(&parse_model(TEXT, "m").unwrap()).unwrap()
        ));
    }

    #[test]
    fn no_original_or_an_unreadable_one_gives_the_canonical_layout() {
        let m = parse_model(TEXT, "m").unwrap();
        for original in [None, Some("name: [unclosed"), Some("")] {
            let out = preserve(original, &m).unwrap();
            assert!(!out.kept_layout);
            assert_eq!(out.text, try_to_yaml(&m).unwrap());
        }
    }
}
