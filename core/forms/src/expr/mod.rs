//! XLSForm-compatible expressions: `${field}` references, `.` for the answer being
//! constrained, arithmetic, comparisons, `and`/`or`, and a fixed set of functions.
//!
//! The pieces fit in a line: [`lexer`] turns text into tokens, [`parser`] turns
//! tokens into an [`ast::Expr`] (which prints back as text), [`types`] checks a tree
//! against a form's fields when the form loads, and [`eval`] computes a value
//! against answers. Positions in errors are 1-based character columns.

pub mod ast;
pub mod eval;
pub mod lexer;
pub mod parser;
pub mod types;

pub use ast::{BinOp, Expr, ExprKind, Func};
pub use eval::{Env, Value};
pub use parser::{ParseError, parse, parse_choice_filter};
