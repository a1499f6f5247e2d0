//! Derived fields: `{ id: visits_per_mail, kind: number, expr: "web_visits_30d / (emails_sent_30d + 1)" }`.
//!
//! An expression is parsed once, when the model is read, by a small Pratt parser into a typed
//! tree (`Expr`) that derives `Hash` and `Eq`: number literals are held as their bits, so a
//! tree is a structural key for caches. A syntax error is kept with the field (not a failed
//! load), so the designer still opens the file and `check` reports it at the field's line,
//! with the column in the expression where it went wrong. Typing (`Expr::type_of`) runs against
//! the model's fields at check time: an unknown field gets a did-you-mean, an operator or a
//! function given the wrong types names them and its column.
//!
//! Meaning, the same in the engine (`engine::derive`) and every SQL dialect
//! (`export::plan`): any missing input gives a missing value, except through `coalesce` (the
//! first value that is not missing) and `if` (a missing condition takes the `else` branch); a
//! division by zero and the log of a number that is not above 0 are missing too.
//!
//! Printing a tree (`Display`) gives text that parses back into the same tree: the property
//! test in `tests/properties.rs` holds that.

use super::types::FieldKind;
use std::fmt;

/// The deepest nesting of an expression: far beyond anything written by hand, shallow
/// enough that the recursive parser, the typing and the evaluation never exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// A number literal, held as its bits so that trees derive `Eq` and `Hash`. Never negative
/// and always finite: `-3` is the negation of `3`, as it is written.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Num(u64);

impl Num {
    /// A literal of a finite number of 0 or more; `None` for anything else.
    pub fn new(v: f64) -> Option<Num> {
        (v.is_finite() && v >= 0.0).then(|| Num((v + 0.0).to_bits()))
    }
    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

impl fmt::Debug for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.get())
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.get();
        // Rust prints the shortest text that reads back as the same double; the exponent form
        // keeps 1e300 from being 301 characters.
        if v != 0.0 && !(1e-5..1e16).contains(&v) {
            write!(f, "{v:e}")
        } else {
            write!(f, "{v}")
        }
    }
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

impl BinOp {
    pub const ALL: [BinOp; 12] = [
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::And,
        BinOp::Or,
    ];
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }
    /// How tightly it binds: `or` loosest, then `and`, (`not`), comparisons, `+ -`, `* /`.
    fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div => 6,
        }
    }
    pub fn is_comparison(self) -> bool {
        self.precedence() == 4
    }
}

const NOT_PRECEDENCE: u8 = 3;
const NEG_PRECEDENCE: u8 = 7;

/// A function of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Func {
    Min,
    Max,
    Abs,
    Ln,
    Log10,
    Coalesce,
    DaysBetween,
    If,
}

impl Func {
    pub const ALL: [Func; 8] = [
        Func::Min,
        Func::Max,
        Func::Abs,
        Func::Ln,
        Func::Log10,
        Func::Coalesce,
        Func::DaysBetween,
        Func::If,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Func::Min => "min",
            Func::Max => "max",
            Func::Abs => "abs",
            Func::Ln => "ln",
            Func::Log10 => "log10",
            Func::Coalesce => "coalesce",
            Func::DaysBetween => "days_between",
            Func::If => "if",
        }
    }
    /// How many arguments it takes: at least, and at most (`None`: any number).
    fn arity(self) -> (usize, Option<usize>) {
        match self {
            Func::Min | Func::Max | Func::Coalesce => (2, None),
            Func::Abs | Func::Ln | Func::Log10 => (1, Some(1)),
            Func::DaysBetween => (2, Some(2)),
            Func::If => (3, Some(3)),
        }
    }
    /// Its signature and meaning, for the README's table and error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Func::Min => "min(a, b, ...): the smallest of numbers or dates",
            Func::Max => "max(a, b, ...): the largest of numbers or dates",
            Func::Abs => "abs(x): the absolute value of a number",
            Func::Ln => "ln(x): the natural log; missing unless x > 0",
            Func::Log10 => "log10(x): the log to base 10; missing unless x > 0",
            Func::Coalesce => "coalesce(a, b, ...): the first value that is not missing",
            Func::DaysBetween => "days_between(from, to): the days from one date to another",
            Func::If => "if(condition, then, else): else when the condition is false or missing",
        }
    }
}

/// A parsed expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    Number(Num),
    /// A text literal: a category value, compared trimmed and ignoring case as categories are.
    Text(String),
    Bool(bool),
    /// A field, by id.
    Field(String),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

/// The type of a value in an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Number,
    Boolean,
    Date,
    Category,
}

impl Type {
    pub fn name(self) -> &'static str {
        match self {
            Type::Number => "number",
            Type::Boolean => "boolean",
            Type::Date => "date",
            Type::Category => "category",
        }
    }
    /// The type a field of this kind reads as (text is compared as a category is).
    pub fn of_kind(kind: FieldKind) -> Type {
        match kind {
            FieldKind::Number => Type::Number,
            FieldKind::Boolean => Type::Boolean,
            FieldKind::Date => Type::Date,
            FieldKind::Category | FieldKind::Text => Type::Category,
        }
    }
    /// The field kind a derived field of this type declares.
    pub fn kind(self) -> FieldKind {
        match self {
            Type::Number => FieldKind::Number,
            Type::Boolean => FieldKind::Boolean,
            Type::Date => FieldKind::Date,
            Type::Category => FieldKind::Category,
        }
    }
}

/// What is wrong with an expression, and where: the column (in characters, from 1) in its
/// text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (column {} of the expression)",
            self.message, self.column
        )
    }
}

/// A parsed expression with the column of each node, in pre-order (the order `walk` visits
/// them), so that the tree stays a pure structural value and errors are still located.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub expr: Expr,
    pub columns: Vec<usize>,
}

/// A derived field's expression as written, with what parsing it gave. Read and written as
/// the text; two are equal when their texts are.
#[derive(Clone, Debug)]
pub struct Derivation {
    pub text: String,
    pub parsed: Result<Parsed, ExprError>,
}

impl Derivation {
    pub fn new(text: &str) -> Derivation {
        Derivation {
            text: text.to_string(),
            parsed: parse(text),
        }
    }
    /// The tree, when the text parsed.
    pub fn expr(&self) -> Option<&Expr> {
        self.parsed.as_ref().ok().map(|p| &p.expr)
    }

    /// The names the text writes where a field could stand: the tree's fields when it
    /// parsed; else every bare or backticked name outside text literals, so that a field an
    /// expression with a typo reads is not also called unused (the typo is the finding).
    pub fn names(&self) -> Vec<String> {
        if let Some(e) = self.expr() {
            return e.fields().into_iter().map(String::from).collect();
        }
        let mut out = Vec::new();
        let mut chars = self.text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' || c == '\'' || c == '`' {
                // A text literal is no name; a backticked one is, whole.
                let inner: String = chars.by_ref().take_while(|&x| x != c).collect();
                if c == '`' {
                    out.push(inner);
                }
            } else if c.is_alphabetic() || c == '_' {
                let mut name = String::from(c);
                while let Some(&x) = chars.peek().filter(|x| x.is_alphanumeric() || **x == '_') {
                    name.push(x);
                    chars.next();
                }
                out.push(name);
            }
        }
        out
    }
}

impl PartialEq for Derivation {
    fn eq(&self, other: &Derivation) -> bool {
        self.text == other.text
    }
}

impl serde::Serialize for Derivation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Derivation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Derivation, D::Error> {
        let text = String::deserialize(d)?;
        Ok(Derivation::new(&text))
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    /// A bare name (a field, a function, a keyword).
    Name(String),
    /// A name in backticks: always a field.
    Quoted(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
    End,
}

fn lex(text: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |column: usize, message: String| ExprError { column, message };
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let s: String = chars[start..i].iter().collect();
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() => out.push((Tok::Num(v), col)),
                _ => return Err(err(col, format!("'{s}' is not a number"))),
            }
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Tok::Name(chars[start..i].iter().collect()), col));
            continue;
        }
        if c == '"' || c == '\'' || c == '`' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        let what = if c == '`' { "field name" } else { "text" };
                        return Err(err(col, format!("the {what} opened here is never closed")));
                    }
                    Some('\\') if c != '`' => {
                        match chars.get(i + 1) {
                            Some(&e @ ('\\' | '"' | '\'')) => s.push(e),
                            _ => {
                                return Err(err(
                                    i + 1,
                                    "a backslash in text escapes only \\, \" or '".into(),
                                ));
                            }
                        }
                        i += 2;
                    }
                    Some(&q) if q == c => {
                        // A doubled backtick is one backtick in a field name.
                        if c == '`' && chars.get(i + 1) == Some(&'`') {
                            s.push('`');
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    Some(&o) => {
                        s.push(o);
                        i += 1;
                    }
                }
            }
            out.push((
                if c == '`' {
                    Tok::Quoted(s)
                } else {
                    Tok::Str(s)
                },
                col,
            ));
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let op = match two.as_str() {
            "<=" => Some("<="),
            ">=" => Some(">="),
            "!=" | "<>" => Some("!="),
            "==" => Some("="),
            _ => None,
        };
        if let Some(op) = op {
            out.push((Tok::Op(op), col));
            i += 2;
            continue;
        }
        let tok = match c {
            '+' => Tok::Op("+"),
            '-' => Tok::Op("-"),
            '*' => Tok::Op("*"),
            '/' => Tok::Op("/"),
            '<' => Tok::Op("<"),
            '>' => Tok::Op(">"),
            '=' => Tok::Op("="),
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            other => {
                return Err(err(
                    col,
                    format!("unexpected character '{}'", other.escape_debug()),
                ));
            }
        };
        out.push((tok, col));
        i += 1;
    }
    out.push((Tok::End, chars.len() + 1));
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// Parses an expression.
pub fn parse(text: &str) -> Result<Parsed, ExprError> {
    let tokens = lex(text)?;
    let mut p = Parser {
        tokens,
        at: 0,
        nodes: Vec::new(),
    };
    let expr = p.expr(0, 0)?;
    let (tok, col) = p.peek();
    if *tok != Tok::End {
        return Err(ExprError {
            column: col,
            message: format!("unexpected {} after a complete expression", describe(tok)),
        });
    }
    // Columns were pushed as nodes were finished (post-order); put them in pre-order.
    let columns = p.preorder(&expr);
    Ok(Parsed { expr, columns })
}

struct Parser {
    tokens: Vec<(Tok, usize)>,
    at: usize,
    /// The column of each node finished, keyed by the node's address while parsing: see
    /// `preorder`.
    nodes: Vec<usize>,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(v) => format!("number {v}"),
        Tok::Str(s) => format!("text \"{s}\""),
        Tok::Name(n) | Tok::Quoted(n) => format!("name '{n}'"),
        Tok::Op(o) => format!("'{o}'"),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::Comma => "','".into(),
        Tok::End => "end of the expression".into(),
    }
}

fn binop(t: &Tok) -> Option<BinOp> {
    Some(match t {
        Tok::Op("+") => BinOp::Add,
        Tok::Op("-") => BinOp::Sub,
        Tok::Op("*") => BinOp::Mul,
        Tok::Op("/") => BinOp::Div,
        Tok::Op("<") => BinOp::Lt,
        Tok::Op("<=") => BinOp::Le,
        Tok::Op(">") => BinOp::Gt,
        Tok::Op(">=") => BinOp::Ge,
        Tok::Op("=") => BinOp::Eq,
        Tok::Op("!=") => BinOp::Ne,
        Tok::Name(n) if n == "and" => BinOp::And,
        Tok::Name(n) if n == "or" => BinOp::Or,
        _ => return None,
    })
}

/// Names that are words of the language, never bare field names (a field of that id is
/// written in backticks).
const KEYWORDS: [&str; 5] = ["and", "or", "not", "true", "false"];

impl Parser {
    fn peek(&self) -> (&Tok, usize) {
        let (t, c) = &self.tokens[self.at.min(self.tokens.len() - 1)];
        (t, *c)
    }
    fn next(&mut self) -> (Tok, usize) {
        let t = self.tokens[self.at.min(self.tokens.len() - 1)].clone();
        self.at += 1;
        t
    }
    fn expect(&mut self, want: Tok, what: &str) -> Result<(), ExprError> {
        let (t, col) = self.next();
        if t == want {
            Ok(())
        } else {
            Err(ExprError {
                column: col,
                message: format!("expected {what}, found {}", describe(&t)),
            })
        }
    }

    /// An expression whose operators all bind tighter than `min`.
    fn expr(&mut self, min: u8, depth: usize) -> Result<Expr, ExprError> {
        let (_, col) = self.peek();
        if depth > MAX_DEPTH {
            return Err(ExprError {
                column: col,
                message: format!("the expression nests more than {MAX_DEPTH} levels deep"),
            });
        }
        let mut left = self.prefix(depth)?;
        // Each operator of a chain such as `a + b + c` wraps the tree so far one level deeper,
        // so the chain counts against the limit too: a flat chain of a million terms is as
        // deep a tree as a million parentheses.
        let mut chained = 0;
        loop {
            let (t, col) = self.peek();
            let Some(op) = binop(t) else { break };
            let p = op.precedence();
            if p <= min {
                break;
            }
            chained += 1;
            if depth + chained > MAX_DEPTH {
                return Err(ExprError {
                    column: col,
                    message: format!(
                        "the expression nests more than {MAX_DEPTH} levels deep (each operator \
                         of a chain such as a + b + c is a level; group terms with parentheses \
                         or split the expression over several derived fields)"
                    ),
                });
            }
            self.next();
            let right = self.expr(p, depth + chained)?;
            self.nodes.push(col);
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn prefix(&mut self, depth: usize) -> Result<Expr, ExprError> {
        let (t, col) = self.next();
        let e = match t {
            Tok::Num(v) => Expr::Number(Num::new(v).ok_or_else(|| ExprError {
                column: col,
                message: format!("'{v}' is not a number"),
            })?),
            Tok::Str(s) => Expr::Text(s),
            Tok::Quoted(n) => Expr::Field(n),
            Tok::Op("-") => Expr::Neg(Box::new(self.expr(NEG_PRECEDENCE, depth + 1)?)),
            Tok::Name(n) if n == "not" => {
                Expr::Not(Box::new(self.expr(NOT_PRECEDENCE, depth + 1)?))
            }
            Tok::Name(n) if n == "true" => Expr::Bool(true),
            Tok::Name(n) if n == "false" => Expr::Bool(false),
            Tok::Name(n) if KEYWORDS.contains(&n.as_str()) => {
                return Err(ExprError {
                    column: col,
                    message: format!("expected a value, found '{n}'"),
                });
            }
            Tok::Name(n) if *self.peek().0 == Tok::LParen => {
                let Some(func) = Func::ALL.iter().copied().find(|f| f.name() == n) else {
                    let names: Vec<&str> = Func::ALL.iter().map(|f| f.name()).collect();
                    let hint = match super::yaml::nearest(&n, &names) {
                        Some(best) => format!(", did you mean '{best}'?"),
                        None => format!(" (functions: {})", names.join(", ")),
                    };
                    return Err(ExprError {
                        column: col,
                        message: format!("unknown function '{n}'{hint}"),
                    });
                };
                self.next();
                let mut args = Vec::new();
                if *self.peek().0 != Tok::RParen {
                    loop {
                        args.push(self.expr(0, depth + 1)?);
                        if *self.peek().0 == Tok::Comma {
                            self.next();
                        } else {
                            break;
                        }
                    }
                }
                self.expect(Tok::RParen, "',' or ')'")?;
                let (least, most) = func.arity();
                if args.len() < least || most.is_some_and(|m| args.len() > m) {
                    let want = match most {
                        Some(m) if m == least => format!("{least}"),
                        _ => format!("at least {least}"),
                    };
                    return Err(ExprError {
                        column: col,
                        message: format!(
                            "{} takes {want} argument{}, not {}",
                            func.name(),
                            if want == "1" { "" } else { "s" },
                            args.len()
                        ),
                    });
                }
                Expr::Call(func, args)
            }
            Tok::Name(n) => Expr::Field(n),
            Tok::LParen => {
                let e = self.expr(0, depth + 1)?;
                self.expect(Tok::RParen, "')'")?;
                // The parentheses are not a node: the inner node keeps its own column.
                return Ok(e);
            }
            other => {
                return Err(ExprError {
                    column: col,
                    message: format!("expected a value, found {}", describe(&other)),
                });
            }
        };
        self.nodes.push(col);
        Ok(e)
    }

    /// The columns in pre-order. Nodes were finished in post-order, which for this tree shape
    /// is the reverse walk's mirror: rebuild by walking the tree and consuming post-order.
    fn preorder(&self, e: &Expr) -> Vec<usize> {
        // Post-order index of each node, then re-read in pre-order.
        let mut post = self.nodes.iter().copied();
        fn go(e: &Expr, post: &mut dyn Iterator<Item = usize>, out: &mut Vec<usize>) {
            let me = out.len();
            out.push(0);
            for c in e.children() {
                go(c, post, out);
            }
            out[me] = post.next().unwrap_or(1);
        }
        let mut out = Vec::new();
        go(e, &mut post, &mut out);
        out
    }
}

// ---------------------------------------------------------------------------------------------
// The tree

impl Expr {
    /// Its direct sub-expressions, in order.
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Number(_) | Expr::Text(_) | Expr::Bool(_) | Expr::Field(_) => Vec::new(),
            Expr::Neg(a) | Expr::Not(a) => vec![a],
            Expr::Binary(_, a, b) => vec![a, b],
            Expr::Call(_, args) => args.iter().collect(),
        }
    }

    /// The field ids it reads, each once, in the order first read.
    pub fn fields(&self) -> Vec<&str> {
        fn go<'a>(e: &'a Expr, out: &mut Vec<&'a str>) {
            if let Expr::Field(f) = e
                && !out.contains(&f.as_str())
            {
                out.push(f);
            }
            for c in e.children() {
                go(c, out);
            }
        }
        let mut out = Vec::new();
        go(self, &mut out);
        out
    }

    /// Its type, given the kinds of the fields (`None`: no such field). Errors are located
    /// through `columns` (the parse's pre-order columns); `known` are the ids a did-you-mean
    /// may suggest.
    pub fn type_of(
        &self,
        columns: &[usize],
        kind_of: &dyn Fn(&str) -> Option<FieldKind>,
        known: &[&str],
    ) -> Result<Type, ExprError> {
        let mut at = 0;
        type_at(self, columns, &mut at, kind_of, known)
    }

    /// Its text with each field replaced by `value(id)`: what `explain` shows
    /// (`12 / (3 + 1)`).
    pub fn show_with(&self, value: &dyn Fn(&str) -> String) -> String {
        let mut s = String::new();
        let _ = write_expr(&mut s, self, Some(value));
        s
    }

    fn precedence(&self) -> u8 {
        match self {
            Expr::Binary(op, _, _) => op.precedence(),
            Expr::Not(_) => NOT_PRECEDENCE,
            Expr::Neg(_) => NEG_PRECEDENCE,
            _ => u8::MAX,
        }
    }
}

fn type_at(
    e: &Expr,
    columns: &[usize],
    at: &mut usize,
    kind_of: &dyn Fn(&str) -> Option<FieldKind>,
    known: &[&str],
) -> Result<Type, ExprError> {
    let col = columns.get(*at).copied().unwrap_or(1);
    *at += 1;
    let err = |message: String| ExprError {
        column: col,
        message,
    };
    let mut kids = Vec::new();
    for c in e.children() {
        kids.push(type_at(c, columns, at, kind_of, known)?);
    }
    let all = |want: &[Type], what: &str| -> Result<(), ExprError> {
        match kids.iter().find(|t| !want.contains(t)) {
            Some(t) => Err(err(format!("{what}, not a {}", t.name()))),
            None => Ok(()),
        }
    };
    let same = |what: &str| -> Result<Type, ExprError> {
        let first = kids.first().copied().unwrap_or(Type::Number);
        match kids.iter().find(|t| **t != first) {
            Some(t) => Err(err(format!(
                "{what} a {} and a {}: they must be of one type",
                first.name(),
                t.name()
            ))),
            None => Ok(first),
        }
    };
    Ok(match e {
        Expr::Number(_) => Type::Number,
        Expr::Text(_) => Type::Category,
        Expr::Bool(_) => Type::Boolean,
        Expr::Field(id) => match kind_of(id) {
            Some(k) => Type::of_kind(k),
            None => {
                let hint = match super::yaml::nearest(id, known) {
                    Some(best) => format!(", did you mean '{best}'?"),
                    None => String::new(),
                };
                return Err(err(format!("unknown field '{id}'{hint}")));
            }
        },
        Expr::Neg(_) => {
            all(&[Type::Number], "'-' negates a number")?;
            Type::Number
        }
        Expr::Not(_) => {
            all(&[Type::Boolean], "'not' takes a boolean")?;
            Type::Boolean
        }
        Expr::Binary(op, _, _) => match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                all(&[Type::Number], &format!("'{}' takes numbers", op.symbol()))?;
                Type::Number
            }
            BinOp::And | BinOp::Or => {
                all(
                    &[Type::Boolean],
                    &format!("'{}' takes booleans", op.symbol()),
                )?;
                Type::Boolean
            }
            BinOp::Eq | BinOp::Ne => {
                same(&format!("'{}' compares", op.symbol()))?;
                Type::Boolean
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let t = same(&format!("'{}' compares", op.symbol()))?;
                if !matches!(t, Type::Number | Type::Date) {
                    return Err(err(format!(
                        "'{}' orders numbers or dates, not a {}",
                        op.symbol(),
                        t.name()
                    )));
                }
                Type::Boolean
            }
        },
        Expr::Call(func, _) => match func {
            Func::Min | Func::Max => {
                let t = same(&format!("{} of", func.name()))?;
                if !matches!(t, Type::Number | Type::Date) {
                    return Err(err(format!(
                        "{} takes numbers or dates, not a {}",
                        func.name(),
                        t.name()
                    )));
                }
                t
            }
            Func::Abs | Func::Ln | Func::Log10 => {
                all(&[Type::Number], &format!("{} takes a number", func.name()))?;
                Type::Number
            }
            Func::Coalesce => same("coalesce of")?,
            Func::DaysBetween => {
                all(&[Type::Date], "days_between takes two dates")?;
                Type::Number
            }
            Func::If => {
                if kids.first() != Some(&Type::Boolean) {
                    let t = kids.first().copied().unwrap_or(Type::Number);
                    return Err(err(format!(
                        "if wants a boolean condition first, not a {}",
                        t.name()
                    )));
                }
                let (a, b) = (kids[1], kids[2]);
                if a != b {
                    return Err(err(format!(
                        "if gives a {} or a {}: both branches must be of one type",
                        a.name(),
                        b.name()
                    )));
                }
                a
            }
        },
    })
}

/// Whether a field id can be written bare.
fn bare(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&id)
}

fn write_expr(
    out: &mut dyn fmt::Write,
    e: &Expr,
    value: Option<&dyn Fn(&str) -> String>,
) -> fmt::Result {
    // A child in parentheses when it binds looser than its place wants.
    let child = |out: &mut dyn fmt::Write, c: &Expr, min: u8| -> fmt::Result {
        if c.precedence() < min {
            out.write_char('(')?;
            write_expr(out, c, value)?;
            out.write_char(')')
        } else {
            write_expr(out, c, value)
        }
    };
    match e {
        Expr::Number(n) => write!(out, "{n}"),
        Expr::Text(s) => {
            out.write_char('"')?;
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    out.write_char('\\')?;
                }
                out.write_char(c)?;
            }
            out.write_char('"')
        }
        Expr::Bool(b) => write!(out, "{b}"),
        Expr::Field(id) => match value {
            Some(v) => out.write_str(&v(id)),
            None if bare(id) => out.write_str(id),
            None => write!(out, "`{}`", id.replace('`', "``")),
        },
        Expr::Neg(a) => {
            out.write_char('-')?;
            // `- -x` and `-(a + b)`: the operand is in parentheses unless it is a plain value.
            child(out, a, u8::MAX)
        }
        Expr::Not(a) => {
            out.write_str("not ")?;
            child(out, a, NOT_PRECEDENCE)
        }
        Expr::Binary(op, a, b) => {
            let p = op.precedence();
            // Left-associative: a right operand at the same level needs its parentheses.
            child(out, a, p)?;
            write!(out, " {} ", op.symbol())?;
            child(out, b, p + 1)
        }
        Expr::Call(f, args) => {
            write!(out, "{}(", f.name())?;
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.write_str(", ")?;
                }
                write_expr(out, a, value)?;
            }
            out.write_char(')')
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expr(f, self, None)
    }
}

/// The derived fields in an order where each comes after those it reads, and the cycles
/// found (each as the ids around it, the first repeated at the end). `reads(i)` are the
/// indices of the derived fields that derived field `i` reads.
pub fn order(n: usize, reads: &dyn Fn(usize) -> Vec<usize>) -> (Vec<usize>, Vec<Vec<usize>>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; n];
    let mut out = Vec::new();
    let mut cycles = Vec::new();
    fn visit(
        i: usize,
        reads: &dyn Fn(usize) -> Vec<usize>,
        mark: &mut [Mark],
        stack: &mut Vec<usize>,
        out: &mut Vec<usize>,
        cycles: &mut Vec<Vec<usize>>,
    ) {
        mark[i] = Mark::Open;
        stack.push(i);
        for j in reads(i) {
            match mark[j] {
                Mark::New => visit(j, reads, mark, stack, out, cycles),
                Mark::Open => {
                    let from = stack.iter().position(|&s| s == j).unwrap_or(0);
                    let mut c = stack[from..].to_vec();
                    c.push(j);
                    cycles.push(c);
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        mark[i] = Mark::Done;
        out.push(i);
    }
    for i in 0..n {
        if mark[i] == Mark::New {
            visit(i, reads, &mut mark, &mut Vec::new(), &mut out, &mut cycles);
        }
    }
    (out, cycles)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Expr {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e}")).expr
    }
    fn f(id: &str) -> Box<Expr> {
        Box::new(Expr::Field(id.into()))
    }
    fn n(v: f64) -> Box<Expr> {
        Box::new(Expr::Number(Num::new(v).unwrap_or_else(|| panic!("{v}"))))
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(
            p("a + b * c"),
            Expr::Binary(
                BinOp::Add,
                f("a"),
                Box::new(Expr::Binary(BinOp::Mul, f("b"), f("c")))
            )
        );
        assert_eq!(
            p("a - b - c"),
            Expr::Binary(
                BinOp::Sub,
                Box::new(Expr::Binary(BinOp::Sub, f("a"), f("b"))),
                f("c")
            )
        );
        assert_eq!(
            p("-a * 2"),
            Expr::Binary(BinOp::Mul, Box::new(Expr::Neg(f("a"))), n(2.0))
        );
        assert_eq!(
            p("not a > 1 and b or c"),
            Expr::Binary(
                BinOp::Or,
                Box::new(Expr::Binary(
                    BinOp::And,
                    Box::new(Expr::Not(Box::new(Expr::Binary(BinOp::Gt, f("a"), n(1.0))))),
                    f("b")
                )),
                f("c")
            )
        );
        assert_eq!(p("web / (mail + 1)").to_string(), "web / (mail + 1)");
        assert_eq!(p("(a - (b - c))").to_string(), "a - (b - c)");
        assert_eq!(p("- -a").to_string(), "-(-a)");
        assert_eq!(p("a <> b").to_string(), "a != b");
        assert_eq!(p("1.5e3 + .5").to_string(), "1500 + 0.5");
    }

    #[test]
    fn calls_literals_and_quoted_fields() {
        assert_eq!(
            p("if(`my field` >= 3, \"high\", 'lo\\'w')"),
            Expr::Call(
                Func::If,
                vec![
                    Expr::Binary(BinOp::Ge, f("my field"), n(3.0)),
                    Expr::Text("high".into()),
                    Expr::Text("lo'w".into()),
                ]
            )
        );
        assert_eq!(p("`and` = true").to_string(), "`and` = true");
        assert_eq!(
            p("days_between(a, b)").fields(),
            vec!["a", "b"],
            "fields in order"
        );
    }

    #[test]
    fn syntax_errors_name_their_column() {
        let e = |s: &str| parse(s).err().unwrap_or_else(|| panic!("{s} parsed"));
        assert_eq!(e("a + * b").column, 5);
        assert_eq!(e("a + * b").message, "expected a value, found '*'");
        assert_eq!(e("a $ b").column, 3);
        assert_eq!(
            e("(a + b").message,
            "expected ')', found end of the expression"
        );
        assert_eq!(
            e("a b").message,
            "unexpected name 'b' after a complete expression"
        );
        assert_eq!(
            e("lg(a)").message,
            "unknown function 'lg', did you mean 'ln'?"
        );
        assert_eq!(e("abs(a, b)").message, "abs takes 1 argument, not 2");
        assert_eq!(e("\"open").column, 1);
        let deep = format!("{}a{}", "(".repeat(200), ")".repeat(200));
        assert!(e(&deep).message.contains("nests more than"));
    }

    /// A flat chain `a + a + ...` builds a tree one level deeper per operator: a million terms
    /// overflowed the stack (typing, evaluation and dropping the tree all recurse). The chain
    /// counts against the nesting limit, stops at the operator past it, and a chain within the
    /// limit, or a long one grouped in parentheses, still parses.
    #[test]
    fn a_long_flat_chain_of_operators_is_a_located_error_not_a_stack_overflow() {
        let e = |s: &str| {
            parse(s)
                .err()
                .unwrap_or_else(|| panic!("{} parsed", s.len()))
        };
        let chain = |n: usize| vec!["a"; n].join(" + ");
        let err = e(&chain(1_000_000));
        assert!(
            err.message.contains("nests more than 64 levels deep"),
            "{}",
            err.message
        );
        assert_eq!(err.column, 4 * MAX_DEPTH + 3);
        let err = e(&chain(MAX_DEPTH + 2));
        assert!(
            err.message.contains("a + b + c is a level"),
            "{}",
            err.message
        );
        assert!(parse(&chain(MAX_DEPTH + 1)).is_ok());
        let grouped = vec![format!("({})", chain(30)); 30].join(" * ");
        assert!(parse(&grouped).is_ok());
    }

    fn ty(s: &str) -> Result<Type, ExprError> {
        let parsed = parse(s).unwrap_or_else(|e| panic!("{e}"));
        let kinds = [
            ("web_visits_30d", FieldKind::Number),
            ("emails", FieldKind::Number),
            ("industry", FieldKind::Category),
            ("opted_in", FieldKind::Boolean),
            ("signup", FieldKind::Date),
            ("last_login", FieldKind::Date),
        ];
        let known: Vec<&str> = kinds.iter().map(|(k, _)| *k).collect();
        parsed.expr.type_of(
            &parsed.columns,
            &|id| kinds.iter().find(|(k, _)| *k == id).map(|(_, t)| *t),
            &known,
        )
    }

    #[test]
    fn types_and_located_type_errors() {
        assert_eq!(ty("web_visits_30d / (emails + 1)"), Ok(Type::Number));
        assert_eq!(ty("industry = \"Retail\" and opted_in"), Ok(Type::Boolean));
        assert_eq!(ty("days_between(signup, last_login)"), Ok(Type::Number));
        assert_eq!(ty("max(signup, last_login)"), Ok(Type::Date));
        assert_eq!(ty("if(opted_in, industry, \"none\")"), Ok(Type::Category));
        assert_eq!(
            ty("web_visit_30d / 2"),
            Err(ExprError {
                column: 1,
                message: "unknown field 'web_visit_30d', did you mean 'web_visits_30d'?".into()
            })
        );
        let e = ty("emails + industry").err().unwrap_or_else(|| panic!());
        assert_eq!(
            (e.column, e.message.as_str()),
            (8, "'+' takes numbers, not a category")
        );
        let e = ty("1 + if(opted_in, 1, signup)")
            .err()
            .unwrap_or_else(|| panic!());
        assert_eq!(e.column, 5);
        assert!(e.message.contains("both branches"), "{e}");
        let e = ty("industry < \"b\"").err().unwrap_or_else(|| panic!());
        assert_eq!(e.message, "'<' orders numbers or dates, not a category");
    }

    #[test]
    fn cycles_are_found_with_their_path() {
        // 0 reads 1, 1 reads 2, 2 reads 0; 3 reads 0.
        let reads = |i: usize| match i {
            0 => vec![1],
            1 => vec![2],
            2 => vec![0],
            3 => vec![0],
            _ => vec![],
        };
        let (order, cycles) = order(4, &reads);
        assert_eq!(cycles, vec![vec![0, 1, 2, 0]]);
        assert_eq!(order.len(), 4);
        let (order, cycles) = super::order(3, &|i| if i == 2 { vec![0, 1] } else { vec![] });
        assert!(cycles.is_empty());
        assert_eq!(order, vec![0, 1, 2]);
    }
}
