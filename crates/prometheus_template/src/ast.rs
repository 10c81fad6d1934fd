//! Work on gotmpl's parse tree that Go's `text/template` does differently:
//!
//! * Go's parser rejects calls to undefined functions and uses of undeclared
//!   variables; gotmpl only notices at execution. [`check`] restores the
//!   parse-time errors so the linter sees what Prometheus sees.
//! * gotmpl has no typed maps or method calls. [`rewrite`] routes field
//!   access and method calls through helper functions (see `funcs.rs`) that
//!   reproduce Go's behaviour for Prometheus' data (label sets with
//!   `missingkey=zero`, `time.Time`, `time.Duration`).

use gotmpl::parse::{CommandNode, Expr, ListNode, Node, PipeNode, Pos, SmolStr};

use super::funcs::{FIELD_FN, METHOD_FN, PRINT_FN};

/// A parse-time error found by [`check`], at a byte offset of the parsed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub offset: usize,
    pub message: String,
}

struct Checker<'f> {
    vars: Vec<SmolStr>,
    is_func: &'f dyn Fn(&str) -> bool,
}

impl Checker<'_> {
    fn list(&mut self, l: &ListNode) -> Result<(), Found> {
        l.nodes.iter().try_for_each(|n| self.node(n))
    }

    fn node(&mut self, n: &Node) -> Result<(), Found> {
        match n {
            Node::List(l) => self.list(l),
            Node::Action(a) => self.pipe(&a.pipe),
            Node::If(b) | Node::Range(b) | Node::With(b) => {
                // Go pops variables declared anywhere in a control structure
                // (pipeline, body or else) only at its {{end}}.
                let mark = self.vars.len();
                self.pipe(&b.pipe)?;
                self.list(&b.body)?;
                if let Some(e) = &b.else_body {
                    self.list(e)?;
                }
                self.vars.truncate(mark);
                Ok(())
            }
            Node::Template(t) => t.pipe.as_ref().map_or(Ok(()), |p| self.pipe(p)),
            Node::Define(d) => {
                let saved = std::mem::replace(&mut self.vars, vec![SmolStr::new("$")]);
                let r = self.list(&d.body);
                self.vars = saved;
                r
            }
            Node::Text(_) | Node::Break(_) | Node::Continue(_) => Ok(()),
        }
    }

    fn pipe(&mut self, p: &PipeNode) -> Result<(), Found> {
        // Go records the declared names before parsing the commands, so
        // `{{ $x := $x }}` parses (and `=` does not require a declaration).
        self.vars.extend(p.decl.iter().cloned());
        for c in &p.commands {
            for a in &c.args {
                self.expr(a)?;
            }
        }
        Ok(())
    }

    fn expr(&mut self, e: &Expr) -> Result<(), Found> {
        match e {
            Expr::Identifier(pos, name) if !(self.is_func)(name) => Err(Found {
                offset: pos.offset,
                message: format!("function {:?} not defined", name.as_str()),
            }),
            Expr::Variable(pos, name, _) if !self.vars.iter().any(|v| v == name) => Err(Found {
                offset: pos.offset,
                message: format!("undefined variable {:?}", name.as_str()),
            }),
            Expr::Pipe(_, p) => self.pipe(p),
            Expr::Chain(_, inner, _) => self.expr(inner),
            _ => Ok(()),
        }
    }
}

/// Go's parse-time checks for one tree (the main body or a `{{define}}`
/// body), with `$` and `declared` in scope. Returns the first error in
/// source order.
pub(crate) fn check(
    tree: &ListNode,
    is_func: &dyn Fn(&str) -> bool,
    declared: &[&str],
) -> Result<(), Found> {
    Checker {
        vars: std::iter::once("$")
            .chain(declared.iter().copied())
            .map(SmolStr::new)
            .collect(),
        is_func,
    }
    .list(tree)
}

fn ident(pos: Pos, name: &str) -> Expr {
    Expr::Identifier(pos, SmolStr::new(name))
}

fn string(pos: Pos, s: &str) -> Expr {
    Expr::String(pos, s.into())
}

fn call(pos: Pos, args: Vec<Expr>) -> Expr {
    Expr::Pipe(
        pos,
        PipeNode {
            pos,
            decl: Vec::new(),
            commands: vec![CommandNode { pos, args }],
            is_assign: false,
        },
    )
}

/// Splits a field-access expression into its receiver and field chain.
/// Chains on a function identifier (`func.Field`) are left to gotmpl, which
/// evaluates them as a call followed by field access.
fn split_fields(e: Expr) -> Result<(Expr, Vec<SmolStr>, Pos), Expr> {
    match e {
        Expr::Field(pos, fields) => Ok((Expr::Dot(pos), fields, pos)),
        Expr::Variable(pos, name, fields) if !fields.is_empty() => {
            Ok((Expr::Variable(pos, name, Vec::new()), fields, pos))
        }
        Expr::Chain(pos, inner, fields) if !matches!(*inner, Expr::Identifier(..)) => {
            Ok((*inner, fields, pos))
        }
        other => Err(other),
    }
}

fn field_call(base: Expr, fields: &[SmolStr], pos: Pos) -> Expr {
    if fields.is_empty() {
        return base;
    }
    let mut args = vec![ident(pos, FIELD_FN), rewrite_expr(base)];
    args.extend(fields.iter().map(|f| string(pos, f)));
    call(pos, args)
}

fn rewrite_expr(e: Expr) -> Expr {
    match split_fields(e) {
        Ok((base, fields, pos)) => field_call(base, &fields, pos),
        Err(Expr::Pipe(pos, p)) => Expr::Pipe(pos, rewrite_pipe(p)),
        Err(other) => other,
    }
}

fn rewrite_pipe(mut p: PipeNode) -> PipeNode {
    let commands = std::mem::take(&mut p.commands);
    p.commands = commands
        .into_iter()
        .enumerate()
        .map(|(i, c)| rewrite_command(c, i > 0))
        .collect();
    p
}

fn rewrite_command(c: CommandNode, piped: bool) -> CommandNode {
    let CommandNode { pos, args } = c;
    let mut it = args.into_iter();
    let Some(first) = it.next() else {
        return CommandNode {
            pos,
            args: Vec::new(),
        };
    };
    let rest: Vec<Expr> = it.map(rewrite_expr).collect();
    // A field chain that receives arguments (explicitly or from the pipe) is
    // a Go method call: `(toTime .).Format "2006"`.
    if !rest.is_empty() || piped {
        match split_fields(first) {
            Ok((base, mut fields, fpos)) => {
                let Some(method) = fields.pop() else {
                    let mut args = vec![base];
                    args.extend(rest);
                    return CommandNode { pos, args };
                };
                let mut args = vec![
                    ident(fpos, METHOD_FN),
                    string(fpos, &method),
                    field_call(base, &fields, fpos),
                ];
                args.extend(rest);
                CommandNode { pos, args }
            }
            Err(other) => {
                let mut args = vec![rewrite_expr(other)];
                args.extend(rest);
                CommandNode { pos, args }
            }
        }
    } else {
        CommandNode {
            pos,
            args: vec![rewrite_expr(first)],
        }
    }
}

fn rewrite_node(n: Node) -> Node {
    match n {
        Node::List(l) => Node::List(rewrite(l)),
        Node::Action(mut a) => {
            a.pipe = rewrite_pipe(a.pipe);
            // An action without a declaration prints its value: Go's way for floats.
            if a.pipe.decl.is_empty() && !a.pipe.commands.is_empty() {
                let pos = a.pipe.pos;
                a.pipe.commands.push(CommandNode {
                    pos,
                    args: vec![ident(pos, PRINT_FN)],
                });
            }
            Node::Action(a)
        }
        Node::If(b) => Node::If(rewrite_branch(b)),
        Node::Range(b) => Node::Range(rewrite_branch(b)),
        Node::With(b) => Node::With(rewrite_branch(b)),
        Node::Template(mut t) => {
            t.pipe = t.pipe.map(rewrite_pipe);
            Node::Template(t)
        }
        Node::Define(mut d) => {
            d.body = rewrite(d.body);
            Node::Define(d)
        }
        other => other,
    }
}

fn rewrite_branch(mut b: gotmpl::parse::BranchNode) -> gotmpl::parse::BranchNode {
    b.pipe = rewrite_pipe(b.pipe);
    b.body = rewrite(b.body);
    b.else_body = b.else_body.map(rewrite);
    b
}

/// Rewrites field access and method calls into helper calls (see module docs).
pub(crate) fn rewrite(l: ListNode) -> ListNode {
    ListNode {
        pos: l.pos,
        nodes: l.nodes.into_iter().map(rewrite_node).collect(),
    }
}
