//! Where things are in a model file: line and column for a path in the model.
//!
//! The YAML library reports where a parse fails, but not where a value that parsed well came
//! from, and the checks need that ("line 42: weights sum to 92.5%"). This is a small,
//! forgiving reader of YAML's structure (block and flow mappings and sequences, quoted and
//! block scalars, comments) that records the position of every key and item. It runs only on
//! text the YAML library already accepted, so it never has to report errors: where it cannot
//! follow the text it finds less, and a diagnostic falls back to its nearest located parent.

/// One step of a path into the model: a mapping key or a sequence index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path into the model, as the file nests it: `journeys[0].touchpoints[2].weight`.
pub type Path = Vec<Seg>;

/// A line and column, both counted from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Default)]
struct Node {
    pos: (usize, usize),
    entries: Vec<(String, (usize, usize), Node)>,
    items: Vec<Node>,
}

/// The positions of every key and item of one YAML text.
#[derive(Debug, Default)]
pub struct SourceMap {
    root: Node,
}

impl SourceMap {
    pub fn new(text: &str) -> SourceMap {
        let lines: Vec<&str> = text.lines().collect();
        let mut p = Reader {
            lines,
            line: 0,
            col: 0,
            budget: 2_000_000,
        };
        p.skip_document_markers();
        let root = p.node(-1, false);
        SourceMap { root }
    }

    /// The position of the deepest part of `path` found in the text.
    pub fn locate(&self, path: &[Seg]) -> Option<Position> {
        let mut node = &self.root;
        let mut found = None;
        for seg in path {
            match seg {
                Seg::Key(k) => {
                    let Some((_, kpos, child)) = node.entries.iter().find(|(key, _, _)| key == k)
                    else {
                        break;
                    };
                    found = Some(*kpos);
                    node = child;
                }
                Seg::Index(i) => {
                    let Some(child) = node.items.get(*i) else {
                        break;
                    };
                    found = Some(child.pos);
                    node = child;
                }
            }
        }
        found.map(|(l, c)| Position {
            line: l + 1,
            column: c + 1,
        })
    }
}

impl SourceMap {
    /// Where `key` is written a second time in one mapping: the first such mapping that starts
    /// at or after `from` (where the YAML library says the mapping with the duplicate begins),
    /// in file order.
    pub fn repeated_key(&self, key: &str, from: Position) -> Option<Position> {
        fn walk(n: &Node, key: &str, from_line: usize) -> Option<(usize, usize)> {
            // By line: an item's position is its dash, the library's is its first key.
            if n.pos.0 >= from_line {
                let mut seen = false;
                for (k, kpos, _) in &n.entries {
                    if k == key {
                        if seen {
                            return Some(*kpos);
                        }
                        seen = true;
                    }
                }
            }
            n.entries
                .iter()
                .map(|(_, _, c)| c)
                .chain(n.items.iter())
                .find_map(|c| walk(c, key, from_line))
        }
        walk(&self.root, key, from.line.saturating_sub(1)).map(|(l, c)| Position {
            line: l + 1,
            column: c + 1,
        })
    }
}

struct Reader<'a> {
    lines: Vec<&'a str>,
    line: usize,
    col: usize,
    /// Steps left: the reader gives up on pathological input rather than run long.
    budget: usize,
}

fn indent_of(s: &str) -> usize {
    s.len() - s.trim_start_matches(' ').len()
}

fn is_blank_or_comment(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || t.starts_with('#')
}

impl Reader<'_> {
    fn cur(&self) -> &str {
        self.lines.get(self.line).copied().unwrap_or("")
    }

    fn rest(&self) -> &str {
        self.cur().get(self.col..).unwrap_or("")
    }

    fn at_end(&self) -> bool {
        self.line >= self.lines.len()
    }

    fn spend(&mut self) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        true
    }

    fn skip_document_markers(&mut self) {
        while !self.at_end() {
            let l = self.cur();
            if is_blank_or_comment(l) || l.starts_with("---") || l.starts_with('%') {
                self.line += 1;
            } else {
                break;
            }
        }
        self.col = 0;
    }

    /// Skips spaces on the current line.
    fn skip_spaces(&mut self) {
        let r = self.rest();
        self.col += r.len() - r.trim_start_matches([' ', '\t']).len();
    }

    /// The next line with content, at or after `from`.
    fn next_content_line(&self, from: usize) -> Option<usize> {
        (from..self.lines.len()).find(|&i| !is_blank_or_comment(self.lines[i]))
    }

    fn rest_is_empty(&self) -> bool {
        let r = self.rest().trim_start();
        r.is_empty() || r.starts_with('#')
    }

    /// Reads the node at the cursor. `parent` is the indentation of the parent block;
    /// `in_map_value` allows a sequence at the parent's own indentation (`key:\n- a`).
    fn node(&mut self, parent: isize, in_map_value: bool) -> Node {
        if !self.spend() {
            return Node::default();
        }
        self.skip_spaces();
        if self.rest_is_empty() {
            let Some(next) = self.next_content_line(self.line + 1) else {
                self.line = self.lines.len();
                return Node::default();
            };
            let ind = indent_of(self.lines[next]) as isize;
            let is_seq = self.lines[next].trim_start().starts_with('-');
            if ind > parent || (in_map_value && ind == parent && is_seq) {
                self.line = next;
                self.col = ind as usize;
            } else {
                self.col = self.cur().len();
                return Node::default();
            }
        }
        let pos = (self.line, self.col);
        let r = self.rest();
        let first = r.chars().next().unwrap_or(' ');
        if first == '-' && (r.len() == 1 || r[1..].starts_with([' ', '\t'])) {
            return self.block_seq(self.col);
        }
        if first == '{' || first == '[' {
            let mut n = self.flow();
            n.pos = pos;
            self.col = self.cur().len();
            return n;
        }
        if first == '|' || first == '>' {
            self.block_scalar(parent);
            return Node {
                pos,
                ..Node::default()
            };
        }
        if key_end(r).is_some() {
            return self.block_map(self.col);
        }
        // A plain or quoted scalar; a plain one may go on over more-indented lines.
        self.col = self.cur().len();
        while let Some(next) = self.next_content_line(self.line + 1) {
            if (indent_of(self.lines[next]) as isize) > parent
                && key_end(self.lines[next].trim_start()).is_none()
                && !self.lines[next].trim_start().starts_with("- ")
            {
                self.line = next;
                self.col = self.cur().len();
            } else {
                break;
            }
        }
        Node {
            pos,
            ..Node::default()
        }
    }

    fn block_scalar(&mut self, parent: isize) {
        self.col = self.cur().len();
        let mut i = self.line + 1;
        while i < self.lines.len() {
            let l = self.lines[i];
            if l.trim().is_empty() || indent_of(l) as isize > parent {
                self.line = i;
                i += 1;
            } else {
                break;
            }
        }
        self.col = self.cur().len();
    }

    fn block_map(&mut self, col: usize) -> Node {
        let mut node = Node {
            pos: (self.line, col),
            ..Node::default()
        };
        loop {
            if !self.spend() {
                return node;
            }
            let r = self.rest();
            let Some(end) = key_end(r) else { break };
            let key = unquote(r[..end].trim());
            let kpos = (self.line, self.col);
            self.col += end + 1;
            let value = self.node(col as isize, true);
            node.entries.push((key, kpos, value));
            let Some(next) = self.next_content_line(self.line + 1) else {
                self.line = self.lines.len();
                break;
            };
            let ind = indent_of(self.lines[next]);
            if ind == col && !self.lines[next].trim_start().starts_with("- ") {
                self.line = next;
                self.col = col;
            } else if ind > col {
                // A line this reader could not place: step over it.
                self.line = next;
                self.col = self.cur().len();
                let Some(after) = self.next_content_line(self.line + 1) else {
                    break;
                };
                if indent_of(self.lines[after]) == col {
                    self.line = after;
                    self.col = col;
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        node
    }

    fn block_seq(&mut self, col: usize) -> Node {
        let mut node = Node {
            pos: (self.line, col),
            ..Node::default()
        };
        loop {
            if !self.spend() {
                return node;
            }
            let item_pos = (self.line, self.col);
            self.col += 1;
            let mut item = self.node(col as isize, false);
            item.pos = item_pos;
            node.items.push(item);
            let Some(next) = self.next_content_line(self.line + 1) else {
                self.line = self.lines.len();
                break;
            };
            let l = self.lines[next];
            if indent_of(l) == col && l.trim_start().starts_with('-') {
                self.line = next;
                self.col = col;
            } else {
                break;
            }
        }
        node
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// Moves over spaces and line breaks inside a flow collection.
    fn flow_space(&mut self) {
        loop {
            self.skip_spaces();
            if self.rest_is_empty() {
                if self.line + 1 >= self.lines.len() {
                    self.col = self.cur().len();
                    return;
                }
                self.line += 1;
                self.col = 0;
            } else {
                return;
            }
        }
    }

    fn flow(&mut self) -> Node {
        let mut node = Node {
            pos: (self.line, self.col),
            ..Node::default()
        };
        let Some(open) = self.peek() else { return node };
        let close = if open == '{' { '}' } else { ']' };
        self.col += 1;
        loop {
            if !self.spend() {
                return node;
            }
            self.flow_space();
            match self.peek() {
                None => return node,
                Some(c) if c == close => {
                    self.col += 1;
                    return node;
                }
                Some(',') => {
                    self.col += 1;
                    continue;
                }
                _ => {}
            }
            let start = (self.line, self.col);
            if open == '{' {
                let key = self.flow_scalar(true);
                self.flow_space();
                let value = if self.peek() == Some(':') {
                    self.col += 1;
                    self.flow_space();
                    self.flow_value()
                } else {
                    Node {
                        pos: start,
                        ..Node::default()
                    }
                };
                node.entries.push((unquote(key.trim()), start, value));
            } else {
                let mut item = self.flow_value();
                item.pos = start;
                node.items.push(item);
            }
        }
    }

    fn flow_value(&mut self) -> Node {
        let pos = (self.line, self.col);
        match self.peek() {
            Some('{') | Some('[') => {
                let mut n = self.flow();
                n.pos = pos;
                n
            }
            _ => {
                self.flow_scalar(false);
                Node {
                    pos,
                    ..Node::default()
                }
            }
        }
    }

    /// Reads a scalar inside a flow collection and returns its text.
    fn flow_scalar(&mut self, is_key: bool) -> String {
        let r = self.rest();
        if let Some(q) = r.chars().next().filter(|c| *c == '"' || *c == '\'') {
            let body = &r[1..];
            let mut end = None;
            let mut escaped = false;
            for (i, c) in body.char_indices() {
                if q == '"' && c == '\\' && !escaped {
                    escaped = true;
                    continue;
                }
                if c == q && !escaped {
                    end = Some(i);
                    break;
                }
                escaped = false;
            }
            let end = end.unwrap_or(body.len());
            let text = body[..end].to_string();
            self.col += 1 + end + 1;
            self.col = self.col.min(self.cur().len());
            return text;
        }
        let mut end = r.len();
        for (i, c) in r.char_indices() {
            let next_is_space = r[i + c.len_utf8()..].starts_with([' ', '\t']) || i + 1 == r.len();
            if c == ','
                || c == '}'
                || c == ']'
                || (is_key && c == ':' && next_is_space)
                || (c == '#' && i > 0 && r[..i].ends_with(' '))
            {
                end = i;
                break;
            }
        }
        let text = r[..end].trim().to_string();
        self.col += end;
        text
    }
}

/// Where the key of a `key: value` line ends (the index of its colon), if the text is one.
fn key_end(r: &str) -> Option<usize> {
    let first = r.chars().next()?;
    if first == '{' || first == '[' || first == '#' || first == '-' && r[1..].starts_with(' ') {
        return None;
    }
    if first == '"' || first == '\'' {
        let body = &r[1..];
        let close = body.find(first)?;
        let after = &body[close + 1..];
        let t = after.trim_start();
        if t.starts_with(':') {
            let offset = 1 + close + 1 + (after.len() - t.len());
            let rest = &r[offset + 1..];
            if rest.is_empty() || rest.starts_with([' ', '\t']) {
                return Some(offset);
            }
        }
        return None;
    }
    let bytes = r.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && i > 0 && bytes[i - 1] == b' ' {
            return None;
        }
        if b == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ' || bytes[i + 1] == b'\t') {
            return Some(i);
        }
    }
    None
}

fn unquote(s: &str) -> String {
    let t = s.trim();
    if t.len() >= 2
        && ((t.starts_with('"') && t.ends_with('"')) || (t.starts_with('\'') && t.ends_with('\'')))
    {
        t[1..t.len() - 1].to_string()
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Seg {
        Seg::Key(s.into())
    }

    const TEXT: &str = "\
name: Test   # a comment
note: |
  several lines
  of note: with colon
journeys:
  - id: expansion
    touchpoints:
      - id: qbr
        weight: 40
        signals:
          - { field: qbr_count, weight: 70, rule: { scale: { from: 0, to: 4 } } }
          - field: exec
            weight: 30
      - { id: usage, name: \"Uses: modules\", weight: 60,
          signals: [ { field: logins, weight: 100 } ] }
grades:
- id: fit
  bands: { A: 75, B: 50 }
";

    #[test]
    fn finds_keys_and_items() {
        let m = SourceMap::new(TEXT);
        let at = |p: &[Seg]| m.locate(p).map(|p| (p.line, p.column));
        assert_eq!(at(&[k("name")]), Some((1, 1)));
        assert_eq!(at(&[k("journeys")]), Some((5, 1)));
        assert_eq!(at(&[k("journeys"), Seg::Index(0)]), Some((6, 3)));
        let tp = [
            k("journeys"),
            Seg::Index(0),
            k("touchpoints"),
            Seg::Index(0),
            k("weight"),
        ];
        assert_eq!(at(&tp), Some((9, 9)));
        let sig = [
            k("journeys"),
            Seg::Index(0),
            k("touchpoints"),
            Seg::Index(0),
            k("signals"),
            Seg::Index(0),
            k("weight"),
        ];
        assert_eq!(at(&sig), Some((11, 33)));
        let sig2 = [
            k("journeys"),
            Seg::Index(0),
            k("touchpoints"),
            Seg::Index(0),
            k("signals"),
            Seg::Index(1),
            k("weight"),
        ];
        assert_eq!(at(&sig2), Some((13, 13)));
        let usage = [
            k("journeys"),
            Seg::Index(0),
            k("touchpoints"),
            Seg::Index(1),
            k("signals"),
            Seg::Index(0),
            k("weight"),
        ];
        assert_eq!(at(&usage), Some((15, 39)));
        assert_eq!(
            at(&[k("grades"), Seg::Index(0), k("bands"), k("B")]),
            Some((18, 19))
        );
    }

    #[test]
    fn falls_back_to_the_nearest_parent() {
        let m = SourceMap::new(TEXT);
        let p = m.locate(&[k("journeys"), Seg::Index(0), k("nothing")]);
        assert_eq!(p, Some(Position { line: 6, column: 3 }));
    }

    #[test]
    fn never_panics_on_odd_text() {
        for t in [
            "",
            ":",
            "- ",
            "{",
            "[[[",
            "a: {b: [c, {d: ",
            "'x': \"y",
            "- - - a",
            "a:\n\t- b",
            "ä: ü\n  - ö",
        ] {
            let m = SourceMap::new(t);
            let _ = m.locate(&[k("a"), Seg::Index(0)]);
        }
    }
}
